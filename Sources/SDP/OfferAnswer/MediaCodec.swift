/// The codecs the bridge can negotiate: the ones its mixer and compositor decode and encode.
public enum MediaCodec: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// RFC 7587: always `opus/48000/2` in SDP.
    case opus
    /// RFC 3551: RTP clock 8000 although it samples at 16 kHz; static payload type 9.
    case g722
    /// Static payload type 0.
    case pcmu
    /// Static payload type 8.
    case pcma
    /// RFC 4733 DTMF events, accepted for each clock rate of an accepted audio codec.
    case telephoneEvent
    /// RFC 6184, packetization-mode=1 only.
    case h264
    /// RFC 7741.
    case vp8

    public var kind: MediaKind {
        switch self {
        case .opus, .g722, .pcmu, .pcma, .telephoneEvent: .audio
        case .h264, .vp8: .video
        }
    }

    public var encodingName: String {
        switch self {
        case .opus: "opus"
        case .g722: "G722"
        case .pcmu: "PCMU"
        case .pcma: "PCMA"
        case .telephoneEvent: "telephone-event"
        case .h264: "H264"
        case .vp8: "VP8"
        }
    }

    /// The RTP clock rate, nil for telephone-event (it follows the audio codec).
    public var clockRate: UInt32? {
        switch self {
        case .opus: 48_000
        case .g722, .pcmu, .pcma: 8_000
        case .telephoneEvent: nil
        case .h264, .vp8: 90_000
        }
    }

    /// `encoding parameters` of `a=rtpmap` (channels).
    public var channels: UInt16? { self == .opus ? 2 : nil }

    /// RFC 3551 Table 4.
    public var staticPayloadType: UInt8? {
        switch self {
        case .pcmu: 0
        case .pcma: 8
        case .g722: 9
        default: nil
        }
    }

    /// The static payload types of RFC 3551 the bridge knows without `a=rtpmap`.
    static func staticMapping(_ payloadType: UInt8) -> RTPMap? {
        switch payloadType {
        case 0: RTPMap(payloadType: 0, encodingName: "PCMU", clockRate: 8_000)
        case 8: RTPMap(payloadType: 8, encodingName: "PCMA", clockRate: 8_000)
        case 9: RTPMap(payloadType: 9, encodingName: "G722", clockRate: 8_000)
        default: nil
        }
    }

    /// Whether an `a=rtpmap` names this codec: name without regard to case, the clock rate, and for Opus the
    /// mandatory two channels (RFC 7587 section 7); the G.711 and G.722 maps may omit the channel count (1).
    func matches(_ map: RTPMap) -> Bool {
        guard map.names(encodingName) else { return false }
        if let clockRate, map.clockRate != clockRate { return false }
        switch self {
        case .opus: return map.encodingParameters == 2
        case .g722, .pcmu, .pcma, .telephoneEvent: return map.encodingParameters == nil || map.encodingParameters == 1
        case .h264, .vp8: return map.encodingParameters == nil
        }
    }

    public var description: String { encodingName }
}

/// RTCP feedback the bridge takes part in (RFC 4585, RFC 5104). Transport-wide congestion control is not.
public enum FeedbackMechanism: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `nack` (RFC 4585 section 4.2).
    case nack
    /// `nack pli` (RFC 4585 section 6.3.1).
    case pictureLossIndication
    /// `ccm fir` (RFC 5104 section 7.1).
    case fullIntraRequest
    /// `goog-remb` (draft-alvestrand-rmcat-remb).
    case receiverEstimatedMaximumBitrate

    public var feedback: (type: String, parameter: String?) {
        switch self {
        case .nack: ("nack", nil)
        case .pictureLossIndication: ("nack", "pli")
        case .fullIntraRequest: ("ccm", "fir")
        case .receiverEstimatedMaximumBitrate: ("goog-remb", nil)
        }
    }

    init?(_ feedback: RTCPFeedback) {
        guard let match = Self.allCases.first(where: {
            $0.feedback.type == feedback.type && $0.feedback.parameter == feedback.parameter
        }) else { return nil }
        self = match
    }

    public var description: String {
        let (type, parameter) = feedback
        return parameter.map { "\(type) \($0)" } ?? type
    }
}

/// A codec both sides agreed on, under the payload type the offerer chose.
public struct NegotiatedCodec: Sendable, Hashable {
    public var payloadType: UInt8
    public var codec: MediaCodec
    public var clockRate: UInt32
    public var channels: UInt16?
    /// The `a=fmtp` text the bridge wrote for this payload type, if any.
    public var formatParameters: String?
    public var feedback: [FeedbackMechanism]
    /// For H.264: the agreed profile and levels.
    public var h264: H264Parameters?

    public init(payloadType: UInt8, codec: MediaCodec, clockRate: UInt32, channels: UInt16? = nil,
                formatParameters: String? = nil, feedback: [FeedbackMechanism] = [], h264: H264Parameters? = nil) {
        self.payloadType = payloadType
        self.codec = codec
        self.clockRate = clockRate
        self.channels = channels
        self.formatParameters = formatParameters
        self.feedback = feedback
        self.h264 = h264
    }

    var rtpMap: RTPMap {
        RTPMap(payloadType: payloadType, encodingName: codec.encodingName, clockRate: clockRate,
               encodingParameters: channels)
    }

    /// The `a=rtpmap`, `a=rtcp-fb` and `a=fmtp` lines for this codec.
    var attributes: [Attribute] {
        var attributes: [Attribute] = [.rtpmap(rtpMap)]
        for mechanism in feedback {
            let (type, parameter) = mechanism.feedback
            attributes.append(.rtcpFeedback(RTCPFeedback(target: .format(String(payloadType)), type: type,
                                                         parameter: parameter)))
        }
        if let formatParameters {
            attributes.append(.fmtp(FormatParameters(format: String(payloadType), text: formatParameters)))
        }
        return attributes
    }
}
