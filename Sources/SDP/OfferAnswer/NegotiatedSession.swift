/// The result of a completed offer/answer exchange, in the terms the transport and conference layers use: which
/// media sections carry what, with which codecs, over which secured transport, and how to reach and verify the peer.
///
/// It also keeps both descriptions: the next exchange (a re-INVITE either way) starts from them.
public struct NegotiatedSession: Sendable, Hashable {
    /// The description the bridge sent (its answer, or its offer when it offered).
    public var local: SessionDescription
    /// The description the peer sent.
    public var remote: SessionDescription
    /// One entry per media section, in order.
    public var media: [NegotiatedMedia]
    /// The negotiated BUNDLE groups (mids, BUNDLE-tag first), as they stand in the answer.
    public var bundleGroups: [[String]]
    /// Set when CLUE is enabled for the call (RFC 8848 section 4.5.3): both sides put an accepted data channel
    /// in their CLUE group.
    public var clue: CLUEChannel?
    /// The peer is itself ICE-lite (RFC 8445 section 6.1.1: then the offerer is controlling).
    public var remoteIsICELite: Bool
    /// Whether `local` was the bridge's answer or its offer.
    public var localRole: OfferAnswerRole

    public init(local: SessionDescription, remote: SessionDescription, media: [NegotiatedMedia],
                bundleGroups: [[String]], clue: CLUEChannel?, remoteIsICELite: Bool,
                localRole: OfferAnswerRole = .answerer) {
        self.localRole = localRole
        self.local = local
        self.remote = remote
        self.media = media
        self.bundleGroups = bundleGroups
        self.clue = clue
        self.remoteIsICELite = remoteIsICELite
    }

    /// The media sections that carry something.
    public var accepted: [NegotiatedMedia] { media.filter(\.isAccepted) }

    /// The section with this mid.
    public func media(mid: String) -> NegotiatedMedia? { media.first { $0.mid == mid } }

    /// The accepted section whose label is this CLUE encoding ID.
    public func media(label: String) -> NegotiatedMedia? {
        media.first { $0.isAccepted && ($0.localLabel == label || $0.remoteLabel == label) }
    }
}

public enum OfferAnswerRole: String, Sendable, Hashable {
    case offerer
    case answerer
}

/// The CLUE data channel of a CLUE-enabled call (RFC 8848 section 4.2, RFC 8850).
public struct CLUEChannel: Sendable, Hashable {
    /// The mid of the data channel's media section.
    public var mid: String
    public var mediaIndex: Int
    /// The SCTP stream the `a=dcmap` names; ordered and fully reliable, PPID 51 (RFC 8850 section 3.2).
    public var streamID: UInt16
    /// The accepted CLUE-controlled media sections (their mids, in order).
    public var controlledMids: [String]

    public init(mid: String, mediaIndex: Int, streamID: UInt16, controlledMids: [String]) {
        self.mid = mid
        self.mediaIndex = mediaIndex
        self.streamID = streamID
        self.controlledMids = controlledMids
    }
}

/// One media section of a negotiated session.
public struct NegotiatedMedia: Sendable, Hashable {
    public enum State: Sendable, Hashable {
        case accepted
        /// Port 0 in the answer, and why.
        case declined(DeclineReason)
    }

    public var index: Int
    public var mid: String?
    public var kind: MediaKind
    public var proto: TransportProtocol
    public var state: State
    /// How the media is protected; nil when declined.
    public var security: MediaSecurity?
    /// The section's mid is in the CLUE group, so the CLUE protocol decides what it carries (RFC 8848 section 4.3).
    public var isCLUEControlled: Bool
    /// The bridge's direction, as written in the bridge's description.
    public var direction: Direction
    /// Common codecs under the offerer's payload types, in the bridge's order of preference.
    public var codecs: [NegotiatedCodec]
    /// The RTP header extensions in use, as the bridge wrote them (CaptID, audio level, MID).
    public var headerExtensions: [ExtensionMap]
    /// `a=label` on the peer's section: on a sendonly CLUE-controlled section, the peer's encoding ID.
    public var remoteLabel: String?
    /// `a=label` on the bridge's section: on a sendonly CLUE-controlled section, the bridge's encoding ID.
    public var localLabel: String?
    /// The peer's transport parameters: ICE, DTLS fingerprints and role, addresses.
    public var peer: PeerTransport?
    /// The index of the section whose transport this one uses: the BUNDLE-tag's index when bundled, its own
    /// otherwise.
    public var transportIndex: Int
    /// RTP and RTCP share the 5-tuple (RFC 5761).
    public var rtcpMux: Bool
    /// For the data channel: SCTP parameters and the channels agreed by `a=dcmap`.
    public var dataChannel: DataChannelParameters?
    /// The peer's SSRCs announced with `a=ssrc` (RFC 5576).
    public var remoteSSRCs: [UInt32]
    /// The bridge's SSRC announced on this section, if any.
    public var localSSRC: UInt32?

    public init(index: Int, mid: String?, kind: MediaKind, proto: TransportProtocol, state: State,
                security: MediaSecurity? = nil, isCLUEControlled: Bool = false, direction: Direction = .inactive,
                codecs: [NegotiatedCodec] = [], headerExtensions: [ExtensionMap] = [], remoteLabel: String? = nil,
                localLabel: String? = nil, peer: PeerTransport? = nil, transportIndex: Int, rtcpMux: Bool = false,
                dataChannel: DataChannelParameters? = nil, remoteSSRCs: [UInt32] = [], localSSRC: UInt32? = nil) {
        self.index = index
        self.mid = mid
        self.kind = kind
        self.proto = proto
        self.state = state
        self.security = security
        self.isCLUEControlled = isCLUEControlled
        self.direction = direction
        self.codecs = codecs
        self.headerExtensions = headerExtensions
        self.remoteLabel = remoteLabel
        self.localLabel = localLabel
        self.peer = peer
        self.transportIndex = transportIndex
        self.rtcpMux = rtcpMux
        self.dataChannel = dataChannel
        self.remoteSSRCs = remoteSSRCs
        self.localSSRC = localSSRC
    }

    public var isAccepted: Bool { state == .accepted }

    public var declineReason: DeclineReason? {
        if case .declined(let reason) = state { reason } else { nil }
    }

    /// The payload type of a negotiated codec.
    public func payloadType(of codec: MediaCodec) -> UInt8? { codecs.first { $0.codec == codec }?.payloadType }

    /// The negotiated id of a header extension.
    public func extensionID(uri: String) -> UInt16? { headerExtensions.first { $0.uri == uri }?.id }
}

/// How a section's media is protected.
public enum MediaSecurity: String, Sendable, Hashable {
    /// DTLS-SRTP (RFC 5764), keys bound to the SDP fingerprint.
    case dtlsSRTP
    /// SCTP over DTLS (RFC 8841).
    case dtlsSCTP
    /// No protection (RTP/AVP, RTP/AVPF): only where the room allows it and never for CLUE-controlled media.
    case plainRTP
}

/// What the bridge needs to reach the peer and verify it.
public struct PeerTransport: Sendable, Hashable {
    /// The peer's ICE credentials; nil when the peer does not do ICE (then media latches on the first packets from
    /// `rtpAddress`).
    public var ice: ICECredentials?
    public var candidates: [Candidate]
    public var endOfCandidates: Bool
    /// The peer's certificate fingerprints that the DTLS layer may check against (SHA family only; RFC 8122
    /// section 5). Empty for plain RTP.
    public var fingerprints: [Fingerprint]
    /// The peer's `a=setup`.
    public var setup: SetupRole?
    /// The bridge's role in the DTLS handshake; nil for plain RTP.
    public var localDTLSRole: DTLSRole?
    /// From `c=` and the `m=` port.
    public var rtpAddress: TransportAddress?
    /// From `a=rtcp` (RFC 3605), or the next port when RTCP is not multiplexed.
    public var rtcpAddress: TransportAddress?

    public init(ice: ICECredentials?, candidates: [Candidate], endOfCandidates: Bool, fingerprints: [Fingerprint],
                setup: SetupRole?, localDTLSRole: DTLSRole?, rtpAddress: TransportAddress?,
                rtcpAddress: TransportAddress?) {
        self.ice = ice
        self.candidates = candidates
        self.endOfCandidates = endOfCandidates
        self.fingerprints = fingerprints
        self.setup = setup
        self.localDTLSRole = localDTLSRole
        self.rtpAddress = rtpAddress
        self.rtcpAddress = rtcpAddress
    }
}

public struct TransportAddress: Sendable, Hashable, CustomStringConvertible {
    public var address: String
    public var port: UInt16

    public init(address: String, port: UInt16) {
        self.address = address
        self.port = port
    }

    public var description: String { address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)" }
}

/// SCTP over DTLS parameters of a data channel section.
public struct DataChannelParameters: Sendable, Hashable {
    /// The peer's `a=sctp-port`.
    public var remoteSCTPPort: UInt16
    /// The peer's `a=max-message-size`; 65536 when absent, 0 for unlimited (RFC 8841 section 6.1).
    public var remoteMaxMessageSize: UInt64
    public var localSCTPPort: UInt16
    public var localMaxMessageSize: UInt64
    /// The CLUE channel's dcmap, when this is the CLUE data channel.
    public var clueChannel: DataChannelMap?

    public init(remoteSCTPPort: UInt16, remoteMaxMessageSize: UInt64, localSCTPPort: UInt16,
                localMaxMessageSize: UInt64, clueChannel: DataChannelMap?) {
        self.remoteSCTPPort = remoteSCTPPort
        self.remoteMaxMessageSize = remoteMaxMessageSize
        self.localSCTPPort = localSCTPPort
        self.localMaxMessageSize = localMaxMessageSize
        self.clueChannel = clueChannel
    }
}
