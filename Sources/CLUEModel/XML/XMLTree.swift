/// A namespace-qualified XML name. `namespace` is nil for names in no namespace.
public struct XMLName: Hashable, Sendable, CustomStringConvertible {
    public var namespace: String?
    public var local: String

    public init(_ local: String, namespace: String? = nil) {
        self.local = local
        self.namespace = namespace
    }

    public var description: String {
        namespace.map { "{\($0)}\(local)" } ?? local
    }
}

public struct XMLAttribute: Hashable, Sendable {
    public var name: XMLName
    public var value: String

    public init(_ name: XMLName, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A namespace declaration as it appeared on an element (`prefix` nil for the default namespace).
public struct XMLNamespaceDeclaration: Hashable, Sendable {
    public var prefix: String?
    public var uri: String

    public init(prefix: String?, uri: String) {
        self.prefix = prefix
        self.uri = uri
    }
}

public enum XMLNode: Hashable, Sendable {
    case element(XMLElement)
    case text(String)
}

/// An element of a parsed or constructed document: the in-memory form that the CLUE codecs read and write.
///
/// Prefixes are not part of the value: two elements are equal when their expanded names, attributes, `xsi:type`
/// and children are. Comments and processing instructions are not kept.
public struct XMLElement: Sendable, Hashable {
    public var name: XMLName
    public var attributes: [XMLAttribute]
    public var children: [XMLNode]
    /// The expanded `xsi:type` of this element, resolved against the namespaces in scope where it was read.
    public var schemaType: XMLName?
    /// Declarations this element carried when it was read; the writer reuses their prefixes where it can.
    public var namespaceDeclarations: [XMLNamespaceDeclaration]
    /// Line in the source document, 0 for elements built in code.
    public var line: Int

    public init(_ name: XMLName, attributes: [XMLAttribute] = [], children: [XMLNode] = [],
                schemaType: XMLName? = nil, namespaceDeclarations: [XMLNamespaceDeclaration] = [], line: Int = 0) {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.schemaType = schemaType
        self.namespaceDeclarations = namespaceDeclarations
        self.line = line
    }

    public static func == (lhs: XMLElement, rhs: XMLElement) -> Bool {
        lhs.name == rhs.name && lhs.schemaType == rhs.schemaType && lhs.attributes == rhs.attributes
            && lhs.children == rhs.children
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(schemaType)
        hasher.combine(attributes)
        hasher.combine(children)
    }

    /// The concatenated text children (not descendants).
    public var text: String {
        var result = ""
        for case .text(let piece) in children { result += piece }
        return result
    }

    public var childElements: [XMLElement] {
        children.compactMap { if case .element(let element) = $0 { element } else { nil } }
    }

    public func attribute(_ name: XMLName) -> String? {
        attributes.first { $0.name == name }?.value
    }
}

/// The namespaces this project reads and writes.
public enum XMLNamespace {
    public static let clueProtocol = "urn:ietf:params:xml:ns:clue-protocol"
    public static let clueInfo = "urn:ietf:params:xml:ns:clue-info"
    public static let xCard = "urn:ietf:params:xml:ns:vcard-4.0"
    public static let schemaInstance = "http://www.w3.org/2001/XMLSchema-instance"
    /// RFC 8847's examples print the XMLSchema-instance namespace with `https`; peers copy them, so it is read too.
    public static let schemaInstanceHTTPS = "https://www.w3.org/2001/XMLSchema-instance"
    public static let xml = "http://www.w3.org/XML/1998/namespace"
    public static let xmlns = "http://www.w3.org/2000/xmlns/"
}
