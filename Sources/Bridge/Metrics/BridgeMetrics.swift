import CoreMetrics
import Foundation
import Prometheus

/// The bridge's metrics (swift-metrics handles backed by swift-prometheus), served as Prometheus text at
/// `/metrics` on the admin listener. Every name starts with `cluemcu_`; labels take values from small fixed sets
/// (never a room, user or address), so the number of series stays bounded.
///
/// Thread-safe: call from any queue. The packet counters are made once, so the media hot path only adds.
public final class BridgeMetrics: Sendable {
    public static let shared = BridgeMetrics()

    public enum MediaKind: String, Sendable, CaseIterable {
        case audio, video, application
    }

    public enum Direction: String, Sendable, CaseIterable {
        case inbound = "in", outbound = "out"
    }

    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let callsStarted: CoreMetrics.Counter
    private let callsFailed: [CallFailure: CoreMetrics.Counter]
    private let authFailures: CoreMetrics.Counter
    private let activeRooms: CoreMetrics.Gauge
    private let activeParticipants: CoreMetrics.Gauge
    private let packetCounters: [String: (packets: CoreMetrics.Counter, bytes: CoreMetrics.Counter)]
    private let lostCounters: [MediaKind: CoreMetrics.Counter]
    private let joinTimes: CoreMetrics.Recorder
    private let compositions: CoreMetrics.Gauge
    private let composedFrames: CoreMetrics.Counter
    private let mediaPortDroppedSends: CoreMetrics.Counter
    private let mediaPortSegmentedRuns: CoreMetrics.Counter
    private let activeCompositions = NSLock()
    nonisolated(unsafe) private var compositionCount = 0

    /// Join time (INVITE to first media), seconds.
    static let joinTimeBuckets: [Double] = [0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30]

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.valueHistogramBuckets["cluemcu_join_time_seconds"] = Self.joinTimeBuckets
        self.factory = factory
        callsStarted = Counter(label: "cluemcu_calls_started_total", factory: factory)
        callsFailed = Dictionary(uniqueKeysWithValues: CallFailure.allCases.map {
            ($0, Counter(label: "cluemcu_calls_failed_total", dimensions: [("reason", $0.rawValue)], factory: factory))
        })
        authFailures = Counter(label: "cluemcu_auth_failures_total", factory: factory)
        activeRooms = Gauge(label: "cluemcu_active_rooms", factory: factory)
        activeParticipants = Gauge(label: "cluemcu_active_participants", factory: factory)
        var packets: [String: (CoreMetrics.Counter, CoreMetrics.Counter)] = [:]
        for kind in MediaKind.allCases {
            for direction in Direction.allCases {
                let labels = [("kind", kind.rawValue), ("direction", direction.rawValue)]
                packets["\(kind.rawValue)/\(direction.rawValue)"] = (
                    Counter(label: "cluemcu_packets_total", dimensions: labels, factory: factory),
                    Counter(label: "cluemcu_bytes_total", dimensions: labels, factory: factory))
            }
        }
        packetCounters = packets.mapValues { (packets: $0.0, bytes: $0.1) }
        lostCounters = Dictionary(uniqueKeysWithValues: MediaKind.allCases.map {
            ($0, Counter(label: "cluemcu_packets_lost_total", dimensions: [("kind", $0.rawValue)], factory: factory))
        })
        joinTimes = Recorder(label: "cluemcu_join_time_seconds", factory: factory)
        compositions = Gauge(label: "cluemcu_video_compositions", factory: factory)
        composedFrames = Counter(label: "cluemcu_composed_frames_total", factory: factory)
        mediaPortDroppedSends = Counter(label: "cluemcu_media_port_dropped_sends_total", factory: factory)
        mediaPortSegmentedRuns = Counter(label: "cluemcu_media_port_segmented_runs_total", factory: factory)
    }

    /// A composition (decode, lay out, encode) started (+1) or stopped (-1): the bridge's transcoding load.
    func compositionsChanged(by delta: Int) {
        let count = activeCompositions.withLock {
            compositionCount += delta
            return compositionCount
        }
        compositions.record(count)
    }

    /// One composed frame encoded and sent.
    func composedFrame() {
        composedFrames.increment()
    }

    // MARK: Signaling

    func callStarted() {
        callsStarted.increment()
    }

    func callFailed(reason: CallFailure) {
        callsFailed[reason]?.increment()
    }

    func authFailure() {
        authFailures.increment()
    }

    func setActive(rooms: Int, participants: Int) {
        activeRooms.record(rooms)
        activeParticipants.record(participants)
    }

    // MARK: For the media plane and the CLUE channel

    /// One CLUE message sent or received (`type`: "options", "advertisement", "configure", ... as in RFC 8847;
    /// `code`: the response code of a response message, nil for the others).
    public func clueMessage(type: String, code: Int? = nil) {
        Counter(label: "cluemcu_clue_messages_total",
                dimensions: [("type", type), ("code", code.map(String.init) ?? "none")], factory: factory).increment()
    }

    /// Packets and their bytes through the media port, counted in batches.
    public func packets(kind: MediaKind, direction: Direction, count: Int, bytes: Int) {
        guard let counters = packetCounters["\(kind.rawValue)/\(direction.rawValue)"] else { return }
        counters.packets.increment(by: count)
        counters.bytes.increment(by: bytes)
    }

    /// The media port's send side since the last report: datagrams the kernel would not take (a full socket
    /// buffer: the host cannot send as fast as the bridge forwards), and runs sent as one with UDP GSO.
    func mediaPort(droppedSends: Int, segmentedRuns: Int) {
        if droppedSends > 0 { mediaPortDroppedSends.increment(by: droppedSends) }
        if segmentedRuns > 0 { mediaPortSegmentedRuns.increment(by: segmentedRuns) }
    }

    /// Packets found lost (from sequence gaps or RTCP receiver reports).
    public func packetsLost(kind: MediaKind, count: Int) {
        lostCounters[kind]?.increment(by: count)
    }

    /// `reason` from a small fixed set, e.g. "handshake", "fingerprint_mismatch", "timeout".
    public func dtlsFailure(reason: String) {
        Counter(label: "cluemcu_dtls_failures_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    /// `reason` from a small fixed set, e.g. "no_check", "consent_expired".
    public func iceFailure(reason: String) {
        Counter(label: "cluemcu_ice_failures_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    /// From the INVITE to the first media packet.
    public func joinTime(seconds: Double) {
        joinTimes.record(seconds)
    }

    /// The Prometheus text exposition (version 0.0.4).
    func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}
