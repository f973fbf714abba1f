/// A media capture (RFC 8845 section 7.1, RFC 8846 section 11): one source of media a provider can send, either a
/// single camera/microphone view (individual) or a Multiple Content Capture that mixes or switches others.
public struct MediaCapture: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case audio(sensitivityPattern: String?)
        case video
        case text
        /// `otherCaptureType`, for media types outside audio, video and text.
        case other
    }

    public enum Spatiality: Sendable, Hashable {
        case spatial(SpatialInformation)
        /// `<nonSpatiallyDefinable>true</nonSpatiallyDefinable>`: recordings, text, shared content.
        case nonSpatiallyDefinable
    }

    public enum Composition: Sendable, Hashable {
        /// `<individual>true</individual>`: not a Multiple Content Capture.
        case individual
        /// The MCC fields, all optional; all of them absent is a capture that claims neither.
        case multipleContent(MultipleContentCapture)
    }

    public enum Mobility: String, Sendable, Hashable, CaseIterable {
        case `static`
        case dynamic
        case highlyDynamic = "highly-dynamic"
    }

    public var captureID: String
    public var kind: Kind
    /// The `mediaType` attribute ("audio", "video", "text" or an agreed other value).
    public var mediaType: String
    public var captureSceneID: String
    public var spatiality: Spatiality
    public var composition: Composition
    public var encodingGroupID: String?
    public var descriptions: [LocalizedText]
    public var priority: UInt32?
    /// `xs:language` tags of the languages used in the capture.
    public var languages: [String]
    public var mobility: Mobility?
    public var presentation: String?
    public var embeddedText: EmbeddedText?
    public var view: String?
    /// `personIDREF`s; empty when `<capturedPeople>` is absent.
    public var capturedPeople: [String]
    public var relatedTo: String?
    /// Elements of other namespaces that follow the capture's own fields (after `sensitivityPattern` for audio).
    public var extensions: [XMLElement]
    /// Attributes of other namespaces.
    public var extensionAttributes: [XMLAttribute]

    public init(captureID: String, kind: Kind, mediaType: String? = nil, captureSceneID: String,
                spatiality: Spatiality = .nonSpatiallyDefinable, composition: Composition = .individual,
                encodingGroupID: String? = nil, descriptions: [LocalizedText] = [], priority: UInt32? = nil,
                languages: [String] = [], mobility: Mobility? = nil, presentation: String? = nil,
                embeddedText: EmbeddedText? = nil, view: String? = nil, capturedPeople: [String] = [],
                relatedTo: String? = nil, extensions: [XMLElement] = [], extensionAttributes: [XMLAttribute] = []) {
        self.captureID = captureID
        self.kind = kind
        self.mediaType = mediaType ?? kind.defaultMediaType
        self.captureSceneID = captureSceneID
        self.spatiality = spatiality
        self.composition = composition
        self.encodingGroupID = encodingGroupID
        self.descriptions = descriptions
        self.priority = priority
        self.languages = languages
        self.mobility = mobility
        self.presentation = presentation
        self.embeddedText = embeddedText
        self.view = view
        self.capturedPeople = capturedPeople
        self.relatedTo = relatedTo
        self.extensions = extensions
        self.extensionAttributes = extensionAttributes
    }

    /// The MCC fields, or nil for an individual capture.
    public var multipleContent: MultipleContentCapture? {
        if case .multipleContent(let mcc) = composition { mcc } else { nil }
    }
}

extension MediaCapture.Kind {
    public var defaultMediaType: String {
        switch self {
        case .audio: "audio"
        case .video: "video"
        case .text: "text"
        case .other: "application"
        }
    }
}

/// The fields of a Multiple Content Capture (RFC 8845 section 7.2, RFC 8846 section 11.9-11.13).
public struct MultipleContentCapture: Sendable, Hashable {
    public var synchronizationID: String?
    public var content: CaptureContent?
    /// e.g. `SoundLevel:0` or `RoundRobin:1` (RFC 8845 section 7.2.1.1).
    public var policy: CapturePolicy?
    public var maxCaptures: MaxCaptures?
    public var allowSubsetChoice: Bool?

    public init(synchronizationID: String? = nil, content: CaptureContent? = nil, policy: CapturePolicy? = nil,
                maxCaptures: MaxCaptures? = nil, allowSubsetChoice: Bool? = nil) {
        self.synchronizationID = synchronizationID
        self.content = content
        self.policy = policy
        self.maxCaptures = maxCaptures
        self.allowSubsetChoice = allowSubsetChoice
    }
}

/// `contentType`: the captures and scene views an MCC draws from, or that a configure selected
/// (`configuredContent`).
public struct CaptureContent: Sendable, Hashable {
    public var mediaCaptureIDs: [String]
    public var sceneViewIDs: [String]
    public var extensions: [XMLElement]
    public var extensionAttributes: [XMLAttribute]

    public init(mediaCaptureIDs: [String] = [], sceneViewIDs: [String] = [], extensions: [XMLElement] = [],
                extensionAttributes: [XMLAttribute] = []) {
        self.mediaCaptureIDs = mediaCaptureIDs
        self.sceneViewIDs = sceneViewIDs
        self.extensions = extensions
        self.extensionAttributes = extensionAttributes
    }
}

/// An MCC policy, `name:index` (schema pattern `([a-zA-Z0-9])+[:]([0-9])+`).
public struct CapturePolicy: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    /// Kept as text: the schema allows any run of digits, leading zeros included.
    public var index: String

    public init(name: String, index: String) {
        self.name = name
        self.index = index
    }

    public init(name: String, index: Int) {
        self.init(name: name, index: String(index))
    }

    public static func soundLevel(_ index: Int) -> CapturePolicy { CapturePolicy(name: "SoundLevel", index: index) }
    public static func roundRobin(_ index: Int) -> CapturePolicy { CapturePolicy(name: "RoundRobin", index: index) }

    public var description: String { "\(name):\(index)" }
}

/// `maxCaptures` (1...65535) and its `exactNumber` attribute.
public struct MaxCaptures: Sendable, Hashable {
    public var value: UInt16
    public var exactNumber: Bool?

    public init(_ value: UInt16, exactNumber: Bool? = nil) {
        self.value = value
        self.exactNumber = exactNumber
    }
}

/// A string with an optional `lang` attribute (`<description>`).
public struct LocalizedText: Sendable, Hashable {
    public var text: String
    public var lang: String?

    public init(_ text: String, lang: String? = nil) {
        self.text = text
        self.lang = lang
    }
}

/// `<embeddedText lang="...">true</embeddedText>`.
public struct EmbeddedText: Sendable, Hashable {
    public var value: Bool
    public var lang: String?

    public init(_ value: Bool, lang: String? = nil) {
        self.value = value
        self.lang = lang
    }
}
