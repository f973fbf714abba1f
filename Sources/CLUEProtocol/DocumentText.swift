import CLUEModel

/// Why bytes received as a CLUE document could not be used.
public enum CLUEReadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not XML this reader accepts: malformed, too large, too deep, a DTD, not UTF-8.
    case xml(XMLReadError)
    /// XML, but not a CLUE document: a missing element, a bad value, a wrong order.
    case content(CLUEDecodingError)

    public var description: String {
        switch self {
        case .xml(let error): "\(error)"
        case .content(let error): "\(error)"
        }
    }
}

/// Why a document could not be written.
public enum CLUEWriteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The model would not be schema-valid.
    case model(CLUEEncodingError)
    /// A string holds a character XML cannot carry.
    case xml(XMLWriteError)

    public var description: String {
        switch self {
        case .model(let error): "\(error)"
        case .xml(let error): "\(error)"
        }
    }
}

extension CLUEDocument {
    /// Prefixes this project writes: the protocol namespace as default in messages (the data-model namespace as
    /// default in `<clueInfo>`), `dm:` for the data model inside messages, `xsi:` and `xcard:`.
    public static func writer(rootNamespace: String, indentation: String? = "  ") -> XMLWriter {
        var namespaces = [XMLNamespaceDeclaration(prefix: nil, uri: rootNamespace)]
        if rootNamespace != XMLNamespace.clueInfo {
            namespaces.append(XMLNamespaceDeclaration(prefix: "dm", uri: XMLNamespace.clueInfo))
        }
        namespaces += [
            XMLNamespaceDeclaration(prefix: "xsi", uri: XMLNamespace.schemaInstance),
            XMLNamespaceDeclaration(prefix: "xcard", uri: XMLNamespace.xCard),
        ]
        return XMLWriter(rootNamespaces: namespaces, indentation: indentation)
    }

    /// Reads a document received from a peer or a file: hardened XML, then the liberal CLUE decoder.
    public init(xml bytes: UnsafeBufferPointer<UInt8>, limits: XMLReaderLimits = .default) throws(CLUEReadError) {
        let tree: XMLElement
        do {
            tree = try XMLReader.parse(bytes, limits: limits)
        } catch {
            throw .xml(error)
        }
        do {
            self = try CLUEDocument(element: tree)
        } catch {
            throw .content(error)
        }
    }

    public init(xml bytes: [UInt8], limits: XMLReaderLimits = .default) throws(CLUEReadError) {
        self = try bytes.withUnsafeBufferPointer { buffer throws(CLUEReadError) in
            try CLUEDocument(xml: buffer, limits: limits)
        }
    }

    /// Writes the document; what comes out is schema-valid or nothing is written.
    public func xml(indentation: String? = "  ") throws(CLUEWriteError) -> String {
        let tree: XMLElement
        do {
            tree = try element()
        } catch {
            throw .model(error)
        }
        do {
            return try Self.writer(rootNamespace: rootNamespace, indentation: indentation).string(tree)
        } catch {
            throw .xml(error)
        }
    }
}

extension ClueMessage {
    /// Writes the message for the data channel (UTF-8 XML, schema-valid).
    public func xml(indentation: String? = "  ") throws(CLUEWriteError) -> String {
        try CLUEDocument.message(self).xml(indentation: indentation)
    }
}

extension ClueProtocolError {
    /// The one place where a document that could not be read becomes a CLUE response (RFC 8847 section 5.7):
    /// unreadable XML is 301 Bad syntax; a structure the schema forbids is 300 or 301, a bad value 302,
    /// values that cannot go together 303, and a broken reference or rule 400.
    public init(_ error: CLUEReadError) {
        switch error {
        case .xml(let xml):
            self = .badSyntax("\(xml)")
        case .content(let content):
            switch content.category {
            case .syntax: self = .badSyntax("\(content)")
            case .invalidValue: self = .invalidValue("\(content)")
            case .conflictingValues: self = .conflictingValues("\(content)")
            case .semantic: self = .semantic("\(content)")
            }
        }
    }
}
