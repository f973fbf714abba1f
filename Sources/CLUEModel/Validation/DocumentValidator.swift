/// Collects semantic issues over one document: the xs:ID table (IDs are unique across the whole document, whatever
/// they identify), reference resolution, and the value checks the encoders need so that they only write
/// schema-valid documents.
///
/// Declare every ID first (`declareIdentifiers(of:)`), then check: references resolve against the full table.
package struct DocumentValidator {
    /// What an xs:ID identifies.
    package enum IDKind: String, Sendable, Hashable {
        case capture = "media capture"
        case scene = "capture scene"
        case sceneView = "scene view"
        case encodingGroup = "encoding group"
        case simultaneousSet = "simultaneous set"
        case globalView = "global view"
        case person = "person"
        case synchronization = "synchronizationID"
        case clueInfo = "clueInfo document"
        case captureEncoding = "capture encoding"
    }

    package private(set) var issues: [SemanticIssue] = []
    private var identifiers: [String: IDKind] = [:]

    package init() {}

    // MARK: Reporting

    package mutating func report(_ rule: SemanticIssue.Rule, _ severity: SemanticIssue.Severity = .error,
                                 schema: Bool, _ category: CLUEErrorCategory, at location: CLUEElementContext,
                                 _ message: String) {
        issues.append(SemanticIssue(rule: rule, severity: severity, violatesSchema: schema, category: category,
                                    location: location, message: message))
    }

    // MARK: Identifiers

    /// Records an xs:ID; reports it if it is not an NCName or already used anywhere in the document.
    package mutating func declare(_ id: String, as kind: IDKind, attribute: String, at location: CLUEElementContext) {
        guard XSDValue.isNCName(id) else {
            report(.invalidIdentifier, schema: true, .invalidValue, at: location,
                   "\(attribute) \(quoted(id)) is not an XML identifier (xs:NCName)")
            return
        }
        if let existing = identifiers[id] {
            var message = "\(attribute) \(quoted(id)) is already the ID of a \(existing.rawValue); xs:ID values are "
                + "unique across the whole document"
            if kind == .synchronization && existing == .synchronization {
                message += " (the schema makes synchronizationID an xs:ID, so two MCCs cannot share one even "
                    + "though RFC 8846 section 11.8 describes sharing)"
            }
            report(.duplicateIdentifier, schema: true, .conflictingValues, at: location, message)
            return
        }
        identifiers[id] = kind
    }

    package func kind(of id: String) -> IDKind? {
        identifiers[id]
    }

    /// Checks an xs:IDREF: an NCName naming some ID in the document (schema), and one of the `expected` kind (RFC).
    package mutating func reference(_ value: String, field: String, expecting expected: IDKind,
                                    at location: CLUEElementContext) {
        guard XSDValue.isNCName(value) else {
            report(.invalidIdentifier, schema: true, .invalidValue, at: location,
                   "\(field) \(quoted(value)) is not an XML identifier (xs:NCName)")
            return
        }
        resolve(value, field: field, expecting: expected, schema: true, at: location)
    }

    /// Checks a reference the schema types as xs:string (MCC content, configured content): it should still name
    /// an `expected` thing, but the schema does not require it.
    package mutating func looseReference(_ value: String, field: String, expecting expected: IDKind,
                                         at location: CLUEElementContext) {
        checkString(value, field: field, at: location)
        resolve(value, field: field, expecting: expected, schema: false, at: location)
    }

    private mutating func resolve(_ value: String, field: String, expecting expected: IDKind, schema: Bool,
                                  at location: CLUEElementContext) {
        guard let found = identifiers[value] else {
            report(.unresolvedReference, schema: schema, schema ? .invalidValue : .semantic, at: location,
                   "\(field) \(quoted(value)) names no \(expected.rawValue)"
                       + (schema ? " (no element in the document has this ID)" : ""))
            return
        }
        if found != expected {
            report(.wrongReferenceKind, schema: false, .semantic, at: location,
                   "\(field) \(quoted(value)) names a \(found.rawValue), not a \(expected.rawValue)")
        }
    }

    // MARK: Values

    /// An xs:string: only characters XML 1.0 can carry.
    package mutating func checkString(_ value: String, field: String, at location: CLUEElementContext) {
        if let bad = XSDValue.firstInvalidXMLChar(value) {
            report(.invalidCharacters, schema: true, .invalidValue, at: location,
                   "\(field) contains U+\(String(bad.value, radix: 16, uppercase: true)), which XML 1.0 cannot carry")
        }
    }

    package mutating func checkLanguage(_ value: String, field: String, at location: CLUEElementContext) {
        if !XSDValue.isLanguage(value) {
            report(.invalidLanguageTag, schema: true, .invalidValue, at: location,
                   "\(field) \(quoted(value)) is not a language tag (xs:language)")
        }
    }

    package mutating func checkDescriptions(_ descriptions: [LocalizedText], at location: CLUEElementContext) {
        for description in descriptions {
            checkString(description.text, field: "<description>", at: location)
            if let lang = description.lang { checkLanguage(lang, field: "<description lang>", at: location) }
        }
    }

    /// A list the schema requires non-empty.
    package mutating func requireItems(_ count: Int, of list: String, at location: CLUEElementContext) {
        if count == 0 {
            report(.emptyList, schema: true, .syntax, at: location, "\(list) needs at least one item")
        }
    }

    // MARK: Extensions

    /// Elements for an `xs:any namespace="##other"` slot. Besides what the schema allows, they must read back as
    /// extensions: so neither CLUE namespace, nor none.
    package mutating func checkExtensions(_ elements: [XMLElement], at location: CLUEElementContext) {
        for element in elements {
            let namespace = element.name.namespace
            if XSDValue.isCLUENamespace(namespace) || namespace == XMLNamespace.xml
                || namespace == XMLNamespace.xmlns {
                report(.invalidExtension, schema: true, .syntax, at: location,
                       "extension element <\(element.name.local)> must be in a namespace of its own, not "
                           + (namespace.map { "'\($0)'" } ?? "no namespace"))
            }
            checkOpaque(element, at: location)
        }
    }

    /// Attributes for an `xs:anyAttribute` (`wildcard`); `own` are the element's schema attributes.
    package mutating func checkExtensionAttributes(_ attributes: [XMLAttribute], wildcard: AttributeWildcard,
                                                   own: Set<String> = [], at location: CLUEElementContext) {
        var seen = Set<XMLName>()
        for attribute in attributes {
            let name = attribute.name
            let label = name.namespace.map { "{\($0)}\(name.local)" } ?? name.local
            if XSDValue.isSchemaInstance(name.namespace) || name.namespace == XMLNamespace.xmlns {
                report(.invalidExtension, schema: true, .syntax, at: location,
                       "extension attribute \(label) is reserved to XML itself and would not read back")
            } else if name.namespace == nil && own.contains(name.local) {
                report(.invalidExtension, schema: true, .syntax, at: location,
                       "extension attribute \(label) clashes with the schema's own attribute")
            } else if !AttributeReader.accepts(name, wildcard: wildcard) {
                let why = switch wildcard {
                case .none: "this element takes no extension attributes"
                case .other(let target):
                    name.namespace == nil ? "extension attributes must be namespace-qualified"
                        : "extension attributes must not be in the namespace \(target)"
                case .any: "not allowed"
                }
                report(.invalidExtension, schema: true, .syntax, at: location,
                       "extension attribute \(label): \(why)")
            }
            checkAttributeSyntax(attribute, label: label, seen: &seen, at: location)
        }
    }

    /// Global elements of the CLUE schemas. The schemas process foreign content laxly, so such an element nested
    /// anywhere in an extension or xCard would be validated against its declaration; they are refused there.
    static let globalElements: Set<String> = [
        "mediaCaptures", "encodingGroups", "captureScenes", "simultaneousSets", "globalViews", "people",
        "captureEncodings", "description", "personType", "view", "presentation", "sensitivityPattern",
        "embeddedText", "clueInfo", "options", "optionsResponse", "advertisement", "ack", "configure",
        "configureResponse",
    ]

    /// Content kept as it came (extension elements, xCard): names, namespaces and characters the writer can write
    /// and the reader will give back, and nothing the schema validator's lax processing would act on (xsi:type,
    /// other xsi: attributes, CLUE global elements, an xCard `vcard` holding text).
    package mutating func checkOpaque(_ element: XMLElement, at location: CLUEElementContext) {
        let name = element.name
        if !XSDValue.isNCName(name.local) {
            report(.invalidExtension, schema: true, .syntax, at: location,
                   "element name \(quoted(name.local)) is not an XML name")
        }
        if name.namespace == "" {
            report(.invalidExtension, schema: true, .syntax, at: location,
                   "<\(name.local)> has an empty namespace name; use nil for no namespace")
        }
        if (name.namespace == XMLNamespace.clueInfo || name.namespace == XMLNamespace.clueProtocol)
            && Self.globalElements.contains(name.local) {
            report(.invalidExtension, schema: true, .syntax, at: location,
                   "<\(name.local)> of a CLUE namespace inside extension content would be validated as CLUE")
        }
        if name.namespace == XMLNamespace.xCard && name.local == "vcard" {
            for case .text(let text) in element.children where !text.isXMLWhitespace {
                report(.invalidExtension, schema: true, .syntax, at: location,
                       "an xCard <vcard> holds elements only, not text \(quoted(text))")
            }
        }
        if element.schemaType != nil {
            report(.invalidExtension, schema: true, .syntax, at: location,
                   "<\(name.local)> in extension content carries xsi:type, which the schema validator would act on")
        }
        var seen = Set<XMLName>()
        for attribute in element.attributes {
            let label = attribute.name.namespace.map { "{\($0)}\(attribute.name.local)" } ?? attribute.name.local
            if attribute.name.namespace == XMLNamespace.xmlns || XSDValue.isSchemaInstance(attribute.name.namespace) {
                report(.invalidExtension, schema: true, .syntax, at: location,
                       "attribute \(label) of <\(name.local)> is not written in extension content (namespace "
                           + "declarations are the writer's; xsi: attributes steer the validator)")
            }
            checkAttributeSyntax(attribute, label: label, seen: &seen, at: location)
        }
        for child in element.children {
            switch child {
            case .element(let inner): checkOpaque(inner, at: location)
            case .text(let text): checkString(text, field: "text in <\(name.local)>", at: location)
            }
        }
    }

    /// `xcard:vcardType`: any attributes (but xsi:), element-only content.
    package mutating func checkXCard(_ card: XCard, field: String, at location: CLUEElementContext) {
        var seen = Set<XMLName>()
        for attribute in card.attributes {
            let label = attribute.name.namespace.map { "{\($0)}\(attribute.name.local)" } ?? attribute.name.local
            if attribute.name.namespace == XMLNamespace.xmlns || XSDValue.isSchemaInstance(attribute.name.namespace) {
                report(.invalidExtension, schema: true, .syntax, at: location,
                       "attribute \(label) of <\(field)> would not read back")
            }
            checkAttributeSyntax(attribute, label: label, seen: &seen, at: location)
        }
        for child in card.children {
            switch child {
            case .element(let element):
                checkOpaque(element, at: location)
            case .text(let text) where !text.isXMLWhitespace:
                report(.invalidExtension, schema: true, .syntax, at: location,
                       "<\(field)> holds elements only, not text \(quoted(text))")
            case .text:
                break
            }
        }
    }

    private mutating func checkAttributeSyntax(_ attribute: XMLAttribute, label: String, seen: inout Set<XMLName>,
                                               at location: CLUEElementContext) {
        if !XSDValue.isNCName(attribute.name.local) {
            report(.invalidExtension, schema: true, .syntax, at: location,
                   "attribute name \(quoted(attribute.name.local)) is not an XML name")
        }
        if attribute.name.namespace == "" {
            report(.invalidExtension, schema: true, .syntax, at: location,
                   "attribute \(attribute.name.local) has an empty namespace name; use nil for no namespace")
        }
        if !seen.insert(attribute.name).inserted {
            report(.invalidExtension, schema: true, .syntax, at: location, "attribute \(label) appears twice")
        }
        checkString(attribute.value, field: "attribute \(label)", at: location)
    }
}

extension CLUEElementContext {
    /// A location for an issue: `<mediaCapture captureID='VC0'>`.
    package static func named(_ name: String, _ attribute: String? = nil, _ value: String? = nil)
        -> CLUEElementContext
    {
        guard let attribute, let value else { return CLUEElementContext(name: name) }
        return CLUEElementContext(name: name, identity: "\(attribute)=\(quoted(value))")
    }
}
