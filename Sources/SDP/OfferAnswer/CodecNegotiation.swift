/// Codec intersection for one RTP media section.
struct CodecNegotiation {
    let configuration: OfferAnswerConfiguration

    /// A format the peer listed, with what it says about it.
    struct OfferedFormat {
        var format: String
        var payloadType: UInt8
        var map: RTPMap
        var parameters: FormatParameters?
        var feedback: [FeedbackMechanism]
    }

    /// The peer's formats the bridge can read: numeric payload types with an `a=rtpmap` or a static assignment.
    ///
    /// RFC 5761 section 4 forbids payload types 64-95 when RTP and RTCP share a port; the bridge's RTP and RTCP
    /// always share its one port, so those are never accepted.
    static func offeredFormats(_ section: MediaDescription) -> [OfferedFormat] {
        section.formats.compactMap { format in
            guard let payloadType = UInt8(format), payloadType < 128, !(64...95).contains(payloadType),
                  let map = section.rtpMap(for: format) ?? MediaCodec.staticMapping(payloadType) else { return nil }
            let feedback = section.rtcpFeedback.filter { $0.target.covers(format) }.compactMap(FeedbackMechanism.init)
            return OfferedFormat(format: format, payloadType: payloadType, map: map,
                                 parameters: section.formatParameters(for: format), feedback: feedback)
        }
    }

    var supportedFeedback: [FeedbackMechanism] {
        [.nack, .pictureLossIndication, .fullIntraRequest]
            + (configuration.receiverEstimatedMaximumBitrate ? [.receiverEstimatedMaximumBitrate] : [])
    }

    /// The common codecs, in the bridge's order of preference, each under the offerer's payload type (RFC 3264
    /// section 6.1). Each audio codec is taken once; every acceptable H.264 configuration (profile and
    /// packetization mode) is kept, since they are different formats. telephone-event is kept once for each
    /// clock rate of an accepted audio codec (RFC 4733 section 2.5.1.2: it shares the audio clock).
    func answer(_ section: MediaDescription) -> [NegotiatedCodec] {
        let offered = Self.offeredFormats(section)
        var accepted: [NegotiatedCodec] = []
        for codec in configuration.codecs where codec.kind == section.kind && codec != .telephoneEvent {
            for format in offered where codec.matches(format.map)
                && !accepted.contains(where: { $0.payloadType == format.payloadType }) {
                guard let negotiated = answer(codec, format) else { continue }
                accepted.append(negotiated)
                if codec != .h264 { break }
            }
        }
        if section.kind == .audio && configuration.codecs.contains(.telephoneEvent) {
            var rates: [UInt32] = []
            for codec in accepted where !rates.contains(codec.clockRate) { rates.append(codec.clockRate) }
            for rate in rates {
                guard let format = offered.first(where: {
                    MediaCodec.telephoneEvent.matches($0.map) && $0.map.clockRate == rate
                }) else { continue }
                accepted.append(NegotiatedCodec(payloadType: format.payloadType, codec: .telephoneEvent,
                                                clockRate: rate, formatParameters: "0-15"))
            }
        }
        return accepted
    }

    func answer(_ codec: MediaCodec, _ format: OfferedFormat) -> NegotiatedCodec? {
        let feedback = codec.kind == .video ? supportedFeedback.filter(format.feedback.contains) : []
        var negotiated = NegotiatedCodec(payloadType: format.payloadType, codec: codec, clockRate: format.map.clockRate,
                                         channels: codec.channels, feedback: feedback)
        if codec == .h264 {
            guard let h264 = Self.answerH264(format.parameters, maxLevel: configuration.h264MaxLevel) else {
                return nil
            }
            negotiated.h264 = h264
            negotiated.formatParameters = H264FormatParameters.text(profileLevelID: h264.profileLevelID,
                                                                    levelAsymmetryAllowed: h264.levelAsymmetryAllowed)
        }
        return negotiated
    }

    /// RFC 6184 section 8.2.2: packetization-mode must be kept (the bridge takes 1 only), the profile must be
    /// kept, and the level may only go down: the answer carries the lower of the offer's level and the bridge's.
    /// With level-asymmetry-allowed=1 on both sides the bridge may send up to the offer's level.
    static func answerH264(_ parameters: FormatParameters?, maxLevel: H264Level) -> H264Parameters? {
        guard let offered = H264FormatParameters(parameters), offered.packetizationMode == 1,
              let profile = offered.profileLevelID.profile, profile.isSupported,
              let offeredLevel = offered.profileLevelID.level else { return nil }
        let level = min(offeredLevel, maxLevel)
        let asymmetric = offered.levelAsymmetryAllowed
        return H264Parameters(profile: profile, profileLevelID: offered.profileLevelID.with(level: level),
                              receiveLevel: level, sendLevel: asymmetric ? offeredLevel : level,
                              levelAsymmetryAllowed: asymmetric)
    }
}
