/// An `m=` section (RFC 8866 section 5.14) with its `i=`, `c=`, `b=`, `k=` and `a=` lines.
public struct MediaDescription: Sendable, Hashable {
    public var kind: MediaKind
    /// 0 rejects or disables the stream (RFC 3264 section 6), except for a `bundle-only` section (RFC 8843).
    public var port: UInt16
    /// The `/<number of ports>` suffix, when written.
    public var portCount: UInt16?
    public var proto: TransportProtocol
    /// `fmt` list: RTP payload type numbers for RTP profiles, `webrtc-datachannel` for SCTP (RFC 8841).
    public var formats: [String]
    public var information: String?
    /// Several only for multicast (RFC 8866 section 5.7).
    public var connections: [ConnectionData]
    public var bandwidths: [Bandwidth]
    public var encryptionKey: String?
    public var attributes: [Attribute]

    public init(kind: MediaKind, port: UInt16, portCount: UInt16? = nil, proto: TransportProtocol,
                formats: [String], information: String? = nil, connections: [ConnectionData] = [],
                bandwidths: [Bandwidth] = [], encryptionKey: String? = nil, attributes: [Attribute] = []) {
        self.kind = kind
        self.port = port
        self.portCount = portCount
        self.proto = proto
        self.formats = formats
        self.information = information
        self.connections = connections
        self.bandwidths = bandwidths
        self.encryptionKey = encryptionKey
        self.attributes = attributes
    }
}

/// `media` of `m=` (RFC 8866 section 5.14).
public enum MediaKind: Sendable, Hashable, CustomStringConvertible {
    case audio
    case video
    case text
    case application
    case message
    case image
    case other(String)

    public init(token: String) {
        switch token {
        case "audio": self = .audio
        case "video": self = .video
        case "text": self = .text
        case "application": self = .application
        case "message": self = .message
        case "image": self = .image
        default: self = .other(token)
        }
    }

    public var description: String {
        switch self {
        case .audio: "audio"
        case .video: "video"
        case .text: "text"
        case .application: "application"
        case .message: "message"
        case .image: "image"
        case .other(let token): token
        }
    }
}

/// `proto` of `m=` (RFC 8866 section 5.14, RFC 5764 section 8, RFC 8841 section 4.2). Known values are matched
/// without regard to case and written in their registered spelling.
public enum TransportProtocol: Sendable, Hashable, CustomStringConvertible {
    case rtpAVP
    case rtpAVPF
    case rtpSAVP
    case rtpSAVPF
    case udpTLSRTPSAVP
    case udpTLSRTPSAVPF
    case udpDTLSSCTP
    case tcpDTLSSCTP
    /// The pre-RFC 8841 data channel proto (`DTLS/SCTP 5000` with `a=sctpmap`).
    case dtlsSCTP
    case udp
    case other(String)

    static let known: [TransportProtocol] = [
        .rtpAVP, .rtpAVPF, .rtpSAVP, .rtpSAVPF, .udpTLSRTPSAVP, .udpTLSRTPSAVPF, .udpDTLSSCTP, .tcpDTLSSCTP,
        .dtlsSCTP, .udp,
    ]

    public init(token: String) {
        let upper = token.uppercased()
        self = Self.known.first { $0.description.uppercased() == upper } ?? .other(token)
    }

    public var description: String {
        switch self {
        case .rtpAVP: "RTP/AVP"
        case .rtpAVPF: "RTP/AVPF"
        case .rtpSAVP: "RTP/SAVP"
        case .rtpSAVPF: "RTP/SAVPF"
        case .udpTLSRTPSAVP: "UDP/TLS/RTP/SAVP"
        case .udpTLSRTPSAVPF: "UDP/TLS/RTP/SAVPF"
        case .udpDTLSSCTP: "UDP/DTLS/SCTP"
        case .tcpDTLSSCTP: "TCP/DTLS/SCTP"
        case .dtlsSCTP: "DTLS/SCTP"
        case .udp: "udp"
        case .other(let token): token
        }
    }

    /// Carries RTP (any of the RTP profiles).
    public var isRTP: Bool {
        switch self {
        case .rtpAVP, .rtpAVPF, .rtpSAVP, .rtpSAVPF, .udpTLSRTPSAVP, .udpTLSRTPSAVPF: true
        default: false
        }
    }

    /// Plain RTP: no SRTP at all (RFC 3551, RFC 4585).
    public var isPlainRTP: Bool { self == .rtpAVP || self == .rtpAVPF }

    /// The SAVP profiles that name no keying: SDES (`a=crypto`) or DTLS-SRTP (`a=fingerprint`) decides.
    public var isSRTPWithoutKeying: Bool { self == .rtpSAVP || self == .rtpSAVPF }

    /// DTLS-SRTP by name (RFC 5764 section 8).
    public var isDTLSSRTP: Bool { self == .udpTLSRTPSAVP || self == .udpTLSRTPSAVPF }

    /// SCTP over DTLS (RFC 8841), including the legacy `DTLS/SCTP`.
    public var isDTLSSCTP: Bool { self == .udpDTLSSCTP || self == .tcpDTLSSCTP || self == .dtlsSCTP }

    /// The AVPF feedback profiles (RFC 4585, RFC 5124).
    public var hasFeedbackProfile: Bool {
        self == .rtpAVPF || self == .rtpSAVPF || self == .udpTLSRTPSAVPF
    }
}

// MARK: - Typed views of the attributes

extension MediaDescription {
    /// Values of the attributes matched by `extract`, in order.
    func values<T>(_ extract: (Attribute) -> T?) -> [T] { attributes.compactMap(extract) }

    func has(_ flag: Attribute) -> Bool { attributes.contains(flag) }

    public var mid: String? { values { if case .mid(let v) = $0 { v } else { nil } }.first }
    public var label: String? { values { if case .label(let v) = $0 { v } else { nil } }.first }
    /// The direction written on this section, if any (see `SessionDescription.direction(of:)` for the default).
    public var direction: Direction? { values { if case .direction(let v) = $0 { v } else { nil } }.last }
    public var rtpMaps: [RTPMap] { values { if case .rtpmap(let v) = $0 { v } else { nil } } }
    public var formatParameters: [FormatParameters] { values { if case .fmtp(let v) = $0 { v } else { nil } } }
    public var rtcpFeedback: [RTCPFeedback] { values { if case .rtcpFeedback(let v) = $0 { v } else { nil } } }
    public var extensionMaps: [ExtensionMap] { values { if case .extmap(let v) = $0 { v } else { nil } } }
    public var fingerprints: [Fingerprint] { values { if case .fingerprint(let v) = $0 { v } else { nil } } }
    public var setup: SetupRole? { values { if case .setup(let v) = $0 { v } else { nil } }.first }
    public var iceUsernameFragment: String? { values { if case .iceUfrag(let v) = $0 { v } else { nil } }.first }
    public var icePassword: String? { values { if case .icePwd(let v) = $0 { v } else { nil } }.first }
    public var iceOptions: [String] { values { if case .iceOptions(let v) = $0 { v } else { nil } }.flatMap { $0 } }
    public var candidates: [Candidate] { values { if case .candidate(let v) = $0 { v } else { nil } } }
    public var endOfCandidates: Bool { has(.endOfCandidates) }
    public var rtcpMux: Bool { has(.rtcpMux) }
    public var rtcpMuxOnly: Bool { has(.rtcpMuxOnly) }
    public var rtcp: RTCPAddress? { values { if case .rtcp(let v) = $0 { v } else { nil } }.first }
    public var sctpPort: UInt16? { values { if case .sctpPort(let v) = $0 { v } else { nil } }.first }
    public var maxMessageSize: UInt64? { values { if case .maxMessageSize(let v) = $0 { v } else { nil } }.first }
    public var dataChannelMaps: [DataChannelMap] { values { if case .dcmap(let v) = $0 { v } else { nil } } }
    public var ssrcAttributes: [SSRCAttribute] { values { if case .ssrc(let v) = $0 { v } else { nil } } }
    public var ssrcGroups: [SSRCGroup] { values { if case .ssrcGroup(let v) = $0 { v } else { nil } } }
    public var mediaStreamIDs: [MediaStreamID] { values { if case .msid(let v) = $0 { v } else { nil } } }
    public var cryptoAttributes: [CryptoAttribute] { values { if case .crypto(let v) = $0 { v } else { nil } } }
    public var content: [String] { values { if case .content(let v) = $0 { v } else { nil } }.flatMap { $0 } }
    /// `a=bundle-only` (RFC 8843): port 0 that does not reject the section.
    public var isBundleOnly: Bool { has(.other(name: "bundle-only", value: nil)) }

    /// The SSRCs the section announces (RFC 5576), in first-seen order.
    public var ssrcs: [UInt32] {
        var seen: [UInt32] = []
        for attribute in ssrcAttributes where !seen.contains(attribute.ssrc) { seen.append(attribute.ssrc) }
        return seen
    }

    public func rtpMap(for format: String) -> RTPMap? {
        guard let payloadType = UInt8(format) else { return nil }
        return rtpMaps.first { $0.payloadType == payloadType }
    }

    public func formatParameters(for format: String) -> FormatParameters? {
        formatParameters.first { $0.format == format }
    }
}

extension SessionDescription {
    func values<T>(_ extract: (Attribute) -> T?) -> [T] { attributes.compactMap(extract) }

    public var groups: [Group] { values { if case .group(let v) = $0 { v } else { nil } } }
    public var isICELite: Bool { attributes.contains(.iceLite) }
    public var iceUsernameFragment: String? { values { if case .iceUfrag(let v) = $0 { v } else { nil } }.first }
    public var icePassword: String? { values { if case .icePwd(let v) = $0 { v } else { nil } }.first }
    public var iceOptions: [String] { values { if case .iceOptions(let v) = $0 { v } else { nil } }.flatMap { $0 } }
    public var fingerprints: [Fingerprint] { values { if case .fingerprint(let v) = $0 { v } else { nil } } }
    public var setup: SetupRole? { values { if case .setup(let v) = $0 { v } else { nil } }.first }
    public var direction: Direction? { values { if case .direction(let v) = $0 { v } else { nil } }.last }
    public var extensionMaps: [ExtensionMap] { values { if case .extmap(let v) = $0 { v } else { nil } } }

    /// The groups with the given semantics (`a=group:BUNDLE ...`, `a=group:CLUE ...`), in order.
    public func groups(_ semantics: GroupSemantics) -> [Group] { groups.filter { $0.semantics == semantics } }

    /// The effective direction of a media section: its own attribute, else the session's, else sendrecv
    /// (RFC 8866 section 6.7).
    public func direction(of media: MediaDescription) -> Direction {
        media.direction ?? direction ?? .sendrecv
    }

    /// The effective connection of a media section: its own first `c=`, else the session's.
    public func connection(of media: MediaDescription) -> ConnectionData? {
        media.connections.first ?? connection
    }

    /// The index of the media section with this `a=mid`.
    public func mediaIndex(mid: String) -> Int? { media.firstIndex { $0.mid == mid } }
}
