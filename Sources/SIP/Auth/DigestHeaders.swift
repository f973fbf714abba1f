/// The digest algorithms the bridge offers (RFC 7616 section 3.7 names; SHA-256 preferred).
public enum DigestAlgorithm: String, Sendable, Hashable, CaseIterable {
    case sha256 = "SHA-256"
    case md5 = "MD5"

    /// The algorithm an `algorithm` parameter names; absent means MD5 (RFC 7616 section 3.3).
    public init?(parameter: String?) {
        guard let parameter else {
            self = .md5
            return
        }
        if parameter.equalsIgnoringASCIICase("SHA-256") {
            self = .sha256
        } else if parameter.equalsIgnoringASCIICase("MD5") {
            self = .md5
        } else {
            return nil
        }
    }

    /// H(data) as lower-case hex (RFC 7616 section 3.4).
    public func hash(_ text: String) -> String {
        switch self {
        case .sha256: return Hex.encode(SHA256.hash(text.utf8))
        case .md5: return Hex.encode(MD5.hash(text.utf8))
        }
    }

    /// KD(secret, data) = H(concat(secret, ":", data)).
    func keyedDigest(_ secret: String, _ data: String) -> String { hash(secret + ":" + data) }
}

/// An `Authorization` / `Proxy-Authorization` value with the Digest scheme (RFC 7616 section 3.4, as RFC 3261
/// section 22.4 uses it): the parameters, unquoted.
public struct DigestCredentials: Sendable, Hashable {
    public var parameters: [SIPParameter]

    public init(parameters: [SIPParameter]) { self.parameters = parameters }

    /// nil when the scheme is not Digest or the parameter list is malformed.
    public init?(_ headerValue: some StringProtocol) {
        guard let parameters = DigestParameters.parse(headerValue) else { return nil }
        self.parameters = parameters
    }

    public var username: String? { parameters.value(of: "username") }
    public var realm: String? { parameters.value(of: "realm") }
    public var nonce: String? { parameters.value(of: "nonce") }
    public var uri: String? { parameters.value(of: "uri") }
    public var response: String? { parameters.value(of: "response") }
    public var algorithm: String? { parameters.value(of: "algorithm") }
    public var cnonce: String? { parameters.value(of: "cnonce") }
    public var opaque: String? { parameters.value(of: "opaque") }
    public var qop: String? { parameters.value(of: "qop") }
    public var nonceCount: String? { parameters.value(of: "nc") }
}

/// A `WWW-Authenticate` / `Proxy-Authenticate` value with the Digest scheme (RFC 7616 section 3.3).
public struct DigestChallenge: Sendable, Hashable, CustomStringConvertible {
    public var realm: String
    public var nonce: String
    public var opaque: String?
    public var algorithm: DigestAlgorithm
    /// Only `auth` is offered: SIP bodies are not integrity-protected by the bridge (`auth-int`).
    public var qop: String
    public var stale: Bool

    public init(realm: String, nonce: String, opaque: String?, algorithm: DigestAlgorithm, qop: String = "auth",
                stale: Bool = false) {
        self.realm = realm
        self.nonce = nonce
        self.opaque = opaque
        self.algorithm = algorithm
        self.qop = qop
        self.stale = stale
    }

    public init?(_ headerValue: some StringProtocol) {
        guard let parameters = DigestParameters.parse(headerValue),
              let realm = parameters.value(of: "realm"), let nonce = parameters.value(of: "nonce"),
              let algorithm = DigestAlgorithm(parameter: parameters.value(of: "algorithm")) else { return nil }
        self.init(realm: realm, nonce: nonce, opaque: parameters.value(of: "opaque"), algorithm: algorithm,
                  qop: parameters.value(of: "qop") ?? "auth",
                  stale: parameters.value(of: "stale")?.equalsIgnoringASCIICase("true") ?? false)
    }

    public var description: String {
        var text = "Digest realm=\(QuotedString.quote(realm)), nonce=\(QuotedString.quote(nonce))"
        if let opaque { text += ", opaque=\(QuotedString.quote(opaque))" }
        text += ", algorithm=\(algorithm.rawValue), qop=\(QuotedString.quote(qop))"
        if stale { text += ", stale=TRUE" }
        return text
    }
}

enum DigestParameters {
    /// `"Digest" LWS digest-param *(COMMA digest-param)`, each `token EQUAL (token / quoted-string)`; values
    /// unquoted. Empty list elements are skipped (RFC 7235's `#rule`).
    static func parse(_ headerValue: some StringProtocol) -> [SIPParameter]? {
        withUTF8Bytes(headerValue) { bytes -> [SIPParameter]? in
            var s = ByteScanner(bytes)
            s.skipWhitespace()
            guard let scheme = s.scanToken(), s.matches(scheme, "Digest") else { return nil }
            var parameters: [SIPParameter] = []
            while true {
                s.skipWhitespace()
                while s.consume(.comma) { s.skipWhitespace() }
                if s.isAtEnd { break }
                guard let name = s.scanToken(), s.consumeSeparator(.equals) else { return nil }
                let value: String
                if s.peek == .quote {
                    guard let quoted = s.scanQuotedString() else { return nil }
                    value = QuotedString.unquote(bytes, quoted)
                } else {
                    guard let token = s.scanToken() else { return nil }
                    value = s.string(token)
                }
                parameters.append(SIPParameter(s.string(name), value))
                s.skipWhitespace()
                guard s.isAtEnd || s.peek == .comma else { return nil }
            }
            return parameters.isEmpty ? nil : parameters
        }
    }
}
