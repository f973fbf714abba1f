/// A capture scene (RFC 8845 section 7.3, RFC 8846 section 16): a part of the room with its own coordinate space,
/// and the scene views that each cover it with a set of captures.
public struct CaptureScene: Sendable, Hashable {
    public enum Scale: String, Sendable, Hashable, CaseIterable {
        case millimeters = "mm"
        case unknown
        case noScale = "noscale"
    }

    public var sceneID: String
    public var scale: Scale
    public var descriptions: [LocalizedText]
    /// `<sceneInformation>`, an xCard. Never used for decisions; see the privacy notes in the README.
    public var sceneInformation: XCard?
    /// Empty when `<sceneViews>` is absent.
    public var sceneViews: [SceneView]
    public var extensions: [XMLElement]
    public var extensionAttributes: [XMLAttribute]

    public init(sceneID: String, scale: Scale, descriptions: [LocalizedText] = [], sceneInformation: XCard? = nil,
                sceneViews: [SceneView] = [], extensions: [XMLElement] = [],
                extensionAttributes: [XMLAttribute] = []) {
        self.sceneID = sceneID
        self.scale = scale
        self.descriptions = descriptions
        self.sceneInformation = sceneInformation
        self.sceneViews = sceneViews
        self.extensions = extensions
        self.extensionAttributes = extensionAttributes
    }
}

/// A scene view: a set of captures of one media type that together represent the scene.
public struct SceneView: Sendable, Hashable {
    public var sceneViewID: String
    public var descriptions: [LocalizedText]
    /// At least one.
    public var mediaCaptureIDs: [String]

    public init(sceneViewID: String, descriptions: [LocalizedText] = [], mediaCaptureIDs: [String]) {
        self.sceneViewID = sceneViewID
        self.descriptions = descriptions
        self.mediaCaptureIDs = mediaCaptureIDs
    }
}

/// xCard content (RFC 6351) kept as it came: `sceneInformation` and `personInfo` are opaque to the bridge.
public struct XCard: Sendable, Hashable {
    public var attributes: [XMLAttribute]
    public var children: [XMLNode]

    public init(attributes: [XMLAttribute] = [], children: [XMLNode] = []) {
        self.attributes = attributes
        self.children = children
    }
}
