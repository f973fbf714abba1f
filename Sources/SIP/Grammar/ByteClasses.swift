// Character classes of RFC 3261 section 25.1, one bit per class in a 256-entry table, so that the parsers test a
// byte with one load and one mask instead of chains of comparisons.

@usableFromInline
struct ByteClass: OptionSet, Sendable {
    @usableFromInline let rawValue: UInt16
    @usableFromInline init(rawValue: UInt16) { self.rawValue = rawValue }

    /// `alphanum`.
    static let alphanumeric = ByteClass(rawValue: 1 << 0)
    /// `token` = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~").
    static let token = ByteClass(rawValue: 1 << 1)
    /// `word` adds "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}" to token.
    static let word = ByteClass(rawValue: 1 << 2)
    /// `unreserved` = alphanum / mark, mark = "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")".
    static let unreserved = ByteClass(rawValue: 1 << 3)
    /// `user-unreserved` = "&" / "=" / "+" / "$" / "," / ";" / "?" / "/".
    static let userUnreserved = ByteClass(rawValue: 1 << 4)
    /// Password characters besides unreserved and escaped: "&" / "=" / "+" / "$" / ",".
    static let passwordExtra = ByteClass(rawValue: 1 << 5)
    /// `param-unreserved` = "[" / "]" / "/" / ":" / "&" / "+" / "$".
    static let paramUnreserved = ByteClass(rawValue: 1 << 6)
    /// `hnv-unreserved` = "[" / "]" / "/" / "?" / ":" / "+" / "$".
    static let headerUnreserved = ByteClass(rawValue: 1 << 7)
    /// Host name characters: alphanum / "-" / "." (and "_", which real deployments use).
    static let hostName = ByteClass(rawValue: 1 << 8)
    /// `HEXDIG`.
    static let hexDigit = ByteClass(rawValue: 1 << 9)
    /// `DIGIT`.
    static let digit = ByteClass(rawValue: 1 << 10)
    /// Characters of a URI scheme after the first: ALPHA / DIGIT / "+" / "-" / ".".
    static let scheme = ByteClass(rawValue: 1 << 11)
    /// Bytes allowed in an opaque URI (an unknown scheme): visible US-ASCII except "<", ">", DQUOTE, plus UTF-8.
    static let opaqueURI = ByteClass(rawValue: 1 << 12)
    /// Control characters forbidden in header values and reason phrases (all of 0x00-0x1F but HTAB, and DEL).
    static let control = ByteClass(rawValue: 1 << 13)

    /// One entry per byte value, the bits above. Generated from the class definitions (see the tests, which
    /// recompute it); a literal so that it is initialized statically, with no lazy-initialization check on the
    /// parsers' hot path.
    static let table: [UInt16] = [
        0x2000, 0x2000, 0x2000, 0x2000, 0x2000, 0x2000, 0x2000, 0x2000,  // 0x00
        0x2000, 0x0000, 0x2000, 0x2000, 0x2000, 0x2000, 0x2000, 0x2000,  // 0x08
        0x2000, 0x2000, 0x2000, 0x2000, 0x2000, 0x2000, 0x2000, 0x2000,  // 0x10
        0x2000, 0x2000, 0x2000, 0x2000, 0x2000, 0x2000, 0x2000, 0x2000,  // 0x18
        0x0000, 0x100E, 0x0004, 0x1000, 0x10F0, 0x1006, 0x1070, 0x100E,  // 0x20
        0x100C, 0x100C, 0x100E, 0x18F6, 0x1030, 0x190E, 0x190E, 0x10D4,  // 0x28
        0x1F0F, 0x1F0F, 0x1F0F, 0x1F0F, 0x1F0F, 0x1F0F, 0x1F0F, 0x1F0F,  // 0x30
        0x1F0F, 0x1F0F, 0x10C4, 0x1010, 0x0004, 0x1030, 0x0004, 0x1094,  // 0x38
        0x1000, 0x1B0F, 0x1B0F, 0x1B0F, 0x1B0F, 0x1B0F, 0x1B0F, 0x190F,  // 0x40
        0x190F, 0x190F, 0x190F, 0x190F, 0x190F, 0x190F, 0x190F, 0x190F,  // 0x48
        0x190F, 0x190F, 0x190F, 0x190F, 0x190F, 0x190F, 0x190F, 0x190F,  // 0x50
        0x190F, 0x190F, 0x190F, 0x10C4, 0x1004, 0x10C4, 0x1000, 0x110E,  // 0x58
        0x1006, 0x1B0F, 0x1B0F, 0x1B0F, 0x1B0F, 0x1B0F, 0x1B0F, 0x190F,  // 0x60
        0x190F, 0x190F, 0x190F, 0x190F, 0x190F, 0x190F, 0x190F, 0x190F,  // 0x68
        0x190F, 0x190F, 0x190F, 0x190F, 0x190F, 0x190F, 0x190F, 0x190F,  // 0x70
        0x190F, 0x190F, 0x190F, 0x1004, 0x1000, 0x1004, 0x100E, 0x2000,  // 0x78
        0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000,  // 0x80
        0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000,  // 0x88
        0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000,  // 0x90
        0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000,  // 0x98
        0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000,  // 0xA0
        0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000,  // 0xA8
        0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000,  // 0xB0
        0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000,  // 0xB8
        0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000,  // 0xC0
        0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000,  // 0xC8
        0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000,  // 0xD0
        0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000,  // 0xD8
        0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000,  // 0xE0
        0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000,  // 0xE8
        0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000,  // 0xF0
        0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000,  // 0xF8
    ]
}

extension UInt8 {
    @inline(__always)
    func isIn(_ cls: ByteClass) -> Bool { ByteClass.table[Int(self)] & cls.rawValue != 0 }

    /// SP or HTAB.
    @inline(__always)
    var isWhitespace: Bool { self == .space || self == .tab }

    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let colon = UInt8(ascii: ":")
    static let semicolon = UInt8(ascii: ";")
    static let comma = UInt8(ascii: ",")
    static let equals = UInt8(ascii: "=")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let lessThan = UInt8(ascii: "<")
    static let greaterThan = UInt8(ascii: ">")
    static let slash = UInt8(ascii: "/")
    static let at = UInt8(ascii: "@")
    static let question = UInt8(ascii: "?")
    static let ampersand = UInt8(ascii: "&")
    static let percent = UInt8(ascii: "%")
    static let leftBracket = UInt8(ascii: "[")
    static let rightBracket = UInt8(ascii: "]")
    static let dash = UInt8(ascii: "-")

    /// ASCII lower case of a letter; other bytes unchanged.
    @inline(__always)
    var asciiLowercased: UInt8 { (self >= 0x41 && self <= 0x5A) ? self | 0x20 : self }

    @inline(__always)
    var hexValue: UInt8? {
        switch self {
        case 0x30...0x39: return self - 0x30
        case 0x41...0x46: return self - 0x41 + 10
        case 0x61...0x66: return self - 0x61 + 10
        default: return nil
        }
    }
}
