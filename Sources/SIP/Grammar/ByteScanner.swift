/// A cursor over bytes that the grammar parsers advance. It never owns memory: it lives only inside a
/// `withUTF8Bytes` / `withUnsafeBufferPointer` scope.
struct ByteScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var position: Int
    let end: Int

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        position = 0
        end = bytes.count
    }

    init(_ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>) {
        self.bytes = bytes
        position = range.lowerBound
        end = range.upperBound
    }

    @inline(__always) var isAtEnd: Bool { position >= end }
    @inline(__always) var peek: UInt8? { position < end ? bytes[position] : nil }
    var remaining: Range<Int> { position..<end }

    /// LWS after unfolding: SP / HTAB.
    @inline(__always)
    mutating func skipWhitespace() {
        while position < end, bytes[position].isWhitespace { position += 1 }
    }

    @inline(__always)
    mutating func consume(_ byte: UInt8) -> Bool {
        if position < end, bytes[position] == byte {
            position += 1
            return true
        }
        return false
    }

    /// `SWS byte SWS` (the grammar's SEMI, COLON, EQUAL, SLASH, COMMA ...).
    mutating func consumeSeparator(_ byte: UInt8) -> Bool {
        let start = position
        skipWhitespace()
        if consume(byte) {
            skipWhitespace()
            return true
        }
        position = start
        return false
    }

    @inline(__always)
    mutating func scan(while cls: ByteClass) -> Range<Int> {
        let start = position
        while position < end, bytes[position].isIn(cls) { position += 1 }
        return start..<position
    }

    mutating func scan(until stop: (UInt8) -> Bool) -> Range<Int> {
        let start = position
        while position < end, !stop(bytes[position]) { position += 1 }
        return start..<position
    }

    /// A non-empty `token`.
    mutating func scanToken() -> Range<Int>? {
        let range = scan(while: .token)
        return range.isEmpty ? nil : range
    }

    /// A `quoted-string` including its quotes; nil when there is none or it is unterminated.
    mutating func scanQuotedString() -> Range<Int>? {
        guard position < end, bytes[position] == .quote else { return nil }
        let start = position
        var i = position + 1
        while i < end {
            let b = bytes[i]
            if b == .backslash {
                // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
                guard i + 1 < end else { return nil }
                i += 2
                continue
            }
            if b == .quote {
                position = i + 1
                return start..<position
            }
            i += 1
        }
        return nil
    }

    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    func lowercasedString(_ range: Range<Int>) -> String {
        var ascii = true
        for i in range where bytes[i] >= 0x41 && bytes[i] <= 0x5A { ascii = false; break }
        if ascii { return string(range) }
        return String(unsafeUninitializedCapacity: range.count) { out in
            var j = 0
            for i in range {
                out[j] = bytes[i].asciiLowercased
                j += 1
            }
            return j
        }
    }

    /// Case-insensitive comparison of `range` with an ASCII literal.
    func matches(_ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let lit = literal.utf8Start
        var j = 0
        for i in range {
            if bytes[i].asciiLowercased != lit[j].asciiLowercased { return false }
            j += 1
        }
        return true
    }

    /// A run of digits as an unsigned value; nil when empty, not all digits, or above `maximum`.
    func decimal(_ range: Range<Int>, maximum: UInt64 = UInt64(UInt32.max)) -> UInt64? {
        guard !range.isEmpty, range.count <= 19 else {
            // Leading zeros may make a small value long; strip them before giving up.
            return longDecimal(range, maximum: maximum)
        }
        var value: UInt64 = 0
        for i in range {
            let b = bytes[i]
            guard b >= 0x30, b <= 0x39 else { return nil }
            value = value * 10 + UInt64(b - 0x30)
        }
        return value <= maximum ? value : nil
    }

    private func longDecimal(_ range: Range<Int>, maximum: UInt64) -> UInt64? {
        guard !range.isEmpty else { return nil }
        var i = range.lowerBound
        while i < range.upperBound - 1, bytes[i] == 0x30 { i += 1 }
        guard range.upperBound - i <= 19 else {
            return nil
        }
        return decimal(i..<range.upperBound, maximum: maximum)
    }
}

/// Runs `body` over the UTF-8 bytes of `text` without copying when the string is native.
@inline(__always)
func withUTF8Bytes<S: StringProtocol, R>(_ text: S, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
    return Array(text.utf8).withUnsafeBufferPointer(body)
}

extension StringProtocol {
    /// ASCII case-insensitive equality (header names, parameter names, hosts, schemes).
    func equalsIgnoringASCIICase<T: StringProtocol>(_ other: T) -> Bool {
        withUTF8Bytes(self) { a in
            withUTF8Bytes(other) { b in
                guard a.count == b.count else { return false }
                for i in 0..<a.count where a[i] != b[i] && a[i].asciiLowercased != b[i].asciiLowercased {
                    return false
                }
                return true
            }
        }
    }

    func hasPrefixIgnoringASCIICase(_ prefix: String) -> Bool {
        var it = utf8.makeIterator()
        for p in prefix.utf8 {
            guard let c = it.next(), c.asciiLowercased == p.asciiLowercased else { return false }
        }
        return true
    }

    /// ASCII lower case; other characters unchanged.
    var asciiLowercased: String {
        if !utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) { return String(self) }
        return String(decoding: utf8.map { $0.asciiLowercased }, as: UTF8.self)
    }

    /// Without leading and trailing SP / HTAB.
    var trimmingWhitespace: Substring {
        let s = Substring(self)
        guard let first = s.utf8.firstIndex(where: { !$0.isWhitespace }) else { return s[s.endIndex...] }
        let last = s.utf8.lastIndex(where: { !$0.isWhitespace })!
        return s[first...last]
    }
}

// MARK: quoted-string

enum QuotedString {
    /// The content of a quoted-string (with its quotes) with quoted-pairs resolved.
    static func unquote(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        let inner = (range.lowerBound + 1)..<(range.upperBound - 1)
        guard inner.count > 0 else { return "" }
        if !bytes[inner].contains(.backslash) {
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[inner]), as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(inner.count)
        var i = inner.lowerBound
        while i < inner.upperBound {
            if bytes[i] == .backslash, i + 1 < inner.upperBound {
                out.append(bytes[i + 1])
                i += 2
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `text` unquoted if it is a quoted-string, unchanged otherwise.
    static func unquote(_ text: some StringProtocol) -> String {
        withUTF8Bytes(text) { bytes in
            var scanner = ByteScanner(bytes)
            if let range = scanner.scanQuotedString(), scanner.isAtEnd {
                return unquote(bytes, range)
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// `text` as a quoted-string: DQUOTE, backslash and control characters escaped as quoted-pairs; CR and LF,
    /// which no quoted-pair can carry, replaced by spaces.
    static func quote(_ text: some StringProtocol) -> String {
        var out: [UInt8] = [.quote]
        out.reserveCapacity(text.utf8.count + 2)
        for b in text.utf8 {
            if b == .cr || b == .lf {
                out.append(.space)
            } else if b == .quote || b == .backslash || b.isIn(.control) {
                out.append(.backslash)
                out.append(b)
            } else {
                out.append(b)
            }
        }
        out.append(.quote)
        return String(decoding: out, as: UTF8.self)
    }
}

// MARK: %-escapes

enum PercentEncoding {
    /// Decodes `range`, whose bytes must be in `allowed` or be `escaped` ("%" HEXDIG HEXDIG). nil when a byte is
    /// outside the class or an escape is malformed.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, allowed: ByteClass) -> String? {
        var needsDecoding = false
        var i = range.lowerBound
        while i < range.upperBound {
            let b = bytes[i]
            if b == .percent {
                guard i + 2 < range.upperBound,
                      bytes[i + 1].hexValue != nil, bytes[i + 2].hexValue != nil else { return nil }
                needsDecoding = true
                i += 3
            } else if b.isIn(allowed) {
                i += 1
            } else {
                return nil
            }
        }
        if !needsDecoding {
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        i = range.lowerBound
        while i < range.upperBound {
            if bytes[i] == .percent {
                out.append(bytes[i + 1].hexValue! << 4 | bytes[i + 2].hexValue!)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// `text` with every byte outside `allowed` written as an escape.
    static func encode(_ text: some StringProtocol, allowed: ByteClass) -> String {
        if text.utf8.allSatisfy({ $0.isIn(allowed) && $0 != .percent }) { return String(text) }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 8)
        for b in text.utf8 {
            if b.isIn(allowed) && b != .percent {
                out.append(b)
            } else {
                out.append(.percent)
                out.append(hexDigits[Int(b >> 4)])
                out.append(hexDigits[Int(b & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

// MARK: comma-separated lists

enum HeaderList {
    /// The ranges of the elements of a comma-separated header value, trimmed, splitting only at commas outside
    /// quoted strings and angle brackets. Empty elements (",,") are kept so the caller can refuse them.
    static func split(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [Range<Int>] {
        var elements: [Range<Int>] = []
        var start = range.lowerBound
        var i = range.lowerBound
        var inQuotes = false
        var inAngle = false
        while i < range.upperBound {
            let b = bytes[i]
            if inQuotes {
                if b == .backslash { i += 2; continue }
                if b == .quote { inQuotes = false }
            } else if inAngle {
                if b == .greaterThan { inAngle = false }
            } else {
                switch b {
                case .quote: inQuotes = true
                case .lessThan: inAngle = true
                case .comma:
                    elements.append(trim(bytes, start..<i))
                    start = i + 1
                default: break
                }
            }
            i += 1
        }
        elements.append(trim(bytes, start..<range.upperBound))
        return elements
    }

    static func trim(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var lo = range.lowerBound, hi = range.upperBound
        while lo < hi, bytes[lo].isWhitespace { lo += 1 }
        while hi > lo, bytes[hi - 1].isWhitespace { hi -= 1 }
        return lo..<hi
    }

    /// The elements of a comma-separated header value as strings.
    static func split(_ value: String) -> [Substring] {
        if !value.utf8.contains(.comma) { return [value.trimmingWhitespace] }
        let ranges = withUTF8Bytes(value) { split($0, 0..<$0.count) }
        let utf8 = value.utf8
        return ranges.map { r in
            let lo = utf8.index(utf8.startIndex, offsetBy: r.lowerBound)
            let hi = utf8.index(lo, offsetBy: r.count)
            return value[lo..<hi]
        }
    }
}
