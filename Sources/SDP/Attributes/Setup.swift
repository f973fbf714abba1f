/// `a=setup` (RFC 4145 section 4, RFC 8842 section 5): who opens the DTLS association.
public enum SetupRole: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Will initiate: the DTLS client.
    case active
    /// Will accept: the DTLS server.
    case passive
    /// Either; offers only (RFC 8842 section 5.2).
    case actpass
    /// Neither for now; forbidden for DTLS (RFC 8842 section 5.1).
    case holdconn

    init(sdpValue: ArraySlice<UInt8>) throws(ValueSyntaxError) {
        let value = ByteText.trimmed(sdpValue)
        guard let role = SetupRole.allCases.first(where: { ByteText.equalsIgnoringCase(value, $0.rawValue) }) else {
            throw ValueSyntaxError("expected active, passive, actpass or holdconn")
        }
        self = role
    }

    public var description: String { rawValue }
}

/// The role an endpoint takes in the DTLS handshake.
public enum DTLSRole: String, Sendable, Hashable, CustomStringConvertible {
    case client
    case server

    /// The `a=setup` value that announces this role in an answer.
    public var setup: SetupRole { self == .client ? .active : .passive }

    public var description: String { rawValue }
}
