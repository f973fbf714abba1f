import Dispatch
import Foundation
import Logging

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
    private var stopRequests = 0
    private let stopped = DispatchSemaphore(value: 0)
    var signaling: SignalingService!
    var media: MediaService!

    public init(configuration: BridgeConfiguration) {
        self.configuration = configuration
    }

    /// Binds every listener; throws (nothing left bound) when one cannot be bound.
    public func start() throws {
        let identity = try BridgeIdentity.load(configuration: configuration, logger: logger)
        signaling = try SignalingService(configuration: configuration, identity: identity, queue: signalingQueue,
                                         logger: sipLogger)
        media = try MediaService(configuration: configuration, identity: identity, logger: mediaLogger)
        let mediaAddress = try media.start(host: configuration.media.address, port: configuration.media.port)
        logger.info("listening udp://\(mediaAddress) (media)")
        signaling.media = media
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
        installSignalHandlers()
    }

    private var admin: AdminServer?

    private func startAdmin() throws {
        let token = ProcessInfo.processInfo.environment["CLUEMCU_ADMIN_TOKEN"] ?? configuration.admin.token
        let reader = AdminServer.SignalingReader(queue: signalingQueue) { [unowned self] in
            signaling.roomSummaries()
        }
        let server = try AdminServer(host: configuration.admin.host, port: configuration.admin.port, token: token,
                                     signaling: reader)
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
        logger.info("listening \(server.address) (admin API)")
    }

    /// Blocks until SIGINT/SIGTERM (or `stop()`).
    public func wait() {
        stopped.wait()
    }

    public func stop() {
        signalingQueue.async { [self] in
            let calls = signaling.shutdown()
            if calls > 0 { logger.info("hanging up \(calls) calls") }
            // Give the BYEs a moment to leave (and be answered) before the sockets close.
            signalingQueue.asyncAfter(deadline: .now() + .milliseconds(calls > 0 ? 500 : 0)) { [self] in
                signaling.closeConnections()
                media.closeAll()
                media.stop()
                if let admin { Task { await admin.stop() } }
                udpSockets.forEach { $0.close() }
                streamListeners.forEach { $0.close() }
                logger.info("stopped")
                stopped.signal()
            }
        }
    }

    private func installSignalHandlers() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: signalingQueue)
            source.setEventHandler { [unowned self] in
                stopRequests += 1
                if stopRequests > 1 {
                    logger.warning("second stop signal: exiting now")
                    exit(1)
                }
                logger.info("stop signal received (\(number == SIGINT ? "SIGINT" : "SIGTERM")): shutting down")
                stop()
            }
            source.resume()
            signalSources.append(source)
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
