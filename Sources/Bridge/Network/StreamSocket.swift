import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// What a stream layer made of received bytes.
public struct StreamLayerOutput {
    public var application: [UInt8]
    /// Bytes for the peer: handshake records, or the alert that goes with a failure.
    public var reply: [UInt8]
    /// Set when the layer is dead: send `reply`, then close.
    public var failure: String?
}

/// What sits between a TCP connection's bytes and the application: nothing (plain TCP) or TLS.
public protocol StreamLayer: AnyObject {
    /// Bytes from the network.
    func receive(_ bytes: UnsafeRawBufferPointer) -> StreamLayerOutput
    /// Application bytes to protect for the network.
    func protect(_ bytes: [UInt8]) throws -> [UInt8]
}

/// A connected, non-blocking stream socket served on one serial queue. Writes that do not fit are buffered (up to
/// a cap) and flushed when the socket drains.
public final class StreamConnection: @unchecked Sendable {
    public let id: UInt64
    public let remoteAddress: SocketAddress
    public let localAddress: SocketAddress
    private let descriptor: Int32
    private let queue: DispatchQueue
    private let readSource: DispatchSourceRead
    private var writeSource: DispatchSourceWrite?
    private var pending: [UInt8] = []
    private let layer: StreamLayer?
    private var closed = false
    /// Buffered output beyond this closes the connection: a peer that does not read must not grow memory.
    public var maxPendingBytes = 1 << 20

    public var onData: (([UInt8]) -> Void)?
    public var onClose: ((String) -> Void)?

    init(descriptor: Int32, id: UInt64, remote: SocketAddress, queue: DispatchQueue, layer: StreamLayer?) {
        self.descriptor = descriptor
        self.id = id
        self.remoteAddress = remote
        self.localAddress = UDPSocket.localAddress(of: descriptor) ?? remote
        self.queue = queue
        self.layer = layer
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        var yes: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
        readSource = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
        readSource.setCancelHandler { Glibc.close(descriptor) }
    }

    func start() {
        readSource.setEventHandler { [weak self] in self?.readAvailable() }
        readSource.resume()
    }

    /// Sends application bytes (protected by the layer when there is one).
    public func send(_ bytes: [UInt8]) {
        guard !closed else { return }
        do {
            write(try layer?.protect(bytes) ?? bytes)
        } catch {
            close(reason: "TLS: \(error)")
        }
    }

    public func close(reason: String) {
        guard !closed else { return }
        closed = true
        writeSource?.cancel()
        writeSource = nil
        readSource.cancel()
        onClose?(reason)
        onData = nil
        onClose = nil
    }

    private func readAvailable() {
        var buffer = [UInt8](repeating: 0, count: 16_384)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count == 0 {
            close(reason: "closed by peer")
            return
        }
        guard count > 0 else {
            if errno != EAGAIN && errno != EWOULDBLOCK { close(reason: "\(SocketError("recv"))") }
            return
        }
        let received = buffer.prefix(count)
        guard let layer else {
            onData?(Array(received))
            return
        }
        let output = received.withUnsafeBytes { layer.receive($0) }
        if !output.reply.isEmpty { write(output.reply) }
        if let failure = output.failure {
            close(reason: "TLS: \(failure)")
            return
        }
        if !output.application.isEmpty { onData?(output.application) }
    }

    private func write(_ bytes: [UInt8]) {
        guard !closed else { return }
        if !pending.isEmpty {
            pending += bytes
            if pending.count > maxPendingBytes { close(reason: "peer does not read (\(pending.count) bytes queued)") }
            return
        }
        let written = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if written == bytes.count { return }
        if written < 0 && errno != EAGAIN && errno != EWOULDBLOCK {
            close(reason: "\(SocketError("send"))")
            return
        }
        pending = Array(bytes[max(0, written)...])
        let source = DispatchSource.makeWriteSource(fileDescriptor: descriptor, queue: queue)
        source.setEventHandler { [weak self] in self?.flush() }
        writeSource = source
        source.resume()
    }

    private func flush() {
        let written = pending.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if written < 0 {
            if errno != EAGAIN && errno != EWOULDBLOCK { close(reason: "\(SocketError("send"))") }
            return
        }
        pending.removeFirst(written)
        if pending.isEmpty {
            writeSource?.cancel()
            writeSource = nil
        }
    }
}

/// A listening TCP socket; each accepted connection is handed over on the same queue.
public final class StreamListener: @unchecked Sendable {
    public let localAddress: SocketAddress
    private let source: DispatchSourceRead
    private var nextID: UInt64 = 1

    /// `makeLayer` returns the TLS layer for a new connection, or nil for plain TCP.
    public init(bind address: SocketAddress, queue: DispatchQueue, backlog: Int32 = 128,
                makeLayer: @escaping () throws -> StreamLayer?, accepted: @escaping (StreamConnection) -> Void) throws {
        let fd = socket(address.family, Int32(Glibc.SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        guard address.withSockaddr({ bind(fd, $0, $1) }) == 0, listen(fd, backlog) == 0 else {
            let error = SocketError("bind/listen \(address)")
            Glibc.close(fd)
            throw error
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        localAddress = UDPSocket.localAddress(of: fd) ?? address
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setCancelHandler { Glibc.close(fd) }
        source.setEventHandler { [unowned self] in
            while true {
                var storage = sockaddr_storage()
                var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let client = withUnsafeMutablePointer(to: &storage) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(fd, $0, &length) }
                }
                guard client >= 0 else { return }
                let layer: StreamLayer?
                do {
                    layer = try makeLayer()
                } catch {
                    Glibc.close(client)
                    continue
                }
                let connection = StreamConnection(descriptor: client, id: self.nextID,
                                                  remote: SocketAddress(storage: storage, length: length),
                                                  queue: queue, layer: layer)
                self.nextID += 1
                accepted(connection)
                connection.start()
            }
        }
        source.resume()
    }

    deinit {
        source.cancel()
    }

    public func close() {
        source.cancel()
    }
}
