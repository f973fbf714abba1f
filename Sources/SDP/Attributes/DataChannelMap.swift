/// `a=dcmap` (RFC 8864 section 5.1): one data channel negotiated in SDP rather than by DCEP.
///
///     dcmap-value     = dcmap-stream-id [ SP dcmap-opt *(";" dcmap-opt) ]
///     dcmap-opt       = ordering-opt / subprotocol-opt / label-opt / maxretr-opt / maxtime-opt / priority-opt
///     quoted-string   = DQUOTE *(quoted-char / escaped-char) DQUOTE       ; escaped-char = "%" HEXDIG HEXDIG
///
/// Options are kept as values, not as text: they are written back in a fixed order. Options this grammar does not
/// know are kept (name and value as written) so that a future extension survives a round trip.
public struct DataChannelMap: Sendable, Hashable {
    /// The SCTP stream of the channel (the same number in both directions, RFC 8831 section 6.5).
    public var streamID: UInt16
    /// nil when absent, or when the value is neither "true" nor "false" ("any other value is ignored",
    /// section 5.1.7); both mean ordered.
    public var ordered: Bool?
    /// Decoded from its quoted form. The CLUE channel uses "CLUE" (RFC 8850 section 3.3.2).
    public var subprotocol: String?
    public var label: String?
    /// Partial reliability by retransmissions (section 5.1.5); never on a CLUE channel (RFC 8850 section 3.2.3).
    public var maxRetransmits: UInt32?
    /// Partial reliability by lifetime in milliseconds (section 5.1.6).
    public var maxTime: UInt32?
    /// Default 256 when absent (section 5.1.8).
    public var priority: UInt16?
    public var extensions: [Extension]

    public struct Extension: Sendable, Hashable {
        public var name: String
        /// As written, quotes included.
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(streamID: UInt16, ordered: Bool? = nil, subprotocol: String? = nil, label: String? = nil,
                maxRetransmits: UInt32? = nil, maxTime: UInt32? = nil, priority: UInt16? = nil,
                extensions: [Extension] = []) {
        self.streamID = streamID
        self.ordered = ordered
        self.subprotocol = subprotocol
        self.label = label
        self.maxRetransmits = maxRetransmits
        self.maxTime = maxTime
        self.priority = priority
        self.extensions = extensions
    }

    /// Ordered unless `ordered=false` (section 5.1.7).
    public var isOrdered: Bool { ordered ?? true }

    /// Fully reliable: neither max-retr nor max-time (sections 5.1.5 and 5.1.6).
    public var isReliable: Bool { maxRetransmits == nil && maxTime == nil }

    /// The channel carries CLUE (subprotocol "CLUE"; the IANA identifier is "clue", RFC 8850 section 5.1).
    public var isCLUE: Bool { subprotocol?.lowercased() == "clue" }

    init(sdpValue: ArraySlice<UInt8>) throws(ValueSyntaxError) {
        let value = ByteText.trimmed(sdpValue)
        let (head, rest) = ByteText.splitFirstField(value)
        guard let streamID = ByteText.decimal(head, as: UInt16.self), head.count <= 5 else {
            throw ValueSyntaxError("dcmap-stream-id must be a number below 65536")
        }
        self.init(streamID: streamID)
        guard let rest, !rest.isEmpty else { return }
        var seen: Set<String> = []
        for option in try Self.splitOptions(rest) {
            let (rawName, rawValue) = ByteText.splitOnce(ByteText.trimmed(option), at: ByteText.equals)
            let name = ByteText.string(ByteText.trimmed(rawName)).lowercased()
            guard let rawValue, ByteText.isToken(ByteText.trimmed(rawName)) else {
                throw ValueSyntaxError("dcmap option must be name=value")
            }
            let optionValue = ByteText.trimmed(rawValue)
            guard seen.insert(name).inserted else { throw ValueSyntaxError("dcmap option \(name) given twice") }
            switch name {
            case "ordered":
                ordered = ByteText.equalsIgnoringCase(optionValue, "true") ? true
                    : ByteText.equalsIgnoringCase(optionValue, "false") ? false : nil
            case "subprotocol": subprotocol = try Self.unquote(optionValue)
            case "label": label = try Self.unquote(optionValue)
            case "max-retr":
                guard let number = ByteText.decimal(optionValue, as: UInt32.self) else {
                    throw ValueSyntaxError("max-retr must be a number below 2^32")
                }
                maxRetransmits = number
            case "max-time":
                guard let number = ByteText.decimal(optionValue, as: UInt32.self) else {
                    throw ValueSyntaxError("max-time must be a number below 2^32")
                }
                maxTime = number
            case "priority":
                guard let number = ByteText.decimal(optionValue, as: UInt16.self) else {
                    throw ValueSyntaxError("priority must be a number below 2^16")
                }
                priority = number
            default:
                // An option this grammar does not define: a quoted string or a run of visible characters.
                if optionValue.first == ByteText.quote {
                    _ = try Self.unquote(optionValue)
                } else if !ByteText.isNonWhitespaceString(optionValue) || optionValue.contains(ByteText.quote) {
                    throw ValueSyntaxError("dcmap option \(name) has no usable value")
                }
                extensions.append(Extension(name: name, value: ByteText.string(optionValue)))
            }
        }
    }

    /// Splits at semicolons outside quoted strings.
    static func splitOptions(_ bytes: ArraySlice<UInt8>) throws(ValueSyntaxError) -> [ArraySlice<UInt8>] {
        var options: [ArraySlice<UInt8>] = []
        var start = bytes.startIndex
        var inQuotes = false
        for index in bytes.indices {
            switch bytes[index] {
            case ByteText.quote: inQuotes.toggle()
            case ByteText.semicolon where !inQuotes:
                options.append(bytes[start..<index])
                start = index + 1
            default: break
            }
        }
        guard !inQuotes else { throw ValueSyntaxError("unterminated quoted string") }
        options.append(bytes[start...])
        return options
    }

    /// Decodes `quoted-string` (section 5.1.1): the bytes between the quotes, with `%HH` escapes, as UTF-8.
    static func unquote(_ bytes: ArraySlice<UInt8>) throws(ValueSyntaxError) -> String {
        guard bytes.count >= 2, bytes.first == ByteText.quote, bytes.last == ByteText.quote else {
            throw ValueSyntaxError("expected a quoted string")
        }
        var decoded: [UInt8] = []
        var index = bytes.startIndex + 1
        let end = bytes.endIndex - 1
        while index < end {
            let byte = bytes[index]
            if byte == ByteText.percent {
                guard index + 2 < end, let high = ByteText.hexValue(bytes[index + 1]),
                      let low = ByteText.hexValue(bytes[index + 2]) else {
                    throw ValueSyntaxError("% must be followed by two hex digits")
                }
                decoded.append(high << 4 | low)
                index += 3
            } else {
                guard byte != ByteText.quote else { throw ValueSyntaxError("quote inside a quoted string") }
                decoded.append(byte)
                index += 1
            }
        }
        guard let text = String(validating: decoded, as: UTF8.self) else {
            throw ValueSyntaxError("quoted string is not UTF-8")
        }
        return text
    }

    /// Encodes `quoted-string`: quoted-char as is, every other byte as `%HH` (section 5.1.3).
    static func quote(_ text: String) -> String {
        var out = "\""
        for byte in text.utf8 {
            if byte == 0x20 || byte == 0x21 || byte == 0x23 || byte == 0x24 || (byte >= 0x26 && byte <= 0x7E) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let digits = Array("0123456789ABCDEF")
                out += "%" + String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
            }
        }
        return out + "\""
    }

    public var sdpValue: String {
        var options: [String] = []
        if let subprotocol { options.append("subprotocol=" + Self.quote(subprotocol)) }
        if let label { options.append("label=" + Self.quote(label)) }
        if let ordered { options.append("ordered=\(ordered)") }
        if let maxRetransmits { options.append("max-retr=\(maxRetransmits)") }
        if let maxTime { options.append("max-time=\(maxTime)") }
        if let priority { options.append("priority=\(priority)") }
        for item in extensions { options.append("\(item.name)=\(item.value)") }
        return options.isEmpty ? String(streamID) : "\(streamID) " + options.joined(separator: ";")
    }
}

/// `a=dcsa:<stream-id> <attribute>` (RFC 8864 section 5.2): an attribute of one data channel's subprotocol. CLUE
/// does not use it (RFC 8850 section 3.3.3); it is kept for round trips.
public struct DataChannelSubprotocolAttribute: Sendable, Hashable {
    public var streamID: UInt16
    public var name: String
    public var value: String?

    public init(streamID: UInt16, name: String, value: String?) {
        self.streamID = streamID
        self.name = name
        self.value = value
    }

    init(sdpValue: ArraySlice<UInt8>) throws(ValueSyntaxError) {
        let (head, rest) = ByteText.splitFirstField(ByteText.trimmed(sdpValue))
        guard let streamID = ByteText.decimal(head, as: UInt16.self), let rest, !rest.isEmpty else {
            throw ValueSyntaxError("expected <stream-id> <attribute>")
        }
        self.streamID = streamID
        let (name, value) = ByteText.splitOnce(rest, at: ByteText.colon)
        guard ByteText.isToken(name) else { throw ValueSyntaxError("embedded attribute name is not a token") }
        self.name = ByteText.string(name)
        self.value = value.map(ByteText.string)
    }

    public var sdpValue: String { "\(streamID) \(name)" + (value.map { ":" + $0 } ?? "") }
}
