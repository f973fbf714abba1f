/// A `;name[=value]` parameter of a URI or a header value (or a `name=value` URI header).
///
/// In a URI, name and value are %-decoded. In a header value the value is kept as written: a quoted-string keeps
/// its quotes (`unquotedValue` removes them), a token or host stays as is.
public struct SIPParameter: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var value: String?

    public init(_ name: String, _ value: String? = nil) {
        self.name = name
        self.value = value
    }

    /// The value with the quotes of a quoted-string removed and its quoted-pairs resolved.
    public var unquotedValue: String? { value.map { QuotedString.unquote($0) } }

    /// The header form: `name` or `name=value`.
    public var description: String { value.map { "\(name)=\($0)" } ?? name }
}

extension Array where Element == SIPParameter {
    /// The value of the first parameter with this name (names compare without regard to case); nil when absent or
    /// without a value.
    public func value(of name: String) -> String? {
        first { $0.name.equalsIgnoringASCIICase(name) }?.value
    }

    public func contains(_ name: String) -> Bool {
        contains { $0.name.equalsIgnoringASCIICase(name) }
    }

    /// Sets the first parameter with this name (or appends it), removing any later duplicates.
    public mutating func set(_ name: String, _ value: String?) {
        if let index = firstIndex(where: { $0.name.equalsIgnoringASCIICase(name) }) {
            self[index].value = value
            var i = index + 1
            while i < count {
                if self[i].name.equalsIgnoringASCIICase(name) { remove(at: i) } else { i += 1 }
            }
        } else {
            append(SIPParameter(name, value))
        }
    }

    public mutating func remove(_ name: String) {
        removeAll { $0.name.equalsIgnoringASCIICase(name) }
    }

    /// `;a=1;b` as header parameters are written.
    var headerText: String {
        var text = ""
        for parameter in self {
            text += ";"
            text += parameter.description
        }
        return text
    }
}

enum HeaderParameters {
    /// `*( SEMI generic-param )` with `generic-param = token [ EQUAL gen-value ]`,
    /// `gen-value = token / host / quoted-string`. Stops (returning what it read) at anything else; the caller
    /// checks that it reached the end.
    static func parse(_ scanner: inout ByteScanner) -> [SIPParameter]? {
        var parameters: [SIPParameter] = []
        while scanner.consumeSeparator(.semicolon) {
            guard let name = scanner.scanToken() else { return nil }
            var value: String?
            if scanner.consumeSeparator(.equals) {
                if scanner.peek == .quote {
                    guard let quoted = scanner.scanQuotedString() else { return nil }
                    value = scanner.string(quoted)
                } else {
                    // token / host (an IPv6 reference brings ":" and brackets)
                    let range = scanner.scan(until: { !($0.isIn(.token) || $0 == .colon || $0 == .leftBracket
                                                 || $0 == .rightBracket) })
                    guard !range.isEmpty else { return nil }
                    value = scanner.string(range)
                }
            }
            parameters.append(SIPParameter(scanner.string(name), value))
        }
        return parameters
    }
}
