/// Small constructors for the trees the encoders produce. Encoders run only on models that passed
/// `schemaViolations()`, so they do not check values again.
package enum CLUEName {
    /// A name in the data-model namespace (`urn:ietf:params:xml:ns:clue-info`).
    package static func info(_ local: String) -> XMLName {
        XMLName(local, namespace: XMLNamespace.clueInfo)
    }

    /// A name in the protocol namespace (`urn:ietf:params:xml:ns:clue-protocol`).
    package static func message(_ local: String) -> XMLName {
        XMLName(local, namespace: XMLNamespace.clueProtocol)
    }
}

extension XMLElement {
    /// An element holding only `text` (no text node for the empty string, as the reader gives it back).
    package static func text(_ name: XMLName, _ text: String, attributes: [XMLAttribute] = []) -> XMLElement {
        XMLElement(name, attributes: attributes, children: text.isEmpty ? [] : [.text(text)])
    }

    /// An element holding only the elements `children`.
    package static func parent(_ name: XMLName, attributes: [XMLAttribute] = [], _ children: [XMLElement])
        -> XMLElement
    {
        XMLElement(name, attributes: attributes, children: children.map { .element($0) })
    }
}

extension XMLAttribute {
    /// An unqualified attribute, as the CLUE schemas declare theirs.
    package static func plain(_ local: String, _ value: String) -> XMLAttribute {
        XMLAttribute(XMLName(local), value)
    }
}

extension Bool {
    /// The canonical `xs:boolean` form.
    package var xsdLexical: String { self ? "true" : "false" }
}
