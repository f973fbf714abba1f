/// An encoding group (RFC 8845 section 8, RFC 8846 section 18): encodings a provider can produce together within
/// one total bandwidth.
public struct EncodingGroup: Sendable, Hashable {
    public var encodingGroupID: String
    /// Bits per second.
    public var maxGroupBandwidth: UInt64
    /// At least one; on the bridge's side these are the `a=label` values of its CLUE-controlled m-lines.
    public var encodingIDs: [String]
    public var extensions: [XMLElement]
    /// Any namespace is allowed here by the schema.
    public var extensionAttributes: [XMLAttribute]

    public init(encodingGroupID: String, maxGroupBandwidth: UInt64, encodingIDs: [String],
                extensions: [XMLElement] = [], extensionAttributes: [XMLAttribute] = []) {
        self.encodingGroupID = encodingGroupID
        self.maxGroupBandwidth = maxGroupBandwidth
        self.encodingIDs = encodingIDs
        self.extensions = extensions
        self.extensionAttributes = extensionAttributes
    }
}

/// A simultaneous transmission set (RFC 8845 section 6.3): captures and views the provider can send at once.
public struct SimultaneousSet: Sendable, Hashable {
    public var setID: String
    public var mediaType: String?
    public var mediaCaptureIDs: [String]
    public var sceneViewIDs: [String]
    public var captureSceneIDs: [String]
    public var extensions: [XMLElement]
    public var extensionAttributes: [XMLAttribute]

    public init(setID: String, mediaType: String? = nil, mediaCaptureIDs: [String] = [],
                sceneViewIDs: [String] = [], captureSceneIDs: [String] = [], extensions: [XMLElement] = [],
                extensionAttributes: [XMLAttribute] = []) {
        self.setID = setID
        self.mediaType = mediaType
        self.mediaCaptureIDs = mediaCaptureIDs
        self.sceneViewIDs = sceneViewIDs
        self.captureSceneIDs = captureSceneIDs
        self.extensions = extensions
        self.extensionAttributes = extensionAttributes
    }
}

/// A global view (RFC 8845 section 7.4): scene views across scenes that make one picture of the whole site.
public struct GlobalView: Sendable, Hashable {
    public var globalViewID: String?
    /// At least one.
    public var sceneViewIDs: [String]
    public var extensions: [XMLElement]
    public var extensionAttributes: [XMLAttribute]

    public init(globalViewID: String?, sceneViewIDs: [String], extensions: [XMLElement] = [],
                extensionAttributes: [XMLAttribute] = []) {
        self.globalViewID = globalViewID
        self.sceneViewIDs = sceneViewIDs
        self.extensions = extensions
        self.extensionAttributes = extensionAttributes
    }
}

/// A person represented in the captures (RFC 8846 section 21).
public struct Person: Sendable, Hashable {
    public var personID: String
    /// xCard; never used for authorization, minimized before it is passed on.
    public var personInfo: XCard?
    /// Values from IANA's "CLUE Schema <personType>" registry (presenter, timekeeper, ...).
    public var personTypes: [String]
    public var extensions: [XMLElement]
    public var extensionAttributes: [XMLAttribute]

    public init(personID: String, personInfo: XCard? = nil, personTypes: [String] = [],
                extensions: [XMLElement] = [], extensionAttributes: [XMLAttribute] = []) {
        self.personID = personID
        self.personInfo = personInfo
        self.personTypes = personTypes
        self.extensions = extensions
        self.extensionAttributes = extensionAttributes
    }
}

/// A capture encoding (RFC 8846 section 22): one capture the consumer asked for, in one of the provider's
/// encodings. A `configure` carries a list of them.
public struct CaptureEncoding: Sendable, Hashable {
    public var id: String
    public var captureID: String
    public var encodingID: String
    /// For an MCC with `allowSubsetChoice`, the subset the consumer chose.
    public var configuredContent: CaptureContent?
    public var extensions: [XMLElement]
    public var extensionAttributes: [XMLAttribute]

    public init(id: String, captureID: String, encodingID: String, configuredContent: CaptureContent? = nil,
                extensions: [XMLElement] = [], extensionAttributes: [XMLAttribute] = []) {
        self.id = id
        self.captureID = captureID
        self.encodingID = encodingID
        self.configuredContent = configuredContent
        self.extensions = extensions
        self.extensionAttributes = extensionAttributes
    }
}
