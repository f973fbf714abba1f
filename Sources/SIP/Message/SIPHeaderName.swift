/// A header field name: compared without regard to case, compact forms (RFC 3261 section 7.3.3 and the extensions
/// that define one) mapped to their long form.
///
/// Names this module knows are written in their canonical spelling (`Call-ID`, `CSeq`, `WWW-Authenticate`);
/// others keep the spelling they arrived with.
public struct SIPHeaderName: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The name as the serializer writes it.
    public let description: String
    /// Lower-case long form: what equality and hashing use.
    let key: String
    /// A small number for the names this module knows (0 for others): equality without comparing strings.
    let id: UInt8

    private init(canonical: String, key: String, id: UInt8 = 0) {
        description = canonical
        self.key = key
        self.id = id
    }

    /// A known name: spelled out literally (canonical, lower case, number) so the constants are initialized
    /// statically.
    private init(_ canonical: String, _ key: String, _ id: UInt8) {
        self.init(canonical: canonical, key: key, id: id)
    }

    /// A name from text: a compact form (`i`, `v`, ...) means its long form.
    public init(_ name: String) {
        let key = name.asciiLowercased
        if let known = Self.byKey[key] {
            self = known
        } else {
            self.init(canonical: name, key: key)
        }
    }

    public init(stringLiteral value: String) { self.init(value) }

    public static func == (lhs: SIPHeaderName, rhs: SIPHeaderName) -> Bool {
        if lhs.id != 0 || rhs.id != 0 { return lhs.id == rhs.id }
        return lhs.key == rhs.key
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }

    /// Whether RFC 3261's grammar (or the defining RFC's) lets several values of this header share one line,
    /// comma-separated (`#element`). Authentication headers are not lists: their parameters are comma-separated.
    public var isList: Bool { Self.listKeys.contains(key) }

    /// The compact form, if the header has one.
    public var compactForm: Character? { Self.compactByKey[key] }

    // MARK: Known names

    public static let accept = SIPHeaderName("Accept", "accept", 1)
    public static let acceptContact = SIPHeaderName("Accept-Contact", "accept-contact", 2)
    public static let acceptEncoding = SIPHeaderName("Accept-Encoding", "accept-encoding", 3)
    public static let acceptLanguage = SIPHeaderName("Accept-Language", "accept-language", 4)
    public static let alertInfo = SIPHeaderName("Alert-Info", "alert-info", 5)
    public static let allow = SIPHeaderName("Allow", "allow", 6)
    public static let allowEvents = SIPHeaderName("Allow-Events", "allow-events", 7)
    public static let authenticationInfo = SIPHeaderName("Authentication-Info", "authentication-info", 8)
    public static let authorization = SIPHeaderName("Authorization", "authorization", 9)
    public static let callID = SIPHeaderName("Call-ID", "call-id", 10)
    public static let callInfo = SIPHeaderName("Call-Info", "call-info", 11)
    public static let contact = SIPHeaderName("Contact", "contact", 12)
    public static let contentDisposition = SIPHeaderName("Content-Disposition", "content-disposition", 13)
    public static let contentEncoding = SIPHeaderName("Content-Encoding", "content-encoding", 14)
    public static let contentID = SIPHeaderName("Content-ID", "content-id", 15)
    public static let contentLanguage = SIPHeaderName("Content-Language", "content-language", 16)
    public static let contentLength = SIPHeaderName("Content-Length", "content-length", 17)
    public static let contentType = SIPHeaderName("Content-Type", "content-type", 18)
    public static let cseq = SIPHeaderName("CSeq", "cseq", 19)
    public static let date = SIPHeaderName("Date", "date", 20)
    public static let errorInfo = SIPHeaderName("Error-Info", "error-info", 21)
    public static let event = SIPHeaderName("Event", "event", 22)
    public static let expires = SIPHeaderName("Expires", "expires", 23)
    public static let from = SIPHeaderName("From", "from", 24)
    public static let identity = SIPHeaderName("Identity", "identity", 25)
    public static let inReplyTo = SIPHeaderName("In-Reply-To", "in-reply-to", 26)
    public static let maxForwards = SIPHeaderName("Max-Forwards", "max-forwards", 27)
    public static let mimeVersion = SIPHeaderName("MIME-Version", "mime-version", 28)
    public static let minExpires = SIPHeaderName("Min-Expires", "min-expires", 29)
    public static let minSE = SIPHeaderName("Min-SE", "min-se", 30)
    public static let organization = SIPHeaderName("Organization", "organization", 31)
    public static let pAssertedIdentity = SIPHeaderName("P-Asserted-Identity", "p-asserted-identity", 32)
    public static let path = SIPHeaderName("Path", "path", 33)
    public static let priority = SIPHeaderName("Priority", "priority", 34)
    public static let privacy = SIPHeaderName("Privacy", "privacy", 35)
    public static let proxyAuthenticate = SIPHeaderName("Proxy-Authenticate", "proxy-authenticate", 36)
    public static let proxyAuthorization = SIPHeaderName("Proxy-Authorization", "proxy-authorization", 37)
    public static let proxyRequire = SIPHeaderName("Proxy-Require", "proxy-require", 38)
    public static let rack = SIPHeaderName("RAck", "rack", 39)
    public static let reason = SIPHeaderName("Reason", "reason", 40)
    public static let recordRoute = SIPHeaderName("Record-Route", "record-route", 41)
    public static let referTo = SIPHeaderName("Refer-To", "refer-to", 42)
    public static let referredBy = SIPHeaderName("Referred-By", "referred-by", 43)
    public static let rejectContact = SIPHeaderName("Reject-Contact", "reject-contact", 44)
    public static let replyTo = SIPHeaderName("Reply-To", "reply-to", 45)
    public static let requestDisposition = SIPHeaderName("Request-Disposition", "request-disposition", 46)
    public static let require = SIPHeaderName("Require", "require", 47)
    public static let retryAfter = SIPHeaderName("Retry-After", "retry-after", 48)
    public static let route = SIPHeaderName("Route", "route", 49)
    public static let rseq = SIPHeaderName("RSeq", "rseq", 50)
    public static let server = SIPHeaderName("Server", "server", 51)
    public static let serviceRoute = SIPHeaderName("Service-Route", "service-route", 52)
    public static let sessionExpires = SIPHeaderName("Session-Expires", "session-expires", 53)
    public static let subject = SIPHeaderName("Subject", "subject", 54)
    public static let subscriptionState = SIPHeaderName("Subscription-State", "subscription-state", 55)
    public static let supported = SIPHeaderName("Supported", "supported", 56)
    public static let timestamp = SIPHeaderName("Timestamp", "timestamp", 57)
    public static let to = SIPHeaderName("To", "to", 58)
    public static let unsupported = SIPHeaderName("Unsupported", "unsupported", 59)
    public static let userAgent = SIPHeaderName("User-Agent", "user-agent", 60)
    public static let via = SIPHeaderName("Via", "via", 61)
    public static let warning = SIPHeaderName("Warning", "warning", 62)
    public static let wwwAuthenticate = SIPHeaderName("WWW-Authenticate", "www-authenticate", 63)

    private static let all: [SIPHeaderName] = [
        accept, acceptContact, acceptEncoding, acceptLanguage, alertInfo, allow, allowEvents, authenticationInfo,
        authorization, callID, callInfo, contact, contentDisposition, contentEncoding, contentID, contentLanguage,
        contentLength, contentType, cseq, date, errorInfo, event, expires, from, identity, inReplyTo, maxForwards,
        mimeVersion, minExpires, minSE, organization, pAssertedIdentity, path, priority, privacy, proxyAuthenticate,
        proxyAuthorization, proxyRequire, rack, reason, recordRoute, referTo, referredBy, rejectContact, replyTo,
        requestDisposition, require, retryAfter, route, rseq, server, serviceRoute, sessionExpires, subject,
        subscriptionState, supported, timestamp, to, unsupported, userAgent, via, warning, wwwAuthenticate,
    ]

    /// RFC 3261 section 7.3.3 (i, m, e, l, c, f, s, k, t, v) and the extensions: o, u (RFC 6665), r (RFC 3515),
    /// b (RFC 3892), x (RFC 4028), y (RFC 8224), a, j, d (RFC 3841).
    private static let compactForms: [(Character, SIPHeaderName)] = [
        ("i", callID), ("m", contact), ("e", contentEncoding), ("l", contentLength), ("c", contentType),
        ("f", from), ("s", subject), ("k", supported), ("t", to), ("v", via), ("o", event), ("u", allowEvents),
        ("r", referTo), ("b", referredBy), ("x", sessionExpires), ("y", identity), ("a", acceptContact),
        ("j", rejectContact), ("d", requestDisposition),
    ]

    private static let byKey: [String: SIPHeaderName] = {
        var table: [String: SIPHeaderName] = [:]
        for name in all { table[name.key] = name }
        for (letter, name) in compactForms { table[String(letter)] = name }
        return table
    }()

    /// The same table keyed by the lower-case name packed into two integers, so that the parser finds a known
    /// name (up to 16 bytes) without building a string.
    private static let byPackedKey: [PackedName: SIPHeaderName] = {
        var table: [PackedName: SIPHeaderName] = [:]
        for (key, name) in byKey {
            let bytes = Array(key.utf8)
            if let packed = bytes.withUnsafeBufferPointer({ PackedName(ByteScanner($0), 0..<$0.count) }) {
                table[packed] = name
            }
        }
        return table
    }()

    private struct PackedName: Hashable {
        var low: UInt64 = 0
        var high: UInt64 = 0

        init?(_ scanner: ByteScanner, _ range: Range<Int>) {
            guard range.count <= 16 else { return nil }
            var index = 0
            for i in range {
                let byte = UInt64(scanner.bytes[i].asciiLowercased)
                if index < 8 { low |= byte << (8 * UInt64(index)) } else { high |= byte << (8 * UInt64(index - 8)) }
                index += 1
            }
        }
    }

    private static let compactByKey: [String: Character] = {
        var table: [String: Character] = [:]
        for (letter, name) in compactForms { table[name.key] = letter }
        return table
    }()

    private static let listKeys: Set<String> = Set([
        accept, acceptContact, acceptEncoding, acceptLanguage, alertInfo, allow, allowEvents, callInfo, contact,
        contentEncoding, contentLanguage, errorInfo, inReplyTo, pAssertedIdentity, path, proxyRequire, reason,
        recordRoute, rejectContact, requestDisposition, require, route, serviceRoute, supported, unsupported, via,
        warning,
    ].map(\.key))

    /// The name of a header line: `range` holds a non-empty token. Known names and compact forms come from the
    /// table without allocating a new name.
    static func parse(_ scanner: ByteScanner, _ range: Range<Int>) -> SIPHeaderName {
        if let packed = PackedName(scanner, range), let known = byPackedKey[packed] { return known }
        let key = scanner.lowercasedString(range)
        if let known = byKey[key] { return known }
        return SIPHeaderName(canonical: scanner.string(range), key: key)
    }
}
