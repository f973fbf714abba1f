/// An IP address as STUN carries it: IPv4 in one word, IPv6 in two (network byte order, high word first).
public enum IPAddress: Hashable, Sendable {
    case v4(UInt32)
    case v6(high: UInt64, low: UInt64)

    /// IPv4 from its four octets, as written in dotted-quad order.
    public static func v4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> IPAddress {
        .v4(UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d))
    }

    /// IPv6 from its eight 16-bit groups, as written in colon-hexadecimal order.
    public static func v6(_ groups: [UInt16]) -> IPAddress? {
        guard groups.count == 8 else { return nil }
        var high: UInt64 = 0, low: UInt64 = 0
        for group in groups[0..<4] { high = high << 16 | UInt64(group) }
        for group in groups[4..<8] { low = low << 16 | UInt64(group) }
        return .v6(high: high, low: low)
    }
}

/// The address and UDP port of a datagram's source or destination; the driver's 5-tuple key on the shared port.
public struct TransportAddress: Hashable, Sendable, CustomStringConvertible {
    public var ip: IPAddress
    public var port: UInt16

    public init(ip: IPAddress, port: UInt16) {
        self.ip = ip
        self.port = port
    }

    public var description: String {
        switch ip {
        case .v4(let word):
            return "\(word >> 24).\(word >> 16 & 0xFF).\(word >> 8 & 0xFF).\(word & 0xFF):\(port)"
        case .v6(let high, let low):
            let groups = (0..<4).map { String(high >> (48 - 16 * $0) & 0xFFFF, radix: 16) }
                + (0..<4).map { String(low >> (48 - 16 * $0) & 0xFFFF, radix: 16) }
            return "[\(groups.joined(separator: ":"))]:\(port)"
        }
    }
}
