/// Why bytes are not a well-formed STUN message (RFC 8489 sections 5, 6.3 and 14). Every case answers a request
/// with 400 Bad Request when the header was readable; otherwise the datagram is dropped.
public enum STUNParseError: Error, Hashable, Sendable {
    /// Fewer than the 20 header bytes.
    case shorterThanHeader
    /// The two leading bits are not zero, or the magic cookie is wrong: not STUN.
    case notSTUN
    /// The length field is not a multiple of four.
    case misalignedLength(UInt16)
    /// The length field disagrees with the datagram's size.
    case lengthMismatch(declared: Int, actual: Int)
    /// An attribute's header or value (with padding) runs past the end of the message.
    case truncatedAttribute(type: UInt16)
    /// An attribute whose value does not have the form its type requires.
    case malformedAttribute(type: UInt16)
}

/// The wire status of a STUN error response (RFC 8489 section 14.8): class and number folded into one code.
public struct STUNErrorCode: Hashable, Sendable {
    /// 300 to 699.
    public var code: UInt16
    public var reason: String

    public init(code: UInt16, reason: String) {
        self.code = code
        self.reason = reason
    }

    public static let badRequest = STUNErrorCode(code: 400, reason: "Bad Request")
    public static let unauthenticated = STUNErrorCode(code: 401, reason: "Unauthenticated")
    public static let unknownAttribute = STUNErrorCode(code: 420, reason: "Unknown Attribute")
    public static let roleConflict = STUNErrorCode(code: 487, reason: "Role Conflict")
}
