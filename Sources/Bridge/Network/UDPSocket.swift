import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// A bound, non-blocking UDP socket whose datagrams are delivered on one serial queue.
///
/// Confined to its queue: `send` and the handler run there.
public final class UDPSocket: @unchecked Sendable {
    public typealias Handler = (UnsafeRawBufferPointer, SocketAddress) -> Void

    public let localAddress: SocketAddress
    private let descriptor: Int32
    private let source: DispatchSourceRead
    private var buffer: UnsafeMutableRawBufferPointer
    private(set) var sendFailures = 0

    public init(bind address: SocketAddress, queue: DispatchQueue, receiveBufferBytes: Int = 1 << 20,
                handler: @escaping Handler) throws {
        let fd = socket(address.family, Int32(Glibc.SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var size = Int32(receiveBufferBytes)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        let bound = address.withSockaddr { bind(fd, $0, $1) }
        guard bound == 0 else {
            let error = SocketError("bind \(address)")
            Glibc.close(fd)
            throw error
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        descriptor = fd
        localAddress = Self.localAddress(of: fd) ?? address
        buffer = .allocate(byteCount: 65_536, alignment: 16)
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [unowned self] in self.drain(handler) }
        source.setCancelHandler { [buffer] in
            Glibc.close(fd)
            buffer.deallocate()
        }
        source.resume()
    }

    deinit {
        source.cancel()
    }

    public func close() {
        source.cancel()
    }

    /// Sends one datagram; a full socket buffer drops it (counted), as the network would.
    public func send(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress) {
        let sent = address.withSockaddr { sendto(descriptor, bytes.baseAddress, bytes.count, 0, $0, $1) }
        if sent < 0 { sendFailures += 1 }
    }

    public func send(_ bytes: [UInt8], to address: SocketAddress) {
        bytes.withUnsafeBytes { send($0, to: address) }
    }

    private func drain(_ handler: Handler) {
        // Read until the socket is empty, bounded so one busy socket cannot starve the queue.
        for _ in 0..<64 {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(descriptor, buffer.baseAddress, buffer.count, 0, $0, &length)
                }
            }
            guard count >= 0 else { return }
            handler(UnsafeRawBufferPointer(rebasing: buffer[..<count]), SocketAddress(storage: storage, length: length))
        }
    }

    static func localAddress(of fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return status == 0 ? SocketAddress(storage: storage, length: length) : nil
    }
}
