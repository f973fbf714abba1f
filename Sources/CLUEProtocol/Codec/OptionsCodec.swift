import CLUEModel

// 'options' and 'optionsResponse' (RFC 8847 sections 5.1, 5.2):
//
//   optionsMessageType:         mediaProvider mediaConsumer supportedVersions? supportedExtensions? ##other?
//   optionsResponseMessageType: (response) mediaProvider? mediaConsumer? version? commonExtensions? ##other?
//   versionsListType:           version+ ##other?                    @##other
//   extensionsListType:         extension+ ##other?                  @##other
//   extensionType:              name schemaRef version ##other?      @##other
//
// The foreign element and attributes of the two list types are kept beside the lists, so they survive a round
// trip like every other extension.

extension OptionsMessage {
    init(element: XMLElement) throws(CLUEDecodingError) {
        var reader = try MessageReader(element)
        let context = reader.cursor.context
        let provider = try MessageReader.boolean(reader.cursor.required("mediaProvider"), in: context)
        let consumer = try MessageReader.boolean(reader.cursor.required("mediaConsumer"), in: context)
        let versions = try reader.cursor.optional("supportedVersions").map { e throws(CLUEDecodingError) in
            try Self.versions(e)
        }
        let supported = try reader.cursor.optional("supportedExtensions").map { e throws(CLUEDecodingError) in
            try [ProtocolExtension].read(list: e)
        }
        let extensions = try reader.finish()
        self.init(header: reader.header, mediaProvider: provider, mediaConsumer: consumer,
                  supportedVersions: versions?.0, supportedExtensions: supported?.0, extensions: extensions,
                  supportedVersionsExtensions: versions?.1 ?? .none,
                  supportedExtensionsExtensions: supported?.1 ?? .none)
    }

    private static func versions(_ list: XMLElement) throws(CLUEDecodingError)
        -> ([ProtocolVersion], MessageExtensions)
    {
        let attributes = try AttributeReader(list, wildcard: .other(targetNamespace: XMLNamespace.clueProtocol))
        var cursor = try ChildCursor(list)
        var result: [ProtocolVersion] = []
        for item in try cursor.oneOrMore("version") { result.append(try MessageReader.version(item, in: cursor.context)) }
        let extra = try cursor.singleExtension()
        try cursor.finish()
        return (result, MessageExtensions(element: extra, attributes: attributes.extensions))
    }

    func element() -> XMLElement {
        var writer = MessageWriter("options", header: header, extensions: extensions)
        writer.text("mediaProvider", mediaProvider.xsdLexical)
        writer.text("mediaConsumer", mediaConsumer.xsdLexical)
        if let supportedVersions, !supportedVersions.isEmpty {
            var items = supportedVersions.map { XMLElement.text(CLUEName.message("version"), $0.description) }
            if let extra = supportedVersionsExtensions.element { items.append(extra) }
            writer.append(.parent(CLUEName.message("supportedVersions"),
                                  attributes: supportedVersionsExtensions.attributes, items))
        }
        if let supportedExtensions, !supportedExtensions.isEmpty {
            writer.append(supportedExtensions.listElement(named: "supportedExtensions",
                                                          extensions: supportedExtensionsExtensions))
        }
        return writer.finish(extensions)
    }
}

extension OptionsResponseMessage {
    init(element: XMLElement) throws(CLUEDecodingError) {
        var reader = try MessageReader(element)
        let context = reader.cursor.context
        let status = try reader.status()
        let provider = try reader.cursor.optional("mediaProvider").map { e throws(CLUEDecodingError) in
            try MessageReader.boolean(e, in: context)
        }
        let consumer = try reader.cursor.optional("mediaConsumer").map { e throws(CLUEDecodingError) in
            try MessageReader.boolean(e, in: context)
        }
        let version = try reader.cursor.optional("version").map { e throws(CLUEDecodingError) in
            try MessageReader.version(e, in: context)
        }
        let common = try reader.cursor.optional("commonExtensions").map { e throws(CLUEDecodingError) in
            try [ProtocolExtension].read(list: e)
        }
        let extensions = try reader.finish()
        self.init(header: reader.header, status: status, mediaProvider: provider, mediaConsumer: consumer,
                  version: version, commonExtensions: common?.0, extensions: extensions,
                  commonExtensionsExtensions: common?.1 ?? .none)
    }

    func element() -> XMLElement {
        var writer = MessageWriter("optionsResponse", header: header, extensions: extensions)
        writer.status(status)
        if let mediaProvider { writer.text("mediaProvider", mediaProvider.xsdLexical) }
        if let mediaConsumer { writer.text("mediaConsumer", mediaConsumer.xsdLexical) }
        if let version { writer.text("version", version.description) }
        if let commonExtensions, !commonExtensions.isEmpty {
            writer.append(commonExtensions.listElement(named: "commonExtensions",
                                                       extensions: commonExtensionsExtensions))
        }
        return writer.finish(extensions)
    }
}

extension ProtocolExtension {
    init(element: XMLElement) throws(CLUEDecodingError) {
        let attributes = try AttributeReader(element, wildcard: .other(targetNamespace: XMLNamespace.clueProtocol))
        var cursor = try ChildCursor(element)
        let name = try SimpleContent.string(cursor.required("name"))
        // xs:anyURI collapses whitespace.
        let schemaRef = XSDValue.collapse(try SimpleContent.string(cursor.required("schemaRef")))
        let version = try MessageReader.version(cursor.required("version"), in: cursor.context)
        let extra = try cursor.singleExtension()
        try cursor.finish()
        self.init(name: name, schemaRef: schemaRef, version: version, extensionElement: extra,
                  extensionAttributes: attributes.extensions)
    }

    func element() -> XMLElement {
        let name = CLUEName.message
        var children: [XMLElement] = [.text(name("name"), self.name), .text(name("schemaRef"), schemaRef),
                                      .text(name("version"), version.description)]
        if let extensionElement { children.append(extensionElement) }
        return .parent(name("extension"), attributes: extensionAttributes, children)
    }
}

extension Array where Element == ProtocolExtension {
    static func read(list: XMLElement) throws(CLUEDecodingError) -> ([ProtocolExtension], MessageExtensions) {
        let attributes = try AttributeReader(list, wildcard: .other(targetNamespace: XMLNamespace.clueProtocol))
        var cursor = try ChildCursor(list)
        var result: [ProtocolExtension] = []
        for item in try cursor.oneOrMore("extension") { result.append(try ProtocolExtension(element: item)) }
        let extra = try cursor.singleExtension()
        try cursor.finish()
        return (result, MessageExtensions(element: extra, attributes: attributes.extensions))
    }

    func listElement(named local: String, extensions: MessageExtensions) -> XMLElement {
        var items = map { $0.element() }
        if let extra = extensions.element { items.append(extra) }
        return .parent(CLUEName.message(local), attributes: extensions.attributes, items)
    }
}
