/// What the bridge brings to an offer/answer exchange: where its media lives, its credentials, and the room's
/// policy. The Bridge builds one per call (the ICE credentials must be unique per session: the single media port
/// tells sessions apart by the STUN USERNAME, RFC 8445 section 7.2.2).
public struct OfferAnswerConfiguration: Sendable, Hashable {
    /// Written into `o=`, `c=` and the host candidate.
    public var mediaAddress: String
    /// The one UDP port all media of all sessions share.
    public var mediaPort: UInt16
    /// The bridge's ICE-lite credentials for this session.
    public var ice: ICECredentials
    /// SHA-256 fingerprint of the bridge's DTLS certificate (ECDSA P-256).
    public var fingerprint: Fingerprint
    /// Codecs in the bridge's order of preference; the answer lists the common ones in this order.
    public var codecs: [MediaCodec]
    /// The highest H.264 level the bridge receives (answers never go above the offer's level either).
    public var h264MaxLevel: H264Level
    /// Plain RTP/AVP(F) for media that is not CLUE-controlled (the room's `allow_plain_rtp`).
    public var allowPlainRTP: Bool
    /// Whether this room negotiates CLUE at all.
    public var clueEnabled: Bool
    /// The bridge's SCTP port inside DTLS (RFC 8841 section 5).
    public var sctpPort: UInt16
    /// The largest SCTP user message the bridge takes (RFC 8841 section 6).
    public var maxMessageSize: UInt64
    /// Accept `goog-remb` feedback (receiver-estimated maximum bitrate) on video.
    public var receiverEstimatedMaximumBitrate: Bool
    /// RTCP CNAME written with the bridge's announced SSRCs (RFC 5576 section 6.1).
    public var cname: String
    /// When set, every section that is not CLUE-controlled and in which the bridge sends media announces the
    /// bridge's SSRC for it (`a=ssrc`, RFC 5576): this value plus the section's index, or the SSRC the previous
    /// answer announced for the section. Peers that demultiplex bundled media by SSRC need it.
    public var localSSRCBase: UInt32?

    public init(mediaAddress: String, mediaPort: UInt16, ice: ICECredentials, fingerprint: Fingerprint,
                codecs: [MediaCodec] = MediaCodec.allCases, h264MaxLevel: H264Level = .level4_1,
                allowPlainRTP: Bool = false, clueEnabled: Bool = true, sctpPort: UInt16 = 5000,
                maxMessageSize: UInt64 = 262_144, receiverEstimatedMaximumBitrate: Bool = true,
                cname: String = "clue-mcu") {
        self.mediaAddress = mediaAddress
        self.mediaPort = mediaPort
        self.ice = ice
        self.fingerprint = fingerprint
        self.codecs = codecs
        self.h264MaxLevel = h264MaxLevel
        self.allowPlainRTP = allowPlainRTP
        self.clueEnabled = clueEnabled
        self.sctpPort = sctpPort
        self.maxMessageSize = maxMessageSize
        self.receiverEstimatedMaximumBitrate = receiverEstimatedMaximumBitrate
        self.cname = cname
    }
}

/// `a=ice-ufrag` and `a=ice-pwd` (RFC 8839 section 5.4).
public struct ICECredentials: Sendable, Hashable {
    public var usernameFragment: String
    public var password: String

    public init(usernameFragment: String, password: String) {
        self.usernameFragment = usernameFragment
        self.password = password
    }
}

/// One of the bridge's CLUE encodings (RFC 8848 section 4.4.1): the `a=label` it puts on a sendonly
/// CLUE-controlled media section, which is the encoding ID its advertisements name.
public struct LocalEncoding: Sendable, Hashable {
    public var label: String
    public var kind: MediaKind
    /// Announced with `a=ssrc` when known, so that a bundled receiver can route the stream (RFC 8843).
    public var ssrc: UInt32?

    public init(label: String, kind: MediaKind, ssrc: UInt32? = nil) {
        self.label = label
        self.kind = kind
        self.ssrc = ssrc
    }
}
