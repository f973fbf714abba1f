/// A `name-addr` or `addr-spec` with header parameters: the value of From, To, Contact, Route, Record-Route
/// (RFC 3261 sections 20.10, 20.20, 20.30, 20.34, 20.39).
///
/// ```
/// name-addr    = [ display-name ] LAQUOT addr-spec RAQUOT
/// display-name = *(token LWS) / quoted-string
/// ```
/// In the `addr-spec` form (no angle brackets), parameters after the URI belong to the header, not to the URI.
/// The serializer always writes the `name-addr` form.
public struct NameAddress: Sendable, Hashable, CustomStringConvertible {
    /// Unquoted.
    public var displayName: String?
    public var uri: SIPURI
    public var parameters: [SIPParameter]

    public init(displayName: String? = nil, uri: SIPURI, parameters: [SIPParameter] = []) {
        self.displayName = displayName
        self.uri = uri
        self.parameters = parameters
    }

    public init?(_ text: some StringProtocol, maximumURILength: Int = SIPLimits.default.maximumURILength) {
        guard let value = withUTF8Bytes(text, { bytes in
            NameAddress.parse(ByteScanner(bytes), 0..<bytes.count, maximumURILength: maximumURILength)
        }) else { return nil }
        self = value
    }

    public var tag: String? {
        get { parameters.value(of: "tag") }
        set { if let newValue { parameters.set("tag", newValue) } else { parameters.remove("tag") } }
    }

    /// The RFC 8848 feature tag that says an endpoint does CLUE: `+sip.clue` in Contact.
    public static let clueFeatureTag = "+sip.clue"

    /// Whether a feature tag (RFC 3840, e.g. `+sip.clue`) is present among the parameters.
    public func hasFeatureTag(_ tag: String) -> Bool { parameters.contains(tag) }

    /// Contact `expires` parameter, if numeric.
    public var expires: UInt32? { parameters.value(of: "expires").flatMap { UInt32($0) } }

    public var description: String {
        var text = ""
        if let displayName, !displayName.isEmpty {
            text += QuotedString.quote(displayName)
            text += " "
        }
        text += "<"
        text += uri.description
        text += ">"
        text += parameters.headerText
        return text
    }

    static func parse(_ scanner: ByteScanner, _ range: Range<Int>, maximumURILength: Int) -> NameAddress? {
        let bytes = scanner.bytes
        var s = ByteScanner(bytes, range: range)
        s.skipWhitespace()
        var displayName: String?
        var angle = false
        if s.peek == .quote {
            guard let quoted = s.scanQuotedString() else { return nil }
            displayName = QuotedString.unquote(bytes, quoted)
            s.skipWhitespace()
            guard s.peek == .lessThan else { return nil }
            angle = true
        } else if let less = bytes[s.remaining].firstIndex(of: .lessThan) {
            // display-name = *(token LWS); UTF-8 is tolerated (endpoints send unquoted names in it).
            let nameRange = HeaderList.trim(bytes, s.position..<less)
            if bytes[nameRange].allSatisfy({ $0.isIn(.token) || $0.isWhitespace || $0 >= 0x80 }) {
                if !nameRange.isEmpty { displayName = s.string(nameRange) }
                s.position = less
                angle = true
            }
        }
        let uri: SIPURI
        if angle {
            _ = s.consume(.lessThan)
            let uriStart = s.position
            _ = s.scan(until: { $0 == .greaterThan })
            let uriRange = uriStart..<s.position
            guard s.consume(.greaterThan),
                  let parsed = SIPURI.parse(s, HeaderList.trim(bytes, uriRange), maximumLength: maximumURILength)
            else { return nil }
            uri = parsed
        } else {
            // addr-spec: the URI cannot contain ";", "," or "?" here (RFC 3261 section 20.10), nor whitespace.
            let uriRange = s.scan(until: { $0 == .semicolon || $0 == .comma || $0 == .question || $0.isWhitespace })
            guard let parsed = SIPURI.parse(s, uriRange, maximumLength: maximumURILength) else { return nil }
            uri = parsed
        }
        guard let parameters = HeaderParameters.parse(&s) else { return nil }
        s.skipWhitespace()
        guard s.isAtEnd else { return nil }
        return NameAddress(displayName: displayName, uri: uri, parameters: parameters)
    }
}

/// The value of Contact (RFC 3261 section 20.10): `*` (REGISTER only) or addresses.
public enum ContactValue: Sendable, Hashable, CustomStringConvertible {
    case wildcard
    case addresses([NameAddress])

    public var addresses: [NameAddress] {
        if case .addresses(let list) = self { return list }
        return []
    }

    public var description: String {
        switch self {
        case .wildcard: return "*"
        case .addresses(let list): return list.map(\.description).joined(separator: ", ")
        }
    }
}

/// CSeq (RFC 3261 section 20.16): `1*DIGIT LWS Method`, the number below 2**32.
public struct CSeq: Sendable, Hashable, CustomStringConvertible {
    public var sequenceNumber: UInt32
    public var method: SIPMethod

    public init(_ sequenceNumber: UInt32, _ method: SIPMethod) {
        self.sequenceNumber = sequenceNumber
        self.method = method
    }

    public init?(_ text: some StringProtocol) {
        guard let value = withUTF8Bytes(text, { bytes -> CSeq? in
            var s = ByteScanner(bytes)
            s.skipWhitespace()
            let digits = s.scan(while: .digit)
            guard let number = s.decimal(digits) else { return nil }
            let beforeSpace = s.position
            s.skipWhitespace()
            guard s.position > beforeSpace, let method = s.scanToken() else { return nil }
            s.skipWhitespace()
            guard s.isAtEnd else { return nil }
            return CSeq(UInt32(number), SIPMethod(s.string(method)))
        }) else { return nil }
        self = value
    }

    public var description: String { "\(sequenceNumber) \(method)" }
}

/// A media type (RFC 3261 section 20.15): Content-Type, or the Accept elements.
public struct MediaType: Sendable, Hashable, CustomStringConvertible {
    /// Lower case.
    public var type: String
    /// Lower case.
    public var subtype: String
    public var parameters: [SIPParameter]

    public init(_ type: String, _ subtype: String, parameters: [SIPParameter] = []) {
        self.type = type.asciiLowercased
        self.subtype = subtype.asciiLowercased
        self.parameters = parameters
    }

    public init?(_ text: some StringProtocol) {
        guard let value = withUTF8Bytes(text, { bytes -> MediaType? in
            var s = ByteScanner(bytes)
            s.skipWhitespace()
            guard let type = s.scanToken(), s.consumeSeparator(.slash), let subtype = s.scanToken(),
                  let parameters = HeaderParameters.parse(&s) else { return nil }
            s.skipWhitespace()
            guard s.isAtEnd else { return nil }
            return MediaType(s.string(type), s.string(subtype), parameters: parameters)
        }) else { return nil }
        self = value
    }

    public static let sdp = MediaType("application", "sdp")

    public func matches(_ other: MediaType) -> Bool { type == other.type && subtype == other.subtype }

    public var isMultipart: Bool { type == "multipart" }

    /// The multipart boundary, unquoted.
    public var boundary: String? { parameters.first { $0.name.equalsIgnoringASCIICase("boundary") }?.unquotedValue }

    public var description: String { "\(type)/\(subtype)" + parameters.headerText }
}

/// Retry-After (RFC 3261 section 20.33): `delta-seconds [ comment ] *( SEMI retry-param )`.
public struct RetryAfter: Sendable, Hashable, CustomStringConvertible {
    public var seconds: UInt32
    /// Without its parentheses.
    public var comment: String?
    public var parameters: [SIPParameter]

    public init(seconds: UInt32, comment: String? = nil, parameters: [SIPParameter] = []) {
        self.seconds = seconds
        self.comment = comment
        self.parameters = parameters
    }

    public init?(_ text: some StringProtocol) {
        guard let value = withUTF8Bytes(text, { bytes -> RetryAfter? in
            var s = ByteScanner(bytes)
            s.skipWhitespace()
            let digits = s.scan(while: .digit)
            guard let seconds = s.decimal(digits) else { return nil }
            s.skipWhitespace()
            var comment: String?
            if s.consume(UInt8(ascii: "(")) {
                // comment = LPAREN *(ctext / quoted-pair / comment) RPAREN
                let start = s.position
                var depth = 1
                while let b = s.peek {
                    s.position += 1
                    if b == .backslash { s.position += 1; continue }
                    if b == UInt8(ascii: "(") { depth += 1 }
                    if b == UInt8(ascii: ")") { depth -= 1; if depth == 0 { break } }
                }
                guard depth == 0 else { return nil }
                comment = s.string(start..<(s.position - 1))
            }
            guard let parameters = HeaderParameters.parse(&s) else { return nil }
            s.skipWhitespace()
            guard s.isAtEnd else { return nil }
            return RetryAfter(seconds: UInt32(seconds), comment: comment, parameters: parameters)
        }) else { return nil }
        self = value
    }

    /// The `duration` parameter.
    public var duration: UInt32? { parameters.value(of: "duration").flatMap { UInt32($0) } }

    public var description: String {
        var text = String(seconds)
        if let comment { text += " (\(comment))" }
        return text + parameters.headerText
    }
}
