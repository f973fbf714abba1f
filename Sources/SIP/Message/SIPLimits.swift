/// Hard limits on what the parser accepts from the network. Anything beyond them is refused before it can cost
/// memory or time.
public struct SIPLimits: Sendable, Hashable {
    /// Start line, headers and body together. UDP datagrams cannot exceed 65,535 bytes anyway.
    public var maximumMessageSize: Int = 65_535
    /// Header lines (after unfolding), not counting comma-joined elements.
    public var maximumHeaderCount: Int = 256
    /// One header line after unfolding, or the start line.
    public var maximumHeaderLineLength: Int = 16_384
    /// The Request-URI and any URI in a header.
    public var maximumURILength: Int = 4_096
    /// Via elements (a request that went through more hops than this is refused unanswered).
    public var maximumViaCount: Int = 70
    /// Parts of a multipart body, all nesting levels together.
    public var maximumBodyParts: Int = 16
    /// Nesting of multipart bodies.
    public var maximumMultipartDepth: Int = 4

    public init() {}

    public static let `default` = SIPLimits()
}
