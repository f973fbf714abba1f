// <mediaCapture> (RFC 8846 sections 11-15): mediaCaptureType and its four derived types.
//
//   captureSceneIDREF
//   (spatialInformation | nonSpatiallyDefinable)
//   ((synchronizationID? content? policy? maxCaptures? allowSubsetChoice?) | individual)
//   encGroupIDREF? description* priority? lang* mobility? presentation? embeddedText? view?
//   capturedPeople? relatedTo?
//   sensitivityPattern?            (audioCaptureType only)
//   ##other*
//   @captureID @mediaType @##other

extension MediaCapture {
    /// The four concrete types, by their `xsi:type` local name.
    enum SchemaType: String, CaseIterable {
        case audio = "audioCaptureType"
        case video = "videoCaptureType"
        case text = "textCaptureType"
        case other = "otherCaptureType"
    }

    /// Decodes a `<mediaCapture>`. Its kind comes from `xsi:type` (in the data-model namespace, the protocol's or
    /// none); without one, from `mediaType` (a liberal reading: "audio", "video", "text", anything else is other).
    public init(element: XMLElement) throws(CLUEDecodingError) {
        let attributes = try AttributeReader(element, allowed: ["captureID", "mediaType"],
                                             wildcard: .other(targetNamespace: XMLNamespace.clueInfo))
        let captureID = try attributes.requiredID("captureID")
        let mediaType = try attributes.requiredString("mediaType")
        let type = try Self.schemaType(of: element, mediaType: mediaType, context: attributes.context)

        var cursor = try ChildCursor(element)
        let context = cursor.context
        let captureSceneID = try SimpleContent.id(cursor.required("captureSceneIDREF"), in: context)

        let spatiality: Spatiality
        if let spatial = cursor.optional("spatialInformation") {
            spatiality = .spatial(try SpatialInformation(element: spatial))
            try cursor.refuse("nonSpatiallyDefinable", conflictingWith: "<spatialInformation>")
        } else if let flag = cursor.optional("nonSpatiallyDefinable") {
            try SimpleContent.fixedTrue(flag, in: context)
            spatiality = .nonSpatiallyDefinable
            try cursor.refuse("spatialInformation", conflictingWith: "<nonSpatiallyDefinable>")
        } else {
            throw .missingElement("spatialInformation> or <nonSpatiallyDefinable", in: context)
        }

        let composition: Composition
        if let individual = cursor.optional("individual") {
            try SimpleContent.fixedTrue(individual, in: context)
            composition = .individual
            for field in MultipleContentCapture.elementNames {
                try cursor.refuse(field, conflictingWith: "<individual>")
            }
        } else {
            composition = .multipleContent(try MultipleContentCapture(reading: &cursor))
            try cursor.refuse("individual", conflictingWith: "Multiple Content Capture fields")
        }

        let encodingGroupID = try cursor.optional("encGroupIDREF").map { e throws(CLUEDecodingError) in
            try SimpleContent.id(e, in: context)
        }
        var descriptions: [LocalizedText] = []
        for e in cursor.zeroOrMore("description") { descriptions.append(try LocalizedText(element: e)) }
        let priority = try cursor.optional("priority").map { e throws(CLUEDecodingError) in
            try SimpleContent.unsigned(e, in: context, as: UInt32.self)
        }
        var languages: [String] = []
        for e in cursor.zeroOrMore("lang") { languages.append(try SimpleContent.language(e, in: context)) }
        let mobility = try cursor.optional("mobility").map { e throws(CLUEDecodingError) in
            try SimpleContent.token(e, in: context, expected: "static, dynamic or highly-dynamic",
                                    Mobility.init(rawValue:))
        }
        let presentation = try cursor.optional("presentation").map { e throws(CLUEDecodingError) in
            try SimpleContent.string(e)
        }
        let embeddedText = try cursor.optional("embeddedText").map { e throws(CLUEDecodingError) in
            try EmbeddedText(element: e, in: context)
        }
        let view = try cursor.optional("view").map { e throws(CLUEDecodingError) in try SimpleContent.string(e) }
        var capturedPeople: [String] = []
        if let people = cursor.optional("capturedPeople") {
            _ = try AttributeReader(people)
            var inner = try ChildCursor(people)
            for e in try inner.oneOrMore("personIDREF") {
                capturedPeople.append(try SimpleContent.id(e, in: inner.context))
            }
            try inner.finish()
        }
        let relatedTo = try cursor.optional("relatedTo").map { e throws(CLUEDecodingError) in
            try SimpleContent.id(e, in: context)
        }

        let kind: Kind
        switch type {
        case .audio:
            let pattern = try cursor.optional("sensitivityPattern").map { e throws(CLUEDecodingError) in
                try SimpleContent.string(e)
            }
            kind = .audio(sensitivityPattern: pattern)
        case .video: kind = .video
        case .text: kind = .text
        case .other: kind = .other
        }
        let extensions = cursor.extensions()
        if type != .audio, let next = cursor.next, next.name.local == "sensitivityPattern",
           XSDValue.isCLUENamespace(next.name.namespace) {
            throw .unexpectedElement(next.name, line: next.line, in: context,
                                     detail: "only audio captures (audioCaptureType) have a sensitivity pattern")
        }
        try cursor.finish()

        self.init(captureID: captureID, kind: kind, mediaType: mediaType, captureSceneID: captureSceneID,
                  spatiality: spatiality, composition: composition, encodingGroupID: encodingGroupID,
                  descriptions: descriptions, priority: priority, languages: languages, mobility: mobility,
                  presentation: presentation, embeddedText: embeddedText, view: view,
                  capturedPeople: capturedPeople, relatedTo: relatedTo, extensions: extensions,
                  extensionAttributes: attributes.extensions)
    }

    private static func schemaType(of element: XMLElement, mediaType: String, context: CLUEElementContext)
        throws(CLUEDecodingError) -> SchemaType
    {
        guard let declared = element.schemaType else {
            switch mediaType.trimmingXMLWhitespace().lowercased() {
            case "audio": return .audio
            case "video": return .video
            case "text": return .text
            default: return .other
            }
        }
        if XSDValue.isCLUENamespace(declared.namespace), let type = SchemaType(rawValue: declared.local) {
            return type
        }
        let reason = declared.local == "mediaCaptureType" && XSDValue.isCLUENamespace(declared.namespace)
            ? "is abstract; a capture is an audioCaptureType, videoCaptureType, textCaptureType or otherCaptureType"
            : "is not a CLUE media capture type (audioCaptureType, videoCaptureType, textCaptureType, "
                + "otherCaptureType)"
        throw .invalidValue(field: "xsi:type", value: declared.description, line: element.line, in: context,
                            reason: reason)
    }

    var schemaType: SchemaType {
        switch kind {
        case .audio: .audio
        case .video: .video
        case .text: .text
        case .other: .other
        }
    }

    /// The `<mediaCapture>` element, with `xsi:type` set. The model must be schema-valid.
    package func element() -> XMLElement {
        let name = CLUEName.info
        var children: [XMLElement] = [.text(name("captureSceneIDREF"), captureSceneID)]
        switch spatiality {
        case .spatial(let information): children.append(information.element())
        case .nonSpatiallyDefinable: children.append(.text(name("nonSpatiallyDefinable"), "true"))
        }
        switch composition {
        case .individual: children.append(.text(name("individual"), "true"))
        case .multipleContent(let mcc): children += mcc.elements()
        }
        if let encodingGroupID { children.append(.text(name("encGroupIDREF"), encodingGroupID)) }
        children += descriptions.map { $0.element() }
        if let priority { children.append(.text(name("priority"), String(priority))) }
        children += languages.map { .text(name("lang"), $0) }
        if let mobility { children.append(.text(name("mobility"), mobility.rawValue)) }
        if let presentation { children.append(.text(name("presentation"), presentation)) }
        if let embeddedText { children.append(embeddedText.element()) }
        if let view { children.append(.text(name("view"), view)) }
        if !capturedPeople.isEmpty {
            children.append(.parent(name("capturedPeople"), capturedPeople.map { .text(name("personIDREF"), $0) }))
        }
        if let relatedTo { children.append(.text(name("relatedTo"), relatedTo)) }
        if case .audio(let pattern?) = kind { children.append(.text(name("sensitivityPattern"), pattern)) }
        children += extensions

        var element = XMLElement.parent(
            name("mediaCapture"),
            attributes: [.plain("captureID", captureID), .plain("mediaType", mediaType)] + extensionAttributes,
            children)
        element.schemaType = name(schemaType.rawValue)
        return element
    }
}

extension MultipleContentCapture {
    /// The MCC branch of the capture's second `xs:choice`, in order.
    static let elementNames = ["synchronizationID", "content", "policy", "maxCaptures", "allowSubsetChoice"]

    init(reading cursor: inout ChildCursor) throws(CLUEDecodingError) {
        let context = cursor.context
        let synchronizationID = try cursor.optional("synchronizationID").map { e throws(CLUEDecodingError) in
            try SimpleContent.id(e, in: context)
        }
        let content = try cursor.optional("content").map { e throws(CLUEDecodingError) in
            try CaptureContent(element: e)
        }
        let policy = try cursor.optional("policy").map { e throws(CLUEDecodingError) in
            try SimpleContent.token(e, in: context, expected: "a policy of the form name:index (SoundLevel:0)",
                                    XSDValue.policy)
        }
        let maxCaptures = try cursor.optional("maxCaptures").map { e throws(CLUEDecodingError) in
            try MaxCaptures(element: e, in: context)
        }
        let allowSubsetChoice = try cursor.optional("allowSubsetChoice").map { e throws(CLUEDecodingError) in
            try SimpleContent.boolean(e, in: context)
        }
        self.init(synchronizationID: synchronizationID, content: content, policy: policy, maxCaptures: maxCaptures,
                  allowSubsetChoice: allowSubsetChoice)
    }

    func elements() -> [XMLElement] {
        let name = CLUEName.info
        var result: [XMLElement] = []
        if let synchronizationID { result.append(.text(name("synchronizationID"), synchronizationID)) }
        if let content { result.append(content.element(named: "content")) }
        if let policy { result.append(.text(name("policy"), policy.description)) }
        if let maxCaptures { result.append(maxCaptures.element()) }
        if let allowSubsetChoice { result.append(.text(name("allowSubsetChoice"), allowSubsetChoice.xsdLexical)) }
        return result
    }
}

extension CaptureContent {
    /// Decodes `contentType` (`<content>` of an MCC, `<configuredContent>` of a capture encoding). Its references
    /// are `xs:string` in the schema; surrounding whitespace is dropped since they name captures and views.
    public init(element: XMLElement) throws(CLUEDecodingError) {
        let attributes = try AttributeReader(element, wildcard: .other(targetNamespace: XMLNamespace.clueInfo))
        var cursor = try ChildCursor(element)
        var captures: [String] = []
        for e in cursor.zeroOrMore("mediaCaptureIDREF") { captures.append(try SimpleContent.reference(e)) }
        var views: [String] = []
        for e in cursor.zeroOrMore("sceneViewIDREF") { views.append(try SimpleContent.reference(e)) }
        let extensions = cursor.extensions()
        try cursor.finish()
        self.init(mediaCaptureIDs: captures, sceneViewIDs: views, extensions: extensions,
                  extensionAttributes: attributes.extensions)
    }

    /// `<content>` or `<configuredContent>`, in the data-model namespace.
    package func element(named local: String) -> XMLElement {
        let name = CLUEName.info
        let children: [XMLElement] = mediaCaptureIDs.map { .text(name("mediaCaptureIDREF"), $0) }
            + sceneViewIDs.map { .text(name("sceneViewIDREF"), $0) } + extensions
        return .parent(name(local), attributes: extensionAttributes, children)
    }
}

extension MaxCaptures {
    init(element: XMLElement, in parent: CLUEElementContext) throws(CLUEDecodingError) {
        let attributes = try AttributeReader(element, allowed: ["exactNumber"])
        let value = try SimpleContent.unsigned(element, in: parent, as: UInt16.self, minimum: 1,
                                               checkAttributes: false)
        self.init(value, exactNumber: try attributes.boolean("exactNumber"))
    }

    func element() -> XMLElement {
        .text(CLUEName.info("maxCaptures"), String(value),
              attributes: exactNumber.map { [.plain("exactNumber", $0.xsdLexical)] } ?? [])
    }
}

extension LocalizedText {
    /// Decodes a `<description>`: its text exactly as written, and `lang`.
    public init(element: XMLElement) throws(CLUEDecodingError) {
        let attributes = try AttributeReader(element, allowed: ["lang"])
        self.init(try SimpleContent.string(element, checkAttributes: false), lang: try attributes.language("lang"))
    }

    func element() -> XMLElement {
        .text(CLUEName.info("description"), text, attributes: lang.map { [.plain("lang", $0)] } ?? [])
    }
}

extension EmbeddedText {
    init(element: XMLElement, in parent: CLUEElementContext) throws(CLUEDecodingError) {
        let attributes = try AttributeReader(element, allowed: ["lang"])
        self.init(try SimpleContent.boolean(element, in: parent, checkAttributes: false),
                  lang: try attributes.language("lang"))
    }

    func element() -> XMLElement {
        .text(CLUEName.info("embeddedText"), value.xsdLexical, attributes: lang.map { [.plain("lang", $0)] } ?? [])
    }
}
