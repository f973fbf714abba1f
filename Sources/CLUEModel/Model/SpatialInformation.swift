/// Where a capture sits in its scene's coordinate space (RFC 8845 section 7.1.1.1, RFC 8846 section 11.5).
public struct SpatialInformation: Sendable, Hashable {
    public var captureOrigin: CaptureOrigin?
    public var captureArea: CaptureArea?
    public var extensions: [XMLElement]
    public var extensionAttributes: [XMLAttribute]

    public init(captureOrigin: CaptureOrigin? = nil, captureArea: CaptureArea? = nil,
                extensions: [XMLElement] = [], extensionAttributes: [XMLAttribute] = []) {
        self.captureOrigin = captureOrigin
        self.captureArea = captureArea
        self.extensions = extensions
        self.extensionAttributes = extensionAttributes
    }
}

/// The capture point and, optionally, a second point on the line of capture.
public struct CaptureOrigin: Sendable, Hashable {
    public var capturePoint: Point
    public var lineOfCapturePoint: Point?
    /// The schema allows attributes of any namespace here.
    public var extensionAttributes: [XMLAttribute]

    public init(capturePoint: Point, lineOfCapturePoint: Point? = nil, extensionAttributes: [XMLAttribute] = []) {
        self.capturePoint = capturePoint
        self.lineOfCapturePoint = lineOfCapturePoint
        self.extensionAttributes = extensionAttributes
    }
}

/// The four coplanar corners of the area a capture covers.
public struct CaptureArea: Sendable, Hashable {
    public var bottomLeft: Point
    public var bottomRight: Point
    public var topLeft: Point
    public var topRight: Point

    public init(bottomLeft: Point, bottomRight: Point, topLeft: Point, topRight: Point) {
        self.bottomLeft = bottomLeft
        self.bottomRight = bottomRight
        self.topLeft = topLeft
        self.topRight = topRight
    }
}

public struct Point: Sendable, Hashable {
    public var x: XMLDecimal
    public var y: XMLDecimal
    public var z: XMLDecimal

    public init(x: XMLDecimal, y: XMLDecimal, z: XMLDecimal) {
        self.x = x
        self.y = y
        self.z = z
    }
}

/// An `xs:decimal`, kept as its canonical lexical form so that values round-trip exactly.
public struct XMLDecimal: Sendable, Hashable, CustomStringConvertible, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral
{
    /// Canonical text: optional '-', digits without leading zeros (one zero before a point), and a fraction without
    /// trailing zeros ("1.5", "-0.25", "0", "300").
    public let canonical: String

    /// Parses the lexical space of xs:decimal: `[+-]?(\d+(\.\d*)?|\.\d+)` with surrounding whitespace allowed.
    public init?(_ text: some StringProtocol) {
        var s = Substring(text.trimmingXMLWhitespace())
        var negative = false
        if let first = s.first, first == "+" || first == "-" {
            negative = first == "-"
            s = s.dropFirst()
        }
        let parts = s.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let integral = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        guard !(integral.isEmpty && fraction.isEmpty),
              integral.allSatisfy({ $0.isASCII && $0.isNumber }), fraction.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        let intDigits = integral.drop { $0 == "0" }
        var fracDigits = Substring(fraction)
        while fracDigits.last == "0" { fracDigits = fracDigits.dropLast() }
        var result = intDigits.isEmpty ? "0" : String(intDigits)
        if !fracDigits.isEmpty { result += "." + fracDigits }
        if negative && result != "0" { result = "-" + result }
        canonical = result
    }

    public init(integerLiteral value: Int) {
        canonical = String(value)
    }

    public init(floatLiteral value: Double) {
        self.init(value)
    }

    /// From a finite Double, written with the shortest digits that read back the same value.
    public init(_ value: Double) {
        precondition(value.isFinite, "xs:decimal has no infinities or NaN")
        var text = "\(value)"
        if text.contains("e") {
            // Swift prints large and tiny magnitudes in exponent form; expand it.
            text = Self.expandExponent(text)
        }
        self = XMLDecimal(text)!
    }

    public var doubleValue: Double { Double(canonical) ?? 0 }

    public var description: String { canonical }

    private static func expandExponent(_ text: String) -> String {
        let parts = text.lowercased().split(separator: "e")
        guard parts.count == 2, let exponent = Int(parts[1]) else { return text }
        var mantissa = String(parts[0])
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa.removeFirst() }
        let pieces = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        var digits = String(pieces[0]) + (pieces.count > 1 ? String(pieces[1]) : "")
        var point = pieces[0].count + exponent
        if point <= 0 {
            digits = String(repeating: "0", count: -point + 1) + digits
            point = 1
        } else if point > digits.count {
            digits += String(repeating: "0", count: point - digits.count)
        }
        let index = digits.index(digits.startIndex, offsetBy: point)
        let result = digits[..<index] + "." + digits[index...]
        return (negative ? "-" : "") + result
    }
}

extension StringProtocol {
    /// Trims the four XML whitespace characters (space, tab, CR, LF) only.
    package func trimmingXMLWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        let all = self[...]
        guard let start = all.firstIndex(where: { !isSpace($0) }) else { return Substring() }
        let end = all.lastIndex(where: { !isSpace($0) })!
        return Substring(all[start...end])
    }
}
