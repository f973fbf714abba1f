extension SIPMessage {
    /// How the bytes arrived, which decides what a missing Content-Length means (RFC 3261 section 18.3).
    public enum Framing: Sendable, Hashable {
        /// One UDP datagram: without Content-Length the body runs to the end; bytes after the body are discarded.
        case datagram
        /// One message cut from a TCP/TLS stream by `SIPStreamFramer`: Content-Length is mandatory.
        case stream
    }

    /// Parses one message.
    ///
    /// Accepts what RFC 3261's grammar allows (folded lines, compact names, comma-joined values, leading CRLFs,
    /// bare LF line ends), checks Via, From, To, Call-ID, CSeq, Contact, Route, Record-Route, Max-Forwards,
    /// Content-Type and Content-Length, and refuses the rest with a `SIPParseError` that says what to answer.
    public init(parsing bytes: UnsafeBufferPointer<UInt8>, framing: Framing = .datagram,
                limits: SIPLimits = .default) throws(SIPParseError) {
        var parser = MessageParser(bytes: bytes, framing: framing, limits: limits)
        self = try parser.parse()
    }

    /// Bytes straight from a socket buffer.
    public init(parsing bytes: UnsafeRawBufferPointer, framing: Framing = .datagram,
                limits: SIPLimits = .default) throws(SIPParseError) {
        let typed = UnsafeBufferPointer(start: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
                                        count: bytes.count)
        try self.init(parsing: typed, framing: framing, limits: limits)
    }

    public init(parsing bytes: [UInt8], framing: Framing = .datagram,
                limits: SIPLimits = .default) throws(SIPParseError) {
        self = try bytes.withUnsafeBufferPointer { (buffer) throws(SIPParseError) -> SIPMessage in
            var parser = MessageParser(bytes: buffer, framing: framing, limits: limits)
            return try parser.parse()
        }
    }

    public init(parsing text: String, framing: Framing = .datagram,
                limits: SIPLimits = .default) throws(SIPParseError) {
        try self.init(parsing: Array(text.utf8), framing: framing, limits: limits)
    }
}

/// The message parser: one pass over the start line and header lines, then the checks of the headers a response
/// or a transaction depends on, then the body.
struct MessageParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let framing: SIPMessage.Framing
    let limits: SIPLimits

    private enum StartLine {
        case request(SIPMethod, uriRange: Range<Int>)
        case response(statusCode: Int, reasonPhrase: String)
    }

    /// The first problem found; reported after the headers are read, so that the response can be built.
    private var firstError: SIPParseError.Reason?

    init(bytes: UnsafeBufferPointer<UInt8>, framing: SIPMessage.Framing, limits: SIPLimits) {
        self.bytes = bytes
        self.framing = framing
        self.limits = limits
    }

    private mutating func record(_ reason: SIPParseError.Reason) {
        if firstError == nil { firstError = reason }
    }

    /// A line from `start`: its content (without CR LF or LF) and where the next line starts; nil when no line
    /// end comes before `limit`.
    private func line(from start: Int, limit: Int) -> (content: Range<Int>, next: Int)? {
        guard start < limit, let lf = bytes[start..<limit].firstIndex(of: .lf) else { return nil }
        var end = lf
        if end > start, bytes[end - 1] == .cr { end -= 1 }
        return (start..<end, lf + 1)
    }

    mutating func parse() throws(SIPParseError) -> SIPMessage {
        let total = bytes.count
        var position = 0
        // RFC 3261 section 7.5: CRLFs before the start line are ignored.
        while position < total, bytes[position] == .cr || bytes[position] == .lf { position += 1 }
        guard position < total else { throw SIPParseError(.empty) }
        let tooLarge = total > limits.maximumMessageSize
        let scanLimit = min(total, position + limits.maximumMessageSize)

        guard let first = line(from: position, limit: scanLimit) else {
            throw SIPParseError(tooLarge ? .messageTooLarge : .truncatedHeaders)
        }
        guard first.content.count <= limits.maximumHeaderLineLength else {
            throw SIPParseError(.headerLineTooLong)
        }
        let startLine = try parseStartLine(first.content)
        position = first.next

        // Header lines up to the blank line.
        var collector = HeaderCollector()
        var bodyStart: Int?
        while true {
            guard let next = line(from: position, limit: scanLimit) else { break }
            position = next.next
            let content = next.content
            if content.isEmpty {
                bodyStart = next.next
                break
            }
            if bytes[content.lowerBound].isWhitespace {
                // A continuation line (LWS folding, RFC 3261 section 7.3.1).
                if let problem = collector.continueField(HeaderList.trim(bytes, content), limits: limits) {
                    record(problem)
                }
                continue
            }
            if let problem = collector.finishField(bytes, limits: limits) { record(problem) }
            if collector.fields.count >= limits.maximumHeaderCount {
                record(.tooManyHeaders)
                break
            }
            if content.count > limits.maximumHeaderLineLength {
                record(.headerLineTooLong)
                collector.discardField()
                continue
            }
            var scanner = ByteScanner(bytes, range: content)
            guard let nameRange = scanner.scanToken() else {
                record(.malformedHeaderLine)
                collector.discardField()
                continue
            }
            scanner.skipWhitespace()
            guard scanner.consume(.colon) else {
                record(.malformedHeaderLine)
                collector.discardField()
                continue
            }
            collector.startField(SIPHeaderName.parse(scanner, nameRange), HeaderList.trim(bytes, scanner.remaining))
        }
        if let problem = collector.finishField(bytes, limits: limits) { record(problem) }
        if bodyStart == nil { record(tooLarge ? .messageTooLarge : .truncatedHeaders) }
        let fields = collector.fields

        let headers = SIPHeaders(fields)
        let (essentials, essentialError) = checkEssentials(headers, startLine: startLine)
        if tooLarge { throw SIPParseError(.messageTooLarge, answerable: essentials.answerable(headers)) }
        if let firstError { throw SIPParseError(firstError, answerable: essentials.answerable(headers)) }
        if let essentialError { throw SIPParseError(essentialError, answerable: essentials.answerable(headers)) }
        if let reason = checkOtherHeaders(headers) {
            throw SIPParseError(reason, answerable: essentials.answerable(headers))
        }

        // Content-Length and the body (RFC 3261 section 18.3).
        var contentLength: Int?
        for field in fields where field.name == .contentLength {
            let trimmed = field.value.trimmingWhitespace
            guard !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0.isIn(.digit) }) else {
                throw SIPParseError(.malformedHeader(.contentLength), answerable: essentials.answerable(headers))
            }
            let value = Int(trimmed) ?? Int.max
            if let contentLength, contentLength != value {
                throw SIPParseError(.duplicateHeader(.contentLength), answerable: essentials.answerable(headers))
            }
            contentLength = value
        }
        let start = bodyStart!
        let available = total - start
        let bodyLength: Int
        switch (contentLength, framing) {
        case (nil, .datagram):
            bodyLength = available
        case (nil, .stream):
            throw SIPParseError(.missingContentLength, answerable: essentials.answerable(headers))
        case (let length?, _):
            guard length <= available else {
                throw SIPParseError(.contentLengthMismatch, answerable: essentials.answerable(headers))
            }
            bodyLength = length
        }
        let body = Array(bytes[start..<(start + bodyLength)])

        switch startLine {
        case .request(let method, let uriRange):
            // parseStartLine checked it: a failure was recorded and thrown above.
            let uri = SIPURI.parse(ByteScanner(bytes), uriRange, maximumLength: limits.maximumURILength)!
            return .request(SIPRequest(method: method, uri: uri, headers: headers, body: body))
        case .response(let statusCode, let reasonPhrase):
            return .response(SIPResponse(statusCode: statusCode, reasonPhrase: reasonPhrase, headers: headers,
                                         body: body))
        }
    }

    // MARK: Start line

    private mutating func parseStartLine(_ content: Range<Int>) throws(SIPParseError) -> StartLine {
        var s = ByteScanner(bytes, range: content)
        let firstWord = s.scan(until: { $0.isWhitespace })
        if firstWord.count >= 4, s.matches(firstWord.lowerBound..<(firstWord.lowerBound + 4), "SIP/") {
            // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
            guard isSIPVersion(firstWord) else { throw SIPParseError(.malformedStartLine) }
            s.skipWhitespace()
            let code = s.scan(while: .digit)
            guard code.count == 3, let status = s.decimal(code), (100...699).contains(status),
                  s.isAtEnd || s.peek!.isWhitespace else { throw SIPParseError(.malformedStartLine) }
            let reason = HeaderList.trim(bytes, s.remaining)
            guard !bytes[reason].contains(where: { $0.isIn(.control) }) else {
                throw SIPParseError(.malformedStartLine)
            }
            guard s.matches(firstWord, "SIP/2.0") else { throw SIPParseError(.unsupportedVersion) }
            return .response(statusCode: Int(status), reasonPhrase: s.string(reason))
        }
        // Request-Line = Method SP Request-URI SP SIP-Version CRLF (runs of whitespace tolerated)
        guard !firstWord.isEmpty, bytes[firstWord].allSatisfy({ $0.isIn(.token) }) else {
            throw SIPParseError(.malformedStartLine)
        }
        s.skipWhitespace()
        var words: [Range<Int>] = []
        while !s.isAtEnd {
            words.append(s.scan(until: { $0.isWhitespace }))
            s.skipWhitespace()
        }
        guard words.count >= 2, let version = words.last, isSIPVersion(version) else {
            throw SIPParseError(.malformedStartLine)
        }
        let uriRange = words[0].lowerBound..<words[words.count - 2].upperBound
        if words.count > 2 {
            // Whitespace inside the Request-URI (RFC 4475 section 3.1.2.8): still a request, answered with 400.
            record(.malformedRequestURI)
            return .request(SIPMethod(s.string(firstWord)), uriRange: uriRange)
        }
        if !s.matches(version, "SIP/2.0") {
            record(.unsupportedVersion)
        }
        if uriRange.count > limits.maximumURILength {
            record(.requestURITooLong)
        } else if let uri = SIPURI.parse(s, uriRange, maximumLength: limits.maximumURILength) {
            // Section 19.1.1: headers are not allowed in a Request-URI (RFC 4475 section 3.1.2.11).
            if !uri.headers.isEmpty { record(.malformedRequestURI) }
        } else {
            record(.malformedRequestURI)
        }
        return .request(SIPMethod(s.string(firstWord)), uriRange: uriRange)
    }

    /// `"SIP" "/" 1*DIGIT "." 1*DIGIT`
    private func isSIPVersion(_ range: Range<Int>) -> Bool {
        let s = ByteScanner(bytes, range: range)
        guard range.count >= 7, s.matches(range.lowerBound..<(range.lowerBound + 4), "SIP/") else { return false }
        var sawDot = false
        var digitsBefore = 0, digitsAfter = 0
        for i in (range.lowerBound + 4)..<range.upperBound {
            let b = bytes[i]
            if b == UInt8(ascii: ".") {
                guard !sawDot else { return false }
                sawDot = true
            } else if b.isIn(.digit) {
                if sawDot { digitsAfter += 1 } else { digitsBefore += 1 }
            } else {
                return false
            }
        }
        return digitsBefore > 0 && digitsAfter > 0
    }

    // MARK: Header checks

    /// The values of the single-valued headers a response copies, and where the Via lines are.
    private struct Essentials {
        var from: String?
        var to: String?
        var callID: String?
        var cseq: String?
        var topVia: Via?
        var viasParse = true
        var method: SIPMethod?

        /// What a response needs, when the message is a request (not ACK) whose Via, From, To, Call-ID and CSeq
        /// parsed. Built only when an error is reported.
        func answerable(_ headers: SIPHeaders) -> AnswerableRequest? {
            guard let method, method != .ack, viasParse, let topVia, let from, let to, let callID, let cseq else {
                return nil
            }
            var copied = SIPHeaders()
            for field in headers.fields where field.name == .via { copied.append(.via, field.value) }
            copied.append(.from, from)
            copied.append(.to, to)
            copied.append(.callID, callID)
            copied.append(.cseq, cseq)
            return AnswerableRequest(method: method, headers: copied, topVia: topVia)
        }
    }

    /// Via, From, To, Call-ID, CSeq: what matching a transaction and answering need.
    private func checkEssentials(_ headers: SIPHeaders, startLine: StartLine)
        -> (essentials: Essentials, error: SIPParseError.Reason?) {
        var error: SIPParseError.Reason?
        var essentials = Essentials()
        var viaCount = 0
        var sawVia = false
        // First value of each single-valued header, and whether a different second one was seen.
        var duplicates: [SIPHeaderName] = []
        for field in headers.fields {
            switch field.name {
            case .via:
                sawVia = true
                withUTF8Bytes(field.value) { buffer in
                    for element in HeaderList.split(buffer, 0..<buffer.count) {
                        viaCount += 1
                        var scanner = ByteScanner(buffer, range: element)
                        guard let via = Via.parse(&scanner) else {
                            // Every Via is copied into a response, so one that does not parse makes the request
                            // unanswerable.
                            if error == nil { error = .malformedHeader(.via) }
                            essentials.viasParse = false
                            continue
                        }
                        if essentials.topVia == nil { essentials.topVia = via }
                    }
                }
            case .from:
                if let first = essentials.from { if first != field.value { duplicates.append(.from) } }
                else { essentials.from = field.value }
            case .to:
                if let first = essentials.to { if first != field.value { duplicates.append(.to) } }
                else { essentials.to = field.value }
            case .callID:
                if let first = essentials.callID { if first != field.value { duplicates.append(.callID) } }
                else { essentials.callID = field.value }
            case .cseq:
                if let first = essentials.cseq { if first != field.value { duplicates.append(.cseq) } }
                else { essentials.cseq = field.value }
            default:
                continue
            }
        }
        if viaCount > limits.maximumViaCount {
            essentials.viasParse = false
            return (essentials, .tooManyVias)
        }
        if !sawVia, error == nil { error = .missingHeader(.via) }
        var cseq: CSeq?
        for name in [SIPHeaderName.from, .to, .callID, .cseq] {
            let value: String?
            switch name {
            case .from: value = essentials.from
            case .to: value = essentials.to
            case .callID: value = essentials.callID
            default: value = essentials.cseq
            }
            guard let value else {
                if error == nil { error = .missingHeader(name) }
                continue
            }
            let valid: Bool
            switch name {
            case .from, .to: valid = NameAddress(value, maximumURILength: limits.maximumURILength) != nil
            case .callID: valid = SIPHeaders.isValidCallID(value.trimmingWhitespace)
            default:
                cseq = CSeq(value)
                valid = cseq != nil
            }
            if !valid {
                if error == nil { error = .malformedHeader(name) }
                switch name {
                case .from: essentials.from = nil
                case .to: essentials.to = nil
                case .callID: essentials.callID = nil
                default: essentials.cseq = nil
                }
                continue
            }
            if duplicates.contains(name), error == nil { error = .duplicateHeader(name) }
        }
        if case .request(let method, _) = startLine {
            essentials.method = method
            if let cseq, cseq.method != method, error == nil { error = .cseqMethodMismatch }
        }
        return (essentials, error)
    }

    /// The other headers the bridge reads: refused here rather than misread later.
    private func checkOtherHeaders(_ headers: SIPHeaders) -> SIPParseError.Reason? {
        for field in headers.fields {
            switch field.name {
            case .contact:
                let elements = HeaderList.split(field.value)
                if elements.count == 1 && elements[0] == "*" { continue }
                for element in elements where NameAddress(element, maximumURILength: limits.maximumURILength) == nil {
                    return .malformedHeader(.contact)
                }
            case .route, .recordRoute:
                for element in HeaderList.split(field.value)
                where NameAddress(element, maximumURILength: limits.maximumURILength) == nil {
                    return .malformedHeader(field.name)
                }
            case .maxForwards:
                let trimmed = field.value.trimmingWhitespace
                if trimmed.isEmpty || !trimmed.utf8.allSatisfy({ $0.isIn(.digit) }) {
                    return .malformedHeader(.maxForwards)
                }
            case .contentType:
                if MediaType(field.value) == nil { return .malformedHeader(.contentType) }
            default:
                continue
            }
        }
        return nil
    }
}

/// Header lines gathered into fields: a field's first line and its continuation lines, joined when it ends.
struct HeaderCollector {
    var fields: [SIPHeaders.Field] = []
    private var name: SIPHeaderName?
    private var pieces: [Range<Int>] = []
    private var length = 0
    /// The current field was refused (too long, malformed): its continuation lines are skipped too.
    private var discarding = false

    init() { fields.reserveCapacity(16) }

    mutating func startField(_ name: SIPHeaderName, _ firstPiece: Range<Int>) {
        self.name = name
        pieces.append(firstPiece)
        length = firstPiece.count
    }

    mutating func discardField() {
        name = nil
        pieces.removeAll(keepingCapacity: true)
        discarding = true
    }

    mutating func continueField(_ piece: Range<Int>, limits: SIPLimits) -> SIPParseError.Reason? {
        if discarding { return nil }
        guard name != nil else {
            discarding = true
            return .malformedHeaderLine
        }
        length += piece.count + 1
        guard length <= limits.maximumHeaderLineLength else {
            discardField()
            return .headerLineTooLong
        }
        pieces.append(piece)
        return nil
    }

    /// A value has no control characters (HTAB aside) except as quoted-pairs in a quoted string
    /// (`quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)`, RFC 3261 section 25.1; RFC 4475 section 3.1.1.2).
    static func isValidValue(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var inQuotes = false
        var i = range.lowerBound
        while i < range.upperBound {
            let b = bytes[i]
            if inQuotes && b == .backslash {
                guard i + 1 < range.upperBound else { return false }
                let escaped = bytes[i + 1]
                if escaped == .cr || escaped == .lf { return false }
                i += 2
                continue
            }
            if b == .quote { inQuotes.toggle() }
            if b.isIn(.control) { return false }
            i += 1
        }
        return true
    }

    mutating func finishField(_ bytes: UnsafeBufferPointer<UInt8>, limits: SIPLimits) -> SIPParseError.Reason? {
        defer {
            name = nil
            pieces.removeAll(keepingCapacity: true)
            discarding = false
        }
        guard let name else { return nil }
        let value: String
        if pieces.count == 1 {
            guard Self.isValidValue(bytes, pieces[0]) else { return .malformedHeaderLine }
            value = String(decoding: UnsafeBufferPointer(rebasing: bytes[pieces[0]]), as: UTF8.self)
        } else {
            // Unfolding: each line break and the whitespace around it become one SP.
            var joined: [UInt8] = []
            joined.reserveCapacity(length)
            for piece in pieces where !piece.isEmpty {
                if !joined.isEmpty { joined.append(.space) }
                joined.append(contentsOf: bytes[piece])
            }
            let valid = joined.withUnsafeBufferPointer { Self.isValidValue($0, 0..<$0.count) }
            guard valid else { return .malformedHeaderLine }
            value = String(decoding: joined, as: UTF8.self)
        }
        fields.append(SIPHeaders.Field(name, value))
        return nil
    }
}
