/// Why the bridge put port 0 on one media section (RFC 3264 section 6). A declined section does not fail the call;
/// when every section is declined the offer is rejected with `OfferRejection.noAcceptableMedia`.
public enum DeclineReason: Error, Sendable, Hashable, CustomStringConvertible {
    /// The offer already had port 0 (and no `a=bundle-only`).
    case disabledByOfferer
    /// A media type the bridge does not handle (T.38 `image`, `text`, BFCP `application`, ...).
    case unsupportedMedia(MediaKind)
    /// A proto the bridge cannot use for this media.
    case unsupportedTransport(TransportProtocol)
    /// RTP/AVP(F) in a room without `allow_plain_rtp`.
    case plainRTPNotAllowed
    /// SDES keys (`a=crypto`, RFC 4568): never negotiated; DTLS-SRTP only.
    case sdesNotSupported
    /// RTP/SAVP(F) with neither a fingerprint (DTLS-SRTP) nor anything else the bridge accepts.
    case noKeying
    /// DTLS without a fingerprint of the SHA family (RFC 8122 section 5).
    case noUsableFingerprint
    /// `a=setup:holdconn`, which DTLS forbids (RFC 8842 section 5.1).
    case holdconnSetup
    /// DTLS-SRTP or ICE without `a=rtcp-mux`: the bridge has one port and no RTCP component (RFC 5761).
    case rtcpMuxRequired
    /// `a=ice-ufrag` without `a=ice-pwd` or the reverse.
    case incompleteICECredentials
    /// A `c=` network or address type other than IN IP4/IP6.
    case unsupportedAddress(String)
    /// Neither `c=` nor ICE candidates say where the peer is.
    case missingConnection
    /// No codec in common.
    case noCommonCodec
    /// TCP/DTLS/SCTP: the bridge's media port is UDP only.
    case tcpNotSupported
    /// A data channel section without `a=sctp-port`, or with port 0 (RFC 8841 section 10.3).
    case noSCTPAssociation
    /// A data channel that is not the CLUE channel: the bridge runs nothing else over SCTP (RFC 8848
    /// section 4.5.2.1 allows declining it).
    case dataChannelNotUsed
    /// CLUE-controlled media or the CLUE data channel in a room without CLUE.
    case clueDisabled
    /// CLUE-controlled media while CLUE itself is not negotiated in this answer (RFC 8848 section 4.5.4.3).
    case clueNotNegotiated
    /// The peer's answer had port 0 (the bridge offered).
    case rejectedByPeer

    public var description: String {
        switch self {
        case .disabledByOfferer: "disabled in the offer"
        case .unsupportedMedia(let kind): "media type \(kind) is not available"
        case .unsupportedTransport(let proto): "transport \(proto) is not available for this media"
        case .plainRTPNotAllowed: "plain RTP is not allowed in this room; use DTLS-SRTP"
        case .sdesNotSupported: "SDES (a=crypto) keying is not supported; use DTLS-SRTP"
        case .noKeying: "SRTP without a=fingerprint: no DTLS-SRTP keying"
        case .noUsableFingerprint: "no a=fingerprint with a SHA hash function"
        case .holdconnSetup: "a=setup:holdconn is not allowed for DTLS"
        case .rtcpMuxRequired: "a=rtcp-mux is required"
        case .incompleteICECredentials: "a=ice-ufrag and a=ice-pwd must be given together"
        case .unsupportedAddress(let type): "address type \(type) is not available"
        case .missingConnection: "no c= line and no ICE candidate"
        case .noCommonCodec: "no codec in common"
        case .tcpNotSupported: "TCP media is not available"
        case .noSCTPAssociation: "no SCTP association (a=sctp-port missing or 0)"
        case .dataChannelNotUsed: "data channel without CLUE is not used"
        case .clueDisabled: "CLUE is not enabled in this room"
        case .clueNotNegotiated: "CLUE-controlled media without a negotiated CLUE channel"
        case .rejectedByPeer: "rejected by the peer"
        }
    }
}

/// Why the bridge refuses an offer as a whole. Each case is answered with 488 Not Acceptable Here (RFC 3261
/// section 21.4.26) and a Warning naming the problem (see SIPRejection.swift).
public enum OfferRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// RFC 8848 section 11: CLUE-controlled RTP must be DTLS-SRTP. `index` is 0-based, `mid` as offered.
    case clueMediaNotDTLSSRTP(index: Int, mid: String, proto: TransportProtocol)
    /// SDES keys on a CLUE-controlled section or the CLUE data channel.
    case sdesOnCLUEMedia(index: Int, mid: String)
    /// The CLUE data channel not over DTLS-SCTP (RFC 8850 section 3.3.1.1).
    case clueDataChannelNotDTLS(index: Int, mid: String, proto: TransportProtocol)
    /// More than one CLUE group (RFC 8848 section 4.1).
    case multipleCLUEGroups
    /// The CLUE group must name one and only one data channel (RFC 8848 section 4.2).
    case clueGroupDataChannels(count: Int)
    /// The CLUE data channel has no `a=dcmap` with subprotocol "CLUE" (RFC 8850 section 3.3.2).
    case missingCLUEChannelMap(mid: String)
    /// Several `a=dcmap` lines with subprotocol "CLUE".
    case multipleCLUEChannelMaps(mid: String)
    /// `max-retr` or `max-time` on the CLUE channel (RFC 8850 section 3.2.3).
    case clueChannelPartiallyReliable(streamID: UInt16)
    /// `ordered=false` on the CLUE channel (RFC 8850 section 3.2.4).
    case clueChannelUnordered(streamID: UInt16)
    /// Both `max-retr` and `max-time` on one dcmap: RFC 8864 section 6.2 says to reject the offer.
    case conflictingReliability(streamID: UInt16)
    /// A BUNDLE or CLUE group names a mid no media section has (RFC 5888 section 5).
    case unknownGroupMember(semantics: GroupSemantics, mid: String)
    /// Two media sections share a mid (RFC 5888 section 4).
    case duplicateMid(String)
    /// A mid in two BUNDLE groups (RFC 8843).
    case midInSeveralBundleGroups(String)
    /// A subsequent offer with fewer media sections than the session (RFC 3264 section 8).
    case fewerMediaSections(offered: Int, required: Int)
    /// An offer without media sections.
    case noMedia
    /// Every section was declined; the reasons per section (0-based index, mid, reason).
    case noAcceptableMedia([DeclinedSection])

    public struct DeclinedSection: Sendable, Hashable {
        public var index: Int
        public var mid: String?
        public var kind: MediaKind
        public var reason: DeclineReason

        public init(index: Int, mid: String?, kind: MediaKind, reason: DeclineReason) {
            self.index = index
            self.mid = mid
            self.kind = kind
            self.reason = reason
        }
    }

    public var description: String {
        switch self {
        case .clueMediaNotDTLSSRTP(let index, let mid, let proto):
            "m-line \(index + 1) (mid \(mid)): CLUE-controlled media must use DTLS-SRTP, not \(proto)"
                + " (RFC 8848 section 11)"
        case .sdesOnCLUEMedia(let index, let mid):
            "m-line \(index + 1) (mid \(mid)): SDES (a=crypto) is not allowed for CLUE media; use DTLS-SRTP"
        case .clueDataChannelNotDTLS(let index, let mid, let proto):
            "m-line \(index + 1) (mid \(mid)): the CLUE data channel must use UDP/DTLS/SCTP, not \(proto)"
        case .multipleCLUEGroups: "more than one a=group:CLUE (RFC 8848 section 4.1)"
        case .clueGroupDataChannels(let count):
            "a=group:CLUE must name exactly one data channel, names \(count) (RFC 8848 section 4.2)"
        case .missingCLUEChannelMap(let mid): "CLUE data channel (mid \(mid)) has no a=dcmap with subprotocol CLUE"
        case .multipleCLUEChannelMaps(let mid): "CLUE data channel (mid \(mid)) has several CLUE a=dcmap lines"
        case .clueChannelPartiallyReliable(let stream):
            "CLUE channel (stream \(stream)) must be reliable: no max-retr or max-time (RFC 8850 section 3.2.3)"
        case .clueChannelUnordered(let stream):
            "CLUE channel (stream \(stream)) must be ordered (RFC 8850 section 3.2.4)"
        case .conflictingReliability(let stream):
            "a=dcmap:\(stream) has both max-retr and max-time (RFC 8864 section 6.2)"
        case .unknownGroupMember(let semantics, let mid): "a=group:\(semantics) names unknown mid \(mid)"
        case .duplicateMid(let mid): "mid \(mid) is used by several m-lines"
        case .midInSeveralBundleGroups(let mid): "mid \(mid) is in several BUNDLE groups"
        case .fewerMediaSections(let offered, let required):
            "offer has \(offered) m-lines, the session has \(required) (RFC 3264 section 8)"
        case .noMedia: "offer has no m-line"
        case .noAcceptableMedia(let sections):
            "no acceptable media: " + sections.map { section in
                "m-line \(section.index + 1) (\(section.kind)\(section.mid.map { ", mid \($0)" } ?? "")): "
                    + section.reason.description
            }.joined(separator: "; ")
        }
    }
}

/// Why the bridge cannot use the peer's answer to its offer. The offer/answer exchange has then failed
/// (RFC 3264 section 6: the answer is unusable); the SIP layer acknowledges and ends or renegotiates the session.
public enum AnswerRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// RFC 3264 section 6: exactly as many m-lines as the offer.
    case mediaCountMismatch(offered: Int, answered: Int)
    case mediaKindMismatch(index: Int)
    case transportMismatch(index: Int)
    /// An accepted DTLS section without a usable fingerprint (RFC 8122 section 5).
    case missingFingerprint(index: Int)
    /// `a=setup` other than active or passive in an answer (RFC 4145 section 4.1).
    case invalidSetup(index: Int, SetupRole)
    /// A direction the offer does not allow (RFC 3264 section 6.1).
    case incompatibleDirection(index: Int, offered: Direction, answered: Direction)
    /// An accepted RTP section without any codec the bridge offered.
    case noCommonCodec(index: Int)
    /// The answer changed the CLUE channel's dcmap (RFC 8864 section 6.4: stream id, max-retr and max-time must
    /// be identical) or made it unreliable or unordered (RFC 8850 section 3.2).
    case clueChannelChanged(streamID: UInt16)
    /// A group names an unknown mid.
    case unknownGroupMember(semantics: GroupSemantics, mid: String)

    public var description: String {
        switch self {
        case .mediaCountMismatch(let offered, let answered):
            "answer has \(answered) m-lines, the offer had \(offered)"
        case .mediaKindMismatch(let index): "m-line \(index + 1): media type differs from the offer"
        case .transportMismatch(let index): "m-line \(index + 1): proto differs from the offer"
        case .missingFingerprint(let index): "m-line \(index + 1): no usable a=fingerprint"
        case .invalidSetup(let index, let role): "m-line \(index + 1): a=setup:\(role) in an answer"
        case .incompatibleDirection(let index, let offered, let answered):
            "m-line \(index + 1): \(answered) does not answer \(offered)"
        case .noCommonCodec(let index): "m-line \(index + 1): no offered codec in the answer"
        case .clueChannelChanged(let stream): "the answer changed the CLUE channel's a=dcmap:\(stream)"
        case .unknownGroupMember(let semantics, let mid): "a=group:\(semantics) names unknown mid \(mid)"
        }
    }
}
