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
    /// Payload type (0...127) to media kind (true: video) and to RTP clock rate (90 kHz when unknown: video), from
    /// the negotiated codecs; tables, so that each packet reads them without hashing.
    private let isVideoByPayloadType: [Bool]
    private let clockRateByPayloadType: [Int64]
    /// Packets and bytes not yet added to the process metrics: audio, video.
    var unreported = (audioPackets: 0, audioBytes: 0, videoPackets: 0, videoBytes: 0)
    /// When the first packet decrypted (for the join-time histogram); reported once.
    var firstPacketAt: ContinuousClock.Instant?
    private let epoch = ContinuousClock.now
    /// The last arrival time and its distance from `epoch`.
    private var arrivalClock: (at: ContinuousClock.Instant, seconds: Int64, nanoseconds: Int64)
    private(set) var streams: [UInt32: ReceptionStatistics] = [:]
    /// The video streams already announced to the room (`announce`), with the mid their first packet carried, and
    /// how many video streams arrived.
    private(set) var announced: [UInt32: String?] = [:]
    private var videoStreams = 0
    /// Per SSRC, what the last receiver report covered and the peer's last sender report (for LSR/DLSR).
    private var intervals: [UInt32: ReceptionReportInterval] = [:]
    private(set) var counters = Counters()

    init(receiver: SRTPReceiver, clockRates: [UInt8: UInt32], videoPayloadTypes: Set<UInt8>) {
        self.receiver = receiver
        arrivalClock = (epoch, 0, 0)
        isVideoByPayloadType = (0..<128).map { videoPayloadTypes.contains(UInt8($0)) }
        clockRateByPayloadType = (0..<128).map { Int64(clockRates[UInt8($0)] ?? 90_000) }
    }

    func isVideo(payloadType: UInt8) -> Bool { isVideoByPayloadType[Int(payloadType & 0x7F)] }

    func clockRate(payloadType: UInt8) -> UInt32 { UInt32(clockRateByPayloadType[Int(payloadType & 0x7F)]) }

    /// What a datagram turned out to be once unprotected (in place, in the datagram's buffer).
    enum Received {
        /// `firstSeen`: the stream's first packet, or one of a stream not announced yet (`announce`).
        case rtp(header: RTPHeader, length: Int, video: Bool, firstSeen: Bool)
        case rtcp(length: Int)
    }

    /// The room has been told of this stream: its next packets are no longer `firstSeen`.
    func announce(ssrc: UInt32, mid: String?) {
        announced[ssrc] = mid
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
        let rate = clockRateByPayloadType[Int(header.payloadType)]
        if now != arrivalClock.at {
            // Once per receive batch (its packets share `now`): Duration's 128-bit arithmetic showed per packet.
            let (seconds, attoseconds) = (now - epoch).components
            arrivalClock = (now, seconds, attoseconds / 1_000_000_000)
        }
        let arrival = arrivalClock.seconds &* rate &+ arrivalClock.nanoseconds &* rate / 1_000_000_000
        // One hash per packet: the stream's statistics are updated where they are stored.
        var firstSeen = false
        let index: Dictionary<UInt32, ReceptionStatistics>.Index
        if let known = streams.index(forKey: header.ssrc) {
            index = known
        } else {
            guard streams.count < Self.maximumStreams else {
                counters.tooManyStreams += 1
                return nil
            }
            streams[header.ssrc] = ReceptionStatistics(ssrc: header.ssrc)
            index = streams.index(forKey: header.ssrc)!
            firstSeen = true
        }
        streams.values[index].record(sequenceNumber: header.sequenceNumber, timestamp: header.timestamp,
                                     payloadType: header.payloadType, payloadBytes: header.payloadRange.count,
                                     wireBytes: wireLength, arrival: arrival)
        if firstPacketAt == nil { firstPacketAt = now }
        let video = isVideoByPayloadType[Int(header.payloadType)]
        if video {
            unreported.videoPackets += 1
            unreported.videoBytes += wireLength
            if firstSeen {
                videoStreams += 1
            } else if announced.count < videoStreams {
                firstSeen = announced.index(forKey: header.ssrc) == nil
            }
        } else {
            unreported.audioPackets += 1
            unreported.audioBytes += wireLength
        }
        return .rtp(header: header, length: length, video: video, firstSeen: firstSeen)
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
