/// The video codecs the compositor decodes from sites and encodes for composed captures.
///
/// Both use the 90 kHz RTP clock (RFC 7741 section 4.1, RFC 6184 section 5.1).
public enum VideoCodec: Int, Sendable, Hashable, CaseIterable {
    /// RFC 7741.
    case vp8
    /// RFC 6184, packetization-mode 1 (non-interleaved).
    case h264

    public static let rtpClockRate = 90_000

    /// libavcodec's native decoders.
    var decoderName: String {
        switch self {
        case .vp8: "vp8"
        case .h264: "h264"
        }
    }

    /// The encoders: libvpx for VP8 and libx264 for H.264 (FFmpeg has no native encoder for either).
    var encoderName: String {
        switch self {
        case .vp8: "libvpx"
        case .h264: "libx264"
        }
    }
}

/// Why a video codec, frame or scaler could not be set up or could not process one frame. Per-frame errors are
/// counted by the decoder and encoder and leave them usable.
public enum VideoCodecError: Error, Sendable, Hashable {
    /// libavcodec was built without the codec's decoder or encoder.
    case codecUnavailable(VideoCodec)
    /// `avcodec_open2`, `sws_getContext` or an allocation failed (the AVERROR code, or 0 for an allocation).
    case setupFailed(Int32)
    /// Width or height not positive and even (4:2:0 chroma needs even sizes), or beyond what the bridge accepts.
    case invalidSize(width: Int, height: Int)
    /// An encoded frame is empty or larger than `VideoDecoder.maximumFrameBytes`.
    case frameTooLarge(Int)
    /// libavcodec refused the encoded frame (the AVERROR code).
    case decodeFailed(Int32)
    /// The frame given to the encoder is not of the encoder's size.
    case wrongFrameSize(width: Int, height: Int)
    /// libavcodec failed to encode (the AVERROR code).
    case encodeFailed(Int32)
}
