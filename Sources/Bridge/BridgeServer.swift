import Dispatch
import Foundation
import Logging
import Media

#if canImport(Glibc)
import Glibc
#endif

/// The running bridge: owns the listeners and the queues, and wires sockets to the signaling core.
///
/// Threading: all signaling state lives on `signalingQueue` (SIP is light; one serial queue keeps it simple and
/// ordered). Media will get its own queues (see ARCHITECTURE.md).
public final class BridgeServer: @unchecked Sendable {
    public let configuration: BridgeConfiguration
    let logger = Logger(label: "bridge")
    let sipLogger = Logger(label: "sip")
    let mediaLogger = Logger(label: "media")
    let signalingQueue = DispatchQueue(label: "clue-mcu.signaling")
    private var udpSockets: [UDPSocket] = []
    private var streamListeners: [StreamListener] = []
    private var signalSources: [DispatchSourceSignal] = []
    private var terminateSignals = 0
    private var stopping = false
    private let draining = LockedBox(false)
    private var drainDeadline: DispatchSourceTimer?
    private let stopped = DispatchSemaphore(value: 0)
    private let started = Date()
    var signaling: SignalingService!
    var media: MediaService!

    public init(configuration: BridgeConfiguration) {
        self.configuration = configuration
    }

    /// Binds every listener; throws (nothing left bound) when one cannot be bound.
    public func start() throws {
        // Signals are caught from the first moment: one that arrives while listeners are still being bound is kept
        // and acted on once the bridge is up (a signal lost in between would leave a bridge nobody can stop).
        installSignalHandlers()
        let identity = try BridgeIdentity.load(configuration: configuration, logger: logger)
        signaling = try SignalingService(configuration: configuration, identity: identity, queue: signalingQueue,
                                         logger: sipLogger)
        FFmpegLogging.errorsOnly()
        media = try MediaService(configuration: configuration, identity: identity, logger: mediaLogger)
        let mediaAddress = try media.start(host: configuration.media.address, port: configuration.media.port)
        logger.info("listening udp://\(mediaAddress) (media)")
        signaling.media = media
        media.onCLUEActive = { [signaling, signalingQueue] id in
            signalingQueue.async { signaling?.offerCLUEEncodings(id) }
        }
        signaling.mediaState = { [media] id in media?.participantState(id) }
        let store = try StateStore(path: configuration.state)
        adminService = try AdminService(configuration: configuration, store: store,
                                        signaling: SignalingHandle(queue: signalingQueue, service: signaling),
                                        isDraining: { [draining] in draining.value },
                                        logger: Logger(label: "admin"))
        signalingQueue.sync {
            signaling.callsChanged = { [unowned self] in if signaling.draining { stopIfDrained() } }
        }
        for address in configuration.sip.listen {
            guard let socketAddress = SocketAddress(host: address.host, port: address.port) else {
                throw SocketError("resolve \(address.host)", code: EINVAL)
            }
            switch address.transport {
            case .udp:
                let socket = try UDPSocket(bind: socketAddress, queue: signalingQueue) { [unowned self] bytes, from in
                    self.signaling.receiveDatagram(bytes, from: from)
                }
                signaling.register(socket)
                udpSockets.append(socket)
                logger.info("listening \(address.transport.rawValue)://\(socket.localAddress)")
            case .tcp, .tls:
                let secure = address.transport == .tls
                let listener = try StreamListener(
                    bind: socketAddress, queue: signalingQueue,
                    makeLayer: { [unowned self] in secure ? try self.signaling.makeTLSLayer() : nil },
                    accepted: { [unowned self] connection in
                        self.signaling.accept(connection, secure: secure)
                    })
                streamListeners.append(listener)
                logger.info("listening \(address.transport.rawValue)://\(listener.localAddress)")
            }
        }
        try startAdmin()
        signalingQueue.sync {
            isUp = true
            for number in pendingSignals { handle(signal: number) }
            pendingSignals = []
        }
        logger.info("ready")
    }

    /// Set on the signaling queue once every listener is up.
    private var isUp = false
    private var pendingSignals: [Int32] = []

    private var admin: AdminServer?
    private var adminService: AdminService!
    private var adminTLS: AdminTLSFront?

    /// A free TCP port on 127.0.0.1, for the admin API behind its TLS front.
    static func freeLoopbackPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(Glibc.SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket") }
        defer { Glibc.close(fd) }
        guard let any = SocketAddress(host: "127.0.0.1", port: 0), any.withSockaddr({ bind(fd, $0, $1) }) == 0,
              let bound = UDPSocket.localAddress(of: fd) else { throw SocketError("bind 127.0.0.1:0") }
        return bound.port
    }

    private func startAdmin() throws {
        let token = configuration.admin.token  // CLUEMCU_ADMIN_TOKEN is layered in by the caller (Setting)
        let lifecycle = AdminServer.Lifecycle(
            isDraining: { [draining] in draining.value },
            drain: { [unowned self] in signalingQueue.sync { drain(reason: "admin API") } },
            statistics: { [unowned self] in signalingQueue.sync { signaling.statistics() } },
            started: started)
        // With TLS, the API itself listens on a loopback port of its own behind the TLS front.
        let tls = configuration.admin.tls
        let apiHost = tls == nil ? configuration.admin.host : "127.0.0.1"
        let apiPort = tls == nil ? configuration.admin.port : try Self.freeLoopbackPort()
        let server = try AdminServer(host: apiHost, port: apiPort, token: token,
                                     service: adminService, lifecycle: lifecycle, logger: Logger(label: "admin"))
        admin = server
        let started = DispatchSemaphore(value: 0)
        let failure = LockedBox<Error?>(nil)
        Task {
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await server.run() }
                    try await server.waitUntilListening()
                    started.signal()
                    try await group.next()
                }
            } catch {
                failure.value = error
                started.signal()
            }
        }
        started.wait()
        if let error = failure.value { throw error }
        if let tls {
            guard let listen = SocketAddress(host: configuration.admin.host, port: configuration.admin.port),
                  let backend = SocketAddress(host: "127.0.0.1", port: apiPort) else {
                throw SocketError("resolve admin.listen \(configuration.admin.host)", code: EINVAL)
            }
            let front = try AdminTLSFront(listen: listen, backend: backend, files: tls,
                                          domain: configuration.sip.domain, logger: logger)
            adminTLS = front
            logger.info("listening https://\(front.localAddress) (admin API)")
        } else {
            logger.info("listening \(server.address) (admin API)")
        }
    }

    /// Blocks until SIGINT/SIGTERM (or `stop()`).
    public func wait() {
        stopped.wait()
    }

    /// Hangs up every call with a BYE and stops (once).
    public func stop() {
        signalingQueue.async { [self] in
            guard !stopping else { return }
            stopping = true
            drainDeadline?.cancel()
            let calls = signaling.shutdown()
            if calls > 0 { logger.info("hanging up \(calls) calls") }
            // Give the BYEs a moment to leave (and be answered) before the sockets close.
            signalingQueue.asyncAfter(deadline: .now() + .milliseconds(calls > 0 ? 500 : 0)) { [self] in
                signaling.closeConnections()
                media.closeAll()
                media.stop()
                udpSockets.forEach { $0.close() }
                streamListeners.forEach { $0.close() }
                adminTLS?.close()
                // The admin server finishes the responses it is writing (the drain call's own) before it stops.
                Task { [admin, logger, stopped] in
                    await admin?.stop()
                    logger.info("stopped")
                    stopped.signal()
                }
            }
        }
    }

    /// Drains (call on the signaling queue): readiness turns 503, new INVITEs get 503 with Retry-After, the API
    /// creates no rooms, calls in progress go on; the bridge stops after the last one ends or when
    /// `lifecycle.drain_timeout_seconds` pass (hanging up what is left). Returns the calls in progress.
    func drain(reason: String) -> Int {
        let calls = signaling.calls.count
        guard !signaling.draining, !stopping else { return calls }
        signaling.draining = true
        draining.value = true
        let timeout = configuration.lifecycle.drainTimeoutSeconds
        logger.info("draining (\(reason)): \(calls) calls in progress, stopping after the last or in \(timeout) s")
        let deadline = DispatchSource.makeTimerSource(queue: signalingQueue)
        deadline.schedule(deadline: .now() + .seconds(timeout))
        deadline.setEventHandler { [unowned self] in
            logger.notice("drain deadline passed: \(signaling.calls.count) calls left")
            stop()
        }
        deadline.resume()
        drainDeadline = deadline
        stopIfDrained()
        return calls
    }

    private func stopIfDrained() {
        guard signaling.calls.isEmpty, !stopping else { return }
        logger.info("drained: no calls left")
        stop()
    }

    /// SIGTERM drains (a second one exits at once); SIGINT hangs up every call and stops (a second one exits at
    /// once).
    private func installSignalHandlers() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: signalingQueue)
            source.setEventHandler { [unowned self] in
                guard isUp else {
                    pendingSignals.append(number)
                    return
                }
                handle(signal: number)
            }
            source.resume()
            signalSources.append(source)
        }
    }

    /// On the signaling queue.
    private func handle(signal number: Int32) {
        if number == SIGTERM {
            terminateSignals += 1
            if terminateSignals > 1 || stopping {
                logger.warning("second stop signal: exiting now")
                exit(1)
            }
            logger.info("SIGTERM received: draining")
            _ = drain(reason: "SIGTERM")
        } else {
            if stopping {
                logger.warning("second stop signal: exiting now")
                exit(1)
            }
            logger.info("SIGINT received: hanging up and stopping")
            stop()
        }
    }
}

/// A value shared between a task and the thread that waits for it.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) {
        stored = value
    }

    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        try lock.withLock { try body(&stored) }
    }
}
