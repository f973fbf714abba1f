/// Walks an element's children in schema order: each call takes the next child if it is the one asked for, and
/// `finish()` refuses whatever is left. Whitespace between elements is skipped; other text is refused up front.
package struct ChildCursor {
    package let context: CLUEElementContext
    private let elements: [XMLElement]
    private var position = 0
    /// Names the content model asked for, to tell "out of order" from "unknown" when something is left over.
    private var asked: Set<String> = []

    package init(_ parent: XMLElement) throws(CLUEDecodingError) {
        context = CLUEElementContext(parent)
        for case .text(let text) in parent.children where !text.isXMLWhitespace {
            throw .unexpectedText(text, in: context)
        }
        elements = parent.childElements
    }

    /// The next child, whatever it is.
    package var next: XMLElement? {
        position < elements.count ? elements[position] : nil
    }

    /// True when the next child is the CLUE element `local`.
    package mutating func nextIs(_ local: String) -> Bool {
        asked.insert(local)
        guard let next else { return false }
        return next.name.local == local && XSDValue.isCLUENamespace(next.name.namespace)
    }

    /// Takes the next child if it is the CLUE element `local` (`minOccurs="0"`).
    package mutating func optional(_ local: String) -> XMLElement? {
        guard nextIs(local) else { return nil }
        position += 1
        return elements[position - 1]
    }

    /// Takes the next child, which must be the CLUE element `local`.
    package mutating func required(_ local: String) throws(CLUEDecodingError) -> XMLElement {
        if let element = optional(local) { return element }
        throw missing(local)
    }

    /// Takes every consecutive CLUE element `local` (`maxOccurs="unbounded"`).
    package mutating func zeroOrMore(_ local: String) -> [XMLElement] {
        var result: [XMLElement] = []
        while let element = optional(local) { result.append(element) }
        return result
    }

    /// Like `zeroOrMore`, with at least one required.
    package mutating func oneOrMore(_ local: String) throws(CLUEDecodingError) -> [XMLElement] {
        let result = zeroOrMore(local)
        guard !result.isEmpty else { throw missing(local) }
        return result
    }

    /// `local` is absent. If what stands in its place is an element the content model already passed, that is
    /// the clearer report ("<clueId> out of order" rather than "missing <responseCode>").
    private func missing(_ local: String) -> CLUEDecodingError {
        if let next, XSDValue.isCLUENamespace(next.name.namespace), asked.contains(next.name.local) {
            return .unexpectedElement(next.name, line: next.line, in: context, detail: "out of order or repeated")
        }
        return .missingElement(local, in: context)
    }

    /// Takes the elements of other namespaces that follow (`xs:any namespace="##other"`), in order.
    package mutating func extensions() -> [XMLElement] {
        var result: [XMLElement] = []
        while let next, !XSDValue.isCLUENamespace(next.name.namespace) {
            result.append(OpaqueContent.normalized(next))
            position += 1
        }
        return result
    }

    /// At most one element of another namespace (`xs:any` with the default `maxOccurs="1"`), as the protocol
    /// schema allows at the end of each message.
    package mutating func singleExtension() throws(CLUEDecodingError) -> XMLElement? {
        let found = extensions()
        if found.count > 1 {
            throw .unexpectedElement(found[1].name, line: found[1].line, in: context,
                                     detail: "only one extension element is allowed here")
        }
        return found.first
    }

    /// Throws if the next child is `local`: it belongs to the other branch of an `xs:choice` already taken.
    package mutating func refuse(_ local: String, conflictingWith other: String) throws(CLUEDecodingError) {
        if nextIs(local), let next {
            throw .conflictingElements(next.name, line: next.line, conflictsWith: other, in: context)
        }
    }

    /// Refuses any child not consumed.
    package func finish() throws(CLUEDecodingError) {
        guard let next else { return }
        let detail: String
        if !XSDValue.isCLUENamespace(next.name.namespace) {
            detail = "extension elements are not allowed at this place in <\(context.name)>"
        } else if asked.contains(next.name.local) {
            detail = "out of order or repeated"
        } else {
            detail = "not an element of <\(context.name)>"
        }
        throw .unexpectedElement(next.name, line: next.line, in: context, detail: detail)
    }
}

/// Which attributes of other namespaces an element accepts (`xs:anyAttribute`).
package enum AttributeWildcard: Sendable, Hashable {
    /// No `xs:anyAttribute`: only the schema's own attributes.
    case none
    /// `namespace="##other"`: qualified attributes of any namespace but the schema's own target namespace.
    case other(targetNamespace: String)
    /// `namespace="##any"`: anything, unqualified attributes the schema does not name included.
    case any
}

/// The attributes of one element, split into the schema's own (unqualified) and extensions.
///
/// `xsi:` attributes (`schemaLocation`, `nil`, ...) are instructions to validators, not content, and are skipped;
/// the reader has already turned `xsi:type` into `XMLElement.schemaType`.
package struct AttributeReader {
    package let context: CLUEElementContext
    private var own: [String: String] = [:]
    package private(set) var extensions: [XMLAttribute] = []

    package init(_ element: XMLElement, allowed: Set<String> = [], wildcard: AttributeWildcard = .none)
        throws(CLUEDecodingError)
    {
        context = CLUEElementContext(element)
        for attribute in element.attributes {
            let namespace = attribute.name.namespace
            if XSDValue.isSchemaInstance(namespace) || namespace == XMLNamespace.xmlns { continue }
            if namespace == nil, allowed.contains(attribute.name.local) {
                guard own.updateValue(attribute.value, forKey: attribute.name.local) == nil else {
                    throw .unexpectedAttribute(attribute.name, in: context)
                }
                continue
            }
            guard Self.accepts(attribute.name, wildcard: wildcard) else {
                throw .unexpectedAttribute(attribute.name, in: context)
            }
            extensions.append(attribute)
        }
    }

    /// Whether `wildcard` lets an attribute named `name` through as an extension.
    package static func accepts(_ name: XMLName, wildcard: AttributeWildcard) -> Bool {
        switch wildcard {
        case .none: false
        case .other(let target): name.namespace != nil && name.namespace != target
        case .any: true
        }
    }

    /// An `xs:string` attribute as written (after the parser's attribute-value normalization).
    package func string(_ name: String) -> String? {
        own[name]
    }

    package func requiredString(_ name: String) throws(CLUEDecodingError) -> String {
        guard let value = own[name] else { throw .missingAttribute(name, in: context) }
        return value
    }

    /// An `xs:ID` (or `IDREF`) attribute: collapsed, then checked to be an NCName.
    package func requiredID(_ name: String) throws(CLUEDecodingError) -> String {
        try id(name, requiredString(name))
    }

    package func optionalID(_ name: String) throws(CLUEDecodingError) -> String? {
        guard let value = own[name] else { return nil }
        return try id(name, value)
    }

    package func boolean(_ name: String) throws(CLUEDecodingError) -> Bool? {
        guard let value = own[name] else { return nil }
        guard let result = XSDValue.boolean(value) else {
            throw .invalidValue(field: name, value: value, line: context.line, in: context,
                                reason: "is not a boolean (true, false, 1 or 0)")
        }
        return result
    }

    package func language(_ name: String) throws(CLUEDecodingError) -> String? {
        guard let value = own[name] else { return nil }
        let collapsed = XSDValue.collapse(value)
        guard XSDValue.isLanguage(collapsed) else {
            throw .invalidValue(field: name, value: value, line: context.line, in: context,
                                reason: "is not a language tag (xs:language)")
        }
        return collapsed
    }

    private func id(_ name: String, _ value: String) throws(CLUEDecodingError) -> String {
        let collapsed = XSDValue.collapse(value)
        guard XSDValue.isNCName(collapsed) else {
            throw .invalidValue(field: name, value: value, line: context.line, in: context,
                                reason: "is not an XML identifier (xs:NCName)")
        }
        return collapsed
    }
}

/// Reads elements of simple type (`<priority>1</priority>`): text only, no attributes unless the caller reads them.
package enum SimpleContent {
    /// The element's text; refuses child elements, and attributes when `checkAttributes` is set.
    package static func text(_ element: XMLElement, checkAttributes: Bool = true) throws(CLUEDecodingError)
        -> String
    {
        let context = CLUEElementContext(element)
        if checkAttributes { _ = try AttributeReader(element) }
        if let child = element.childElements.first {
            throw .unexpectedElement(child.name, line: child.line, in: context,
                                     detail: "<\(element.name.local)> holds text only")
        }
        return element.text
    }

    /// An `xs:string`, kept exactly.
    package static func string(_ element: XMLElement, checkAttributes: Bool = true) throws(CLUEDecodingError)
        -> String
    {
        try text(element, checkAttributes: checkAttributes)
    }

    /// An `xs:string` that names something: surrounding whitespace is dropped (a liberal reading).
    package static func reference(_ element: XMLElement) throws(CLUEDecodingError) -> String {
        String(try text(element).trimmingXMLWhitespace())
    }

    /// An `xs:ID` or `xs:IDREF`: collapsed and checked to be an NCName.
    package static func id(_ element: XMLElement, in parent: CLUEElementContext) throws(CLUEDecodingError)
        -> String
    {
        let raw = try text(element)
        let value = XSDValue.collapse(raw)
        guard XSDValue.isNCName(value) else {
            throw invalid(element, raw, in: parent, "is not an XML identifier (xs:NCName)")
        }
        return value
    }

    package static func boolean(_ element: XMLElement, in parent: CLUEElementContext,
                                checkAttributes: Bool = true) throws(CLUEDecodingError) -> Bool
    {
        let raw = try text(element, checkAttributes: checkAttributes)
        guard let value = XSDValue.boolean(raw) else {
            throw invalid(element, raw, in: parent, "is not a boolean (true, false, 1 or 0)")
        }
        return value
    }

    /// A boolean with `fixed="true"`: an empty element takes the fixed value (as XML Schema defines, and blank
    /// counts as empty in this liberal reading); "false" is refused.
    package static func fixedTrue(_ element: XMLElement, in parent: CLUEElementContext) throws(CLUEDecodingError) {
        let raw = try text(element)
        guard raw.isXMLWhitespace || XSDValue.boolean(raw) == true else {
            throw invalid(element, raw, in: parent, "must be true (the schema fixes it)")
        }
    }

    package static func unsigned<T: FixedWidthInteger & UnsignedInteger>(
        _ element: XMLElement, in parent: CLUEElementContext, as type: T.Type = T.self, minimum: T = 0,
        checkAttributes: Bool = true
    ) throws(CLUEDecodingError) -> T {
        let raw = try text(element, checkAttributes: checkAttributes)
        switch XSDValue.unsigned(raw, as: T.self, minimum: minimum) {
        case .success(let value): return value
        case .failure(let problem): throw invalid(element, raw, in: parent, problem.reason)
        }
    }

    package static func decimal(_ element: XMLElement, in parent: CLUEElementContext) throws(CLUEDecodingError)
        -> XMLDecimal
    {
        let raw = try text(element)
        guard let value = XMLDecimal(raw) else { throw invalid(element, raw, in: parent, "is not a decimal") }
        return value
    }

    package static func language(_ element: XMLElement, in parent: CLUEElementContext) throws(CLUEDecodingError)
        -> String
    {
        let raw = try text(element)
        let value = XSDValue.collapse(raw)
        guard XSDValue.isLanguage(value) else {
            throw invalid(element, raw, in: parent, "is not a language tag (xs:language)")
        }
        return value
    }

    /// An enumeration or pattern over `xs:string`: surrounding whitespace is dropped (a liberal reading), the
    /// rest must be one of `parse`'s values.
    package static func token<T>(_ element: XMLElement, in parent: CLUEElementContext, expected: String,
                                 _ parse: (String) -> T?) throws(CLUEDecodingError) -> T
    {
        let raw = try text(element)
        guard let value = parse(String(raw.trimmingXMLWhitespace())) else {
            throw invalid(element, raw, in: parent, "is not \(expected)")
        }
        return value
    }

    package static func invalid(_ element: XMLElement, _ raw: String, in parent: CLUEElementContext,
                                _ reason: String) -> CLUEDecodingError
    {
        .invalidValue(field: "<\(element.name.local)>", value: raw, line: element.line, in: parent, reason: reason)
    }
}

/// Content kept as it came (extension elements, xCard): only the whitespace that indents element-only content is
/// dropped, as the reader does, so that trees built in code compare equal to trees read back.
package enum OpaqueContent {
    package static func normalized(_ element: XMLElement) -> XMLElement {
        var result = element
        result.children = normalized(element.children)
        return result
    }

    package static func normalized(_ children: [XMLNode]) -> [XMLNode] {
        let hasElements = children.contains { if case .element = $0 { true } else { false } }
        var result: [XMLNode] = []
        result.reserveCapacity(children.count)
        for child in children {
            switch child {
            case .element(let element):
                result.append(.element(normalized(element)))
            case .text(let text):
                if hasElements && text.isXMLWhitespace { continue }
                if case .text(let previous) = result.last {
                    result[result.count - 1] = .text(previous + text)
                } else if !text.isEmpty {
                    result.append(.text(text))
                }
            }
        }
        return result
    }
}
