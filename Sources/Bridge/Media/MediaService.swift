import CLUEModel
import DataChannel
import Dispatch
import ICE
import Logging
import RTP
import SDP
import SIP
import SecureTransport

#if canImport(Glibc)
import Glibc
#endif

/// The media plane: the one UDP port every session shares, demultiplexed as RFC 7983 says (STUN, DTLS, SRTP), then
/// by ICE username for STUN and by the latched 5-tuple for the rest.
///
/// The socket, the lookup tables and SRTP reception live on the I/O queue; each session's ICE, DTLS, SCTP and CLUE
/// state lives on the session's own queue. Datagrams from unknown sources are counted, never logged one by one and
/// never copied.
final class MediaService: @unchecked Sendable {
    struct Settings: Sendable {
        var consentTimeout: Duration
        var clueReaderLimits: XMLReaderLimits
    }

    /// Counters read by the admin API and metrics; written on the I/O queue (datagrams) or under the lock.
    struct Counters: Sendable {
        var unknownSource = 0
        var unclassifiable = 0
        var dtlsFailures = 0
        var iceFailures = 0
        var clueMessages: [String: Int] = [:]
    }

    let settings: Settings
    let dtlsContext: DTLSContext
    let ioQueue = DispatchQueue(label: "media-io", qos: .userInteractive)
    let sessionTarget = DispatchQueue(label: "media-sessions", qos: .userInitiated, attributes: .concurrent)
    private let logger: Logger
    private var socket: BatchedUDPSocket?

    // I/O queue state.
    private var byUsernameFragment: [String: MediaSession] = [:]
    private var byAddress: [SocketAddress: MediaSession] = [:]
    private var inbound: [ObjectIdentifier: InboundMedia] = [:]
    private var unknownLogged = (at: ContinuousClock.now - .seconds(3600), count: 0)

    /// Sessions by call, for signaling and the admin API (any queue, under the lock).
    private let sessions = LockedBox<[DialogID: MediaSession]>([:])
    private let counters = LockedBox(Counters())

    private var ioCounters = (unknownSource: 0, unclassifiable: 0)
    /// Adds the packets received since the last tick to the process metrics, once a second (not per packet).
    private var metricsTimer: DispatchSourceTimer?

    init(configuration: BridgeConfiguration, identity: BridgeIdentity, logger: Logger) throws {
        settings = Settings(consentTimeout: .seconds(configuration.media.consentTimeoutSeconds),
                            clueReaderLimits: XMLReaderLimits(maxDocumentBytes: 256 << 10, maxDepth: 32))
        dtlsContext = try DTLSContext(configuration: DTLSConfiguration(certificate: identity.dtlsCertificate))
        self.logger = logger
    }

    /// Binds the media port. The address is the configured media address (the one written into SDP).
    func start(host: String, port: UInt16) throws -> SocketAddress {
        guard let address = SocketAddress(host: host, port: port) else {
            throw SocketError("resolve media address \(host)", code: EINVAL)
        }
        let socket = try BatchedUDPSocket(bind: address, queue: ioQueue) { [unowned self] datagram, source in
            self.receive(datagram, from: source)
        }
        ioQueue.sync { self.socket = socket }
        let timer = DispatchSource.makeTimerSource(queue: ioQueue)
        timer.schedule(deadline: .now() + .seconds(1), repeating: .seconds(1), leeway: .milliseconds(100))
        timer.setEventHandler { [unowned self] in self.reportMetrics() }
        timer.resume()
        ioQueue.sync { metricsTimer = timer }
        // usrsctp runs no thread of its own: its timers (retransmissions, delayed SACKs, heartbeats) tick here.
        SCTPStack.startTimerDriver(queue: DispatchQueue(label: "media-sctp-clock", qos: .userInitiated))
        return socket.localAddress
    }

    func stop() {
        ioQueue.sync {
            metricsTimer?.cancel()
            metricsTimer = nil
            socket?.close()
            socket = nil
        }
    }

    // MARK: Sessions (called from signaling)

    /// Starts the transport of an admitted call. Returns false when the call has no DTLS-SRTP transport to serve.
    @discardableResult
    func open(call id: DialogID, room: String, negotiated: NegotiatedSession, local: ICECredentials,
              hangUp: @escaping @Sendable (String) -> Void) -> Bool {
        let session: MediaSession
        do {
            session = try MediaSession(id: id, room: room, negotiated: negotiated, local: local, service: self,
                                       logger: logger, hangUp: hangUp)
        } catch {
            logger.notice("no media session for the call", metadata: ["call": "\(id.callID)", "reason": "\(error)"])
            return false
        }
        let previous = sessions.withLock { table in
            defer { table[id] = session }
            return table[id]
        }
        previous?.queue.async { previous?.close() }
        ioQueue.async { self.byUsernameFragment[local.usernameFragment] = session }
        // The arming of consent: a peer that never checks is hung up after the consent timeout.
        session.queue.async { session.begin() }
        return true
    }

    /// The call ended: stop its transport.
    func close(call id: DialogID) {
        let session = sessions.withLock { table in table.removeValue(forKey: id) }
        session?.queue.async { session?.close() }
    }

    func closeAll() {
        let all = sessions.withLock { table in
            defer { table.removeAll() }
            return Array(table.values)
        }
        for session in all { session.queue.sync { session.close() } }
    }

    func state(of id: DialogID) -> (MediaSession.State, [UInt32: ReceptionSnapshot])? {
        guard let session = sessions.withLock({ $0[id] }) else { return nil }
        let state = session.queue.sync { session.state() }
        let streams = ioQueue.sync { () -> [UInt32: ReceptionSnapshot] in
            guard let media = inbound[ObjectIdentifier(session)] else { return [:] }
            return media.streams.mapValues { ReceptionSnapshot($0) }
        }
        return (state, streams)
    }

    var activeSessions: Int { sessions.withLock { $0.count } }

    func snapshotCounters() -> Counters {
        var snapshot = counters.withLock { $0 }
        let io = ioQueue.sync { ioCounters }
        snapshot.unknownSource = io.unknownSource
        snapshot.unclassifiable = io.unclassifiable
        return snapshot
    }

    // MARK: From sessions

    func send(_ datagrams: [[UInt8]], to address: SocketAddress) {
        ioQueue.async {
            guard let socket = self.socket else { return }
            for datagram in datagrams { datagram.withUnsafeBytes { socket.enqueue($0, to: address) } }
            socket.flush()
        }
    }

    func latch(_ session: MediaSession, to address: SocketAddress, replacing previous: SocketAddress?) {
        ioQueue.async {
            if let previous, self.byAddress[previous] === session { self.byAddress[previous] = nil }
            self.byAddress[address] = session
        }
    }

    func install(_ media: InboundMedia, for session: MediaSession) {
        ioQueue.async { self.inbound[ObjectIdentifier(session)] = media }
    }

    /// The session closed: drop it from every table (its statistics go with it).
    func forget(_ session: MediaSession) {
        ioQueue.async {
            self.byUsernameFragment = self.byUsernameFragment.filter { $0.value !== session }
            if let remote = session.remote, self.byAddress[remote] === session { self.byAddress[remote] = nil }
            if let media = self.inbound.removeValue(forKey: ObjectIdentifier(session)) {
                self.report(media)
                // One line per call with what it received: the operator's (and the tests') record of the media.
                let streams = media.streams.values.sorted { $0.ssrc < $1.ssrc }.map {
                    "ssrc=\($0.ssrc) pt=\($0.lastPayloadType) packets=\($0.packets) bytes=\($0.wireBytes) "
                        + "lost=\($0.lost) jitter=\($0.jitter)"
                }
                let counters = media.counters
                self.logger.info("media received", metadata: [
                    "call": "\(session.id.callID)", "streams": "\(streams.joined(separator: "; "))",
                    "rtcp": "\(counters.rtcpPackets)", "unprotect_failures": "\(counters.unprotectFailures)",
                    "replayed": "\(counters.replayed)"])
            }
        }
        sessions.withLock { table in
            if table[session.id] === session { table[session.id] = nil }
        }
    }

    func advertisement(forRoom room: String, excluding id: DialogID) -> Advertisement {
        let others = sessions.withLock { table in table.values.filter { $0.room == room && $0.id != id }.count }
        return RoomAdvertisement.make(otherParticipants: others)
    }

    func countDTLSFailure(reason: String) {
        counters.withLock { $0.dtlsFailures += 1 }
        BridgeMetrics.shared.dtlsFailure(reason: reason.hasPrefix("fingerprint") ? "fingerprint_mismatch" : "handshake")
    }

    func countICEFailure(reason: String) {
        counters.withLock { $0.iceFailures += 1 }
        BridgeMetrics.shared.iceFailure(reason: reason)
    }

    func countClue(type: String, code: UInt16?, direction: String) {
        let key = "\(direction) \(type)" + (code.map { " \($0)" } ?? "")
        counters.withLock { $0.clueMessages[key, default: 0] += 1 }
        if direction == "in" || code != nil { BridgeMetrics.shared.clueMessage(type: type, code: code.map(Int.init)) }
    }

    /// What the admin API shows of a participant's media; nil when the call has no media session.
    func participantState(_ id: DialogID) -> ParticipantMediaState? {
        guard let session = sessions.withLock({ $0[id] }) else { return nil }
        let state = session.queue.sync { session.state() }
        let streams = ioQueue.sync { () -> [ParticipantMediaState.Stream] in
            guard let media = inbound[ObjectIdentifier(session)] else { return [] }
            return media.streams.values.sorted { $0.ssrc < $1.ssrc }.map { stream in
                let rate = Double(media.clockRate(payloadType: stream.lastPayloadType))
                return ParticipantMediaState.Stream(
                    ssrc: stream.ssrc, kind: media.isVideo(payloadType: stream.lastPayloadType) ? "video" : "audio",
                    direction: "inbound", packets: stream.packets, bytes: stream.wireBytes,
                    lost: Int64(stream.lost), jitter: Double(stream.jitter) / rate)
            }
        }
        return ParticipantMediaState(iceState: state.ice, dtlsState: state.dtls, clueState: state.clue,
                                     capturesAdvertised: state.capturesAdvertisedByPeer.count,
                                     capturesConfigured: state.capturesConfiguredByPeer.count, streams: streams)
    }

    // MARK: The I/O queue

    private func receive(_ datagram: UnsafeMutableRawBufferPointer, from source: SocketAddress) {
        switch MediaDemultiplexer.classify(UnsafeRawBufferPointer(datagram)) {
        case .stun:
            guard let fragment = STUNMessage.localUsernameFragment(in: UnsafeRawBufferPointer(datagram)),
                  let session = byUsernameFragment[String(fragment)] else {
                // A consent check from a latched peer without USERNAME would be odd; still route by address.
                if let session = byAddress[source] {
                    let copy = Array(UnsafeRawBufferPointer(datagram))
                    session.queue.async { session.receiveSTUN(copy, from: source) }
                } else {
                    unknown()
                }
                return
            }
            let copy = Array(UnsafeRawBufferPointer(datagram))
            session.queue.async { session.receiveSTUN(copy, from: source) }
        case .dtls:
            guard let session = byAddress[source] else { return unknown() }
            let copy = Array(UnsafeRawBufferPointer(datagram))
            session.queue.async { session.receiveDTLS(copy, from: source) }
        case .rtp:
            guard let session = byAddress[source] else { return unknown() }
            // Before keys exist there is nothing to decrypt with: dropped, as SRTP requires.
            guard let media = inbound[ObjectIdentifier(session)] else { return }
            let first = media.firstPacketAt == nil
            let now = ContinuousClock.now
            media.receive(datagram, now: now)
            if first, media.firstPacketAt != nil {
                BridgeMetrics.shared.joinTime(seconds: Double((now - session.admittedAt) / .milliseconds(1)) / 1000)
            }
        case .drop:
            ioCounters.unclassifiable += 1
        }
    }

    private func reportMetrics() {
        for media in inbound.values { report(media) }
    }

    /// On the I/O queue: moves one session's unreported packet counts into the metrics.
    private func report(_ media: InboundMedia) {
        let pending = media.unreported
        if pending.audioPackets > 0 {
            BridgeMetrics.shared.packets(kind: .audio, direction: .inbound, count: pending.audioPackets,
                                         bytes: pending.audioBytes)
        }
        if pending.videoPackets > 0 {
            BridgeMetrics.shared.packets(kind: .video, direction: .inbound, count: pending.videoPackets,
                                         bytes: pending.videoBytes)
        }
        media.unreported = (0, 0, 0, 0)
    }

    /// Counts a datagram nobody claims; says so in the log at most every 10 s.
    private func unknown() {
        ioCounters.unknownSource += 1
        let now = ContinuousClock.now
        if now - unknownLogged.at >= .seconds(10) {
            let dropped = ioCounters.unknownSource - unknownLogged.count
            logger.notice("dropped datagrams from unknown sources on the media port",
                          metadata: ["count": "\(dropped)", "total": "\(ioCounters.unknownSource)"])
            unknownLogged = (now, ioCounters.unknownSource)
        }
    }
}

/// Reception statistics of one SSRC, for the admin API.
struct ReceptionSnapshot: Sendable, Codable, Equatable {
    var packets: UInt64
    var bytes: UInt64
    var lost: UInt64
    var jitter: UInt32
    var payloadType: UInt8

    init(_ statistics: ReceptionStatistics) {
        packets = statistics.packets
        bytes = statistics.wireBytes
        lost = statistics.lost
        jitter = statistics.jitter
        payloadType = statistics.lastPayloadType
    }
}
