/// What a Media Provider advertises (RFC 8845 section 5, RFC 8846): its captures, the scenes they belong to, the
/// encoding groups that limit how they can be sent, and the optional simultaneous sets, global views and people.
///
/// This is the payload of an RFC 8847 `advertisement` message and the body of an RFC 8846 `<clueInfo>` document.
/// Optional lists are `nil` when the element is absent; the schema forbids them present but empty.
public struct Advertisement: Sendable, Hashable {
    public var mediaCaptures: [MediaCapture]
    public var encodingGroups: [EncodingGroup]
    public var captureScenes: [CaptureScene]
    public var simultaneousSets: [SimultaneousSet]?
    public var globalViews: [GlobalView]?
    public var people: [Person]?

    public init(mediaCaptures: [MediaCapture], encodingGroups: [EncodingGroup], captureScenes: [CaptureScene],
                simultaneousSets: [SimultaneousSet]? = nil, globalViews: [GlobalView]? = nil,
                people: [Person]? = nil) {
        self.mediaCaptures = mediaCaptures
        self.encodingGroups = encodingGroups
        self.captureScenes = captureScenes
        self.simultaneousSets = simultaneousSets
        self.globalViews = globalViews
        self.people = people
    }
}

/// An RFC 8846 `<clueInfo>` document: an advertisement with an identifier, as stored or exchanged outside the
/// protocol.
public struct ClueInfo: Sendable, Hashable {
    public var clueInfoID: String
    public var advertisement: Advertisement
    /// Elements of other namespaces after `<people>`.
    public var extensions: [XMLElement]
    /// Attributes of other namespaces on `<clueInfo>`.
    public var extensionAttributes: [XMLAttribute]

    public init(clueInfoID: String, advertisement: Advertisement, extensions: [XMLElement] = [],
                extensionAttributes: [XMLAttribute] = []) {
        self.clueInfoID = clueInfoID
        self.advertisement = advertisement
        self.extensions = extensions
        self.extensionAttributes = extensionAttributes
    }
}
