import CLibXML2

/// Limits that bound what one document may cost to read.
public struct XMLReaderLimits: Sendable, Hashable {
    /// Largest accepted document, in bytes.
    public var maxDocumentBytes: Int
    /// Deepest accepted element nesting (the root is depth 1). CLUE documents nest about 8 deep; xCard and
    /// extensions add a few levels.
    public var maxDepth: Int

    public init(maxDocumentBytes: Int = 1 << 20, maxDepth: Int = 64) {
        self.maxDocumentBytes = maxDocumentBytes
        self.maxDepth = maxDepth
    }

    public static let `default` = XMLReaderLimits()
}

/// Why a document was refused before it was understood.
public enum XMLReadError: Error, Sendable, Equatable, CustomStringConvertible {
    case tooLarge(bytes: Int, limit: Int)
    case tooDeep(limit: Int, line: Int)
    /// A DOCTYPE: DTDs, and with them entity declarations, are never processed.
    case doctypeForbidden(line: Int)
    case notUTF8(detail: String)
    case malformed(line: Int, message: String)

    public var description: String {
        switch self {
        case .tooLarge(let bytes, let limit):
            "document of \(bytes) bytes exceeds the limit of \(limit) bytes"
        case .tooDeep(let limit, let line):
            "line \(line): element nesting deeper than \(limit) levels"
        case .doctypeForbidden(let line):
            "line \(line): DOCTYPE declarations (DTDs, entities) are not accepted"
        case .notUTF8(let detail):
            "document is not UTF-8: \(detail)"
        case .malformed(let line, let message):
            "line \(line): not well-formed XML: \(message)"
        }
    }
}

/// Reads XML with libxml2, hardened for documents that come from the network.
///
/// - No DTD is ever processed: a DOCTYPE refuses the document (checked on the bytes, and again by the parser's
///   internal-subset callback), so no entity can be declared, expanded or fetched.
/// - `XML_PARSE_NONET`, and an external-entity loader that only serves the embedded CLUE schemas.
/// - Size and depth are capped before libxml2 builds anything deep; only UTF-8 is accepted (CLUE messages are
///   `application/clue+xml` in UTF-8), which keeps the byte-level checks sound.
public enum XMLReader {
    public static func parse(_ bytes: [UInt8], limits: XMLReaderLimits = .default) throws(XMLReadError)
        -> XMLElement
    {
        try bytes.withUnsafeBufferPointer { buffer throws(XMLReadError) in
            try parse(buffer, limits: limits)
        }
    }

    public static func parse(_ text: String, limits: XMLReaderLimits = .default) throws(XMLReadError)
        -> XMLElement
    {
        try parse(Array(text.utf8), limits: limits)
    }

    public static func parse(_ buffer: UnsafeBufferPointer<UInt8>, limits: XMLReaderLimits = .default)
        throws(XMLReadError) -> XMLElement
    {
        let document = try LibXMLDocument(buffer, limits: limits)
        return try document.tree(maxDepth: limits.maxDepth)
    }

    /// Runs `body` on the parsed libxml2 document (for schema validation) and returns the tree.
    static func withDocument<T>(_ buffer: UnsafeBufferPointer<UInt8>, limits: XMLReaderLimits,
                                _ body: (xmlDocPtr) -> T) throws(XMLReadError) -> (XMLElement, T)
    {
        let document = try LibXMLDocument(buffer, limits: limits)
        let tree = try document.tree(maxDepth: limits.maxDepth)
        return (tree, body(document.pointer))
    }
}

/// Owns one parsed libxml2 document.
final class LibXMLDocument {
    let pointer: xmlDocPtr

    /// `prescan` is only turned off by tests, to prove that the parser-level DOCTYPE hook holds on its own.
    init(_ buffer: UnsafeBufferPointer<UInt8>, limits: XMLReaderLimits, prescan: Bool = true) throws(XMLReadError) {
        LibXML.initialize()
        guard buffer.count <= limits.maxDocumentBytes else {
            throw .tooLarge(bytes: buffer.count, limit: limits.maxDocumentBytes)
        }
        try Self.checkEncoding(buffer)
        if prescan, let offset = Self.find(Array("<!DOCTYPE".utf8), in: buffer) {
            throw .doctypeForbidden(line: Self.line(at: offset, in: buffer))
        }

        guard let context = xmlNewParserCtxt() else { throw .malformed(line: 0, message: "out of memory") }
        defer { xmlFreeParserCtxt(context) }
        let guardState = ParseGuard(maxDepth: limits.maxDepth)
        let sax = context.pointee.sax!
        sax.pointee._private = Unmanaged.passUnretained(guardState).toOpaque()
        sax.pointee.internalSubset = { context, _, _, _ in
            let parser = context!.assumingMemoryBound(to: xmlParserCtxt.self)
            ParseGuard.of(parser).doctypeLine = Int(xmlSAX2GetLineNumber(context))
            xmlStopParser(parser)
        }
        sax.pointee.externalSubset = sax.pointee.internalSubset
        sax.pointee.entityDecl = { context, _, _, _, _, _ in
            let parser = context!.assumingMemoryBound(to: xmlParserCtxt.self)
            ParseGuard.of(parser).doctypeLine = Int(xmlSAX2GetLineNumber(context))
            xmlStopParser(parser)
        }
        sax.pointee.startElementNs = { context, local, prefix, uri, nsCount, namespaces, attrCount, defaulted,
                                       attributes in
            let parser = context!.assumingMemoryBound(to: xmlParserCtxt.self)
            let state = ParseGuard.of(parser)
            state.depth += 1
            if state.depth > state.maxDepth {
                state.tooDeepLine = Int(xmlSAX2GetLineNumber(context))
                xmlStopParser(parser)
                return
            }
            xmlSAX2StartElementNs(context, local, prefix, uri, nsCount, namespaces, attrCount, defaulted,
                                  attributes)
        }
        sax.pointee.endElementNs = { context, local, prefix, uri in
            let parser = context!.assumingMemoryBound(to: xmlParserCtxt.self)
            ParseGuard.of(parser).depth -= 1
            xmlSAX2EndElementNs(context, local, prefix, uri)
        }

        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_NOERROR.rawValue
            | XML_PARSE_NOWARNING.rawValue | XML_PARSE_BIG_LINES.rawValue)
        let document = buffer.withMemoryRebound(to: CChar.self) { chars in
            xmlCtxtReadMemory(context, chars.baseAddress, Int32(chars.count), nil, "UTF-8", options)
        }
        if let line = guardState.doctypeLine {
            if let document { xmlFreeDoc(document) }
            throw .doctypeForbidden(line: line)
        }
        if let line = guardState.tooDeepLine {
            if let document { xmlFreeDoc(document) }
            throw .tooDeep(limit: limits.maxDepth, line: line)
        }
        // nsWellFormed catches what wellFormed does not: an undeclared prefix is only a namespace error to libxml2.
        guard let document, context.pointee.wellFormed != 0, context.pointee.nsWellFormed != 0 else {
            if let document { xmlFreeDoc(document) }
            throw Self.lastError(context)
        }
        guard document.pointee.intSubset == nil, document.pointee.extSubset == nil else {
            xmlFreeDoc(document)
            throw .doctypeForbidden(line: 1)
        }
        pointer = document
    }

    deinit {
        xmlFreeDoc(pointer)
    }

    func tree(maxDepth: Int) throws(XMLReadError) -> XMLElement {
        guard let root = xmlDocGetRootElement(pointer) else {
            throw .malformed(line: 1, message: "no root element")
        }
        var builder = TreeBuilder(maxDepth: maxDepth)
        return try builder.element(root, depth: 1)
    }

    private static func lastError(_ context: xmlParserCtxtPtr) -> XMLReadError {
        guard let error = xmlCtxtGetLastError(context) else {
            return .malformed(line: 0, message: "unknown parser error")
        }
        let message = error.pointee.message.map { String(cString: $0) } ?? "parser error \(error.pointee.code)"
        return .malformed(line: Int(error.pointee.line),
                          message: message.trimmingCharacters(in: " \n"))
    }

    /// Refuses byte order marks and declared encodings other than UTF-8, then checks the bytes are UTF-8.
    private static func checkEncoding(_ buffer: UnsafeBufferPointer<UInt8>) throws(XMLReadError) {
        if buffer.starts(with: [0xFE, 0xFF]) || buffer.starts(with: [0xFF, 0xFE]) {
            throw .notUTF8(detail: "UTF-16 byte order mark")
        }
        if buffer.starts(with: [0, 0]) || (buffer.count > 1 && (buffer[0] == 0 || buffer[1] == 0)) {
            throw .notUTF8(detail: "UTF-16 or UTF-32 content")
        }
        let body = buffer.starts(with: [0xEF, 0xBB, 0xBF]) ? UnsafeBufferPointer(rebasing: buffer[3...]) : buffer
        if body.starts(with: Array("<?xml".utf8)), let end = find(Array("?>".utf8), in: body) {
            let declaration = String(decoding: body[..<end], as: UTF8.self).lowercased()
            if let start = declaration.firstRange(of: "encoding") {
                let rest = declaration[start.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\t" }
                let name = rest.dropFirst().prefix { $0 != "\"" && $0 != "'" }
                guard name == "utf-8" || name == "us-ascii" || name == "ascii" || name == "utf8" else {
                    throw .notUTF8(detail: "declared encoding '\(name)'")
                }
            }
        }
        var iterator = body.makeIterator()
        var decoder = UTF8()
        var line = 1
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): if scalar == "\n" { line += 1 }
            case .emptyInput: break loop
            case .error: throw .notUTF8(detail: "invalid UTF-8 sequence on line \(line)")
            }
        }
    }

    static func find(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>) -> Int? {
        guard needle.count <= haystack.count, let first = needle.first else { return nil }
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first {
                var matched = true
                for offset in 1..<needle.count where haystack[index + offset] != needle[offset] {
                    matched = false
                    break
                }
                if matched { return index }
            }
            index += 1
        }
        return nil
    }

    private static func line(at offset: Int, in buffer: UnsafeBufferPointer<UInt8>) -> Int {
        1 + buffer[..<offset].reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    }
}

/// Per-parse state reached from libxml2's C callbacks through the SAX handler's `_private` pointer.
private final class ParseGuard {
    let maxDepth: Int
    var depth = 0
    var doctypeLine: Int?
    var tooDeepLine: Int?

    init(maxDepth: Int) {
        self.maxDepth = maxDepth
    }

    static func of(_ parser: xmlParserCtxtPtr) -> ParseGuard {
        Unmanaged<ParseGuard>.fromOpaque(parser.pointee.sax.pointee._private!).takeUnretainedValue()
    }
}

/// Copies libxml2's tree into `XMLElement` values.
private struct TreeBuilder {
    let maxDepth: Int
    /// libxml2 interns element names in its dictionary and shares one href per namespace declaration, so the same
    /// few pointers recur thousands of times: convert each once.
    private var interned: [UnsafePointer<xmlChar>: String] = [:]

    init(maxDepth: Int) {
        self.maxDepth = maxDepth
    }

    private mutating func name(_ pointer: UnsafePointer<xmlChar>) -> String {
        if let known = interned[pointer] { return known }
        let value = String(cString: pointer)
        interned[pointer] = value
        return value
    }

    mutating func element(_ node: xmlNodePtr, depth: Int) throws(XMLReadError) -> XMLElement {
        let line = Int(xmlGetLineNo(node))
        guard depth <= maxDepth else { throw .tooDeep(limit: maxDepth, line: line) }
        let namespace: String? = if let ns = node.pointee.ns { name(ns.pointee.href) } else { nil }
        var result = XMLElement(XMLName(name(node.pointee.name), namespace: namespace), line: line)

        var declaration = node.pointee.nsDef
        while let ns = declaration {
            result.namespaceDeclarations.append(
                XMLNamespaceDeclaration(prefix: ns.pointee.prefix.map(string), uri: string(ns.pointee.href)))
            declaration = ns.pointee.next
        }

        var property = node.pointee.properties
        while let attribute = property {
            let attributeNamespace: String? = if let ns = attribute.pointee.ns { name(ns.pointee.href) } else { nil }
            let attributeName = XMLName(name(attribute.pointee.name), namespace: attributeNamespace)
            let value = attributeValue(attribute)
            if attributeName.local == "type", attributeName.namespace == XMLNamespace.schemaInstance
                || attributeName.namespace == XMLNamespace.schemaInstanceHTTPS {
                result.schemaType = resolveQName(value, at: node)
            } else {
                result.attributes.append(XMLAttribute(attributeName, value))
            }
            property = attribute.pointee.next
        }

        var child = node.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_ELEMENT_NODE:
                result.children.append(.element(try element(current, depth: depth + 1)))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                let content: UnsafeMutablePointer<xmlChar>? = current.pointee.content
                let text = content.map { string($0) } ?? ""
                if case .text(let previous) = result.children.last {
                    result.children[result.children.count - 1] = .text(previous + text)
                } else {
                    result.children.append(.text(text))
                }
            case XML_ENTITY_REF_NODE:
                // Unreachable without a DTD; refuse rather than silently drop content.
                throw .doctypeForbidden(line: Int(xmlGetLineNo(current)))
            default:
                break  // comments, processing instructions
            }
            child = current.pointee.next
        }
        // Whitespace between child elements is formatting, not content: CLUE's schemas and xCard have no mixed
        // content, and dropping it lets documents compare equal however they were indented.
        if result.children.contains(where: { if case .element = $0 { true } else { false } }) {
            result.children.removeAll { if case .text(let text) = $0 { text.isXMLWhitespace } else { false } }
        }
        return result
    }

    private func attributeValue(_ attribute: xmlAttrPtr) -> String {
        var value = ""
        var node = attribute.pointee.children
        while let current = node {
            if let content = current.pointee.content { value += string(content) }
            node = current.pointee.next
        }
        return value
    }

    /// Resolves `prefix:local` (or `local`, in the default namespace) against the namespaces in scope at `node`.
    private func resolveQName(_ value: String, at node: xmlNodePtr) -> XMLName {
        let trimmed = String(value.trimmingXMLWhitespace())
        let parts = trimmed.split(separator: ":", maxSplits: 1)
        let prefix = parts.count == 2 ? String(parts[0]) : nil
        let local = String(parts.last ?? "")
        let ns: xmlNsPtr? = prefix.map { p in p.withCString { xmlSearchNs(node.pointee.doc, node, $0) } }
            ?? xmlSearchNs(node.pointee.doc, node, nil)
        if prefix != nil && ns == nil {
            // An undeclared prefix: keep it visible so that the decoder reports it.
            return XMLName(trimmed, namespace: nil)
        }
        return XMLName(local, namespace: ns.map { string($0.pointee.href) })
    }

    private func string(_ pointer: UnsafePointer<xmlChar>) -> String {
        String(cString: pointer)
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        String(self.drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
