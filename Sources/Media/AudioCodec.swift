/// The audio codecs the mixer decodes from participants and encodes towards them.
///
/// The mixer works at 48 kHz mono; narrowband and wideband codecs are resampled at the edges (`Resampler`).
public enum AudioCodec: Int, Sendable, Hashable, CaseIterable {
    /// RFC 7587. Always 48 kHz on the wire and in the RTP clock.
    case opus
    /// G.722 (RFC 3551 section 4.5.2): 16 kHz audio, but an 8000 Hz RTP clock "for historical reasons".
    case g722
    /// G.711 mu-law (RFC 3551 section 4.5.14).
    case pcmu
    /// G.711 A-law (RFC 3551 section 4.5.14).
    case pcma

    /// The rate of the samples the codec carries.
    public var sampleRate: Int {
        switch self {
        case .opus: 48_000
        case .g722: 16_000
        case .pcmu, .pcma: 8_000
        }
    }

    /// The RTP timestamp rate (RFC 3551 section 4.5).
    public var rtpClockRate: Int {
        switch self {
        case .opus: 48_000
        case .g722, .pcmu, .pcma: 8_000
        }
    }

    /// How far the RTP timestamp advances per mixer frame (20 ms).
    public var rtpTimestampsPerFrame: UInt32 { UInt32(rtpClockRate / 50) }

    /// The static payload type of RFC 3551 Table 4; nil for Opus, which is always dynamic.
    public var staticPayloadType: UInt8? {
        switch self {
        case .opus: nil
        case .g722: 9
        case .pcmu: 0
        case .pcma: 8
        }
    }

    /// libavcodec decoders, preferred first (FFmpeg's native Opus decoder, then the libopus wrapper).
    var decoderNames: [String] {
        switch self {
        case .opus: ["opus", "libopus"]
        case .g722: ["g722"]
        case .pcmu: ["pcm_mulaw"]
        case .pcma: ["pcm_alaw"]
        }
    }

    /// libavcodec encoders, preferred first. FFmpeg's native Opus encoder is experimental (it needs
    /// `strict_std_compliance = -2` and produces CELT only), so only libopus is used.
    var encoderNames: [String] {
        switch self {
        case .opus: ["libopus"]
        case .g722: ["g722"]
        case .pcmu: ["pcm_mulaw"]
        case .pcma: ["pcm_alaw"]
        }
    }
}

/// Why a codec could not be set up or could not process one frame. The mixer counts per-frame errors and plays
/// silence for that frame; only setup errors reach its caller.
public enum AudioCodecError: Error, Sendable, Hashable {
    /// libavcodec was built without any codec of that name.
    case codecUnavailable(AudioCodec)
    /// `avcodec_open2` or an allocation failed (the AVERROR code, or 0 for an allocation).
    case setupFailed(Int32)
    /// The payload would decode to more than `AudioDecoder.maximumSamples` or is larger than an RTP payload can be.
    case payloadTooLarge(Int)
    /// libavcodec refused the payload (the AVERROR code).
    case decodeFailed(Int32)
    /// The decoder produced a sample rate or sample format the mixer does not convert.
    case unsupportedOutput
    /// `encode` was given something other than exactly `AudioEncoder.frameSamples` samples.
    case wrongFrameLength(Int)
    /// libavcodec failed to encode (the AVERROR code).
    case encodeFailed(Int32)
}

/// The mixer's clock: 48 kHz, 20 ms frames.
public enum MixerFormat {
    public static let sampleRate = 48_000
    /// One 20 ms frame at 48 kHz.
    public static let frameSamples = 960
}
