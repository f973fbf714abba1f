/// Cuts a TCP or TLS byte stream into messages by Content-Length (RFC 3261 section 18.3).
///
/// Feed it whatever the socket read; it returns the complete messages (parse each with `framing: .stream`) and
/// the CRLF keep-alives between them. A message without Content-Length, with a malformed one, or larger than
/// `SIPLimits.maximumMessageSize` ends the stream: the framer reports `.failed` once, with what to answer when
/// the header block can be answered, and ignores any further input. The driver then closes the connection.
public struct SIPStreamFramer: Sendable {
    public enum Output: Sendable, Hashable {
        /// One message, start line through body.
        case message([UInt8])
        /// A double-CRLF ping (RFC 5626 section 3.5.1); answer with a single CRLF.
        case keepAlive
        /// The stream cannot be framed any more.
        case failed(SIPParseError)
    }

    public let limits: SIPLimits
    private var buffer: [UInt8] = []
    /// Where the search for the end of the header block resumes.
    private var scanned = 0
    public private(set) var isFailed = false

    public init(limits: SIPLimits = .default) {
        self.limits = limits
    }

    /// Bytes buffered towards the next message.
    public var bufferedByteCount: Int { buffer.count }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer) -> [Output] {
        guard !isFailed else { return [] }
        buffer.append(contentsOf: bytes)
        return drain()
    }

    public mutating func feed(_ bytes: [UInt8]) -> [Output] {
        guard !isFailed else { return [] }
        buffer.append(contentsOf: bytes)
        return drain()
    }

    private mutating func drain() -> [Output] {
        var outputs: [Output] = []
        var start = 0
        defer {
            if start > 0 {
                buffer.removeSubrange(0..<min(start, buffer.count))
                scanned = max(0, scanned - start)
            }
        }
        while start < buffer.count {
            // Keep-alives and stray line ends between messages.
            if buffer[start] == .cr || buffer[start] == .lf {
                let runEnd = buffer[start...].firstIndex { $0 != .cr && $0 != .lf } ?? buffer.count
                var i = start
                var waiting = false
                while i < runEnd {
                    if runEnd - i >= 4, buffer[i] == .cr, buffer[i + 1] == .lf, buffer[i + 2] == .cr,
                       buffer[i + 3] == .lf {
                        outputs.append(.keepAlive)
                        i += 4
                    } else if runEnd == buffer.count, [UInt8.cr, .lf, .cr, .lf].starts(with: buffer[i..<runEnd]) {
                        // Maybe the start of a ping: wait for the rest.
                        waiting = true
                        break
                    } else {
                        i += 1
                    }
                }
                start = i
                scanned = start
                if waiting { return outputs }
                continue
            }
            // The end of the header block: a line end followed by an empty line.
            var headerEnd: Int?
            var terminator = 0
            var i = max(start, scanned)
            while i < buffer.count {
                if buffer[i] == .lf {
                    if i + 1 < buffer.count, buffer[i + 1] == .lf {
                        headerEnd = i + 2
                        terminator = i
                        break
                    }
                    if i + 2 < buffer.count, buffer[i + 1] == .cr, buffer[i + 2] == .lf {
                        headerEnd = i + 3
                        terminator = i
                        break
                    }
                }
                i += 1
            }
            guard let bodyStart = headerEnd else {
                scanned = max(start, buffer.count - 2)
                if buffer.count - start > limits.maximumMessageSize {
                    fail(SIPParseError(.messageTooLarge), into: &outputs)
                }
                return outputs
            }
            let contentLength: Int
            switch scanContentLength(start..<bodyStart) {
            case .some(.some(let length)):
                contentLength = length
            case .some(.none), .none:
                // Missing or malformed: the parser says which, and whether the header block can be answered.
                let block = Array(buffer[start..<bodyStart])
                do {
                    _ = try SIPMessage(parsing: block, framing: .stream, limits: limits)
                    fail(SIPParseError(.missingContentLength), into: &outputs)
                } catch {
                    fail(error, into: &outputs)
                }
                return outputs
            }
            guard contentLength <= limits.maximumMessageSize - (bodyStart - start) else {
                let block = Array(buffer[start..<bodyStart])
                let answerable: AnswerableRequest?
                do {
                    if case .request(let request) = try SIPMessage(parsing: block, framing: .datagram,
                                                                     limits: limits) {
                        answerable = AnswerableRequest(request)
                    } else {
                        answerable = nil
                    }
                } catch {
                    answerable = error.answerable
                }
                fail(SIPParseError(.messageTooLarge, answerable: answerable), into: &outputs)
                return outputs
            }
            let end = bodyStart + contentLength
            guard end <= buffer.count else {
                // The next search finds the same header end at once.
                scanned = terminator
                return outputs
            }
            outputs.append(.message(Array(buffer[start..<end])))
            start = end
            scanned = start
        }
        return outputs
    }

    private mutating func fail(_ error: SIPParseError, into outputs: inout [Output]) {
        outputs.append(.failed(error))
        isFailed = true
        buffer = []
        scanned = 0
    }

    /// The Content-Length of the header block in `range`: nil when absent, `.some(nil)` when malformed or
    /// contradictory.
    private func scanContentLength(_ range: Range<Int>) -> Int?? {
        var found: Int??
        buffer.withUnsafeBufferPointer { bytes in
            var i = range.lowerBound
            // Skip the start line.
            while i < range.upperBound, bytes[i] != .lf { i += 1 }
            i += 1
            while i < range.upperBound {
                var lineEnd = i
                while lineEnd < range.upperBound, bytes[lineEnd] != .lf { lineEnd += 1 }
                var scanner = ByteScanner(bytes, range: i..<lineEnd)
                if let name = scanner.scanToken(),
                   scanner.matches(name, "content-length") || scanner.matches(name, "l") {
                    scanner.skipWhitespace()
                    guard scanner.consume(.colon) else { i = lineEnd + 1; continue }
                    // Folded continuation lines belong to the value.
                    var valueEnd = lineEnd
                    while valueEnd + 1 < range.upperBound, bytes[valueEnd + 1].isWhitespace {
                        valueEnd += 1
                        while valueEnd < range.upperBound, bytes[valueEnd] != .lf { valueEnd += 1 }
                    }
                    var digits: [UInt8] = []
                    for j in scanner.position..<min(valueEnd, range.upperBound) {
                        let b = bytes[j]
                        if b.isWhitespace || b == .cr || b == .lf { continue }
                        if b == UInt8(ascii: "0") && digits.isEmpty { digits.append(b); continue }
                        if digits == [UInt8(ascii: "0")] { digits.removeAll() }
                        digits.append(b)
                    }
                    let value = digits.isEmpty || !digits.allSatisfy({ $0.isIn(.digit) }) || digits.count > 18
                        ? nil : Int(String(decoding: digits, as: UTF8.self))
                    switch (found, value) {
                    case (_, nil): found = .some(nil)
                    case (nil, let value?): found = .some(value)
                    case (.some(.some(let previous)), let value?) where previous != value: found = .some(nil)
                    default: break
                    }
                    i = valueEnd + 1
                    continue
                }
                i = lineEnd + 1
            }
        }
        return found
    }
}
