/// The transports of RFC 3261 section 18 the bridge serves.
public enum SIPTransport: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case udp = "UDP"
    case tcp = "TCP"
    case tls = "TLS"

    /// Reliable transports need no retransmissions (RFC 3261 section 17: timers A, E, G are not started and
    /// D, I, J, K are zero).
    public var isReliable: Bool { self != .udp }

    public var defaultPort: UInt16 { self == .tls ? 5061 : 5060 }

    public var description: String { rawValue }

    /// The transport a Via names, if it is one of ours.
    public init?(via transport: String) {
        self.init(rawValue: transport.uppercased())
    }
}

/// An IP address (text, no brackets) and port.
public struct SIPAddress: Sendable, Hashable, CustomStringConvertible {
    /// An IP literal without brackets, or a host name the driver must resolve (RFC 3263) when a response has to
    /// go to a Via sent-by that names one.
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// A connection the driver accepted or opened; the driver chooses the numbers.
public struct SIPConnectionID: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "conn#\(rawValue)" }
}

/// Where a message came from or goes to: the transport, the remote address, and for TCP/TLS the connection.
public struct SIPHop: Sendable, Hashable, CustomStringConvertible {
    public var transport: SIPTransport
    public var address: SIPAddress
    /// The connection the message arrived on (reliable transports). For a response, send on it while it is
    /// open; otherwise connect to `address` (RFC 3261 section 18.2.2).
    public var connection: SIPConnectionID?

    public init(transport: SIPTransport, address: SIPAddress, connection: SIPConnectionID? = nil) {
        self.transport = transport
        self.address = address
        self.connection = connection
    }

    public var isReliable: Bool { transport.isReliable }

    public var description: String {
        "\(transport) \(address)" + (connection.map { " \($0)" } ?? "")
    }
}

/// Serialized bytes for a hop: what the driver writes to a socket.
public struct SIPOutbound: Sendable, Hashable {
    public var bytes: [UInt8]
    public var hop: SIPHop

    public init(bytes: [UInt8], hop: SIPHop) {
        self.bytes = bytes
        self.hop = hop
    }
}
