/// Byte-level helpers for SDP text. SDP is a line-oriented ASCII grammar whose free-text fields are UTF-8
/// (RFC 8866 section 5); the parser validates the whole body as UTF-8 once, then slices it only at ASCII
/// delimiters, so every slice decodes to exactly the bytes it holds and a written value reads back identically.
enum ByteText {
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let semicolon: UInt8 = 0x3B
    static let slash: UInt8 = 0x2F
    static let equals: UInt8 = 0x3D
    static let quote: UInt8 = 0x22
    static let percent: UInt8 = 0x25
    static let comma: UInt8 = 0x2C

    static func isWhitespace(_ byte: UInt8) -> Bool { byte == space || byte == tab }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    static func isAlpha(_ byte: UInt8) -> Bool { (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    /// RFC 8866 section 9: `token-char`.
    static func isTokenChar(_ byte: UInt8) -> Bool {
        if isAlpha(byte) || isDigit(byte) { return true }
        switch byte {
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7B, 0x7C, 0x7D, 0x7E:
            return true
        default:
            return false
        }
    }

    /// RFC 8866 section 9: `non-ws-string` (visible ASCII or any byte of a UTF-8 sequence).
    static func isNonWhitespace(_ byte: UInt8) -> Bool { byte >= 0x21 && byte != 0x7F }

    static func isToken(_ bytes: some Collection<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy(isTokenChar)
    }

    static func isNonWhitespaceString(_ bytes: some Collection<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy(isNonWhitespace)
    }

    static func string(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    static func bytes(_ text: String) -> ArraySlice<UInt8> { ArraySlice(text.utf8) }

    /// Removes SP and HTAB at both ends.
    static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, isWhitespace(first) { slice = slice.dropFirst() }
        while let last = slice.last, isWhitespace(last) { slice = slice.dropLast() }
        return slice
    }

    /// Splits at runs of SP/HTAB, dropping empty pieces: SDP writers disagree on single versus repeated spaces.
    static func fields(_ bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        bytes.split(whereSeparator: isWhitespace).map { $0 }
    }

    /// Splits once at the first SP/HTAB run: (head, rest without its leading whitespace). `rest` is nil when there
    /// is no whitespace after the head.
    static func splitFirstField(_ bytes: ArraySlice<UInt8>) -> (ArraySlice<UInt8>, ArraySlice<UInt8>?) {
        guard let index = bytes.firstIndex(where: isWhitespace) else { return (bytes, nil) }
        var rest = bytes[index...]
        while let first = rest.first, isWhitespace(first) { rest = rest.dropFirst() }
        return (bytes[..<index], rest)
    }

    /// Splits once at the first occurrence of `separator`.
    static func splitOnce(_ bytes: ArraySlice<UInt8>, at separator: UInt8) -> (ArraySlice<UInt8>, ArraySlice<UInt8>?) {
        guard let index = bytes.firstIndex(of: separator) else { return (bytes, nil) }
        return (bytes[..<index], bytes[(index + 1)...])
    }

    /// A non-empty run of decimal digits that fits `T` (leading zeros allowed: `1*DIGIT`).
    static func decimal<T: FixedWidthInteger & UnsignedInteger>(_ bytes: some Collection<UInt8>, as type: T.Type)
        -> T? {
        guard !bytes.isEmpty else { return nil }
        var value: T = 0
        for byte in bytes {
            guard isDigit(byte) else { return nil }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.addingReportingOverflow(T(byte - 0x30))
            if overflow1 || overflow2 { return nil }
            value = sum
        }
        return value
    }

    static func equalsIgnoringCase(_ bytes: some Collection<UInt8>, _ ascii: String) -> Bool {
        let other = Array(ascii.utf8)
        guard bytes.count == other.count else { return false }
        return zip(bytes, other).allSatisfy { lowercased($0) == lowercased($1) }
    }

    static func lowercased(_ byte: UInt8) -> UInt8 { (byte >= 0x41 && byte <= 0x5A) ? byte + 0x20 : byte }
}

/// Why an attribute value (or a field) does not match its grammar. The parser adds the line number.
struct ValueSyntaxError: Error, Sendable, Hashable {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
