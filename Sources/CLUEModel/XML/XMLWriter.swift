/// Why a tree could not be written as XML.
public enum XMLWriteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A character XML 1.0 cannot carry (control characters other than tab, CR, LF; U+FFFE, U+FFFF).
    case invalidCharacter(UInt32, in: String)
    case invalidName(String)
    /// An `xsi:type` in no namespace under an element that needs a default namespace.
    case unrepresentableType(XMLName)

    public var description: String {
        switch self {
        case .invalidCharacter(let scalar, let place):
            "character U+\(String(scalar, radix: 16, uppercase: true)) cannot appear in XML (in \(place))"
        case .invalidName(let name): "'\(name)' is not a valid XML name"
        case .unrepresentableType(let name): "xsi:type \(name) cannot be written under a default namespace"
        }
    }
}

/// Writes `XMLElement` trees as UTF-8 XML text, choosing prefixes itself.
///
/// Namespaces listed in `rootNamespaces` are declared once on the root when the tree uses them (so a message
/// reads `xmlns="...clue-protocol" xmlns:dm="...clue-info"` instead of redeclaring on every capture); any other
/// namespace is declared where it is first needed, reusing the prefix the element was read with when it can.
/// `xsi:type` is always written under the `http://` XMLSchema-instance namespace.
public struct XMLWriter: Sendable {
    public var rootNamespaces: [XMLNamespaceDeclaration]
    /// Two spaces per level, for elements whose content is elements only; nil writes everything on one line.
    public var indentation: String?
    public var xmlDeclaration: Bool

    public init(rootNamespaces: [XMLNamespaceDeclaration] = [], indentation: String? = "  ",
                xmlDeclaration: Bool = true) {
        self.rootNamespaces = rootNamespaces
        self.indentation = indentation
        self.xmlDeclaration = xmlDeclaration
    }

    public func string(_ root: XMLElement) throws(XMLWriteError) -> String {
        var output = Output(indentation: indentation)
        if xmlDeclaration { output.text += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" }
        var used = Set<String>()
        Self.collectNamespaces(root, into: &used)
        let declarations = rootNamespaces.filter { used.contains($0.uri) }
        try output.write(root, scope: NamespaceScope(), extraDeclarations: declarations, depth: 0)
        if indentation != nil { output.text += "\n" }
        return output.text
    }

    public func bytes(_ root: XMLElement) throws(XMLWriteError) -> [UInt8] {
        Array(try string(root).utf8)
    }

    private static func collectNamespaces(_ element: XMLElement, into used: inout Set<String>) {
        if let ns = element.name.namespace { used.insert(ns) }
        for attribute in element.attributes {
            if let ns = attribute.name.namespace { used.insert(ns) }
        }
        if let type = element.schemaType {
            used.insert(XMLNamespace.schemaInstance)
            if let ns = type.namespace { used.insert(ns) }
        }
        for case .element(let child) in element.children {
            collectNamespaces(child, into: &used)
        }
    }
}

/// The prefixes in scope at one element. Small: CLUE documents use three or four namespaces.
private struct NamespaceScope {
    /// Innermost last; `nil` prefix is the default namespace ("" URI undeclares it).
    var bindings: [(prefix: String?, uri: String)] = [(prefix: "xml", uri: XMLNamespace.xml)]
    var generated = 0

    func uri(forPrefix prefix: String?) -> String? {
        bindings.last { $0.prefix == prefix }?.uri
    }

    var defaultNamespace: String? {
        guard let uri = uri(forPrefix: nil), !uri.isEmpty else { return nil }
        return uri
    }

    /// A prefix bound to `uri` that no inner declaration shadows.
    func prefix(for uri: String, allowDefault: Bool) -> String?? {
        for binding in bindings.reversed() where binding.uri == uri {
            if binding.prefix == nil && !allowDefault { continue }
            if self.uri(forPrefix: binding.prefix) == uri { return .some(binding.prefix) }
        }
        return .none
    }
}

private struct Output {
    var text = ""
    let indentation: String?

    init(indentation: String?) {
        self.indentation = indentation
        text.reserveCapacity(4096)
    }

    mutating func write(_ element: XMLElement, scope outer: NamespaceScope,
                        extraDeclarations: [XMLNamespaceDeclaration], depth: Int) throws(XMLWriteError) {
        var scope = outer
        var declarations: [(prefix: String?, uri: String)] = []
        func declare(_ prefix: String?, _ uri: String) {
            declarations.append((prefix, uri))
            scope.bindings.append((prefix, uri))
        }
        for declaration in extraDeclarations { declare(declaration.prefix, declaration.uri) }

        /// Finds or declares a prefix for `uri`; `allowDefault` is false for attributes and QName values that
        /// must be prefixed.
        func prefix(for uri: String, allowDefault: Bool) throws(XMLWriteError) -> String? {
            if let existing = scope.prefix(for: uri, allowDefault: allowDefault) { return existing }
            let wanted = element.namespaceDeclarations.first { $0.uri == uri }?.prefix
            if allowDefault, wanted == nil, element.name.namespace == uri, scope.uri(forPrefix: nil) == nil {
                declare(nil, uri)
                return nil
            }
            if let wanted, scope.uri(forPrefix: wanted) == nil, wanted != "xml", !wanted.hasPrefix("xmlns") {
                declare(wanted, uri)
                return wanted
            }
            var candidate: String
            repeat {
                scope.generated += 1
                candidate = "ns\(scope.generated)"
            } while scope.uri(forPrefix: candidate) != nil
            declare(candidate, uri)
            return candidate
        }

        try checkName(element.name.local)
        let elementPrefix: String?
        if let ns = element.name.namespace {
            elementPrefix = try prefix(for: ns, allowDefault: true)
        } else {
            if scope.defaultNamespace != nil { declare(nil, "") }
            elementPrefix = nil
        }
        let qualifiedName = elementPrefix.map { "\($0):\(element.name.local)" } ?? element.name.local

        var attributeText = ""
        for attribute in element.attributes {
            try checkName(attribute.name.local)
            var name = attribute.name.local
            if let ns = attribute.name.namespace {
                name = "\(try prefix(for: ns, allowDefault: false)!):\(name)"
            }
            attributeText += " \(name)=\"\(try escapeAttribute(attribute.value, in: name))\""
        }
        if let type = element.schemaType {
            let xsi = try prefix(for: XMLNamespace.schemaInstance, allowDefault: false)!
            let value: String
            if let ns = type.namespace {
                let typePrefix = try prefix(for: ns, allowDefault: true)
                value = typePrefix.map { "\($0):\(type.local)" } ?? type.local
            } else {
                guard scope.defaultNamespace == nil else { throw .unrepresentableType(type) }
                value = type.local
            }
            attributeText += " \(xsi):type=\"\(value)\""
        }

        text += "<" + qualifiedName
        for (declPrefix, uri) in declarations {
            text += declPrefix.map { " xmlns:\($0)=\"" } ?? " xmlns=\""
            text += try escapeAttribute(uri, in: "xmlns") + "\""
        }
        text += attributeText

        if element.children.isEmpty {
            text += "/>"
            return
        }
        text += ">"
        let hasElements = element.children.contains { if case .element = $0 { true } else { false } }
        let hasText = element.children.contains { if case .text(let t) = $0 { !t.isXMLWhitespace } else { false } }
        let pretty = indentation != nil && hasElements && !hasText
        for child in element.children {
            switch child {
            case .element(let childElement):
                if pretty { newline(depth + 1) }
                try write(childElement, scope: scope, extraDeclarations: [], depth: depth + 1)
            case .text(let content):
                if pretty { continue }
                text += try escapeText(content, in: element.name.local)
            }
        }
        if pretty { newline(depth) }
        text += "</" + qualifiedName + ">"
    }

    private mutating func newline(_ depth: Int) {
        text += "\n"
        if let indentation {
            for _ in 0..<depth { text += indentation }
        }
    }

    private func checkName(_ name: String) throws(XMLWriteError) {
        guard let first = name.unicodeScalars.first, !name.contains(":"),
              !(first.properties.numericType != nil || first == "-" || first == "."),
              name.unicodeScalars.allSatisfy({ !$0.properties.isWhitespace && $0.value > 0x20 && !"<>&\"'/=".unicodeScalars.contains($0) })
        else { throw .invalidName(name) }
    }

    /// True when `value` can be written as it is: no markup characters, no CR, nothing XML forbids. Checked on
    /// the UTF-8 bytes, which is most text in a CLUE document (IDs, numbers, names).
    private func isPlain(_ value: String) -> Bool {
        value.utf8.withContiguousStorageIfAvailable { bytes in
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), 0x7F: return false
                case 0..<0x20: return false
                case 0xEF:
                    // U+FFFE and U+FFFF are EF BF BE / EF BF BF.
                    if index + 2 < bytes.count, bytes[index + 1] == 0xBF, bytes[index + 2] >= 0xBE { return false }
                default: break
                }
                index += 1
            }
            return true
        } ?? false
    }

    private func escapeText(_ value: String, in place: String) throws(XMLWriteError) -> String {
        try escape(value, in: place, attribute: false)
    }

    private func escapeAttribute(_ value: String, in place: String) throws(XMLWriteError) -> String {
        try escape(value, in: place, attribute: true)
    }

    /// Text escapes `&`, `<`, `>` and CR (which a reader would normalise away); attribute values also escape the
    /// quote and the whitespace characters that attribute-value normalisation would turn into spaces.
    private func escape(_ value: String, in place: String, attribute: Bool) throws(XMLWriteError) -> String {
        if isPlain(value) { return value }
        var result = ""
        result.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">" where !attribute: result += "&gt;"
            case "\"" where attribute: result += "&quot;"
            case "\t" where attribute: result += "&#9;"
            case "\n" where attribute: result += "&#10;"
            case "\r": result += "&#13;"
            default:
                try checkCharacter(scalar, in: place)
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private func checkCharacter(_ scalar: Unicode.Scalar, in place: String) throws(XMLWriteError) {
        let value = scalar.value
        let allowed = value == 0x9 || value == 0xA || value == 0xD || (0x20...0xD7FF).contains(value)
            || (0xE000...0xFFFD).contains(value) || (0x10000...0x10FFFF).contains(value)
        guard allowed else { throw .invalidCharacter(value, in: place) }
    }
}

extension StringProtocol {
    /// True when the string is empty or only XML whitespace.
    package var isXMLWhitespace: Bool {
        allSatisfy { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
    }
}
