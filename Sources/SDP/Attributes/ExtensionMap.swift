/// `a=extmap:<value>["/"<direction>] <URI> <extensionattributes>` (RFC 8285 section 8): an RTP header extension
/// and its local identifier.
public struct ExtensionMap: Sendable, Hashable {
    /// 1-14 for one-byte headers, 1-255 for two-byte headers, 4096-4351 for negotiation only (RFC 8285
    /// sections 4 and 7).
    public var id: UInt16
    public var direction: Direction?
    public var uri: String
    /// Extension-specific text after the URI (`vad=on` for RFC 6464), as written.
    public var attributes: String?

    public init(id: UInt16, direction: Direction? = nil, uri: String, attributes: String? = nil) {
        self.id = id
        self.direction = direction
        self.uri = uri
        self.attributes = attributes
    }

    /// RFC 8849 section 5.2: the CLUE CaptureID (`CaptId`) SDES item as an RTP header extension.
    public static let captureIDURI = "urn:ietf:params:rtp-hdrext:sdes:CaptId"
    /// RFC 6464: the client-to-mixer audio level.
    public static let audioLevelURI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
    /// RFC 8843: the MID SDES item, which routes bundled RTP to its media section.
    public static let midURI = "urn:ietf:params:rtp-hdrext:sdes:mid"

    init(sdpValue: ArraySlice<UInt8>) throws(ValueSyntaxError) {
        let (entry, rest) = ByteText.splitFirstField(ByteText.trimmedLeading(sdpValue))
        let (idBytes, directionBytes) = ByteText.splitOnce(entry, at: ByteText.slash)
        guard let id = ByteText.decimal(idBytes, as: UInt16.self), idBytes.count <= 5 else {
            throw ValueSyntaxError("extension identifier must be a number below 65536")
        }
        self.id = id
        if let directionBytes {
            guard let direction = Direction(rawValue: ByteText.string(directionBytes).lowercased()) else {
                throw ValueSyntaxError("direction must be sendonly, recvonly, sendrecv or inactive")
            }
            self.direction = direction
        }
        guard let rest, !rest.isEmpty else { throw ValueSyntaxError("missing extension URI") }
        let (uriBytes, attributeBytes) = ByteText.splitFirstField(rest)
        uri = ByteText.string(uriBytes)
        attributes = attributeBytes.flatMap { $0.isEmpty ? nil : ByteText.string($0) }
    }

    public var sdpValue: String {
        "\(id)" + (direction.map { "/\($0)" } ?? "") + " \(uri)" + (attributes.map { " " + $0 } ?? "")
    }
}
