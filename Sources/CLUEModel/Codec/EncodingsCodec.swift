// Encoding groups, simultaneous sets, global views, people and capture encodings (RFC 8846 sections 18-22):
//
//   encodingGroupType:   maxGroupBandwidth encodingIDList ##other*        @encodingGroupID @##any
//   encodingIDListType:  encodingID+
//   simultaneousSetType: mediaCaptureIDREF* sceneViewIDREF* captureSceneIDREF* ##other*
//                                                                           @setID @mediaType? @##any
//   globalViewType:      sceneViewIDREF+ ##other*                         @globalViewID? @##any
//   personType:          personInfo? personType* ##other*                 @personID @##other
//   captureEncodingType: captureID encodingID configuredContent? ##other* @ID @##any

extension EncodingGroup {
    public init(element: XMLElement) throws(CLUEDecodingError) {
        let attributes = try AttributeReader(element, allowed: ["encodingGroupID"], wildcard: .any)
        let id = try attributes.requiredID("encodingGroupID")
        var cursor = try ChildCursor(element)
        let bandwidth = try SimpleContent.unsigned(cursor.required("maxGroupBandwidth"), in: cursor.context,
                                                   as: UInt64.self)
        let list = try cursor.required("encodingIDList")
        _ = try AttributeReader(list)
        var inner = try ChildCursor(list)
        var encodingIDs: [String] = []
        for e in try inner.oneOrMore("encodingID") { encodingIDs.append(try SimpleContent.string(e)) }
        try inner.finish()
        let extensions = cursor.extensions()
        try cursor.finish()
        self.init(encodingGroupID: id, maxGroupBandwidth: bandwidth, encodingIDs: encodingIDs,
                  extensions: extensions, extensionAttributes: attributes.extensions)
    }

    func element() -> XMLElement {
        let name = CLUEName.info
        let list = XMLElement.parent(name("encodingIDList"), encodingIDs.map { .text(name("encodingID"), $0) })
        return .parent(name("encodingGroup"),
                       attributes: [.plain("encodingGroupID", encodingGroupID)] + extensionAttributes,
                       [.text(name("maxGroupBandwidth"), String(maxGroupBandwidth)), list] + extensions)
    }
}

extension SimultaneousSet {
    public init(element: XMLElement) throws(CLUEDecodingError) {
        let attributes = try AttributeReader(element, allowed: ["setID", "mediaType"], wildcard: .any)
        let setID = try attributes.requiredID("setID")
        var cursor = try ChildCursor(element)
        let context = cursor.context
        var captures: [String] = []
        for e in cursor.zeroOrMore("mediaCaptureIDREF") { captures.append(try SimpleContent.id(e, in: context)) }
        var views: [String] = []
        for e in cursor.zeroOrMore("sceneViewIDREF") { views.append(try SimpleContent.id(e, in: context)) }
        var scenes: [String] = []
        for e in cursor.zeroOrMore("captureSceneIDREF") { scenes.append(try SimpleContent.id(e, in: context)) }
        let extensions = cursor.extensions()
        try cursor.finish()
        self.init(setID: setID, mediaType: attributes.string("mediaType"), mediaCaptureIDs: captures,
                  sceneViewIDs: views, captureSceneIDs: scenes, extensions: extensions,
                  extensionAttributes: attributes.extensions)
    }

    func element() -> XMLElement {
        let name = CLUEName.info
        var attributes: [XMLAttribute] = [.plain("setID", setID)]
        if let mediaType { attributes.append(.plain("mediaType", mediaType)) }
        let children: [XMLElement] = mediaCaptureIDs.map { .text(name("mediaCaptureIDREF"), $0) }
            + sceneViewIDs.map { .text(name("sceneViewIDREF"), $0) }
            + captureSceneIDs.map { .text(name("captureSceneIDREF"), $0) }
        return .parent(name("simultaneousSet"), attributes: attributes + extensionAttributes, children + extensions)
    }
}

extension GlobalView {
    public init(element: XMLElement) throws(CLUEDecodingError) {
        let attributes = try AttributeReader(element, allowed: ["globalViewID"], wildcard: .any)
        let id = try attributes.optionalID("globalViewID")
        var cursor = try ChildCursor(element)
        var views: [String] = []
        for e in try cursor.oneOrMore("sceneViewIDREF") { views.append(try SimpleContent.id(e, in: cursor.context)) }
        let extensions = cursor.extensions()
        try cursor.finish()
        self.init(globalViewID: id, sceneViewIDs: views, extensions: extensions,
                  extensionAttributes: attributes.extensions)
    }

    func element() -> XMLElement {
        let name = CLUEName.info
        let attributes = (globalViewID.map { [XMLAttribute.plain("globalViewID", $0)] } ?? []) + extensionAttributes
        return .parent(name("globalView"), attributes: attributes,
                       sceneViewIDs.map { .text(name("sceneViewIDREF"), $0) } + extensions)
    }
}

extension Person {
    public init(element: XMLElement) throws(CLUEDecodingError) {
        let attributes = try AttributeReader(element, allowed: ["personID"],
                                             wildcard: .other(targetNamespace: XMLNamespace.clueInfo))
        let personID = try attributes.requiredID("personID")
        var cursor = try ChildCursor(element)
        let info = try cursor.optional("personInfo").map { e throws(CLUEDecodingError) in try XCard(element: e) }
        var types: [String] = []
        for e in cursor.zeroOrMore("personType") { types.append(try SimpleContent.string(e)) }
        let extensions = cursor.extensions()
        try cursor.finish()
        self.init(personID: personID, personInfo: info, personTypes: types, extensions: extensions,
                  extensionAttributes: attributes.extensions)
    }

    func element() -> XMLElement {
        let name = CLUEName.info
        var children: [XMLElement] = []
        if let personInfo { children.append(personInfo.element(named: name("personInfo"))) }
        children += personTypes.map { .text(name("personType"), $0) }
        return .parent(name("person"), attributes: [.plain("personID", personID)] + extensionAttributes,
                       children + extensions)
    }
}

extension CaptureEncoding {
    /// Decodes a `<captureEncoding>`. `captureID` is an `xs:string` naming a capture, read without surrounding
    /// whitespace; `encodingID` is kept exactly (it is an SDP `a=label`).
    public init(element: XMLElement) throws(CLUEDecodingError) {
        let attributes = try AttributeReader(element, allowed: ["ID"], wildcard: .any)
        let id = try attributes.requiredID("ID")
        var cursor = try ChildCursor(element)
        let captureID = try SimpleContent.reference(cursor.required("captureID"))
        let encodingID = try SimpleContent.string(cursor.required("encodingID"))
        let content = try cursor.optional("configuredContent").map { e throws(CLUEDecodingError) in
            try CaptureContent(element: e)
        }
        let extensions = cursor.extensions()
        try cursor.finish()
        self.init(id: id, captureID: captureID, encodingID: encodingID, configuredContent: content,
                  extensions: extensions, extensionAttributes: attributes.extensions)
    }

    /// The `<captureEncoding>` element (data-model namespace). The model must be schema-valid.
    package func element() -> XMLElement {
        let name = CLUEName.info
        var children: [XMLElement] = [.text(name("captureID"), captureID), .text(name("encodingID"), encodingID)]
        if let configuredContent { children.append(configuredContent.element(named: "configuredContent")) }
        return .parent(name("captureEncoding"), attributes: [.plain("ID", id)] + extensionAttributes,
                       children + extensions)
    }
}

extension Array where Element == CaptureEncoding {
    /// Decodes the items of a `<captureEncodings>` wrapper (whatever its namespace).
    package init(captureEncodings wrapper: XMLElement) throws(CLUEDecodingError) {
        self = []
        for item in try ListWrapper.items(of: wrapper, named: "captureEncoding") {
            append(try CaptureEncoding(element: item))
        }
    }
}

/// The plain list wrappers (`mediaCapturesType`, `captureEncodingsType`, ...): one or more items, nothing else.
package enum ListWrapper {
    package static func items(of wrapper: XMLElement, named item: String) throws(CLUEDecodingError)
        -> [XMLElement]
    {
        _ = try AttributeReader(wrapper)
        var cursor = try ChildCursor(wrapper)
        let items = try cursor.oneOrMore(item)
        try cursor.finish()
        return items
    }
}
