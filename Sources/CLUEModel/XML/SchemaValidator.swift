import CLibXML2
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One schema violation, as libxml2's validator reports it.
public struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var message: String

    public var description: String { "line \(line): \(message)" }
}

/// Validates documents against the CLUE XML schemas (RFC 8846 data model, RFC 8847 protocol), which are compiled
/// into the binary (`EmbeddedSchemas`).
///
/// A compiled schema is read-only and shared; each validation gets its own validation context, so validators can
/// be used from any thread.
public final class SchemaValidator: @unchecked Sendable {
    public enum Schema: String, Sendable, CaseIterable {
        /// `clue-protocol.xsd`: the six messages; it imports the data model.
        case clueProtocol = "clue-protocol.xsd"
        /// `clue-info.xsd`: `<clueInfo>` documents and the data model's global elements.
        case clueInfo = "clue-info.xsd"
    }

    public static let clueProtocol = SchemaValidator(.clueProtocol)
    public static let clueInfo = SchemaValidator(.clueInfo)

    /// The validator for a document whose root element is in `namespace`.
    public static func forRootNamespace(_ namespace: String?) -> SchemaValidator? {
        switch namespace {
        case XMLNamespace.clueProtocol: clueProtocol
        case XMLNamespace.clueInfo: clueInfo
        default: nil
        }
    }

    private let schema: xmlSchemaPtr

    private init(_ which: Schema) {
        LibXML.initialize()
        let text = EmbeddedSchemas.cString(named: which.rawValue)!
        let length = xmlStrlen(text)
        let parser = text.withMemoryRebound(to: CChar.self, capacity: Int(length)) { chars in
            xmlSchemaNewMemParserCtxt(chars, length)
        }!
        defer { xmlSchemaFreeParserCtxt(parser) }
        let collector = ViolationCollector()
        xmlSchemaSetParserStructuredErrors(parser, ViolationCollector.callback,
                                           Unmanaged.passUnretained(collector).toOpaque())
        guard let compiled = xmlSchemaParse(parser) else {
            fatalError("embedded schema \(which.rawValue) does not compile: \(collector.violations)")
        }
        schema = compiled
    }

    deinit {
        xmlSchemaFree(schema)
    }

    /// Validates XML text (read with the same hardened reader as everything else).
    ///
    /// `xsi:type` written under the `https://` XMLSchema-instance namespace, as RFC 8847's examples print it, is
    /// read as the `http://` one before validation: it is a known erratum that peers copy.
    public func validate(_ bytes: [UInt8], limits: XMLReaderLimits = .default) throws(XMLReadError)
        -> [SchemaViolation]
    {
        try bytes.withUnsafeBufferPointer { buffer throws(XMLReadError) in
            let document = try LibXMLDocument(buffer, limits: limits)
            return validate(document.pointer)
        }
    }

    public func validate(_ text: String, limits: XMLReaderLimits = .default) throws(XMLReadError)
        -> [SchemaViolation]
    {
        try validate(Array(text.utf8), limits: limits)
    }

    func validate(_ document: xmlDocPtr) -> [SchemaViolation] {
        Self.normalizeSchemaInstanceNamespace(document)
        guard let context = xmlSchemaNewValidCtxt(schema) else {
            return [SchemaViolation(line: 0, message: "out of memory")]
        }
        defer { xmlSchemaFreeValidCtxt(context) }
        let collector = ViolationCollector()
        xmlSchemaSetValidStructuredErrors(context, ViolationCollector.callback,
                                          Unmanaged.passUnretained(collector).toOpaque())
        let result = xmlSchemaValidateDoc(context, document)
        if result != 0 && collector.violations.isEmpty {
            collector.violations.append(SchemaViolation(line: 0, message: "document is not valid (code \(result))"))
        }
        return collector.violations
    }

    /// Rebinds every `https://www.w3.org/2001/XMLSchema-instance` declaration to the `http://` URI in place.
    private static func normalizeSchemaInstanceNamespace(_ document: xmlDocPtr) {
        func visit(_ node: xmlNodePtr) {
            var declaration = node.pointee.nsDef
            while let ns = declaration {
                if let href = ns.pointee.href, String(cString: href) == XMLNamespace.schemaInstanceHTTPS {
                    // libxml2 allocates with the C allocator unless xmlMemSetup changed it, which nothing here does.
                    free(UnsafeMutableRawPointer(mutating: href))
                    ns.pointee.href = UnsafePointer(xmlStrdup(XMLNamespace.schemaInstance))
                }
                declaration = ns.pointee.next
            }
            var child = node.pointee.children
            while let current = child {
                if current.pointee.type == XML_ELEMENT_NODE { visit(current) }
                child = current.pointee.next
            }
        }
        if let root = xmlDocGetRootElement(document) { visit(root) }
    }
}

private final class ViolationCollector {
    var violations: [SchemaViolation] = []

    static let callback: xmlStructuredErrorFunc = { context, error in
        guard let context, let error else { return }
        let collector = Unmanaged<ViolationCollector>.fromOpaque(context).takeUnretainedValue()
        guard collector.violations.count < 100 else { return }
        var message = error.pointee.message.map { String(cString: $0) } ?? "schema error \(error.pointee.code)"
        while message.last == "\n" || message.last == " " { message.removeLast() }
        collector.violations.append(SchemaViolation(line: Int(error.pointee.line), message: message))
    }
}
