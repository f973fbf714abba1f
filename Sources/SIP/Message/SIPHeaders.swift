/// The header fields of a message, in the order they arrived or were added. Names compare without regard to case;
/// a field's value is kept as text (folding already replaced by a single space) and parsed by the typed accessors
/// when asked.
///
/// `Content-Length` is never stored: it describes the framing, which the message's `body` determines; the
/// serializer always writes the correct one.
public struct SIPHeaders: Sendable, Hashable, RandomAccessCollection, ExpressibleByArrayLiteral {
    public struct Field: Sendable, Hashable {
        public var name: SIPHeaderName
        public var value: String

        public init(_ name: SIPHeaderName, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public private(set) var fields: [Field]

    public init() { fields = [] }
    public init(_ fields: [Field]) {
        let framing = fields.contains { $0.name == .contentLength }
        self.fields = framing ? fields.filter { $0.name != .contentLength } : fields
    }
    public init(arrayLiteral elements: (SIPHeaderName, String)...) {
        self.init(elements.map { Field($0.0, $0.1) })
    }

    public var startIndex: Int { fields.startIndex }
    public var endIndex: Int { fields.endIndex }
    public subscript(position: Int) -> Field { fields[position] }

    /// The value of the first field with this name.
    public subscript(name: SIPHeaderName) -> String? {
        fields.first { $0.name == name }?.value
    }

    /// The values of every field with this name, one per line (not split at commas).
    public func values(_ name: SIPHeaderName) -> [String] {
        fields.compactMap { $0.name == name ? $0.value : nil }
    }

    /// The elements of every field with this name, each line split at the commas the header's grammar allows
    /// (never inside a quoted string or angle brackets). For a header that is not a list, the same as `values`.
    public func elements(_ name: SIPHeaderName) -> [Substring] {
        var result: [Substring] = []
        for field in fields where field.name == name {
            if name.isList {
                result.append(contentsOf: HeaderList.split(field.value))
            } else {
                result.append(field.value.trimmingWhitespace)
            }
        }
        return result
    }

    public func contains(_ name: SIPHeaderName) -> Bool { fields.contains { $0.name == name } }

    public func count(of name: SIPHeaderName) -> Int { fields.reduce(0) { $0 + ($1.name == name ? 1 : 0) } }

    public mutating func append(_ name: SIPHeaderName, _ value: String) {
        guard name != .contentLength else { return }
        fields.append(Field(name, value))
    }

    /// Adds a field before every other (a new top Via).
    public mutating func prepend(_ name: SIPHeaderName, _ value: String) {
        guard name != .contentLength else { return }
        fields.insert(Field(name, value), at: 0)
    }

    /// Replaces every field with this name by one field with `value`, where the first of them was (or at the end).
    public mutating func set(_ name: SIPHeaderName, _ value: String) {
        guard name != .contentLength else { return }
        if let first = fields.firstIndex(where: { $0.name == name }) {
            fields[first].value = value
            var i = fields.index(after: first)
            while i < fields.endIndex {
                if fields[i].name == name { fields.remove(at: i) } else { i += 1 }
            }
        } else {
            fields.append(Field(name, value))
        }
    }

    public mutating func remove(_ name: SIPHeaderName) {
        fields.removeAll { $0.name == name }
    }

    /// Replaces the value of the field at `index`.
    public mutating func replaceValue(at index: Int, with value: String) {
        fields[index].value = value
    }

    /// The fields with these names, in order: what a response copies from its request.
    func copying(_ names: Set<SIPHeaderName>) -> SIPHeaders {
        SIPHeaders(fields.filter { names.contains($0.name) })
    }
}
