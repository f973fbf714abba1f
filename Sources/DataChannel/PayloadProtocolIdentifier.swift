/// SCTP Payload Protocol Identifiers of WebRTC data channels (RFC 8831 section 8).
public enum PayloadProtocolIdentifier {
    /// DCEP (RFC 8832); the CLUE channel is negotiated in SDP and never carries it.
    public static let dataChannelEstablishment: UInt32 = 50
    /// UTF-8 text. RFC 8850 section 3.2.2: every CLUE message uses it.
    public static let string: UInt32 = 51
    /// Deprecated PPID-based fragmentation (RFC 8831 section 6.6).
    public static let binaryPartial: UInt32 = 52
    public static let binary: UInt32 = 53
    /// Deprecated PPID-based fragmentation (RFC 8831 section 6.6).
    public static let stringPartial: UInt32 = 54
    /// An empty string: SCTP cannot carry an empty user message, so one zero byte travels with this PPID.
    public static let stringEmpty: UInt32 = 56
    /// Empty binary data, sent as one zero byte.
    public static let binaryEmpty: UInt32 = 57

    /// The PPID that carries an empty message of this kind, or nil when the kind has no empty form.
    static func emptyForm(of ppid: UInt32) -> UInt32? {
        switch ppid {
        case string: stringEmpty
        case binary: binaryEmpty
        default: nil
        }
    }

    /// The kind an empty-message PPID stands for, or nil when the PPID is not an empty form.
    static func kind(ofEmpty ppid: UInt32) -> UInt32? {
        switch ppid {
        case stringEmpty: string
        case binaryEmpty: binary
        default: nil
        }
    }
}
