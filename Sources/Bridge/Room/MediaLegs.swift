import Media
import SDP

/// What the media plane sends to and receives from one participant on its sections that are not CLUE-controlled
/// (the one audio and one video stream every endpoint, CLUE or plain SIP, has): payload types, the bridge's SSRCs,
/// header extension IDs. Read once from the negotiated session.
struct MediaLegs: Sendable {
    struct Leg: Sendable {
        var mid: String?
        /// The bridge's SSRC on this section (announced with a=ssrc).
        var localSSRC: UInt32
        /// What the participant sends: payload type to codec.
        var codecs: [UInt8: MediaCodec]
        /// What the bridge sends: the first (preferred) common codec.
        var sendPayloadType: UInt8
        var sendCodec: MediaCodec
        var midExtensionID: UInt8?
        var captureIDExtensionID: UInt8?
        var audioLevelExtensionID: UInt8?
        /// The bridge sends on this section (sendrecv or sendonly in its answer).
        var bridgeSends: Bool
        var bridgeReceives: Bool
        /// The participant's SSRCs on this section (its a=ssrc lines), to tell bundled streams apart.
        var remoteSSRCs: [UInt32] = []
    }

    var audio: Leg?
    var video: Leg?
    /// The bridge's sendonly CLUE-controlled video sections, by encoding ID (their `a=label`, RFC 8848 section
    /// 4.4.1): each carries whatever capture the participant configured on that encoding.
    var clueVideo: [String: Leg] = [:]
    /// The participant's sendonly CLUE-controlled video sections the bridge receives, by the participant's encoding
    /// ID (their `a=label`): each carries the capture the bridge configured on that encoding (RFC 8848 section 5).
    var clueReceive: [String: Leg] = [:]

    init(_ negotiated: NegotiatedSession) {
        func leg(_ kind: MediaKind) -> Leg? {
            guard let media = negotiated.accepted.first(where: {
                $0.kind == kind && !$0.isCLUEControlled && $0.security != nil
            }), let preferred = media.codecs.first(where: { $0.codec != .telephoneEvent }) else { return nil }
            return Leg(media, preferred: preferred, localSSRC: media.localSSRC ?? 0,
                       bridgeSends: (media.direction == .sendrecv || media.direction == .sendonly)
                           && media.localSSRC != nil,
                       bridgeReceives: media.direction == .sendrecv || media.direction == .recvonly)
        }
        audio = leg(.audio)
        video = leg(.video)
        // Sections the bridge offered as its CLUE encodings carry its label; an answerer that left them out of
        // its CLUE group (RFC 8848 says it should not) still gets them, as the label is what a configure names.
        for media in negotiated.accepted where media.kind == .video && media.localLabel != nil
            && (media.direction == .sendonly || media.direction == .sendrecv) {
            guard let label = media.localLabel, let ssrc = media.localSSRC,
                  let preferred = media.codecs.first else { continue }
            clueVideo[label] = Leg(media, preferred: preferred, localSSRC: ssrc, bridgeSends: true,
                                   bridgeReceives: false)
        }
        for media in negotiated.accepted where media.kind == .video && media.isCLUEControlled
            && media.direction == .recvonly {
            guard let label = media.remoteLabel, let preferred = media.codecs.first else { continue }
            clueReceive[label] = Leg(media, preferred: preferred, localSSRC: 0, bridgeSends: false,
                                     bridgeReceives: true)
        }
    }

    /// Which of the participant's video sections a stream it sends belongs to: a CLUE encoding (by label) or, nil,
    /// its ordinary video. Told by the mid header extension when the packet carries one (RFC 8843 section 15), else
    /// by the section's a=ssrc lines.
    func videoEncoding(ssrc: UInt32, mid: String?) -> String? {
        if let mid, let match = clueReceive.first(where: { $0.value.mid == mid }) { return match.key }
        if let mid, video?.mid == mid { return nil }
        return clueReceive.first { $0.value.remoteSSRCs.contains(ssrc) }?.key
    }

    /// The header extension ID of the mid on the participant's video, if any section negotiated one.
    var videoMidExtensionID: UInt8? {
        video?.midExtensionID ?? clueReceive.values.lazy.compactMap(\.midExtensionID).first
    }

    /// The mixer's codec for what this participant sends and for what it is sent.
    var audioCodecs: (sending: AudioCodec, receiving: AudioCodec)? {
        guard let audio else { return nil }
        func codec(_ codec: MediaCodec) -> AudioCodec? {
            switch codec {
            case .opus: .opus
            case .g722: .g722
            case .pcmu: .pcmu
            case .pcma: .pcma
            default: nil
            }
        }
        guard let receiving = codec(audio.sendCodec) else { return nil }
        return (receiving, receiving)
    }
}

extension MediaLegs.Leg {
    /// One negotiated section: its codecs by payload type, the bridge's send codec (`preferred`) and SSRC, and the
    /// header extension IDs it agreed (mid, CaptID, audio level).
    init(_ media: NegotiatedMedia, preferred: NegotiatedCodec, localSSRC: UInt32, bridgeSends: Bool,
         bridgeReceives: Bool) {
        var codecs: [UInt8: MediaCodec] = [:]
        for codec in media.codecs { codecs[codec.payloadType] = codec.codec }
        func id(_ uri: String) -> UInt8? { media.extensionID(uri: uri).map { UInt8(clamping: $0) } }
        self.init(mid: media.mid, localSSRC: localSSRC, codecs: codecs, sendPayloadType: preferred.payloadType,
                  sendCodec: preferred.codec, midExtensionID: id(ExtensionMap.midURI),
                  captureIDExtensionID: id(ExtensionMap.captureIDURI),
                  audioLevelExtensionID: id(ExtensionMap.audioLevelURI), bridgeSends: bridgeSends, bridgeReceives: bridgeReceives, remoteSSRCs: media.remoteSSRCs)
    }
}
