/// A request method. Methods are case-sensitive tokens (RFC 3261 section 7.1): `invite` is an extension method,
/// not INVITE. Any token is accepted.
public struct SIPMethod: Sendable, Hashable, RawRepresentable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }

    public var description: String { rawValue }

    public static let invite = SIPMethod("INVITE")
    public static let ack = SIPMethod("ACK")
    public static let bye = SIPMethod("BYE")
    public static let cancel = SIPMethod("CANCEL")
    public static let options = SIPMethod("OPTIONS")
    public static let register = SIPMethod("REGISTER")
    public static let update = SIPMethod("UPDATE")
    public static let info = SIPMethod("INFO")
    public static let prack = SIPMethod("PRACK")
    public static let subscribe = SIPMethod("SUBSCRIBE")
    public static let notify = SIPMethod("NOTIFY")
    public static let refer = SIPMethod("REFER")
    public static let message = SIPMethod("MESSAGE")

    /// Whether the method is a token (RFC 3261 section 25.1); only such methods can be written.
    public var isValid: Bool { !rawValue.isEmpty && rawValue.utf8.allSatisfy { $0.isIn(.token) } }
}
