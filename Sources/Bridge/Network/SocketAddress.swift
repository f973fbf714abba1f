#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 socket address, stored inline (no allocation) so it can travel with every packet.
public struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    private(set) var storage: sockaddr_storage
    public let length: socklen_t

    init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
    }

    /// Resolves a numeric address ("127.0.0.1", "::1", "0.0.0.0") or, failing that, a host name.
    public init?(host: String, port: UInt16) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_flags = AI_NUMERICSERV
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else { return nil }
        defer { freeaddrinfo(result) }
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr,
                                                           count: Int(first.pointee.ai_addrlen)))
        }
        self.init(storage: storage, length: first.pointee.ai_addrlen)
    }

    public var family: Int32 { Int32(storage.ss_family) }

    public var port: UInt16 {
        withUnsafeBytes(of: storage) { raw in
            if family == AF_INET6 {
                return UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port)
            }
            return UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port)
        }
    }

    /// The numeric host ("127.0.0.1", "::1").
    public var host: String {
        var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        let status = withUnsafeBytes(of: storage) { raw in
            getnameinfo(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length, &buffer,
                        socklen_t(buffer.count), nil, 0, NI_NUMERICHOST)
        }
        guard status == 0 else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public var description: String {
        family == AF_INET6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        withUnsafeBytes(of: storage) { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }

    public static func == (lhs: SocketAddress, rhs: SocketAddress) -> Bool {
        lhs.length == rhs.length && withUnsafeBytes(of: lhs.storage) { a in
            withUnsafeBytes(of: rhs.storage) { b in
                memcmp(a.baseAddress!, b.baseAddress!, Int(lhs.length)) == 0
            }
        }
    }

    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes(of: storage) { raw in
            hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: raw[..<Int(length)]))
        }
    }
}

/// A system call failed; `operation` names it for the log.
public struct SocketError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let code: Int32

    init(_ operation: String, code: Int32 = errno) {
        self.operation = operation
        self.code = code
    }

    public var description: String { "\(operation): \(String(cString: strerror(code)))" }
}
