extension SessionDescription {
    /// Parses an SDP body (RFC 8866 section 9).
    ///
    /// Lines end in CRLF or LF; empty lines are skipped. Session-level lines may come in any order after `v=`
    /// (deployed stacks put `c=` or `a=` before `t=`), but each single-instance line may appear only once and
    /// `r=` must follow a `t=`. A description without `t=` gets `t=0 0`, the only value SIP uses (RFC 3264
    /// section 5). Everything else the grammar forbids is refused with the line number.
    public init(parsing bytes: some Collection<UInt8>, limits: SDPLimits = .default) throws(SDPParseError) {
        guard bytes.count <= limits.maxBytes else { throw .tooLarge(size: bytes.count, limit: limits.maxBytes) }
        var parser = SessionParser(limits: limits)
        try parser.parse(Array(bytes))
        self = try parser.finish()
    }

    /// Parses SDP text.
    public init(parsing text: String, limits: SDPLimits = .default) throws(SDPParseError) {
        try self.init(parsing: Array(text.utf8), limits: limits)
    }
}

/// The parser's state between lines.
struct SessionParser {
    let limits: SDPLimits
    var lineNumber = 0
    var lineCount = 0
    var sawVersion = false
    var origin: Origin?
    var sessionName: String?
    var information: String?
    var uri: String?
    var emails: [String] = []
    var phones: [String] = []
    var connection: ConnectionData?
    var bandwidths: [Bandwidth] = []
    var timing: [TimeDescription] = []
    var timeZones: [TimeZoneAdjustment]?
    var encryptionKey: String?
    var attributes: [Attribute] = []
    var media: [MediaDescription] = []

    init(limits: SDPLimits) { self.limits = limits }

    mutating func parse(_ body: [UInt8]) throws(SDPParseError) {
        var start = 0
        while start < body.count {
            let end = body[start...].firstIndex(of: 0x0A) ?? body.count
            lineNumber += 1
            var line = body[start..<end]
            if line.last == 0x0D { line = line.dropLast() }
            start = end + 1
            guard !line.isEmpty else { continue }
            lineCount += 1
            guard lineCount <= limits.maxLines else { throw .tooManyLines(line: lineNumber, limit: limits.maxLines) }
            guard line.count <= limits.maxLineLength else {
                throw .lineTooLong(line: lineNumber, length: line.count, limit: limits.maxLineLength)
            }
            if let bad = line.first(where: { $0 == 0x00 || $0 == 0x0D }) {
                throw .forbiddenByte(line: lineNumber, byte: bad)
            }
            guard String(validating: line, as: UTF8.self) != nil else { throw .notUTF8(line: lineNumber) }
            guard line.count >= 2, line[line.startIndex + 1] == ByteText.equals else {
                throw .malformedLine(line: lineNumber)
            }
            try parseLine(type: line[line.startIndex], value: line[(line.startIndex + 2)...])
        }
    }

    func finish() throws(SDPParseError) -> SessionDescription {
        guard lineCount > 0 else { throw .empty }
        guard let origin else { throw .missingLine(type: "o") }
        guard let sessionName else { throw .missingLine(type: "s") }
        return SessionDescription(
            origin: origin, sessionName: sessionName, information: information, uri: uri, emails: emails,
            phones: phones, connection: connection, bandwidths: bandwidths,
            timing: timing.isEmpty ? [TimeDescription()] : timing, timeZoneAdjustments: timeZones ?? [],
            encryptionKey: encryptionKey, attributes: attributes, media: media)
    }

    // MARK: Lines

    mutating func parseLine(type: UInt8, value: ArraySlice<UInt8>) throws(SDPParseError) {
        let letter = String(UnicodeScalar(type))
        guard sawVersion || type == UInt8(ascii: "v") else {
            throw .misplacedLine(line: lineNumber, type: letter, reason: "comes before v=")
        }
        if !media.isEmpty {
            try parseMediaLine(type: type, letter: letter, value: value)
            return
        }
        switch type {
        case UInt8(ascii: "v"):
            guard !sawVersion else { throw once(letter) }
            guard let version = ByteText.decimal(value, as: UInt64.self), version == 0 else {
                throw .unsupportedVersion(line: lineNumber, version: ByteText.string(value))
            }
            sawVersion = true
        case UInt8(ascii: "o"):
            guard origin == nil else { throw once(letter) }
            origin = try parseOrigin(value)
        case UInt8(ascii: "s"):
            guard sessionName == nil else { throw once(letter) }
            sessionName = ByteText.string(value)
        case UInt8(ascii: "i"):
            guard information == nil else { throw once(letter) }
            information = ByteText.string(value)
        case UInt8(ascii: "u"):
            guard uri == nil else { throw once(letter) }
            uri = ByteText.string(value)
        case UInt8(ascii: "e"): emails.append(ByteText.string(value))
        case UInt8(ascii: "p"): phones.append(ByteText.string(value))
        case UInt8(ascii: "c"):
            guard connection == nil else { throw once(letter) }
            connection = try parseConnection(value)
        case UInt8(ascii: "b"): bandwidths.append(try parseBandwidth(value))
        case UInt8(ascii: "t"): timing.append(try parseTiming(value))
        case UInt8(ascii: "r"):
            guard !timing.isEmpty else {
                throw .misplacedLine(line: lineNumber, type: letter, reason: "must follow a t= line")
            }
            timing[timing.count - 1].repeats.append(try parseRepeat(value))
        case UInt8(ascii: "z"):
            guard timeZones == nil else { throw once(letter) }
            timeZones = try parseTimeZones(value)
        case UInt8(ascii: "k"):
            guard encryptionKey == nil else { throw once(letter) }
            encryptionKey = ByteText.string(value)
        case UInt8(ascii: "a"): attributes.append(try parseAttribute(value))
        case UInt8(ascii: "m"): try startMedia(value)
        default: throw .unknownLineType(line: lineNumber, type: letter)
        }
    }

    mutating func parseMediaLine(type: UInt8, letter: String, value: ArraySlice<UInt8>) throws(SDPParseError) {
        let index = media.count - 1
        switch type {
        case UInt8(ascii: "m"): try startMedia(value)
        case UInt8(ascii: "i"):
            guard media[index].information == nil else { throw once(letter) }
            media[index].information = ByteText.string(value)
        case UInt8(ascii: "c"): media[index].connections.append(try parseConnection(value))
        case UInt8(ascii: "b"): media[index].bandwidths.append(try parseBandwidth(value))
        case UInt8(ascii: "k"):
            guard media[index].encryptionKey == nil else { throw once(letter) }
            media[index].encryptionKey = ByteText.string(value)
        case UInt8(ascii: "a"): media[index].attributes.append(try parseAttribute(value))
        case UInt8(ascii: "v"), UInt8(ascii: "o"), UInt8(ascii: "s"), UInt8(ascii: "u"), UInt8(ascii: "e"),
             UInt8(ascii: "p"), UInt8(ascii: "t"), UInt8(ascii: "r"), UInt8(ascii: "z"):
            throw .misplacedLine(line: lineNumber, type: letter,
                                 reason: "is a session-level line inside a media section")
        default: throw .unknownLineType(line: lineNumber, type: letter)
        }
    }

    func once(_ letter: String) -> SDPParseError {
        .misplacedLine(line: lineNumber, type: letter, reason: "may appear only once here")
    }

    func invalid(_ letter: String, _ reason: String) -> SDPParseError {
        .invalidField(line: lineNumber, type: letter, reason: reason)
    }

    // MARK: Fields

    /// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>`.
    func parseOrigin(_ value: ArraySlice<UInt8>) throws(SDPParseError) -> Origin {
        let fields = ByteText.fields(value)
        guard fields.count == 6 else { throw invalid("o", "expected 6 fields, found \(fields.count)") }
        guard let sessionID = ByteText.decimal(fields[1], as: UInt64.self) else {
            throw invalid("o", "sess-id must be a number below 2^64")
        }
        guard let version = ByteText.decimal(fields[2], as: UInt64.self) else {
            throw invalid("o", "sess-version must be a number below 2^64")
        }
        guard ByteText.isToken(fields[3]), ByteText.isToken(fields[4]) else {
            throw invalid("o", "nettype and addrtype must be tokens")
        }
        return Origin(username: ByteText.string(fields[0]), sessionID: sessionID, sessionVersion: version,
                      networkType: NetworkType(token: ByteText.string(fields[3])),
                      addressType: AddressType(token: ByteText.string(fields[4])),
                      address: ByteText.string(fields[5]))
    }

    /// `c=<nettype> <addrtype> <connection-address>`.
    func parseConnection(_ value: ArraySlice<UInt8>) throws(SDPParseError) -> ConnectionData {
        let fields = ByteText.fields(value)
        guard fields.count == 3 else { throw invalid("c", "expected <nettype> <addrtype> <connection-address>") }
        guard ByteText.isToken(fields[0]), ByteText.isToken(fields[1]) else {
            throw invalid("c", "nettype and addrtype must be tokens")
        }
        return ConnectionData(networkType: NetworkType(token: ByteText.string(fields[0])),
                              addressType: AddressType(token: ByteText.string(fields[1])),
                              address: ByteText.string(fields[2]))
    }

    /// `b=<bwtype>:<bandwidth>`.
    func parseBandwidth(_ value: ArraySlice<UInt8>) throws(SDPParseError) -> Bandwidth {
        let (type, amount) = ByteText.splitOnce(value, at: ByteText.colon)
        guard ByteText.isToken(type), let amount, let number = ByteText.decimal(amount, as: UInt64.self) else {
            throw invalid("b", "expected <bwtype>:<bandwidth>")
        }
        return Bandwidth(type: ByteText.string(type), value: number)
    }

    /// `t=<start-time> <stop-time>`.
    func parseTiming(_ value: ArraySlice<UInt8>) throws(SDPParseError) -> TimeDescription {
        let fields = ByteText.fields(value)
        guard fields.count == 2, let start = ByteText.decimal(fields[0], as: UInt64.self),
              let stop = ByteText.decimal(fields[1], as: UInt64.self) else {
            throw invalid("t", "expected <start-time> <stop-time>")
        }
        return TimeDescription(start: start, stop: stop)
    }

    /// `r=<repeat interval> <active duration> <offsets from start-time>`.
    func parseRepeat(_ value: ArraySlice<UInt8>) throws(SDPParseError) -> RepeatTime {
        let fields = ByteText.fields(value)
        guard fields.count >= 3 else { throw invalid("r", "expected an interval, a duration and offsets") }
        var times: [TypedTime] = []
        for field in fields {
            guard let time = Self.typedTime(field) else { throw invalid("r", "not a typed time") }
            times.append(time)
        }
        return RepeatTime(interval: times[0], activeDuration: times[1], offsets: Array(times.dropFirst(2)))
    }

    /// `z=<adjustment time> <offset> ...`.
    func parseTimeZones(_ value: ArraySlice<UInt8>) throws(SDPParseError) -> [TimeZoneAdjustment] {
        let fields = ByteText.fields(value)
        guard !fields.isEmpty, fields.count.isMultiple(of: 2) else {
            throw invalid("z", "expected pairs of <adjustment time> <offset>")
        }
        var adjustments: [TimeZoneAdjustment] = []
        for index in stride(from: 0, to: fields.count, by: 2) {
            var offset = fields[index + 1]
            let negative = offset.first == UInt8(ascii: "-")
            if negative { offset = offset.dropFirst() }
            guard let time = ByteText.decimal(fields[index], as: UInt64.self), let typed = Self.typedTime(offset)
            else {
                throw invalid("z", "expected pairs of <adjustment time> <offset>")
            }
            adjustments.append(TimeZoneAdjustment(time: time, offset: typed, isNegative: negative))
        }
        return adjustments
    }

    /// `typed-time = 1*DIGIT [fixed-len-time-unit]`; units are case-sensitive.
    static func typedTime(_ field: ArraySlice<UInt8>) -> TypedTime? {
        if let last = field.last, let unit = TypedTime.Unit(rawValue: String(UnicodeScalar(last))) {
            return ByteText.decimal(field.dropLast(), as: UInt64.self).map { TypedTime($0, unit: unit) }
        }
        return ByteText.decimal(field, as: UInt64.self).map { TypedTime($0) }
    }

    /// `m=<media> <port>[/<number of ports>] <proto> <fmt> ...`. A media line without formats is taken (some
    /// answers write rejected lines that way); the writer then writes it the same way.
    mutating func startMedia(_ value: ArraySlice<UInt8>) throws(SDPParseError) {
        guard media.count < limits.maxMediaDescriptions else {
            throw .tooManyMediaDescriptions(line: lineNumber, limit: limits.maxMediaDescriptions)
        }
        let fields = ByteText.fields(value)
        guard fields.count >= 3 else { throw invalid("m", "expected <media> <port> <proto> <fmt>...") }
        guard ByteText.isToken(fields[0]) else { throw invalid("m", "media must be a token") }
        let (portBytes, countBytes) = ByteText.splitOnce(fields[1], at: ByteText.slash)
        guard let port = ByteText.decimal(portBytes, as: UInt16.self) else {
            throw invalid("m", "port must be a number below 65536")
        }
        var portCount: UInt16?
        if let countBytes {
            guard let count = ByteText.decimal(countBytes, as: UInt16.self) else {
                throw invalid("m", "number of ports must be a number")
            }
            portCount = count
        }
        let protoParts = fields[2].split(separator: ByteText.slash, omittingEmptySubsequences: false)
        guard protoParts.allSatisfy(ByteText.isToken) else {
            throw invalid("m", "proto must be tokens separated by /")
        }
        media.append(MediaDescription(kind: MediaKind(token: ByteText.string(fields[0])), port: port,
                                      portCount: portCount, proto: TransportProtocol(token: ByteText.string(fields[2])),
                                      formats: fields.dropFirst(3).map(ByteText.string)))
    }

    /// `a=<attribute-name>[:<attribute-value>]`.
    func parseAttribute(_ value: ArraySlice<UInt8>) throws(SDPParseError) -> Attribute {
        let (nameBytes, attributeValue) = ByteText.splitOnce(value, at: ByteText.colon)
        let name = ByteText.string(nameBytes)
        guard ByteText.isToken(nameBytes) else {
            throw .invalidAttribute(line: lineNumber, name: name, reason: "attribute name must be a token")
        }
        do {
            return try Attribute.parse(name: name, value: attributeValue)
        } catch {
            throw .invalidAttribute(line: lineNumber, name: name, reason: error.reason)
        }
    }
}
