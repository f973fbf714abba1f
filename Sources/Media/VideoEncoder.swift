internal import CFFmpeg

/// One encoded picture: a VP8 frame, or an H.264 access unit in Annex-B (4-byte start codes, SPS and PPS in-band
/// before every IDR). Receivers of the same composed capture share one.
public struct EncodedVideoFrame: Sendable, Hashable {
    public var data: [UInt8]
    public var isKeyframe: Bool
    /// The frame's index in the encoder's fixed frame-rate time base; times `VideoEncoder.rtpTimestampIncrement`
    /// it is the RTP timestamp offset.
    public var frameIndex: Int64

    public init(data: [UInt8], isKeyframe: Bool, frameIndex: Int64) {
        self.data = data
        self.isKeyframe = isKeyframe
        self.frameIndex = frameIndex
    }
}

/// How a `VideoEncoder` is set up for real time.
public struct VideoEncoderConfiguration: Sendable, Hashable {
    public var width: Int
    public var height: Int
    /// Frames per second; the time base is its inverse, one tick per frame.
    public var frameRate: Int
    /// Target bit rate, bits per second.
    public var bitRate: Int
    /// Frames between periodic keyframes; keyframes on demand (`requestKeyframe`) come in between.
    public var keyframeInterval: Int
    /// Encoder threads (libvpx and libx264 split the picture); 1 keeps one room's encode on its own queue's core.
    public var threads: Int

    public init(width: Int = 1280, height: Int = 720, frameRate: Int = 30, bitRate: Int = 1_500_000,
                keyframeInterval: Int = 300, threads: Int = 1) {
        self.width = width
        self.height = height
        self.frameRate = frameRate
        self.bitRate = bitRate
        self.keyframeInterval = keyframeInterval
        self.threads = threads
    }
}

/// Encodes YUV420P `VideoFrame`s (a compositor's canvas) with libvpx (VP8) or libx264 (H.264) for real time: no
/// lookahead and no B-frames, so each frame in gives its packet out at once; rate control at a target bit rate;
/// a keyframe on demand when a receiver asks for one (RTCP PLI or FIR).
///
/// Owns its AVCodecContext and AVPacket (freed in `deinit`). Not thread-safe: one encoder per composed stream and
/// codec, used on one queue.
public final class VideoEncoder {
    public let codec: VideoCodec
    public let configuration: VideoEncoderConfiguration
    /// Frames handed to libavcodec.
    public private(set) var framesEncoded = 0
    /// Keyframes produced, periodic and on demand.
    public private(set) var keyframesEncoded = 0
    /// Frames the encoder failed on.
    public private(set) var errors = 0

    private var context: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var frameIndex: Int64 = 0
    private var keyframeRequested = false

    /// How far the 90 kHz RTP timestamp advances per frame.
    public var rtpTimestampIncrement: UInt32 { UInt32(VideoCodec.rtpClockRate / configuration.frameRate) }

    public init(codec: VideoCodec, configuration: VideoEncoderConfiguration = VideoEncoderConfiguration())
        throws(VideoCodecError) {
        self.codec = codec
        self.configuration = configuration
        let width = configuration.width
        let height = configuration.height
        guard width > 0, height > 0, width % 2 == 0, height % 2 == 0, width <= VideoFrame.maximumDimension,
              height <= VideoFrame.maximumDimension else { throw .invalidSize(width: width, height: height) }
        guard configuration.frameRate > 0, configuration.frameRate <= 120, configuration.bitRate > 0 else {
            throw .setupFailed(0)
        }
        guard let found = avcodec_find_encoder_by_name(codec.encoderName) else { throw .codecUnavailable(codec) }
        guard let context = avcodec_alloc_context3(found), let packet = av_packet_alloc() else {
            throw .setupFailed(0)
        }
        self.context = context
        self.packet = packet
        context.pointee.width = Int32(width)
        context.pointee.height = Int32(height)
        context.pointee.pix_fmt = AV_PIX_FMT_YUV420P
        context.pointee.time_base = AVRational(num: 1, den: Int32(configuration.frameRate))
        context.pointee.framerate = AVRational(num: Int32(configuration.frameRate), den: 1)
        context.pointee.bit_rate = Int64(configuration.bitRate)
        // A one-second buffer: bursts (keyframes) may exceed the rate briefly, the average may not.
        context.pointee.rc_max_rate = Int64(configuration.bitRate)
        context.pointee.rc_buffer_size = Int32(clamping: configuration.bitRate)
        context.pointee.gop_size = Int32(max(1, configuration.keyframeInterval))
        context.pointee.max_b_frames = 0
        context.pointee.thread_count = Int32(max(1, configuration.threads))
        let options = context.pointee.priv_data
        switch codec {
        case .vp8:
            // libvpx's real-time mode: encode within the frame interval, no alt-ref frames, no frames held back.
            av_opt_set(options, "deadline", "realtime", 0)
            av_opt_set_int(options, "cpu-used", 8, 0)
            av_opt_set_int(options, "lag-in-frames", 0, 0)
            av_opt_set_int(options, "auto-alt-ref", 0, 0)
            av_opt_set_int(options, "error-resilient", 1, 0)
            context.pointee.rc_min_rate = Int64(configuration.bitRate)  // min == max == target: libvpx's CBR
            context.pointee.qmin = 4
            context.pointee.qmax = 56
        case .h264:
            // zerolatency: no lookahead, no frame threads, no B-frames; constrained baseline, which every WebRTC
            // and SIP endpoint decodes; a forced keyframe is an IDR so that a receiver can start there.
            av_opt_set(options, "preset", "veryfast", 0)
            av_opt_set(options, "tune", "zerolatency", 0)
            av_opt_set(options, "profile", "baseline", 0)
            av_opt_set_int(options, "forced-idr", 1, 0)
        }
        let status = avcodec_open2(context, found, nil)
        guard status >= 0 else { throw .setupFailed(status) }
    }

    deinit {
        avcodec_free_context(&context)
        av_packet_free(&packet)
    }

    /// Makes the next encoded frame a keyframe (a receiver sent PLI or FIR, or a new receiver joined).
    public func requestKeyframe() {
        keyframeRequested = true
    }

    /// Encodes one frame of the configured size. Returns its encoded form, or nil when the encoder produced
    /// nothing for it (a real-time encoder may drop a frame to hold its rate).
    public func encode(_ picture: VideoFrame) throws(VideoCodecError) -> EncodedVideoFrame? {
        do {
            return try encodeUncounted(picture)
        } catch {
            errors += 1
            throw error
        }
    }

    private func encodeUncounted(_ picture: VideoFrame) throws(VideoCodecError) -> EncodedVideoFrame? {
        guard let context, let packet, let frame = picture.frame else { throw .setupFailed(0) }
        guard picture.width == configuration.width, picture.height == configuration.height,
              picture.isPlanar420 else {
            throw .wrongFrameSize(width: picture.width, height: picture.height)
        }
        let index = frameIndex
        frameIndex += 1
        frame.pointee.pts = index
        frame.pointee.pict_type = keyframeRequested ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE
        let sent = avcodec_send_frame(context, frame)
        frame.pointee.pict_type = AV_PICTURE_TYPE_NONE
        guard sent >= 0 else { throw .encodeFailed(sent) }
        keyframeRequested = false
        framesEncoded += 1

        var encoded: EncodedVideoFrame?
        while true {
            let received = avcodec_receive_packet(context, packet)
            if received == AVError.again || received == AVError.endOfFile { break }
            guard received >= 0 else { throw .encodeFailed(received) }
            defer { av_packet_unref(packet) }
            let isKeyframe = packet.pointee.flags & AV_PKT_FLAG_KEY != 0
            let bytes = UnsafeBufferPointer(start: packet.pointee.data, count: Int(packet.pointee.size))
            if encoded == nil {
                encoded = EncodedVideoFrame(data: Array(bytes), isKeyframe: isKeyframe, frameIndex: packet.pointee.pts)
            } else {
                // Not expected without lookahead; joined so that no picture is lost.
                encoded!.data.append(contentsOf: bytes)
                encoded!.isKeyframe = encoded!.isKeyframe || isKeyframe
            }
            if isKeyframe { keyframesEncoded += 1 }
        }
        return encoded
    }
}
