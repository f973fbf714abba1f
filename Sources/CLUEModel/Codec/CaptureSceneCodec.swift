// <captureScene> (RFC 8846 sections 16-17):
//
//   captureSceneType: description* sceneInformation? sceneViews? ##other*   @sceneID @scale @##other
//   sceneViewsType:   sceneView+
//   sceneViewType:    description* mediaCaptureIDs                          @sceneViewID
//   captureIDListType: mediaCaptureIDREF+

extension CaptureScene {
    public init(element: XMLElement) throws(CLUEDecodingError) {
        let attributes = try AttributeReader(element, allowed: ["sceneID", "scale"],
                                             wildcard: .other(targetNamespace: XMLNamespace.clueInfo))
        let sceneID = try attributes.requiredID("sceneID")
        let rawScale = try attributes.requiredString("scale")
        guard let scale = Scale(rawValue: String(rawScale.trimmingXMLWhitespace())) else {
            throw .invalidValue(field: "scale", value: rawScale, line: element.line, in: attributes.context,
                                reason: "is not mm, unknown or noscale")
        }
        var cursor = try ChildCursor(element)
        var descriptions: [LocalizedText] = []
        for e in cursor.zeroOrMore("description") { descriptions.append(try LocalizedText(element: e)) }
        let information = try cursor.optional("sceneInformation").map { e throws(CLUEDecodingError) in
            try XCard(element: e)
        }
        var views: [SceneView] = []
        if let wrapper = cursor.optional("sceneViews") {
            _ = try AttributeReader(wrapper)
            var inner = try ChildCursor(wrapper)
            for e in try inner.oneOrMore("sceneView") { views.append(try SceneView(element: e)) }
            try inner.finish()
        }
        let extensions = cursor.extensions()
        try cursor.finish()
        self.init(sceneID: sceneID, scale: scale, descriptions: descriptions, sceneInformation: information,
                  sceneViews: views, extensions: extensions, extensionAttributes: attributes.extensions)
    }

    func element() -> XMLElement {
        let name = CLUEName.info
        var children = descriptions.map { $0.element() }
        if let sceneInformation { children.append(sceneInformation.element(named: name("sceneInformation"))) }
        if !sceneViews.isEmpty { children.append(.parent(name("sceneViews"), sceneViews.map { $0.element() })) }
        return .parent(name("captureScene"),
                       attributes: [.plain("sceneID", sceneID), .plain("scale", scale.rawValue)]
                           + extensionAttributes,
                       children + extensions)
    }
}

extension SceneView {
    public init(element: XMLElement) throws(CLUEDecodingError) {
        let attributes = try AttributeReader(element, allowed: ["sceneViewID"])
        let sceneViewID = try attributes.requiredID("sceneViewID")
        var cursor = try ChildCursor(element)
        var descriptions: [LocalizedText] = []
        for e in cursor.zeroOrMore("description") { descriptions.append(try LocalizedText(element: e)) }
        let list = try cursor.required("mediaCaptureIDs")
        try cursor.finish()
        _ = try AttributeReader(list)
        var inner = try ChildCursor(list)
        var captures: [String] = []
        for e in try inner.oneOrMore("mediaCaptureIDREF") {
            captures.append(try SimpleContent.id(e, in: inner.context))
        }
        try inner.finish()
        self.init(sceneViewID: sceneViewID, descriptions: descriptions, mediaCaptureIDs: captures)
    }

    func element() -> XMLElement {
        let name = CLUEName.info
        let list = XMLElement.parent(name("mediaCaptureIDs"), mediaCaptureIDs.map { .text(name("mediaCaptureIDREF"), $0) })
        return .parent(name("sceneView"), attributes: [.plain("sceneViewID", sceneViewID)],
                       descriptions.map { $0.element() } + [list])
    }
}

extension XCard {
    /// Keeps `xcard:vcardType` content as it came (`xs:any` and `xs:anyAttribute` of any namespace). The type is
    /// element-only, so text other than indentation is refused.
    public init(element: XMLElement) throws(CLUEDecodingError) {
        let context = CLUEElementContext(element)
        for case .text(let text) in element.children where !text.isXMLWhitespace {
            throw .unexpectedText(text, in: context)
        }
        let attributes = element.attributes.filter {
            !XSDValue.isSchemaInstance($0.name.namespace) && $0.name.namespace != XMLNamespace.xmlns
        }
        self.init(attributes: attributes,
                  children: OpaqueContent.normalized(element.children.filter {
                      if case .element = $0 { true } else { false }
                  }))
    }

    package func element(named name: XMLName) -> XMLElement {
        XMLElement(name, attributes: attributes, children: children)
    }
}
