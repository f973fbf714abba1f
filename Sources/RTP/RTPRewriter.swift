/// Source payload type to receiver payload type: the same codec may carry different numbers on each leg (RFC 3264
/// section 6.1). Unlisted types pass unchanged. Built once per selection; lookups allocate nothing.
public struct RTPPayloadTypeMap: Sendable, Hashable {
    private var table: [UInt8]  // empty: identity

    public init(_ mapping: [UInt8: UInt8] = [:]) {
        guard !mapping.isEmpty else {
            table = []
            return
        }
        table = (0..<128).map { UInt8($0) }
        for (source, receiver) in mapping where source < 128 { table[Int(source)] = receiver & 0x7F }
    }

    public static let identity = RTPPayloadTypeMap()

    public subscript(payloadType: UInt8) -> UInt8 {
        table.isEmpty ? payloadType : table[Int(payloadType & 0x7F)]
    }
}

/// What became of one packet offered to an `RTPRewriter`.
public enum RTPRewriteOutcome: Sendable, Hashable {
    /// Rewritten in place; send it. `firstAfterSwitch` marks the first packet of a newly selected source (the
    /// moment to send the CaptID extension and SDES item, RFC 8849 section 5).
    case forward(firstAfterSwitch: Bool)
    case drop(RTPDropReason)
}

public enum RTPDropReason: Sendable, Hashable {
    /// The packet's source is not the one selected for this output stream.
    case notSelected
    /// The selected source has not yet sent a keyframe since the switch (see `RTPRewriter.keyframeArrived()`).
    case waitingForKeyframe
    /// The same source sequence number was already forwarded.
    case duplicate
    /// Older than the switch to this source: it would number before packets already sent.
    case precedesSwitch
    /// Too far behind the highest forwarded sequence number to tell it from a duplicate.
    case tooOld
}

/// One output stream of one receiver in a switching mixer (RFC 7667 section 3.7): whichever source is selected,
/// the receiver sees one SSRC whose sequence numbers and timestamps run on as if one sender had sent everything.
///
/// Each receiver keeps its own rewriter, as Janus keeps a switching context per subscriber. On the first packet
/// of a newly selected source the sequence number continues at the last output plus one, and the timestamp at the
/// last output plus the wall-clock time elapsed since that output in the clock's units; from then on the
/// source's own spacing, reordering and losses pass through unchanged. Reads no clock; allocates nothing.
public struct RTPRewriter: Sendable {
    public let outputSSRC: UInt32
    /// The RTP clock rate of the output stream (90000 for video, 48000 for Opus).
    public let clockRate: UInt32
    /// Whether a switch waits for a keyframe from the new source (video) or not (audio).
    public let waitsForKeyframe: Bool

    public private(set) var selectedSource: UInt32?
    /// True from a switch until the caller reports the new source's keyframe with `keyframeArrived()`; meanwhile
    /// its packets are dropped (the caller asks for a keyframe with PLI or FIR, RFC 4585 section 6.3.1).
    public private(set) var waitingForKeyframe = false
    /// Packets forwarded since the last switch (RFC 8849 section 5.2 wants CaptID in the first few).
    public private(set) var packetsSinceSwitch = 0
    /// Sender's packet and octet counts of the output stream, as its sender reports carry them (RFC 3550 6.4.1).
    public private(set) var packetsSent: UInt32 = 0
    public private(set) var octetsSent: UInt32 = 0

    private var payloadTypes = RTPPayloadTypeMap.identity
    private var lastSequence: UInt16
    private var lastTimestamp: UInt32
    private var lastOutput: ContinuousClock.Instant?
    // The selected source once its first packet went out.
    private var mapped = false
    private var sequenceOffset: UInt16 = 0
    private var timestampOffset: UInt32 = 0
    private var baseSequence: UInt16 = 0
    /// The output sequence number of the current source's first packet.
    private var switchSequence: UInt16 = 0
    private var highestSequence: UInt16 = 0
    /// Bit n set: source sequence `highestSequence - n` was forwarded.
    private var forwarded: UInt64 = 0

    /// `initialSequence` and `initialTimestamp` should be random (RFC 3550 section 5.1); the caller draws them.
    public init(outputSSRC: UInt32, clockRate: UInt32, waitsForKeyframe: Bool, initialSequence: UInt16,
                initialTimestamp: UInt32) {
        self.outputSSRC = outputSSRC
        self.clockRate = clockRate
        self.waitsForKeyframe = waitsForKeyframe
        lastSequence = initialSequence &- 1
        lastTimestamp = initialTimestamp
    }

    /// Selects the source whose packets this stream carries from now on (nil: none). Packets of any other source
    /// are dropped from now on. Selecting the current source again only updates the payload type map.
    public mutating func select(source: UInt32?, payloadTypes: RTPPayloadTypeMap = .identity) {
        self.payloadTypes = payloadTypes
        guard source != selectedSource else { return }
        selectedSource = source
        mapped = false
        packetsSinceSwitch = 0
        waitingForKeyframe = waitsForKeyframe && source != nil
    }

    /// The caller saw a keyframe start in a packet of the selected source (`VideoKeyframe`); that packet and the
    /// ones after it are forwarded.
    public mutating func keyframeArrived() {
        waitingForKeyframe = false
    }

    /// Rewrites SSRC, sequence number, timestamp and payload type of the packet in place when it is to be sent.
    /// `header` is the packet's parsed header; `now` is when it arrived.
    public mutating func rewrite(_ packet: UnsafeMutableRawBufferPointer, header: RTPHeader,
                                 now: ContinuousClock.Instant) -> RTPRewriteOutcome {
        guard header.ssrc == selectedSource, packet.count >= RTPHeader.fixedLength else { return .drop(.notSelected) }
        guard !waitingForKeyframe else { return .drop(.waitingForKeyframe) }
        let sequence = header.sequenceNumber
        var first = false
        var newest = true
        if !mapped {
            first = true
            let outputTimestamp: UInt32
            if let lastOutput {
                outputTimestamp = lastTimestamp &+ ticks(from: lastOutput, to: now)
            } else {
                outputTimestamp = lastTimestamp
            }
            sequenceOffset = (lastSequence &+ 1) &- sequence
            timestampOffset = outputTimestamp &- header.timestamp
            baseSequence = sequence
            switchSequence = lastSequence &+ 1
            highestSequence = sequence
            forwarded = 1
            mapped = true
        } else {
            let ahead = sequence &- highestSequence
            if ahead != 0 && ahead < 0x8000 {
                forwarded = ahead >= 64 ? 1 : forwarded << UInt64(ahead) | 1
                highestSequence = sequence
                // Keep the switch point comparable (within half the sequence space) however long the source runs.
                if highestSequence &- baseSequence > 0x1000 { baseSequence = highestSequence &- 64 }
            } else {
                newest = false
                let behind = highestSequence &- sequence
                if behind >= 64 { return .drop(.tooOld) }
                if sequence &- baseSequence >= 0x8000 { return .drop(.precedesSwitch) }
                let bit: UInt64 = 1 << UInt64(behind)
                if forwarded & bit != 0 { return .drop(.duplicate) }
                forwarded |= bit
            }
        }
        let outputSequence = sequence &+ sequenceOffset
        let outputTimestamp = header.timestamp &+ timestampOffset
        if newest {
            lastSequence = outputSequence
            lastTimestamp = outputTimestamp
            lastOutput = now
        }
        packet[1] = packet[1] & 0x80 | payloadTypes[header.payloadType]
        packet.storeBigEndian(outputSequence, at: 2)
        packet.storeBigEndian(outputTimestamp, at: 4)
        packet.storeBigEndian(outputSSRC, at: 8)
        packetsSinceSwitch += 1
        packetsSent &+= 1
        octetsSent &+= UInt32(truncatingIfNeeded: header.payloadRange.count)
        return .forward(firstAfterSwitch: first)
    }

    /// The source's sequence number for an output sequence number, to route a receiver's NACK (RFC 4585 section
    /// 6.2.1) to the current source; nil before the source's first packet went out.
    public func sourceSequence(forOutput sequence: UInt16) -> UInt16? {
        mapped ? sequence &- sequenceOffset : nil
    }

    /// A receiver's NACK on this output stream as a NACK to the current source (RFC 4585 section 6.2.1), sent by
    /// `senderSSRC`: output sequence numbers become the source's, and those sent before the switch to this source
    /// (another source's packets) are left out. Nil when the NACK is for another stream or nothing remains.
    ///
    /// The packets named are forgotten as forwarded, so that the source's retransmission of each passes once.
    public mutating func translate(_ nack: RTCPGenericNACK, senderSSRC: UInt32) -> RTCPGenericNACK? {
        guard mapped, let source = selectedSource, nack.mediaSSRC == outputSSRC else { return nil }
        let firstOutput = switchSequence
        let lost = nack.lostSequenceNumbers.filter { $0 &- firstOutput < 0x8000 }.map { $0 &- sequenceOffset }
        guard !lost.isEmpty else { return nil }
        for sequence in lost {
            let behind = highestSequence &- sequence
            if behind < 64 { forwarded &= ~(UInt64(1) << UInt64(behind)) }
        }
        return RTCPGenericNACK(senderSSRC: senderSSRC, mediaSSRC: source, lost: lost)
    }

    /// A receiver's PLI on this output stream as a PLI to the current source (RFC 4585 section 6.3.1), sent by
    /// `senderSSRC`; nil when it is for another stream or no source is selected.
    public func translate(_ pli: RTCPPictureLossIndication, senderSSRC: UInt32) -> RTCPPictureLossIndication? {
        guard let source = selectedSource, pli.mediaSSRC == outputSSRC else { return nil }
        return RTCPPictureLossIndication(senderSSRC: senderSSRC, mediaSSRC: source)
    }

    /// The current source's sender report as this output stream's: SSRC, RTP timestamp and counts of the output,
    /// the source's NTP time, no report blocks (they describe the source's own reception). Nil for another SSRC or
    /// before the source's first packet went out (RFC 7667 section 3.7: the mixer speaks for the stream it sends).
    public func translate(_ report: RTCPSenderReport) -> RTCPSenderReport? {
        guard mapped, report.ssrc == selectedSource else { return nil }
        return RTCPSenderReport(ssrc: outputSSRC, ntpTimestamp: report.ntpTimestamp,
                                rtpTimestamp: report.rtpTimestamp &+ timestampOffset, packetCount: packetsSent,
                                octetCount: octetsSent)
    }

    /// Wall-clock time in RTP clock units, at least 1 so that a new source's first frame never repeats a timestamp.
    private func ticks(from start: ContinuousClock.Instant, to end: ContinuousClock.Instant) -> UInt32 {
        let (seconds, attoseconds) = start.duration(to: end).components
        guard seconds >= 0, attoseconds >= 0 else { return 1 }
        let whole = min(seconds, Int64(UInt32.max)) * Int64(clockRate)
        let fraction = attoseconds / 1_000_000_000 * Int64(clockRate) / 1_000_000_000  // via nanoseconds: no overflow
        return UInt32(truncatingIfNeeded: Swift.max(1, whole + fraction))
    }
}

extension UnsafeMutableRawBufferPointer {
    /// Network byte order writes for headers built in place (the bridge's packetizer uses them too).
    @inline(__always)
    public func storeBigEndian(_ value: UInt16, at offset: Int) {
        self[offset] = UInt8(value >> 8)
        self[offset + 1] = UInt8(value & 0xFF)
    }

    @inline(__always)
    public func storeBigEndian(_ value: UInt32, at offset: Int) {
        self[offset] = UInt8(value >> 24)
        self[offset + 1] = UInt8(value >> 16 & 0xFF)
        self[offset + 2] = UInt8(value >> 8 & 0xFF)
        self[offset + 3] = UInt8(value & 0xFF)
    }
}
