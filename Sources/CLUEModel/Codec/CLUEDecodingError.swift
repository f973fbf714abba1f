/// Which kind of RFC 8847 response a problem calls for (section 5.7). The protocol layer picks the code; this only
/// says which family it is in.
public enum CLUEErrorCategory: Sendable, Hashable, CaseIterable {
    /// The structure is wrong: unknown, missing, repeated or misplaced elements or attributes (301 Bad syntax).
    case syntax
    /// A value is outside its type's value space (302 Invalid value).
    case invalidValue
    /// Values that cannot be used together (303 Conflicting values).
    case conflictingValues
    /// Schema-valid, but meaningless or forbidden in CLUE (400 Semantic errors).
    case semantic
}

/// Names the element a problem was found in, as an operator would look for it: `<mediaCapture captureID='AC0'>`.
public struct CLUEElementContext: Sendable, Hashable, CustomStringConvertible {
    /// The element's local name.
    public var name: String
    /// The identifying attribute, if the element has one (`captureID='AC0'`).
    public var identity: String?
    /// Line in the source document, 0 for trees built in code.
    public var line: Int

    public init(name: String, identity: String? = nil, line: Int = 0) {
        self.name = name
        self.identity = identity
        self.line = line
    }

    /// Attributes that identify CLUE elements, in the order they are looked for.
    static let identifyingAttributes = ["captureID", "sceneID", "sceneViewID", "encodingGroupID", "setID",
                                        "globalViewID", "personID", "clueInfoID", "ID"]

    public init(_ element: XMLElement) {
        name = element.name.local
        line = element.line
        identity = nil
        for attribute in Self.identifyingAttributes {
            if let value = element.attribute(XMLName(attribute)) {
                identity = "\(attribute)=\(quoted(value))"
                break
            }
        }
    }

    public var description: String {
        identity.map { "<\(name) \($0)>" } ?? "<\(name)>"
    }
}

/// Why an XML tree is not a CLUE document or message. Each case names the element it was found in and the line.
///
/// Decoding checks everything one element at a time (structure, order, value spaces); what needs the whole document
/// (xs:ID uniqueness, IDREF targets, RFC rules) is reported by `semanticIssues()`.
public enum CLUEDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The root element is neither a CLUE message nor `<clueInfo>`.
    case unknownDocument(XMLName, line: Int)
    /// A child the content model does not allow here; `detail` says why (unknown, out of order, ...).
    case unexpectedElement(XMLName, line: Int, in: CLUEElementContext, detail: String)
    /// A required child is absent.
    case missingElement(String, in: CLUEElementContext)
    /// A required attribute is absent.
    case missingAttribute(String, in: CLUEElementContext)
    /// An attribute the element does not allow.
    case unexpectedAttribute(XMLName, in: CLUEElementContext)
    /// `field` (`<priority>` or `captureID`) has a value outside its type.
    case invalidValue(field: String, value: String, line: Int, in: CLUEElementContext, reason: String)
    /// Non-whitespace text where only elements are allowed.
    case unexpectedText(String, in: CLUEElementContext)
    /// Two elements that exclude each other (an `xs:choice`), e.g. `<individual>` next to `<maxCaptures>`.
    case conflictingElements(XMLName, line: Int, conflictsWith: String, in: CLUEElementContext)

    public var category: CLUEErrorCategory {
        switch self {
        case .unknownDocument, .unexpectedElement, .missingElement, .missingAttribute, .unexpectedAttribute,
             .unexpectedText:
            .syntax
        case .invalidValue: .invalidValue
        case .conflictingElements: .conflictingValues
        }
    }

    /// The line the problem is on (0 for trees built in code).
    public var line: Int {
        switch self {
        case .unknownDocument(_, let line), .unexpectedElement(_, let line, _, _),
             .invalidValue(_, _, let line, _, _), .conflictingElements(_, let line, _, _):
            line
        case .missingElement(_, let context), .missingAttribute(_, let context), .unexpectedAttribute(_, let context),
             .unexpectedText(_, let context):
            context.line
        }
    }

    public var description: String {
        // Trees built in code have no lines.
        let place = line > 0 ? "line \(line): " : ""
        let message: String
        switch self {
        case .unknownDocument(let name, _):
            return "\(place)<\(name.local)>\(namespaceNote(name)) is not a CLUE message or <clueInfo> document"
        case .unexpectedElement(let name, _, _, let detail):
            message = "unexpected <\(name.local)>\(namespaceNote(name)): \(detail)"
        case .missingElement(let name, _):
            message = "missing <\(name)>"
        case .missingAttribute(let name, _):
            message = "missing attribute \(name)"
        case .unexpectedAttribute(let name, _):
            message = "attribute \(name.namespace.map { "{\($0)}" } ?? "")\(name.local) is not allowed here"
        case .invalidValue(let field, let value, _, _, let reason):
            message = "\(field) \(quoted(value)) \(reason)"
        case .unexpectedText(let text, _):
            message = "text \(quoted(text)) where only elements are allowed"
        case .conflictingElements(let name, _, let other, _):
            message = "<\(name.local)> cannot be used together with \(other)"
        }
        return "\(place)\(context!): \(message)"
    }

    /// The element the problem was found in (nil for `unknownDocument`).
    public var context: CLUEElementContext? {
        switch self {
        case .unknownDocument: nil
        case .unexpectedElement(_, _, let context, _), .missingElement(_, let context),
             .missingAttribute(_, let context), .unexpectedAttribute(_, let context),
             .invalidValue(_, _, _, let context, _), .unexpectedText(_, let context),
             .conflictingElements(_, _, _, let context):
            context
        }
    }
}

private func namespaceNote(_ name: XMLName) -> String {
    switch name.namespace {
    case nil, XMLNamespace.clueInfo, XMLNamespace.clueProtocol: ""
    case let other?: " (namespace \(other))"
    }
}

/// Quotes a value for a message, cut short and with control characters escaped: values come from the network.
package func quoted(_ value: String, limit: Int = 60) -> String {
    var result = "'"
    var count = 0
    for scalar in value.unicodeScalars {
        if count == limit {
            result += "..."
            break
        }
        switch scalar.value {
        case 0x27: result += "\\'"
        case 0x0A: result += "\\n"
        case 0x0D: result += "\\r"
        case 0x09: result += "\\t"
        case 0..<0x20, 0x7F...0x9F: result += "\\u{\(String(scalar.value, radix: 16))}"
        default: result.unicodeScalars.append(scalar)
        }
        count += 1
    }
    return result + "'"
}
