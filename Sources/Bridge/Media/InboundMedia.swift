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
    /// Payload type to media kind (true: video), for metrics; from the negotiated codecs.
    private let videoPayloadTypes: Set<UInt8>
    /// Packets and bytes not yet added to the process metrics: audio, video.
    var unreported = (audioPackets: 0, audioBytes: 0, videoPackets: 0, videoBytes: 0)
    /// When the first packet decrypted (for the join-time histogram); reported once.
    var firstPacketAt: ContinuousClock.Instant?
    /// Payload type to RTP clock rate, from the negotiated codecs (90 kHz when unknown: video).
    private let clockRates: [UInt8: UInt32]
    private let epoch = ContinuousClock.now
    private(set) var streams: [UInt32: ReceptionStatistics] = [:]
    /// Per SSRC, what the last receiver report covered and the peer's last sender report (for LSR/DLSR).
    private var intervals: [UInt32: ReceptionReportInterval] = [:]
    private(set) var counters = Counters()

    init(receiver: SRTPReceiver, clockRates: [UInt8: UInt32], videoPayloadTypes: Set<UInt8>) {
        self.receiver = receiver
        self.clockRates = clockRates
        self.videoPayloadTypes = videoPayloadTypes
    }

    func isVideo(payloadType: UInt8) -> Bool { videoPayloadTypes.contains(payloadType) }

    func clockRate(payloadType: UInt8) -> UInt32 { clockRates[payloadType] ?? 90_000 }

    /// What a datagram turned out to be once unprotected (in place, in the datagram's buffer).
    enum Received {
        case rtp(header: RTPHeader, length: Int, video: Bool)
        case rtcp(length: Int)
    }

    /// One SRTP or SRTCP datagram from the session's latched address; nil when it was dropped.
    func receive(_ datagram: UnsafeMutableRawBufferPointer, now: ContinuousClock.Instant) -> Received? {
        let wireLength = datagram.count
        if RTPHeader.isRTCP(UnsafeRawBufferPointer(datagram)) {
            do {
                let length = try receiver.unprotectRTCP(datagram, length: wireLength)
                counters.rtcpPackets += 1
                return .rtcp(length: length)
            } catch {
                count(error)
                return nil
            }
        }
        let length: Int
        do {
            length = try receiver.unprotectRTP(datagram, length: wireLength)
        } catch {
            count(error)
            return nil
        }
        guard let header = RTPHeader(UnsafeRawBufferPointer(rebasing: datagram[..<length])) else {
            counters.malformed += 1
            return nil
        }
        var stream = streams[header.ssrc] ?? {
            ReceptionStatistics(ssrc: header.ssrc)
        }()
        if streams[header.ssrc] == nil, streams.count >= Self.maximumStreams {
            counters.tooManyStreams += 1
            return nil
        }
        let rate = Int64(clockRates[header.payloadType] ?? 90_000)
        let elapsed = now - epoch
        let (seconds, attoseconds) = elapsed.components
        let arrival = seconds &* rate &+ (attoseconds / 1_000_000_000) &* rate / 1_000_000_000
        stream.record(sequenceNumber: header.sequenceNumber, timestamp: header.timestamp,
                      payloadType: header.payloadType, payloadBytes: header.payloadRange.count,
                      wireBytes: wireLength, arrival: arrival)
        streams[header.ssrc] = stream
        if firstPacketAt == nil { firstPacketAt = now }
        let video = videoPayloadTypes.contains(header.payloadType)
        if video {
            unreported.videoPackets += 1
            unreported.videoBytes += wireLength
        } else {
            unreported.audioPackets += 1
            unreported.audioBytes += wireLength
        }
        return .rtp(header: header, length: length, video: video)
    }

    /// The peer's sender report for one of its streams (RFC 3550 section 6.4.1): kept for the next report block.
    func senderReportReceived(_ report: RTCPSenderReport, now: ContinuousClock.Instant) {
        guard streams[report.ssrc] != nil else { return }
        intervals[report.ssrc, default: ReceptionReportInterval()].senderReportReceived(report, now: now)
    }

    /// One report block per stream received (at most 31, RFC 3550 section 6.4.2), each covering the time since
    /// the previous report.
    func reportBlocks(now: ContinuousClock.Instant) -> [RTCPReportBlock] {
        streams.values.sorted { $0.ssrc < $1.ssrc }.prefix(31).map { statistics in
            intervals[statistics.ssrc, default: ReceptionReportInterval()].reportBlock(for: statistics, now: now)
        }
    }

    private func count(_ error: SRTPError) {
        switch error {
        case .replayed, .tooOld: counters.replayed += 1
        default: counters.unprotectFailures += 1
        }
    }
}
