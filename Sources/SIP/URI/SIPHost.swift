/// The host of a SIP URI or a Via sent-by (RFC 3261 section 25.1: `host = hostname / IPv4address / IPv6reference`).
public enum SIPHost: Sendable, Hashable, CustomStringConvertible {
    /// A domain name, as written.
    case name(String)
    /// A dotted-quad IPv4 address.
    case ipv4(String)
    /// An IPv6 address, without its brackets.
    case ipv6(String)

    /// How it is written in a URI or a Via: IPv6 in brackets.
    public var description: String {
        switch self {
        case .name(let text), .ipv4(let text): return text
        case .ipv6(let text): return "[\(text)]"
        }
    }

    /// The host without brackets (what a socket address or a `received` parameter carries).
    public var address: String {
        switch self {
        case .name(let text), .ipv4(let text), .ipv6(let text): return text
        }
    }

    public var isIPAddress: Bool {
        if case .name = self { return false }
        return true
    }

    /// A host from text: `[v6]`, a bare IPv6 address, dotted IPv4 or a host name. nil if it is none of those.
    public init?(_ text: some StringProtocol) {
        guard let host = withUTF8Bytes(text, { SIPHost.parse(ByteScanner($0), 0..<$0.count) }) else { return nil }
        self = host
    }

    /// RFC 3261 section 19.1.4: names compare without regard to case, addresses by value (`::1` equals
    /// `0:0:0:0:0:0:0:1`).
    public func isEquivalent(to other: SIPHost) -> Bool {
        switch (self, other) {
        case (.name(let a), .name(let b)):
            return a.equalsIgnoringASCIICase(b)
        case (.ipv4(let a), .ipv4(let b)):
            return IPAddressText.ipv4Bytes(a) == IPAddressText.ipv4Bytes(b)
        case (.ipv6(let a), .ipv6(let b)):
            return IPAddressText.ipv6Bytes(a) == IPAddressText.ipv6Bytes(b)
        case (.ipv4(let a), .ipv6(let b)), (.ipv6(let b), .ipv4(let a)):
            // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the same host as a.b.c.d.
            guard let v4 = IPAddressText.ipv4Bytes(a), let v6 = IPAddressText.ipv6Bytes(b) else { return false }
            return v6[0..<10].allSatisfy { $0 == 0 } && v6[10] == 0xFF && v6[11] == 0xFF && Array(v6[12...]) == v4
        default:
            return false
        }
    }

    /// Whether this host is the IP address `address` (given without brackets).
    public func isAddress(_ address: String) -> Bool {
        guard let other = SIPHost(address), other.isIPAddress else { return false }
        return isIPAddress && isEquivalent(to: other)
    }

    static func parse(_ scanner: ByteScanner, _ range: Range<Int>) -> SIPHost? {
        guard !range.isEmpty else { return nil }
        let bytes = scanner.bytes
        if bytes[range.lowerBound] == .leftBracket {
            guard range.count > 2, bytes[range.upperBound - 1] == .rightBracket else { return nil }
            let inner = (range.lowerBound + 1)..<(range.upperBound - 1)
            let text = scanner.string(inner)
            return IPAddressText.ipv6Bytes(text) != nil ? .ipv6(text) : nil
        }
        var digitsAndDots = true
        var hasColon = false
        for i in range {
            let b = bytes[i]
            if b == .colon { hasColon = true; continue }
            if !b.isIn(.hostName) { return nil }
            if !(b.isIn(.digit) || b == UInt8(ascii: ".")) { digitsAndDots = false }
        }
        if hasColon {
            // A bare IPv6 address, as `received` carries it (RFC 3261 section 20.42 `via-received`).
            let text = scanner.string(range)
            return IPAddressText.ipv6Bytes(text) != nil ? .ipv6(text) : nil
        }
        if digitsAndDots {
            return IPAddressText.isIPv4(bytes, range) ? .ipv4(scanner.string(range)) : nil
        }
        // hostname = *( domainlabel "." ) toplabel [ "." ]: labels are non-empty and do not start or end with "-".
        var labelStart = true
        var previous: UInt8 = 0
        for i in range {
            let b = bytes[i]
            if b == UInt8(ascii: ".") {
                if labelStart || previous == .dash { return nil }
                labelStart = true
            } else {
                if labelStart && b == .dash { return nil }
                labelStart = false
            }
            previous = b
        }
        if previous == .dash { return nil }
        return .name(scanner.string(range))
    }
}

/// Textual IP addresses to bytes, without the C library (the module does no I/O and stays dependency-free).
enum IPAddressText {
    /// Dotted-quad IPv4 without allocating.
    static func isIPv4(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var dots = 0, digits = 0, value = 0
        for i in range {
            let b = bytes[i]
            if b == UInt8(ascii: ".") {
                guard digits > 0 else { return false }
                dots += 1
                digits = 0
                value = 0
            } else if b >= 0x30 && b <= 0x39 {
                digits += 1
                value = value * 10 + Int(b - 0x30)
                guard digits <= 3, value <= 255 else { return false }
            } else {
                return false
            }
        }
        return dots == 3 && digits > 0
    }

    static func ipv4Bytes(_ text: some StringProtocol) -> [UInt8]? {
        var result: [UInt8] = []
        result.reserveCapacity(4)
        var value = 0
        var digits = 0
        for b in text.utf8 {
            if b == UInt8(ascii: ".") {
                guard digits > 0, result.count < 3 else { return nil }
                result.append(UInt8(value))
                value = 0
                digits = 0
            } else if b >= 0x30 && b <= 0x39 {
                digits += 1
                value = value * 10 + Int(b - 0x30)
                guard digits <= 3, value <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, result.count == 3 else { return nil }
        result.append(UInt8(value))
        return result
    }

    static func ipv6Bytes(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8.count <= 45 else { return nil }
        // Split at "::" (at most once).
        var doubleColon: Int?
        var i = 0
        while i + 1 < utf8.count {
            if utf8[i] == .colon && utf8[i + 1] == .colon {
                if doubleColon != nil { return nil }
                doubleColon = i
                i += 2
            } else {
                i += 1
            }
        }
        func groups(_ part: ArraySlice<UInt8>, allowIPv4Tail: Bool) -> [UInt8]? {
            if part.isEmpty { return [] }
            var out: [UInt8] = []
            let pieces = part.split(separator: .colon, omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if piece.contains(UInt8(ascii: ".")) {
                    guard allowIPv4Tail, index == pieces.count - 1,
                          let v4 = ipv4Bytes(String(decoding: piece, as: UTF8.self)) else { return nil }
                    out.append(contentsOf: v4)
                    continue
                }
                guard !piece.isEmpty, piece.count <= 4 else { return nil }
                var value: UInt16 = 0
                for b in piece {
                    guard let h = b.hexValue else { return nil }
                    value = value << 4 | UInt16(h)
                }
                out.append(UInt8(value >> 8))
                out.append(UInt8(value & 0xFF))
            }
            return out
        }
        if let dc = doubleColon {
            guard let head = groups(utf8[0..<dc], allowIPv4Tail: false),
                  let tail = groups(utf8[(dc + 2)...], allowIPv4Tail: true),
                  head.count + tail.count <= 14 else { return nil }
            return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
        }
        guard let all = groups(utf8[...], allowIPv4Tail: true), all.count == 16 else { return nil }
        return all
    }
}
