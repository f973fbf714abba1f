// <clueInfo> (RFC 8846 section 23): the advertisement lists, then extensions.
//
//   clueInfoType: mediaCaptures encodingGroups captureScenes simultaneousSets? globalViews? people? ##other*
//                 @clueInfoID @##other
//
// Entry points of the data-model codec: `ClueInfo(element:)` reads a tree from `XMLReader`, `element()` gives one
// for `XMLWriter`. Message codecs live in CLUEProtocol and reuse `Advertisement(reading:)` and `listElements`.

extension ClueInfo {
    /// Decodes a `<clueInfo>` document. Element namespaces may be the data model's, the protocol's or none.
    ///
    /// This checks each element's structure and values; call `semanticIssues()` for what needs the whole document
    /// (xs:ID uniqueness, references).
    public init(element: XMLElement) throws(CLUEDecodingError) {
        guard element.name.local == "clueInfo", XSDValue.isCLUENamespace(element.name.namespace) else {
            throw .unknownDocument(element.name, line: element.line)
        }
        let attributes = try AttributeReader(element, allowed: ["clueInfoID"],
                                             wildcard: .other(targetNamespace: XMLNamespace.clueInfo))
        let clueInfoID = try attributes.requiredID("clueInfoID")
        var cursor = try ChildCursor(element)
        let advertisement = try Advertisement(reading: &cursor)
        let extensions = cursor.extensions()
        try cursor.finish()
        self.init(clueInfoID: clueInfoID, advertisement: advertisement, extensions: extensions,
                  extensionAttributes: attributes.extensions)
    }

    /// The `<clueInfo>` tree, everything in the data-model namespace. Throws, writing nothing, when the model
    /// would not be schema-valid.
    public func element() throws(CLUEEncodingError) -> XMLElement {
        let violations = semanticIssues().schemaViolations
        guard violations.isEmpty else { throw CLUEEncodingError(issues: violations) }
        var root = XMLElement.parent(CLUEName.info("clueInfo"),
                                     attributes: [.plain("clueInfoID", clueInfoID)] + extensionAttributes,
                                     advertisement.listElements(containerNamespace: XMLNamespace.clueInfo)
                                         + extensions)
        root.namespaceDeclarations = [XMLNamespaceDeclaration(prefix: nil, uri: XMLNamespace.clueInfo)]
        return root
    }
}
