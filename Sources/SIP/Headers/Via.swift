/// One Via element (RFC 3261 section 20.42, RFC 3581).
///
/// ```
/// via-parm      = sent-protocol LWS sent-by *( SEMI via-params )
/// sent-protocol = protocol-name SLASH protocol-version SLASH transport
/// sent-by       = host [ COLON port ]
/// via-params    = via-ttl / via-maddr / via-received / via-branch / response-port / via-extension
/// response-port = "rport" [EQUAL 1*DIGIT]
/// ```
public struct Via: Sendable, Hashable, CustomStringConvertible {
    /// The branch prefix of RFC 3261 clients (section 8.1.1.7).
    public static let magicCookie = "z9hG4bK"

    /// `UDP`, `TCP`, `TLS`, ... in upper case.
    public var transport: String
    public var host: SIPHost
    public var port: UInt16?
    public var parameters: [SIPParameter]

    public init(transport: String, host: SIPHost, port: UInt16? = nil, parameters: [SIPParameter] = []) {
        self.transport = transport.uppercased()
        self.host = host
        self.port = port
        self.parameters = parameters
    }

    public init?(_ text: some StringProtocol) {
        guard let via = withUTF8Bytes(text, { bytes -> Via? in
            var scanner = ByteScanner(bytes)
            return Via.parse(&scanner)
        }) else { return nil }
        self = via
    }

    /// The `rport` parameter of RFC 3581.
    public enum ResponsePort: Sendable, Hashable {
        /// `;rport` without a value: the client asks for it to be filled in.
        case requested
        /// `;rport=N`: the source port the server saw.
        case port(UInt16)
    }

    public var branch: String? {
        get { parameters.value(of: "branch") }
        set { if let newValue { parameters.set("branch", newValue) } else { parameters.remove("branch") } }
    }

    /// Whether the branch comes from an RFC 3261 client (it starts with the magic cookie), so that it alone
    /// identifies the transaction.
    public var hasRFC3261Branch: Bool { branch?.hasPrefix(Via.magicCookie) ?? false }

    public var received: String? {
        get { parameters.value(of: "received") }
        set { if let newValue { parameters.set("received", newValue) } else { parameters.remove("received") } }
    }

    public var rport: ResponsePort? {
        get {
            guard let parameter = parameters.first(where: { $0.name.equalsIgnoringASCIICase("rport") }) else {
                return nil
            }
            guard let value = parameter.value else { return .requested }
            return UInt16(value).map { .port($0) } ?? .requested
        }
        set {
            switch newValue {
            case nil: parameters.remove("rport")
            case .requested?: parameters.set("rport", nil)
            case .port(let port)?: parameters.set("rport", String(port))
            }
        }
    }

    public var maddr: String? { parameters.value(of: "maddr") }

    /// `host[:port]` as written in the Via.
    public var sentBy: String { port.map { "\(host):\($0)" } ?? host.description }

    /// RFC 3261 section 17.2.3 compares sent-by values: hosts by RFC 3261 section 19.1.4 rules, ports as given
    /// (a missing port is the transport's default).
    public func hasSameSentBy(as other: Via) -> Bool {
        host.isEquivalent(to: other.host) && effectivePort == other.effectivePort
    }

    var effectivePort: UInt16 { port ?? (transport == "TLS" ? 5061 : 5060) }

    public var description: String {
        var text = "SIP/2.0/"
        text += transport
        text += " "
        text += sentBy
        text += parameters.headerText
        return text
    }

    /// Parses one via-parm from the scanner's position to its end (surrounding whitespace allowed).
    static func parse(_ scanner: inout ByteScanner) -> Via? {
        scanner.skipWhitespace()
        guard let name = scanner.scanToken(), scanner.matches(name, "SIP"),
              scanner.consumeSeparator(.slash),
              let version = scanner.scanToken(), scanner.matches(version, "2.0"),
              scanner.consumeSeparator(.slash),
              let transport = scanner.scanToken() else { return nil }
        scanner.skipWhitespace()
        let hostStart = scanner.position
        if scanner.peek == .leftBracket {
            _ = scanner.scan(until: { $0 == .rightBracket })
            guard scanner.consume(.rightBracket) else { return nil }
        } else {
            _ = scanner.scan(while: .hostName)
        }
        guard let host = SIPHost.parse(scanner, hostStart..<scanner.position) else { return nil }
        var port: UInt16?
        if scanner.consumeSeparator(.colon) {
            let digits = scanner.scan(while: .digit)
            guard let value = scanner.decimal(digits, maximum: UInt64(UInt16.max)) else { return nil }
            port = UInt16(value)
        }
        guard let parameters = HeaderParameters.parse(&scanner) else { return nil }
        scanner.skipWhitespace()
        guard scanner.isAtEnd else { return nil }
        var via = Via(transport: scanner.string(transport), host: host, port: port, parameters: parameters)
        via.transport = via.transport.uppercased()
        // via-branch = "branch" EQUAL token; response-port = "rport" [EQUAL 1*DIGIT]
        for parameter in parameters {
            if parameter.name.equalsIgnoringASCIICase("branch") {
                guard let value = parameter.value, !value.hasPrefix("\"") else { return nil }
            } else if parameter.name.equalsIgnoringASCIICase("rport"), let value = parameter.value {
                guard UInt16(value) != nil else { return nil }
            }
        }
        return via
    }
}
