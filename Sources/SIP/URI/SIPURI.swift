/// A SIP, SIPS or TEL URI (RFC 3261 section 19.1, RFC 3966), or a URI of another scheme kept opaque.
///
/// ```
/// SIP-URI  = "sip:" [ userinfo ] hostport uri-parameters [ headers ]
/// userinfo = ( user / telephone-subscriber ) [ ":" password ] "@"
/// hostport = host [ ":" port ]
/// ```
/// User, password, parameters and headers are stored %-decoded, so comparisons see `%61lice` as `alice`; the
/// serializer escapes what the grammar requires. Equality (`==`) is structural; `isEquivalent(to:)` is RFC 3261
/// section 19.1.4's comparison.
public struct SIPURI: Sendable, Hashable, CustomStringConvertible {
    public enum Scheme: Sendable, Hashable, CustomStringConvertible {
        case sip, sips, tel
        /// Another scheme, lower case.
        case other(String)

        public var description: String {
            switch self {
            case .sip: return "sip"
            case .sips: return "sips"
            case .tel: return "tel"
            case .other(let name): return name
            }
        }
    }

    public var scheme: Scheme
    /// The user part (for `tel:`, the telephone number), decoded.
    public var user: String?
    public var password: String?
    /// nil only for `tel:` and other schemes.
    public var host: SIPHost?
    public var port: UInt16?
    /// `uri-parameters` (for `tel:`, its parameters), decoded, in order.
    public var parameters: [SIPParameter]
    /// `headers` (`?name=value&...`), decoded, in order.
    public var headers: [SIPParameter]
    /// For another scheme: everything after `scheme:`, as written.
    public var opaque: String?

    public init(scheme: Scheme = .sip, user: String? = nil, password: String? = nil, host: SIPHost?,
                port: UInt16? = nil, parameters: [SIPParameter] = [], headers: [SIPParameter] = []) {
        self.scheme = scheme
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.parameters = parameters
        self.headers = headers
        opaque = nil
    }

    /// Parses a complete URI; nil when it is malformed or longer than `maximumLength`.
    public init?(_ text: some StringProtocol, maximumLength: Int = SIPLimits.default.maximumURILength) {
        guard let uri = withUTF8Bytes(text, { bytes in
            SIPURI.parse(ByteScanner(bytes), 0..<bytes.count, maximumLength: maximumLength)
        }) else { return nil }
        self = uri
    }

    public var isSIP: Bool { scheme == .sip || scheme == .sips }

    /// `transport` parameter, lower case.
    public var transport: String? { parameters.value(of: "transport")?.asciiLowercased }
    /// Whether the URI has the `lr` parameter (a loose router, RFC 3261 section 16.12).
    public var isLooseRouter: Bool { parameters.contains("lr") }
    public var maddr: String? { parameters.value(of: "maddr") }

    // MARK: Writing

    public var description: String {
        var text = scheme.description
        text += ":"
        switch scheme {
        case .other:
            text += opaque ?? ""
            return text
        case .tel:
            text += PercentEncoding.encode(user ?? "", allowed: [.unreserved, .paramUnreserved])
            appendParameters(to: &text)
            return text
        case .sip, .sips:
            break
        }
        if let user, !user.isEmpty {
            text += PercentEncoding.encode(user, allowed: [.unreserved, .userUnreserved])
            if let password {
                text += ":"
                text += PercentEncoding.encode(password, allowed: [.unreserved, .passwordExtra])
            }
            text += "@"
        }
        text += host?.description ?? ""
        if let port {
            text += ":"
            text += String(port)
        }
        appendParameters(to: &text)
        for (index, header) in headers.enumerated() {
            text += index == 0 ? "?" : "&"
            text += PercentEncoding.encode(header.name, allowed: [.unreserved, .headerUnreserved])
            text += "="
            text += PercentEncoding.encode(header.value ?? "", allowed: [.unreserved, .headerUnreserved])
        }
        return text
    }

    private func appendParameters(to text: inout String) {
        for parameter in parameters where !parameter.name.isEmpty {
            text += ";"
            text += PercentEncoding.encode(parameter.name, allowed: [.unreserved, .paramUnreserved])
            if let value = parameter.value, !value.isEmpty {
                text += "="
                text += PercentEncoding.encode(value, allowed: [.unreserved, .paramUnreserved])
            }
        }
    }

    // MARK: Comparison

    /// RFC 3261 section 19.1.4 (and RFC 3966 section 4 for `tel:`).
    public func isEquivalent(to other: SIPURI) -> Bool {
        guard scheme == other.scheme else { return false }
        switch scheme {
        case .other:
            return opaque == other.opaque
        case .tel:
            func digits(_ number: String?) -> String {
                String((number ?? "").filter { !"-.()".contains($0) }).asciiLowercased
            }
            guard digits(user) == digits(other.user), parameters.count == other.parameters.count else {
                return false
            }
            return parameters.allSatisfy { p in
                other.parameters.contains { $0.name.equalsIgnoringASCIICase(p.name)
                    && ($0.value ?? "").equalsIgnoringASCIICase(p.value ?? "") }
            }
        case .sip, .sips:
            break
        }
        guard user == other.user, password == other.password, port == other.port else { return false }
        switch (host, other.host) {
        case (nil, nil): break
        case (let a?, let b?): guard a.isEquivalent(to: b) else { return false }
        default: return false
        }
        // "user, ttl, method, maddr and transport ... MUST match if present in either"; others only if in both.
        for name in ["user", "ttl", "method", "maddr", "transport"] {
            let a = parameters.first { $0.name.equalsIgnoringASCIICase(name) }
            let b = other.parameters.first { $0.name.equalsIgnoringASCIICase(name) }
            switch (a, b) {
            case (nil, nil): continue
            case (let a?, let b?):
                guard (a.value ?? "").equalsIgnoringASCIICase(b.value ?? "") else { return false }
            default: return false
            }
        }
        // A repeated parameter counts by its first occurrence on both sides.
        for parameter in parameters {
            let name = parameter.name
            if let b = other.parameters.first(where: { $0.name.equalsIgnoringASCIICase(name) }),
               let a = parameters.first(where: { $0.name.equalsIgnoringASCIICase(name) }),
               !(a.value ?? "").equalsIgnoringASCIICase(b.value ?? "") {
                return false
            }
        }
        // "URI header components are never ignored": same set on both sides.
        guard headers.count == other.headers.count else { return false }
        return headers.allSatisfy { h in
            other.headers.contains { $0.name.equalsIgnoringASCIICase(h.name) && $0.value == h.value }
        }
    }

    // MARK: Parsing

    /// Parses the URI in `range`; nil when malformed.
    static func parse(_ scanner: ByteScanner, _ range: Range<Int>, maximumLength: Int) -> SIPURI? {
        guard !range.isEmpty, range.count <= maximumLength else { return nil }
        let bytes = scanner.bytes
        var s = ByteScanner(bytes, range: range)
        guard let first = s.peek, first.isIn(.alphanumeric), !first.isIn(.digit) else { return nil }
        let schemeRange = s.scan(while: .scheme)
        guard s.consume(.colon) else { return nil }
        let scheme: Scheme
        if s.matches(schemeRange, "sip") {
            scheme = .sip
        } else if s.matches(schemeRange, "sips") {
            scheme = .sips
        } else if s.matches(schemeRange, "tel") {
            scheme = .tel
        } else {
            scheme = .other(s.lowercasedString(schemeRange))
        }
        let rest = s.position..<range.upperBound
        switch scheme {
        case .other:
            guard !rest.isEmpty, bytes[rest].allSatisfy({ $0.isIn(.opaqueURI) }) else { return nil }
            var uri = SIPURI(scheme: scheme, host: nil)
            uri.opaque = s.string(rest)
            return uri
        case .tel:
            return parseTel(s, rest, scheme: scheme)
        case .sip, .sips:
            return parseSIP(s, rest, scheme: scheme)
        }
    }

    private static func parseTel(_ s: ByteScanner, _ rest: Range<Int>, scheme: Scheme) -> SIPURI? {
        var s = s
        let numberRange = s.scan(until: { $0 == .semicolon })
        guard !numberRange.isEmpty,
              let number = PercentEncoding.decode(s.bytes, numberRange, allowed: [.unreserved, .paramUnreserved])
        else { return nil }
        var uri = SIPURI(scheme: scheme, user: number, host: nil)
        guard let parameters = parseURIParameters(&s, stopAtQuestionMark: false), s.isAtEnd else { return nil }
        uri.parameters = parameters
        return uri
    }

    private static func parseSIP(_ s: ByteScanner, _ rest: Range<Int>, scheme: Scheme) -> SIPURI? {
        var s = s
        let bytes = s.bytes
        var uri = SIPURI(scheme: scheme, host: nil)
        // "@" can only end the userinfo: it is in no other component's character set.
        if let at = bytes[rest].firstIndex(of: .at) {
            let userinfo = rest.lowerBound..<at
            let colon = bytes[userinfo].firstIndex(of: .colon)
            let userRange = userinfo.lowerBound..<(colon ?? at)
            guard !userRange.isEmpty,
                  let user = PercentEncoding.decode(bytes, userRange, allowed: [.unreserved, .userUnreserved])
            else { return nil }
            uri.user = user
            if let colon {
                guard let password = PercentEncoding.decode(bytes, (colon + 1)..<at,
                                                             allowed: [.unreserved, .passwordExtra])
                else { return nil }
                uri.password = password
            }
            s.position = at + 1
        }
        // hostport
        let hostStart = s.position
        if s.peek == .leftBracket {
            _ = s.scan(until: { $0 == .rightBracket })
            guard s.consume(.rightBracket) else { return nil }
        } else {
            _ = s.scan(while: .hostName)
        }
        guard let host = SIPHost.parse(s, hostStart..<s.position) else { return nil }
        uri.host = host
        if s.consume(.colon) {
            let portRange = s.scan(while: .digit)
            guard let port = s.decimal(portRange, maximum: UInt64(UInt16.max)) else { return nil }
            uri.port = UInt16(port)
        }
        guard let parameters = parseURIParameters(&s, stopAtQuestionMark: true) else { return nil }
        uri.parameters = parameters
        if s.consume(.question) {
            repeat {
                let name = s.scan(until: { $0 == .equals || $0 == .ampersand })
                guard !name.isEmpty, s.consume(.equals),
                      let decodedName = PercentEncoding.decode(bytes, name, allowed: [.unreserved, .headerUnreserved])
                else { return nil }
                let value = s.scan(until: { $0 == .ampersand })
                guard let decodedValue = PercentEncoding.decode(bytes, value,
                                                                allowed: [.unreserved, .headerUnreserved])
                else { return nil }
                uri.headers.append(SIPParameter(decodedName, decodedValue))
            } while s.consume(.ampersand)
        }
        return s.isAtEnd ? uri : nil
    }

    /// `*( ";" pname [ "=" pvalue ] )`, pname and pvalue `1*paramchar`.
    private static func parseURIParameters(_ s: inout ByteScanner, stopAtQuestionMark: Bool) -> [SIPParameter]? {
        var parameters: [SIPParameter] = []
        let bytes = s.bytes
        while s.consume(.semicolon) {
            let name = s.scan(until: { $0 == .equals || $0 == .semicolon || (stopAtQuestionMark && $0 == .question) })
            guard !name.isEmpty,
                  let decodedName = PercentEncoding.decode(bytes, name, allowed: [.unreserved, .paramUnreserved])
            else { return nil }
            var decodedValue: String?
            if s.consume(.equals) {
                let value = s.scan(until: { $0 == .semicolon || (stopAtQuestionMark && $0 == .question) })
                guard !value.isEmpty,
                      let decoded = PercentEncoding.decode(bytes, value, allowed: [.unreserved, .paramUnreserved])
                else { return nil }
                decodedValue = decoded
            }
            parameters.append(SIPParameter(decodedName, decodedValue))
        }
        return parameters
    }
}
