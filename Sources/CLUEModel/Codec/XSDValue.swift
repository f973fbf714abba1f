import CLibXML2

/// The XML Schema value spaces the CLUE schemas use (XML Schema 1.0 Part 2), as plain functions shared by the
/// decoder (which reads lexical forms) and the validator (which checks values built in code).
package enum XSDValue {
    /// `whiteSpace="collapse"`: runs of XML whitespace become one space, leading and trailing ones go.
    package static func collapse(_ text: String) -> String {
        var result = ""
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
                pendingSpace = !result.isEmpty
            } else {
                if pendingSpace { result.unicodeScalars.append(" ") }
                pendingSpace = false
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// `xs:boolean`: "true", "false", "1", "0" after collapsing.
    package static func boolean(_ text: String) -> Bool? {
        switch collapse(text) {
        case "true", "1": true
        case "false", "0": false
        default: nil
        }
    }

    /// Why an integer was refused.
    package enum IntegerProblem: Error, Equatable {
        case notAnInteger
        case negative
        case belowMinimum(String)
        case aboveMaximum(String)

        package var reason: String {
            switch self {
            case .notAnInteger: "is not an integer"
            case .negative: "must not be negative"
            case .belowMinimum(let minimum): "must be at least \(minimum)"
            case .aboveMaximum(let maximum): "exceeds the maximum of \(maximum)"
            }
        }
    }

    /// The non-negative integer types (`xs:unsignedShort`, `unsignedInt`, `unsignedLong`, `positiveInteger` up to
    /// UInt64): `[+-]?[0-9]+` after collapsing, "-0" included; leading zeros allowed.
    package static func unsigned<T: FixedWidthInteger & UnsignedInteger>(_ text: String, as type: T.Type = T.self,
                                                                          minimum: T = 0) -> Result<T, IntegerProblem>
    {
        var digits = Substring(collapse(text))
        var negative = false
        if let sign = digits.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) else {
            return .failure(.notAnInteger)
        }
        let significant = digits.drop { $0 == "0" }
        if negative && !significant.isEmpty { return .failure(.negative) }
        guard let value = significant.isEmpty ? T.zero : T(significant) else {
            return .failure(.aboveMaximum(String(T.max)))
        }
        guard value >= minimum else { return .failure(.belowMinimum(String(minimum))) }
        return .success(value)
    }

    /// `xs:NCName`, the lexical space of `xs:ID` and `xs:IDREF` (after collapsing, which the caller does).
    ///
    /// XML Schema 1.0 takes its name characters from XML 1.0 before the fifth edition (the Appendix B letter
    /// classes), which is narrower than today's `NameStartChar`: `x⁰` is a name in XML but not an NCName here. This
    /// asks libxml2, whose schema validator uses the same rule, so that what passes here validates.
    package static func isNCName(_ text: String) -> Bool {
        guard !text.isEmpty, !text.utf8.contains(0) else { return false }
        return text.withCString { xmlValidateNCName(UnsafeRawPointer($0).assumingMemoryBound(to: xmlChar.self), 0) == 0 }
    }

    /// `xs:language`: `[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*`.
    package static func isLanguage(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        for (index, part) in parts.enumerated() {
            guard (1...8).contains(part.unicodeScalars.count),
                  part.unicodeScalars.allSatisfy({ scalar in
                      ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                          || (index > 0 && ("0"..."9").contains(scalar))
                  })
            else { return false }
        }
        return true
    }

    /// XML 1.0 `Char` (production [2]): what a document can carry at all.
    package static func isXMLChar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }

    /// The first scalar XML 1.0 cannot carry, if any.
    package static func firstInvalidXMLChar(_ text: String) -> Unicode.Scalar? {
        text.unicodeScalars.first { !isXMLChar($0) }
    }

    /// `policyType`: `([a-zA-Z0-9])+[:]([0-9])+`.
    package static func policy(_ text: String) -> CapturePolicy? {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let isAlnum: (Unicode.Scalar) -> Bool = {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
        }
        guard !parts[0].isEmpty, parts[0].unicodeScalars.allSatisfy(isAlnum),
              !parts[1].isEmpty, parts[1].unicodeScalars.allSatisfy({ ("0"..."9").contains($0) })
        else { return nil }
        return CapturePolicy(name: String(parts[0]), index: String(parts[1]))
    }

    /// `xs:anyURI` as libxml2's schema validator checks it: after collapsing, characters a URI cannot hold
    /// (controls, non-ASCII, space, `<>"{}|\\^`'`) count as ordinary ones, and the rest must be an RFC 3986
    /// URI-reference. Like libxml2, a fragment may hold `[` and `]`, an IP literal is anything up to `]`, and a
    /// port needs a digit.
    package static func isAnyURI(_ text: String) -> Bool {
        let substituted = collapse(text).utf8.map { byte -> UInt8 in
            switch byte {
            case 0..<32, 127..., UInt8(ascii: " "), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""),
                 UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "|"), UInt8(ascii: "\\"), UInt8(ascii: "^"),
                 UInt8(ascii: "`"), UInt8(ascii: "'"):
                UInt8(ascii: "_")
            default:
                byte
            }
        }
        var absolute = URIReferenceScanner(substituted)
        if absolute.absoluteURI() { return true }
        var relative = URIReferenceScanner(substituted)
        return relative.relativeReference()
    }

    /// True for a CLUE element name's namespace: the protocol's, the data model's, or none. Peers put the default
    /// namespace on either (or leave it out), so all three are read as CLUE everywhere.
    package static func isCLUENamespace(_ namespace: String?) -> Bool {
        namespace == nil || namespace == XMLNamespace.clueInfo || namespace == XMLNamespace.clueProtocol
    }

    /// True for the XMLSchema-instance namespace under either scheme.
    package static func isSchemaInstance(_ namespace: String?) -> Bool {
        namespace == XMLNamespace.schemaInstance || namespace == XMLNamespace.schemaInstanceHTTPS
    }
}

/// Recognizes RFC 3986 section 4.1 `URI` and `relative-ref` over ASCII bytes.
private struct URIReferenceScanner {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    private func byte(at offset: Int = 0) -> UInt8? {
        position + offset < bytes.count ? bytes[position + offset] : nil
    }

    private func isAlpha(_ b: UInt8?) -> Bool {
        guard let b else { return false }
        return (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
    }

    private func isDigit(_ b: UInt8?) -> Bool {
        guard let b else { return false }
        return (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
    }

    private func isHex(_ b: UInt8?) -> Bool {
        guard let b else { return false }
        return isDigit(b) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(b)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(b)
    }

    private func isUnreserved(_ b: UInt8?) -> Bool {
        isAlpha(b) || isDigit(b) || b.map { "-._~".utf8.contains($0) } == true
    }

    private func isSubDelimiter(_ b: UInt8?) -> Bool {
        b.map { "!$&'()*+,;=".utf8.contains($0) } == true
    }

    /// Length of the `pchar` at the current position (3 for pct-encoded), 0 if there is none; `forbidColon` for
    /// `segment-nz-nc`.
    private func pcharLength(forbidColon: Bool = false) -> Int {
        let b = byte()
        if b == UInt8(ascii: "%") { return isHex(byte(at: 1)) && isHex(byte(at: 2)) ? 3 : 0 }
        if b == UInt8(ascii: ":") { return forbidColon ? 0 : 1 }
        return isUnreserved(b) || isSubDelimiter(b) || b == UInt8(ascii: "@") ? 1 : 0
    }

    /// `segment` (or `segment-nz` when `nonEmpty`); false when a non-empty one is required and absent.
    private mutating func segment(nonEmpty: Bool, forbidColon: Bool = false) -> Bool {
        let start = position
        while case let length = pcharLength(forbidColon: forbidColon), length > 0 { position += length }
        return !nonEmpty || position > start
    }

    private mutating func slashSegments() {
        while byte() == UInt8(ascii: "/") {
            position += 1
            _ = segment(nonEmpty: false)
        }
    }

    /// `authority = [ userinfo "@" ] host [ ":" port ]`.
    private mutating func authority() -> Bool {
        let start = position
        while pcharLength() > 0 && byte() != UInt8(ascii: "@") { position += pcharLength() }
        if byte() == UInt8(ascii: "@") { position += 1 } else { position = start }
        if byte() == UInt8(ascii: "[") {
            while let b = byte(), b != UInt8(ascii: "]") { position += 1 }
            guard byte() == UInt8(ascii: "]") else { return false }
            position += 1
        } else {
            while true {
                let b = byte()
                if b == UInt8(ascii: "%") {
                    guard isHex(byte(at: 1)) && isHex(byte(at: 2)) else { break }
                    position += 3
                } else if isUnreserved(b) || isSubDelimiter(b) {
                    position += 1
                } else {
                    break
                }
            }
        }
        if byte() == UInt8(ascii: ":") {
            position += 1
            guard isDigit(byte()) else { return false }
            while isDigit(byte()) { position += 1 }
        }
        return true
    }

    /// `[ "?" query ] [ "#" fragment ]` and the end.
    private mutating func queryFragmentEnd() -> Bool {
        if byte() == UInt8(ascii: "?") {
            position += 1
            while true {
                let length = pcharLength()
                if length > 0 { position += length } else if byte() == UInt8(ascii: "/") || byte() == UInt8(ascii: "?") {
                    position += 1
                } else { break }
            }
        }
        if byte() == UInt8(ascii: "#") {
            position += 1
            while true {
                let length = pcharLength()
                if length > 0 {
                    position += length
                } else if let b = byte(), "/?[]".utf8.contains(b) {
                    position += 1
                } else {
                    break
                }
            }
        }
        return position == bytes.count
    }

    /// `scheme ":" hier-part [ "?" query ] [ "#" fragment ]`.
    mutating func absoluteURI() -> Bool {
        guard isAlpha(byte()) else { return false }
        position += 1
        while let b = byte(), isAlpha(b) || isDigit(b) || "+-.".utf8.contains(b) { position += 1 }
        guard byte() == UInt8(ascii: ":") else { return false }
        position += 1
        return hierarchicalPart(rootless: true) && queryFragmentEnd()
    }

    /// `relative-part [ "?" query ] [ "#" fragment ]`.
    mutating func relativeReference() -> Bool {
        hierarchicalPart(rootless: false) && queryFragmentEnd()
    }

    /// `"//" authority path-abempty / path-absolute / path-rootless (or path-noscheme) / path-empty`.
    private mutating func hierarchicalPart(rootless: Bool) -> Bool {
        if byte() == UInt8(ascii: "/") && byte(at: 1) == UInt8(ascii: "/") {
            position += 2
            guard authority() else { return false }
            slashSegments()
        } else if byte() == UInt8(ascii: "/") {
            position += 1
            if segment(nonEmpty: true) { slashSegments() }
        } else if pcharLength() > 0 {
            guard segment(nonEmpty: true, forbidColon: !rootless) else { return false }
            slashSegments()
        }
        return true
    }
}
