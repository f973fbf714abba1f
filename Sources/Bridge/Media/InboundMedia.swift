import MediaSecurity
import RTP

/// The receive side of one session's SRTP on the media I/O queue: unprotects in place and keeps per-SSRC reception
/// statistics. Confined to the I/O queue; allocates only when a new SSRC appears (bounded by `maximumStreams`).
final class InboundMedia: @unchecked Sendable {
    static let maximumStreams = 32

    struct Counters: Sendable {
        var rtcpPackets = 0
        var unprotectFailures = 0
        var replayed = 0
        var malformed = 0
        var tooManyStreams = 0
    }

    let receiver: SRTPReceiver
    /// Payload type to RTP clock rate, from the negotiated codecs (90 kHz when unknown: video).
    private let clockRates: [UInt8: UInt32]
    private let epoch = ContinuousClock.now
    private(set) var streams: [UInt32: ReceptionStatistics] = [:]
    private(set) var counters = Counters()

    init(receiver: SRTPReceiver, clockRates: [UInt8: UInt32]) {
        self.receiver = receiver
        self.clockRates = clockRates
    }

    /// One SRTP or SRTCP datagram from the session's latched address.
    func receive(_ datagram: UnsafeMutableRawBufferPointer, now: ContinuousClock.Instant) {
        let wireLength = datagram.count
        if RTPHeader.isRTCP(UnsafeRawBufferPointer(datagram)) {
            do {
                _ = try receiver.unprotectRTCP(datagram, length: wireLength)
                counters.rtcpPackets += 1
            } catch {
                count(error)
            }
            return
        }
        let length: Int
        do {
            length = try receiver.unprotectRTP(datagram, length: wireLength)
        } catch {
            count(error)
            return
        }
        guard let header = RTPHeader(UnsafeRawBufferPointer(rebasing: datagram[..<length])) else {
            counters.malformed += 1
            return
        }
        var stream = streams[header.ssrc] ?? {
            ReceptionStatistics(ssrc: header.ssrc)
        }()
        if streams[header.ssrc] == nil, streams.count >= Self.maximumStreams {
            counters.tooManyStreams += 1
            return
        }
        let rate = Int64(clockRates[header.payloadType] ?? 90_000)
        let elapsed = now - epoch
        let (seconds, attoseconds) = elapsed.components
        let arrival = seconds &* rate &+ (attoseconds / 1_000_000_000) &* rate / 1_000_000_000
        stream.record(sequenceNumber: header.sequenceNumber, timestamp: header.timestamp,
                      payloadType: header.payloadType, payloadBytes: header.payloadRange.count,
                      wireBytes: wireLength, arrival: arrival)
        streams[header.ssrc] = stream
    }

    private func count(_ error: SRTPError) {
        if case .replayed = error { counters.replayed += 1 } else { counters.unprotectFailures += 1 }
    }
}
