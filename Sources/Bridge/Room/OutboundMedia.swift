import MediaSecurity
import RTP

/// What the bridge sends one participant, on the media I/O queue: the SRTP sender, the audio stream it
/// packetizes from the mixer, and the switched video stream it rewrites from whichever source the room selected.
///
/// Each receiver owns its own rewrite context (Janus's switching context), so a switch to another source keeps
/// sequence numbers and timestamps continuous for this receiver alone. Forwarding builds each receiver's packet
/// directly in the socket's next send slot (header, the output's extension block, then the payload encrypted
/// straight from the source packet) and queues it; the scratch buffer serves the mixed audio and RTCP.
final class OutboundMedia: @unchecked Sendable {
    static let scratchBytes = 1500 + 256

    /// One switched video stream to this receiver: on its default video section, or on one of the bridge's CLUE
    /// encodings (then `captureID` is the bridge capture the receiver configured on it).
    final class VideoOutput {
        var leg: MediaLegs.Leg { didSet { writeExtensions() } }
        var rewriter: RTPRewriter
        var source: (session: ObjectIdentifier, ssrc: UInt32)?
        /// What the CaptID extension names (RFC 8849), when negotiated.
        var captureID: String { didSet { writeExtensions() } }
        /// The header extension block every packet on this output carries (the receiver's mid, then the CaptID),
        /// written when either changes, not per packet; empty when the section negotiated neither.
        private let extensions = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 + 2 * (2 + 255) + 3,
                                                                        alignment: 4)
        private(set) var extensionsLength = 0

        init(leg: MediaLegs.Leg, captureID: String) {
            self.leg = leg
            self.captureID = captureID
            rewriter = RTPRewriter(outputSSRC: leg.localSSRC, clockRate: 90_000, waitsForKeyframe: true,
                                   initialSequence: .random(in: 0...UInt16.max),
                                   initialTimestamp: .random(in: 0...UInt32.max))
            writeExtensions()
        }

        deinit { extensions.deallocate() }

        private func writeExtensions() {
            // writeBlock builds the block after a fixed header; only the block is kept (and the header's X bit
            // follows from whether it is empty).
            let packet = UnsafeMutableRawBufferPointer.allocate(byteCount: RTPHeader.fixedLength + extensions.count,
                                                                 alignment: 4)
            defer { packet.deallocate() }
            packet[0] = 0x80
            var mid = leg.mid ?? "", capture = captureID
            let end = mid.withUTF8 { midBytes in
                capture.withUTF8 { captureBytes in
                    RTPHeaderExtensions.writeBlock(
                        leg.mid == nil ? nil : leg.midExtensionID.map { ($0, UnsafeRawBufferPointer(midBytes)) },
                        leg.captureIDExtensionID.map { ($0, UnsafeRawBufferPointer(captureBytes)) },
                        into: packet, at: RTPHeader.fixedLength)
                }
            }
            // A value writeBlock refuses (over 255 octets) leaves the packets without extensions.
            extensionsLength = (end ?? RTPHeader.fixedLength) - RTPHeader.fixedLength
            let block = RTPHeader.fixedLength..<(RTPHeader.fixedLength + extensionsLength)
            extensions.copyMemory(from: UnsafeRawBufferPointer(rebasing: packet[block]))
        }

        /// Writes the header of the source's video packet, rewritten for this output (its SSRC and numbering, its
        /// own header extensions; the source's are dropped), into `buffer`; returns its length, or nil when the
        /// packet is not for this output now or would not fit. The payload (from `header.payloadRange.lowerBound`
        /// to the end, padding included) is for the caller to encrypt into place straight from the source.
        func writeHeader(_ packet: UnsafeRawBufferPointer, header: RTPHeader, now: ContinuousClock.Instant,
                         into buffer: UnsafeMutableRawBufferPointer) -> Int? {
            guard header.ssrc == rewriter.selectedSource else { return nil }
            if rewriter.waitingForKeyframe {
                let payload = UnsafeRawBufferPointer(rebasing: packet[header.payloadRange])
                let keyframe = leg.codecs[header.payloadType] == .h264 || leg.sendCodec == .h264
                    ? VideoKeyframe.isH264Keyframe(payload) : VideoKeyframe.isVP8Keyframe(payload)
                guard keyframe else { return nil }
                rewriter.keyframeArrived()
            }
            // The fixed header and CSRCs, then this output's extension block.
            let fixedLength = RTPHeader.fixedLength + 4 * header.csrcCount
            let headerLength = fixedLength + extensionsLength
            guard headerLength + packet.count - header.payloadRange.lowerBound + 32 <= buffer.count else { return nil }
            let base = buffer.baseAddress!
            base.copyMemory(from: packet.baseAddress!, byteCount: fixedLength)
            base.storeBytes(of: extensionsLength == 0 ? packet[0] & ~0x10 : packet[0] | 0x10, as: UInt8.self)
            guard case .forward = rewriter.rewrite(UnsafeMutableRawBufferPointer(start: base, count: fixedLength),
                                                   header: header, now: now) else { return nil }
            (base + fixedLength).copyMemory(from: extensions.baseAddress!, byteCount: extensionsLength)
            return headerLength
        }
    }

    let sender: SRTPSender
    var remote: SocketAddress
    var legs: MediaLegs {
        didSet { if let leg = legs.video { defaultVideo?.leg = leg } }
    }
    /// The switched video on the receiver's default video section (when the bridge sends there).
    let defaultVideo: VideoOutput?
    /// CLUE encoding outputs by encoding ID.
    var clueOutputs: [String: VideoOutput] = [:]
    private(set) var audioSequence = UInt16.random(in: 0...UInt16.max)
    private(set) var audioTimestamp = UInt32.random(in: 0...UInt32.max)
    /// When the last mixed audio packet went out, for the bridge's own sender report on it.
    private(set) var audioSentAt: ContinuousClock.Instant?
    let scratch: UnsafeMutableRawBufferPointer
    var sent = (audioPackets: 0, audioBytes: 0, audioPayloadBytes: 0, videoPackets: 0, videoBytes: 0)

    init(sender: SRTPSender, remote: SocketAddress, legs: MediaLegs) {
        self.sender = sender
        self.remote = remote
        self.legs = legs
        scratch = .allocate(byteCount: Self.scratchBytes, alignment: 8)
        defaultVideo = legs.video.flatMap { $0.bridgeSends ? VideoOutput(leg: $0, captureID: "VC0") : nil }
    }

    deinit { scratch.deallocate() }

    /// Writes one mixed audio frame as an RTP packet into the scratch buffer, protected; returns its length.
    func packetizeAudio(_ payload: [UInt8], timestampStep: UInt32) -> Int? {
        guard let audio = legs.audio, audio.bridgeSends, payload.count + 64 <= scratch.count else { return nil }
        audioSequence &+= 1
        audioTimestamp &+= timestampStep
        var length = RTPHeader.fixedLength
        scratch[0] = 0x80
        scratch[1] = audio.sendPayloadType & 0x7F
        scratch.storeBigEndian(audioSequence, at: 2)
        scratch.storeBigEndian(audioTimestamp, at: 4)
        scratch.storeBigEndian(audio.localSSRC, at: 8)
        payload.withUnsafeBytes { bytes in
            (scratch.baseAddress! + length).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        }
        length += payload.count
        if let id = audio.midExtensionID, let mid = audio.mid {
            var text = mid
            length = text.withUTF8 { utf8 in
                (try? RTPHeaderExtensions.set(id: id, value: UnsafeRawBufferPointer(utf8), in: scratch,
                                              length: length)) ?? length
            }
        }
        guard let protected = try? sender.protectRTP(scratch, length: length) else { return nil }
        sent.audioPackets += 1
        sent.audioBytes += protected
        sent.audioPayloadBytes += payload.count
        audioSentAt = .now
        return protected
    }

    /// The bridge's sender report on the mixed audio it sends this receiver (RFC 3550 section 6.4.1): the wall clock
    /// now, and the RTP time the stream has reached by now at 48 kHz (or the codec's clock).
    func audioSenderReport(now: ContinuousClock.Instant, wallClock: UInt64) -> RTCPSenderReport? {
        guard let audio = legs.audio, audio.bridgeSends, let last = audioSentAt else { return nil }
        let rate = Int64(audio.sendCodec.clockRate ?? 48_000)
        let elapsed = now - last
        let ticks = elapsed.components.seconds * rate + elapsed.components.attoseconds / 1_000_000_000 * rate
            / 1_000_000_000
        return RTCPSenderReport(ssrc: audio.localSSRC, ntpTimestamp: wallClock,
                                rtpTimestamp: audioTimestamp &+ UInt32(truncatingIfNeeded: ticks),
                                packetCount: UInt32(truncatingIfNeeded: sent.audioPackets),
                                octetCount: UInt32(truncatingIfNeeded: sent.audioPayloadBytes))
    }

    /// The CLUE encodings negotiated by the latest offer/answer; outputs of encodings that went away stop.
    func setCLUEVideo(_ legs: [String: MediaLegs.Leg]) {
        for label in clueOutputs.keys where legs[label] == nil { clueOutputs[label] = nil }
        for (label, leg) in legs {
            if let output = clueOutputs[label] {
                output.leg = leg
            } else {
                clueOutputs[label] = VideoOutput(leg: leg, captureID: "-")
            }
        }
    }

    /// The output on a CLUE encoding, or the default video output for nil.
    func videoOutput(encoding: String?) -> VideoOutput? {
        guard let encoding else { return defaultVideo }
        return clueOutputs[encoding]
    }

    /// Every video output, the default one first.
    var videoOutputs: [VideoOutput] {
        (defaultVideo.map { [$0] } ?? []) + clueOutputs.values
    }

    /// The source streams feeding the output with this SSRC (a receiver's PLI or FIR names it); every fed output
    /// when the SSRC is none of them (a receiver that names its own idea of the stream still gets a keyframe).
    func sources(ofOutputSSRC ssrc: UInt32) -> [MediaService.VideoStream] {
        var all: [(outputSSRC: UInt32, source: MediaService.VideoStream)] = []
        for output in videoOutputs {
            guard let source = output.source else { continue }
            all.append((output.rewriter.outputSSRC, MediaService.VideoStream(session: source.session, ssrc: source.ssrc)))
        }
        let named = all.filter { $0.outputSSRC == ssrc }
        return (named.isEmpty ? all : named).map(\.source)
    }

    /// A NACK on one of this receiver's video outputs, in the numbering of the source stream feeding it.
    func translate(_ nack: RTCPGenericNACK) -> (MediaService.VideoStream, RTCPGenericNACK)? {
        for output in videoOutputs where output.rewriter.outputSSRC == nack.mediaSSRC {
            guard let source = output.source, let translated = output.rewriter.translate(nack, senderSSRC: 0) else {
                continue
            }
            return (MediaService.VideoStream(session: source.session, ssrc: source.ssrc), translated)
        }
        return nil
    }

    /// Writes the source's video packet, rewritten for `output` and protected, into `buffer` (the socket's next
    /// send slot, or the scratch buffer); returns the length to send, or nil when the packet is not for this output
    /// now.
    func forwardVideo(on output: VideoOutput, packet: UnsafeRawBufferPointer, header: RTPHeader,
                      now: ContinuousClock.Instant, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        guard let headerLength = output.writeHeader(packet, header: header, now: now, into: buffer) else { return nil }
        // The payload is encrypted from the source packet into place: it is read once and written once.
        let payloadStart = header.payloadRange.lowerBound
        guard let protected = try? sender.protectRTP(buffer, length: headerLength + packet.count - payloadStart,
                                                     payloadFrom: packet.baseAddress! + payloadStart) else {
            return nil
        }
        sent.videoPackets += 1
        sent.videoBytes += protected
        return protected
    }
}
