/// One reception report block of an SR or RR (RFC 3550 section 6.4.1).
///
///      0                   1                   2                   3
///      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///     +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
///     |                 SSRC_1 (SSRC of first source)                 |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     | fraction lost |       cumulative number of packets lost       |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |           extended highest sequence number received           |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |                      interarrival jitter                      |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |                         last SR (LSR)                         |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |                   delay since last SR (DLSR)                  |
///     +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
public struct RTCPReportBlock: Sendable, Hashable {
    public static let length = 24

    public var ssrc: UInt32
    /// Lost fraction since the previous report, in 1/256 (RFC 3550 appendix A.3).
    public var fractionLost: UInt8
    /// Signed 24 bits on the wire; values beyond are clamped when written.
    public var cumulativeLost: Int32
    public var extendedHighestSequence: UInt32
    public var jitter: UInt32
    /// The middle 32 bits of the NTP timestamp of the last SR received from this source, 0 if none.
    public var lastSenderReport: UInt32
    /// Delay since that SR in 1/65536 s, 0 if none.
    public var delaySinceLastSenderReport: UInt32

    public init(ssrc: UInt32, fractionLost: UInt8 = 0, cumulativeLost: Int32 = 0, extendedHighestSequence: UInt32 = 0,
                jitter: UInt32 = 0, lastSenderReport: UInt32 = 0, delaySinceLastSenderReport: UInt32 = 0) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        self.cumulativeLost = cumulativeLost
        self.extendedHighestSequence = extendedHighestSequence
        self.jitter = jitter
        self.lastSenderReport = lastSenderReport
        self.delaySinceLastSenderReport = delaySinceLastSenderReport
    }

    init(_ reader: inout RTCPReader) throws(RTCPError) {
        ssrc = try reader.u32()
        let loss = try reader.u32()
        fractionLost = UInt8(loss >> 24)
        cumulativeLost = Int32(bitPattern: loss << 8) >> 8  // sign-extend 24 bits
        extendedHighestSequence = try reader.u32()
        jitter = try reader.u32()
        lastSenderReport = try reader.u32()
        delaySinceLastSenderReport = try reader.u32()
    }

    func write(_ writer: inout RTCPWriter) {
        writer.u32(ssrc)
        let lost = UInt32(bitPattern: Swift.min(Swift.max(cumulativeLost, -0x80_0000), 0x7F_FFFF)) & 0xFF_FFFF
        writer.u32(UInt32(fractionLost) << 24 | lost)
        writer.u32(extendedHighestSequence)
        writer.u32(jitter)
        writer.u32(lastSenderReport)
        writer.u32(delaySinceLastSenderReport)
    }
}

/// Sender report (RFC 3550 section 6.4.1). Profile-specific extensions after the report blocks are skipped.
///
///             0                   1                   2                   3
///             0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///            +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     header |V=2|P|    RC   |   PT=SR=200   |             length            |
///            +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///            |                         SSRC of sender                        |
///            +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
///     sender |              NTP timestamp, most significant word             |
///     info   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///            |             NTP timestamp, least significant word             |
///            +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///            |                         RTP timestamp                         |
///            +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///            |                     sender's packet count                     |
///            +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///            |                      sender's octet count                     |
///            +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
///            |                 report blocks (RC x 24 octets)                |
public struct RTCPSenderReport: Sendable, Hashable {
    public var ssrc: UInt32
    /// 64-bit NTP timestamp (RFC 3550 section 4): seconds since 1900 in the high word, fraction in the low word.
    public var ntpTimestamp: UInt64
    public var rtpTimestamp: UInt32
    public var packetCount: UInt32
    public var octetCount: UInt32
    public var reportBlocks: [RTCPReportBlock]

    public init(ssrc: UInt32, ntpTimestamp: UInt64, rtpTimestamp: UInt32, packetCount: UInt32, octetCount: UInt32,
                reportBlocks: [RTCPReportBlock] = []) {
        self.ssrc = ssrc
        self.ntpTimestamp = ntpTimestamp
        self.rtpTimestamp = rtpTimestamp
        self.packetCount = packetCount
        self.octetCount = octetCount
        self.reportBlocks = reportBlocks
    }

    init(count: UInt8, body: RTCPReader) throws(RTCPError) {
        var reader = body
        ssrc = try reader.u32()
        ntpTimestamp = UInt64(try reader.u32()) << 32 | UInt64(try reader.u32())
        rtpTimestamp = try reader.u32()
        packetCount = try reader.u32()
        octetCount = try reader.u32()
        reportBlocks = []
        reportBlocks.reserveCapacity(Int(count))
        for _ in 0..<count { reportBlocks.append(try RTCPReportBlock(&reader)) }
    }

    /// The middle 32 bits of the NTP timestamp, as a report block's LSR echoes it.
    public var compactNTPTimestamp: UInt32 { UInt32(truncatingIfNeeded: ntpTimestamp >> 16) }

    public var serializedLength: Int { 28 + RTCPReportBlock.length * reportBlocks.count }

    public func serialize(into buffer: UnsafeMutableRawBufferPointer, at offset: Int = 0) throws(RTCPError) -> Int {
        guard reportBlocks.count < 32 else { throw .tooManyEntries }
        var writer = try RTCPWriter(buffer: buffer, offset: offset, length: serializedLength,
                                    count: UInt8(reportBlocks.count), packetType: RTCPPacketType.senderReport)
        writer.u32(ssrc)
        writer.u32(UInt32(ntpTimestamp >> 32))
        writer.u32(UInt32(truncatingIfNeeded: ntpTimestamp))
        writer.u32(rtpTimestamp)
        writer.u32(packetCount)
        writer.u32(octetCount)
        for block in reportBlocks { block.write(&writer) }
        return writer.position
    }
}

/// Receiver report (RFC 3550 section 6.4.2). Profile-specific extensions after the report blocks are skipped.
///
///             0                   1                   2                   3
///             0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///            +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     header |V=2|P|    RC   |   PT=RR=201   |             length            |
///            +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///            |                     SSRC of packet sender                     |
///            +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
///            |                 report blocks (RC x 24 octets)                |
public struct RTCPReceiverReport: Sendable, Hashable {
    public var ssrc: UInt32
    public var reportBlocks: [RTCPReportBlock]

    public init(ssrc: UInt32, reportBlocks: [RTCPReportBlock] = []) {
        self.ssrc = ssrc
        self.reportBlocks = reportBlocks
    }

    init(count: UInt8, body: RTCPReader) throws(RTCPError) {
        var reader = body
        ssrc = try reader.u32()
        reportBlocks = []
        reportBlocks.reserveCapacity(Int(count))
        for _ in 0..<count { reportBlocks.append(try RTCPReportBlock(&reader)) }
    }

    public var serializedLength: Int { 8 + RTCPReportBlock.length * reportBlocks.count }

    public func serialize(into buffer: UnsafeMutableRawBufferPointer, at offset: Int = 0) throws(RTCPError) -> Int {
        guard reportBlocks.count < 32 else { throw .tooManyEntries }
        var writer = try RTCPWriter(buffer: buffer, offset: offset, length: serializedLength,
                                    count: UInt8(reportBlocks.count), packetType: RTCPPacketType.receiverReport)
        writer.u32(ssrc)
        for block in reportBlocks { block.write(&writer) }
        return writer.position
    }
}

/// What a receiver remembers between two reports on one source, beside `ReceptionStatistics`: the counts at the
/// previous report (for the lost fraction, RFC 3550 appendix A.3) and the source's last SR (for LSR and DLSR,
/// section 6.4.1). Reads no clock: times are passed in.
public struct ReceptionReportInterval: Sendable, Hashable {
    public private(set) var expectedPrior: UInt64 = 0
    public private(set) var receivedPrior: UInt64 = 0
    /// The compact NTP timestamp of the last SR from the source, 0 before any.
    public private(set) var lastSenderReport: UInt32 = 0
    private var lastSenderReportArrival: ContinuousClock.Instant?

    public init() {}

    /// The source's SR arrived at `now`.
    public mutating func senderReportReceived(_ report: RTCPSenderReport, now: ContinuousClock.Instant) {
        lastSenderReport = report.compactNTPTimestamp
        lastSenderReportArrival = now
    }

    /// The report block for the source as of `now`, starting a new interval.
    public mutating func reportBlock(for statistics: ReceptionStatistics, now: ContinuousClock.Instant)
        -> RTCPReportBlock {
        let expected = statistics.expected
        let received = statistics.packets
        // A restart of the source's sequence resets the statistics: the interval starts over.
        if expected < expectedPrior || received < receivedPrior {
            expectedPrior = 0
            receivedPrior = 0
        }
        let expectedInterval = Int64(expected - expectedPrior)
        let lostInterval = expectedInterval - Int64(received - receivedPrior)
        let fraction = expectedInterval == 0 || lostInterval <= 0 ? 0 : UInt8(min(255, (lostInterval << 8) / expectedInterval))
        expectedPrior = expected
        receivedPrior = received
        var delay: UInt32 = 0
        if let arrival = lastSenderReportArrival {
            let (seconds, attoseconds) = arrival.duration(to: now).components
            if seconds >= 0 {
                let units = seconds * 65536 + attoseconds / 1_000_000_000 * 65536 / 1_000_000_000
                delay = UInt32(min(units, Int64(UInt32.max)))
            }
        }
        return RTCPReportBlock(ssrc: statistics.ssrc, fractionLost: fraction,
                               cumulativeLost: Int32(min(statistics.lost, 0x7F_FFFF)),
                               extendedHighestSequence: statistics.extendedHighestSequence,
                               jitter: statistics.jitter, lastSenderReport: lastSenderReport,
                               delaySinceLastSenderReport: delay)
    }
}
