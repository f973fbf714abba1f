import CLUEModel

/// A CLUE protocol version, `major.minor` (RFC 8847 section 7). Major versions do not interoperate; minor versions
/// are backward compatible.
public struct ProtocolVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: UInt32
    public var minor: UInt32

    public init(_ major: UInt32, _ minor: UInt32) {
        self.major = major
        self.minor = minor
    }

    /// Parses the schema's `versionType`, `[1-9][0-9]*\.[0-9]+`.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let first = parts[0].first, first != "0",
              parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let major = UInt32(parts[0]), let minor = UInt32(parts[1])
        else { return nil }
        self.init(major, minor)
    }

    /// The version this implementation speaks (RFC 8847 defines 1.0).
    public static let v1_0 = ProtocolVersion(1, 0)

    public var description: String { "\(major).\(minor)" }

    public static func < (lhs: ProtocolVersion, rhs: ProtocolVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }
}

/// The fields every CLUE message carries (`clueMessageType`).
public struct MessageHeader: Sendable, Hashable {
    public var clueID: String?
    /// `xs:positiveInteger`; values above UInt64 are refused when reading.
    public var sequenceNumber: UInt64
    /// The `v` attribute.
    public var version: ProtocolVersion

    public init(clueID: String? = nil, sequenceNumber: UInt64, version: ProtocolVersion = .v1_0) {
        self.clueID = clueID
        self.sequenceNumber = sequenceNumber
        self.version = version
    }
}

/// A protocol extension as listed in `options` and `optionsResponse` (RFC 8847 section 8).
public struct ProtocolExtension: Sendable, Hashable {
    public var name: String
    public var schemaRef: String
    public var version: ProtocolVersion
    public var extensionElement: XMLElement?
    public var extensionAttributes: [XMLAttribute]

    public init(name: String, schemaRef: String, version: ProtocolVersion, extensionElement: XMLElement? = nil,
                extensionAttributes: [XMLAttribute] = []) {
        self.name = name
        self.schemaRef = schemaRef
        self.version = version
        self.extensionElement = extensionElement
        self.extensionAttributes = extensionAttributes
    }
}

/// What every message may carry from other namespaces: the schema allows one element (`xs:any`, at most once) at
/// the end and any number of attributes.
public struct MessageExtensions: Sendable, Hashable {
    public var element: XMLElement?
    public var attributes: [XMLAttribute]

    public init(element: XMLElement? = nil, attributes: [XMLAttribute] = []) {
        self.element = element
        self.attributes = attributes
    }

    public static let none = MessageExtensions()
}

/// `options` (RFC 8847 section 5.1), sent by the Channel Initiator.
public struct OptionsMessage: Sendable, Hashable {
    public var header: MessageHeader
    public var mediaProvider: Bool
    public var mediaConsumer: Bool
    /// Nil when `<supportedVersions>` is absent: then only the `v` major with minors up to `v` are supported.
    public var supportedVersions: [ProtocolVersion]?
    public var supportedExtensions: [ProtocolExtension]?
    public var extensions: MessageExtensions
    /// Foreign content of the `<supportedVersions>` and `<supportedExtensions>` list elements themselves.
    public var supportedVersionsExtensions: MessageExtensions
    public var supportedExtensionsExtensions: MessageExtensions

    public init(header: MessageHeader, mediaProvider: Bool, mediaConsumer: Bool,
                supportedVersions: [ProtocolVersion]? = nil, supportedExtensions: [ProtocolExtension]? = nil,
                extensions: MessageExtensions = .none, supportedVersionsExtensions: MessageExtensions = .none,
                supportedExtensionsExtensions: MessageExtensions = .none) {
        self.header = header
        self.mediaProvider = mediaProvider
        self.mediaConsumer = mediaConsumer
        self.supportedVersions = supportedVersions
        self.supportedExtensions = supportedExtensions
        self.extensions = extensions
        self.supportedVersionsExtensions = supportedVersionsExtensions
        self.supportedExtensionsExtensions = supportedExtensionsExtensions
    }
}

/// The common part of the three responses (`clueResponseType`).
public struct ResponseStatus: Sendable, Hashable {
    public var code: UInt16
    public var reason: String?

    public init(code: UInt16, reason: String? = nil) {
        self.code = code
        self.reason = reason
    }

    public var isSuccess: Bool { (200...299).contains(code) }
}

/// `optionsResponse` (RFC 8847 section 5.2), sent by the Channel Receiver.
public struct OptionsResponseMessage: Sendable, Hashable {
    public var header: MessageHeader
    public var status: ResponseStatus
    public var mediaProvider: Bool?
    public var mediaConsumer: Bool?
    /// The highest commonly supported version (required on success).
    public var version: ProtocolVersion?
    public var commonExtensions: [ProtocolExtension]?
    public var extensions: MessageExtensions
    /// Foreign content of the `<commonExtensions>` list element itself.
    public var commonExtensionsExtensions: MessageExtensions

    public init(header: MessageHeader, status: ResponseStatus, mediaProvider: Bool? = nil,
                mediaConsumer: Bool? = nil, version: ProtocolVersion? = nil,
                commonExtensions: [ProtocolExtension]? = nil, extensions: MessageExtensions = .none,
                commonExtensionsExtensions: MessageExtensions = .none) {
        self.commonExtensionsExtensions = commonExtensionsExtensions
        self.header = header
        self.status = status
        self.mediaProvider = mediaProvider
        self.mediaConsumer = mediaConsumer
        self.version = version
        self.commonExtensions = commonExtensions
        self.extensions = extensions
    }
}

/// `advertisement` (RFC 8847 section 5.3), from a Media Provider.
public struct AdvertisementMessage: Sendable, Hashable {
    public var header: MessageHeader
    public var advertisement: Advertisement
    public var extensions: MessageExtensions

    public init(header: MessageHeader, advertisement: Advertisement, extensions: MessageExtensions = .none) {
        self.header = header
        self.advertisement = advertisement
        self.extensions = extensions
    }
}

/// `ack` (RFC 8847 section 5.4), from a Media Consumer; an error code makes it a NACK.
public struct AckMessage: Sendable, Hashable {
    public var header: MessageHeader
    public var status: ResponseStatus
    public var advertisementSequenceNumber: UInt64
    public var extensions: MessageExtensions

    public init(header: MessageHeader, status: ResponseStatus, advertisementSequenceNumber: UInt64,
                extensions: MessageExtensions = .none) {
        self.header = header
        self.status = status
        self.advertisementSequenceNumber = advertisementSequenceNumber
        self.extensions = extensions
    }
}

/// `configure` (RFC 8847 section 5.5), from a Media Consumer; with `ack` set it is a configure+ack.
public struct ConfigureMessage: Sendable, Hashable {
    public var header: MessageHeader
    public var advertisementSequenceNumber: UInt64
    /// A 2xx code when this configure also acknowledges the advertisement.
    public var ack: UInt16?
    /// Nil when `<captureEncodings>` is absent (the consumer wants nothing).
    public var captureEncodings: [CaptureEncoding]?
    public var extensions: MessageExtensions

    public init(header: MessageHeader, advertisementSequenceNumber: UInt64, ack: UInt16? = nil,
                captureEncodings: [CaptureEncoding]? = nil, extensions: MessageExtensions = .none) {
        self.header = header
        self.advertisementSequenceNumber = advertisementSequenceNumber
        self.ack = ack
        self.captureEncodings = captureEncodings
        self.extensions = extensions
    }
}

/// `configureResponse` (RFC 8847 section 5.6), from a Media Provider.
public struct ConfigureResponseMessage: Sendable, Hashable {
    public var header: MessageHeader
    public var status: ResponseStatus
    public var configureSequenceNumber: UInt64
    public var extensions: MessageExtensions

    public init(header: MessageHeader, status: ResponseStatus, configureSequenceNumber: UInt64,
                extensions: MessageExtensions = .none) {
        self.header = header
        self.status = status
        self.configureSequenceNumber = configureSequenceNumber
        self.extensions = extensions
    }
}

/// Any of the six CLUE messages.
public enum ClueMessage: Sendable, Hashable {
    case options(OptionsMessage)
    case optionsResponse(OptionsResponseMessage)
    case advertisement(AdvertisementMessage)
    case ack(AckMessage)
    case configure(ConfigureMessage)
    case configureResponse(ConfigureResponseMessage)

    public var header: MessageHeader {
        switch self {
        case .options(let m): m.header
        case .optionsResponse(let m): m.header
        case .advertisement(let m): m.header
        case .ack(let m): m.header
        case .configure(let m): m.header
        case .configureResponse(let m): m.header
        }
    }

    /// The element name on the wire.
    public var elementName: String {
        switch self {
        case .options: "options"
        case .optionsResponse: "optionsResponse"
        case .advertisement: "advertisement"
        case .ack: "ack"
        case .configure: "configure"
        case .configureResponse: "configureResponse"
        }
    }
}
