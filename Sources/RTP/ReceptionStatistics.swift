/// What one received RTP stream (one SSRC) looked like: the receiver-side counters of RFC 3550 appendix A.1, A.3 and
/// A.8 that a receiver report carries and an operator reads.
///
/// Fed one packet at a time with its arrival time already in the stream's RTP clock units, so it reads no clock and
/// allocates nothing.
public struct ReceptionStatistics: Sendable, Hashable {
    /// RFC 3550 appendix A.1: a jump this large is a restart, not loss, once confirmed by a second packet.
    static let maximumDropout: UInt16 = 3000
    static let maximumMisorder: UInt16 = 100

    public let ssrc: UInt32
    public private(set) var packets: UInt64 = 0
    /// Payload bytes (headers and padding excluded).
    public private(set) var payloadBytes: UInt64 = 0
    /// Whole packet bytes as received, before SRTP was removed.
    public private(set) var wireBytes: UInt64 = 0
    public private(set) var baseSequence: UInt32 = 0
    /// The highest sequence number seen, extended with the count of wraps (RFC 3550 `cycles`).
    public private(set) var extendedHighestSequence: UInt32 = 0
    /// Interarrival jitter in RTP timestamp units (RFC 3550 section 6.4.1), as a receiver report carries it.
    public var jitter: UInt32 { UInt32(jitterEstimate) }
    public private(set) var lastPayloadType: UInt8 = 0
    private var jitterEstimate: Double = 0
    private var lastTransit: Int64?
    private var badSequence: UInt32 = 1 << 17  // RTP_SEQ_MOD + 1: no candidate restart

    public init(ssrc: UInt32) {
        self.ssrc = ssrc
    }

    /// Packets expected from the first to the highest sequence number.
    public var expected: UInt64 { packets == 0 ? 0 : UInt64(extendedHighestSequence &- baseSequence) + 1 }

    /// Cumulative number of packets lost (RFC 3550 section 6.4.1: may be negative with duplicates; floored at 0).
    public var lost: UInt64 { expected > packets ? expected - packets : 0 }

    /// Records one packet. `arrival` is the arrival time in the stream's RTP clock units (any origin, the same for
    /// every packet of the stream).
    public mutating func record(sequenceNumber: UInt16, timestamp: UInt32, payloadType: UInt8, payloadBytes: Int,
                                wireBytes: Int, arrival: Int64) {
        if packets == 0 {
            baseSequence = UInt32(sequenceNumber)
            extendedHighestSequence = UInt32(sequenceNumber)
        } else if !updateSequence(sequenceNumber) {
            return
        }
        packets += 1
        self.payloadBytes += UInt64(payloadBytes)
        self.wireBytes += UInt64(wireBytes)
        // Jitter compares packets of one payload type only (a payload type change changes the clock).
        let transit = arrival &- Int64(timestamp)
        if let last = lastTransit, payloadType == lastPayloadType {
            let difference = Double(abs(transit &- last))
            jitterEstimate += (difference - jitterEstimate) / 16
        }
        lastTransit = transit
        lastPayloadType = payloadType
    }

    /// RFC 3550 appendix A.1 `update_seq`: false when the packet is to be ignored (a large jump not yet confirmed).
    private mutating func updateSequence(_ sequence: UInt16) -> Bool {
        let highest = UInt16(truncatingIfNeeded: extendedHighestSequence)
        let delta = sequence &- highest
        if delta < Self.maximumDropout {
            if sequence < highest {
                extendedHighestSequence = extendedHighestSequence &+ (1 << 16)  // wrapped
            }
            extendedHighestSequence = extendedHighestSequence & 0xFFFF_0000 | UInt32(sequence)
            return true
        }
        if delta <= UInt16.max - Self.maximumMisorder {
            // A very large jump: a restart if the next packet follows this one.
            if UInt32(sequence) == badSequence {
                let cycles = extendedHighestSequence & 0xFFFF_0000
                baseSequence = cycles | UInt32(sequence)
                extendedHighestSequence = baseSequence
                packets = 0
                lastTransit = nil
                return true
            }
            badSequence = UInt32(sequence &+ 1)
            return false
        }
        return true  // duplicate or reordered: counted, the highest is unchanged
    }
}
