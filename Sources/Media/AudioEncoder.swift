internal import CFFmpeg

/// Encodes 20 ms frames of 48 kHz mono Float samples into RTP payloads of one codec.
///
/// Owns its AVCodecContext, AVFrame and AVPacket (freed in `deinit`). Not thread-safe: the mixer keeps one per
/// distinct mix and uses it on its own queue. Opus is encoded by libopus at 48 kHz, G.722 and G.711 after
/// downsampling to their rate.
public final class AudioEncoder {
    /// One 20 ms frame at 48 kHz: what `encode` takes.
    public static let frameSamples = MixerFormat.frameSamples

    public let codec: AudioCodec
    /// Frames handed to libavcodec, for `MixerStatistics`.
    public private(set) var framesEncoded = 0

    private var context: UnsafeMutablePointer<AVCodecContext>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var downsampler: Downsampler?
    /// The frame at the codec's rate.
    private var native: [Float]
    private let nativeSamples: Int
    private let writesFloat: Bool
    private var pts: Int64 = 0

    /// `bitRate` applies to Opus (bits per second; 32 kb/s suits mixed wideband speech); G.711 and G.722 are fixed.
    public init(codec: AudioCodec, bitRate: Int = 32_000) throws(AudioCodecError) {
        self.codec = codec
        nativeSamples = codec.sampleRate / 50
        native = [Float](repeating: 0, count: nativeSamples)
        let factor = MixerFormat.sampleRate / codec.sampleRate
        downsampler = factor > 1 ? Downsampler(factor: factor) : nil

        guard let found = codec.encoderNames.lazy.compactMap({ avcodec_find_encoder_by_name($0) }).first else {
            throw .codecUnavailable(codec)
        }
        // Float when the encoder takes it (libopus does), else interleaved 16-bit (G.711, G.722).
        var takesFloat = false
        var takesInt16 = false
        if var format = found.pointee.sample_fmts {
            while format.pointee != AV_SAMPLE_FMT_NONE {
                if format.pointee == AV_SAMPLE_FMT_FLT { takesFloat = true }
                if format.pointee == AV_SAMPLE_FMT_S16 { takesInt16 = true }
                format += 1
            }
        }
        guard takesFloat || takesInt16 else { throw .setupFailed(0) }
        writesFloat = takesFloat

        guard let context = avcodec_alloc_context3(found), let frame = av_frame_alloc(),
              let packet = av_packet_alloc() else { throw .setupFailed(0) }
        self.context = context
        self.frame = frame
        self.packet = packet
        context.pointee.sample_rate = Int32(codec.sampleRate)
        context.pointee.sample_fmt = takesFloat ? AV_SAMPLE_FMT_FLT : AV_SAMPLE_FMT_S16
        context.pointee.time_base = AVRational(num: 1, den: Int32(codec.sampleRate))
        av_channel_layout_default(&context.pointee.ch_layout, 1)
        if codec == .opus {
            context.pointee.bit_rate = Int64(bitRate)
            // Speech from a conference; 20 ms frames so that one mixer frame is one packet.
            av_opt_set(context.pointee.priv_data, "application", "voip", 0)
            av_opt_set_double(context.pointee.priv_data, "frame_duration", 20, 0)
        }
        let status = avcodec_open2(context, found, nil)
        guard status >= 0 else { throw .setupFailed(status) }
        // libopus fixes its frame size at open; G.711 and G.722 take any (frame_size 0).
        guard context.pointee.frame_size == 0 || Int(context.pointee.frame_size) == nativeSamples else {
            throw .setupFailed(0)
        }

        frame.pointee.nb_samples = Int32(nativeSamples)
        frame.pointee.format = context.pointee.sample_fmt.rawValue
        frame.pointee.sample_rate = context.pointee.sample_rate
        av_channel_layout_copy(&frame.pointee.ch_layout, &context.pointee.ch_layout)
        let allocated = av_frame_get_buffer(frame, 0)
        guard allocated >= 0 else { throw .setupFailed(allocated) }
    }

    deinit {
        avcodec_free_context(&context)
        av_frame_free(&frame)
        av_packet_free(&packet)
    }

    /// Encodes exactly `frameSamples` samples (48 kHz mono, [-1, 1]) into one payload; empty when the codec holds
    /// the frame back (libopus does not, so in practice every frame gives a payload).
    public func encode(_ samples: UnsafeBufferPointer<Float>) throws(AudioCodecError) -> [UInt8] {
        guard samples.count == Self.frameSamples else { throw .wrongFrameLength(samples.count) }
        guard let context, let frame, let packet else { throw .setupFailed(0) }
        // The frame's buffer is normally ours alone again; this only copies if libavcodec still holds a reference.
        let writable = av_frame_make_writable(frame)
        guard writable >= 0 else { throw .encodeFailed(writable) }

        let destination = UnsafeMutableRawPointer(frame.pointee.data.0!)
        if downsampler != nil {
            native.withUnsafeMutableBufferPointer { native in
                downsampler!.process(samples, into: native.baseAddress!)
            }
            native.withUnsafeBufferPointer { write($0, to: destination) }
        } else {
            write(samples, to: destination)
        }
        frame.pointee.pts = pts
        pts += Int64(nativeSamples)

        let sent = avcodec_send_frame(context, frame)
        guard sent >= 0 else { throw .encodeFailed(sent) }
        framesEncoded += 1
        var payload: [UInt8] = []
        while true {
            let received = avcodec_receive_packet(context, packet)
            if received == AVError.again || received == AVError.endOfFile { break }
            guard received >= 0 else { throw .encodeFailed(received) }
            payload.append(contentsOf: UnsafeBufferPointer(start: packet.pointee.data, count: Int(packet.pointee.size)))
            av_packet_unref(packet)
        }
        return payload
    }

    /// Encodes one frame given as an array.
    public func encode(_ samples: [Float]) throws(AudioCodecError) -> [UInt8] {
        try samples.withUnsafeBufferPointer { buffer in
            Result { () throws(AudioCodecError) -> [UInt8] in try encode(buffer) }
        }.get()
    }

    private func write(_ samples: UnsafeBufferPointer<Float>, to destination: UnsafeMutableRawPointer) {
        if writesFloat {
            let out = destination.assumingMemoryBound(to: Float.self)
            for index in 0..<samples.count { out[index] = max(-1, min(1, samples[index])) }
        } else {
            let out = destination.assumingMemoryBound(to: Int16.self)
            for index in 0..<samples.count { out[index] = int16Sample(samples[index]) }
        }
    }
}
