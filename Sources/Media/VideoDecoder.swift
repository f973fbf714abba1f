internal import CFFmpeg

/// Decodes one source's encoded frames (whole frames from a `VideoDepacketizer`: a VP8 frame, or an H.264 access
/// unit in Annex-B) into `VideoFrame`s.
///
/// Owns its AVCodecContext, AVFrame and AVPacket (freed in `deinit`). Not thread-safe: one decoder belongs to one
/// source and is used on one queue. Corrupt input is an error that is counted; the decoder stays usable and picks
/// up again at the next frame it can decode (a keyframe after loss).
public final class VideoDecoder {
    /// The largest encoded frame accepted: far beyond a 1080p keyframe at conference bit rates.
    public static let maximumFrameBytes = 4 << 20

    public let codec: VideoCodec
    /// Frames libavcodec refused or decoded to something unusable.
    public private(set) var errors = 0
    /// Pictures handed out.
    public private(set) var framesDecoded = 0

    private var context: UnsafeMutablePointer<AVCodecContext>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    /// The encoded frame copied here, with libavcodec's zeroed padding behind it; grows to the largest frame seen.
    private var input: UnsafeMutableRawPointer
    private var inputCapacity: Int
    private static let padding = Int(AV_INPUT_BUFFER_PADDING_SIZE)

    /// `threads` > 1 lets libavcodec decode slices in parallel (no frame threading: it would add a frame of delay).
    public init(codec: VideoCodec, threads: Int = 1) throws(VideoCodecError) {
        self.codec = codec
        inputCapacity = 64 << 10
        input = UnsafeMutableRawPointer.allocate(byteCount: inputCapacity + Self.padding, alignment: 64)
        input.initializeMemory(as: UInt8.self, repeating: 0, count: inputCapacity + Self.padding)
        guard let found = avcodec_find_decoder_by_name(codec.decoderName) else { throw .codecUnavailable(codec) }
        guard let context = avcodec_alloc_context3(found), let frame = av_frame_alloc(),
              let packet = av_packet_alloc() else { throw .setupFailed(0) }
        self.context = context
        self.frame = frame
        self.packet = packet
        context.pointee.thread_count = Int32(max(1, threads))
        context.pointee.thread_type = FF_THREAD_SLICE
        // A hostile stream must not make the bridge allocate gigantic pictures.
        context.pointee.max_pixels = Int64(VideoFrame.maximumDimension * VideoFrame.maximumDimension / 4)
        let status = avcodec_open2(context, found, nil)
        guard status >= 0 else { throw .setupFailed(status) }
    }

    deinit {
        avcodec_free_context(&context)
        av_frame_free(&frame)
        av_packet_free(&packet)
        input.deallocate()
    }

    /// Decodes one whole encoded frame. Returns the picture it completes (nil when libavcodec holds it back, which
    /// the low-delay codecs used here do not); the picture shares the decoder's buffers, so keeping it costs no copy.
    public func decode(_ encoded: UnsafeRawBufferPointer) throws(VideoCodecError) -> VideoFrame? {
        do {
            return try decodeUncounted(encoded)
        } catch {
            errors += 1
            throw error
        }
    }

    /// Decodes one encoded frame given as an array.
    public func decode(_ encoded: [UInt8]) throws(VideoCodecError) -> VideoFrame? {
        try encoded.withUnsafeBytes { bytes in
            Result { () throws(VideoCodecError) -> VideoFrame? in try decode(bytes) }
        }.get()
    }

    private func decodeUncounted(_ encoded: UnsafeRawBufferPointer) throws(VideoCodecError) -> VideoFrame? {
        guard let context, let frame, let packet else { throw .setupFailed(0) }
        guard encoded.count > 0, encoded.count <= Self.maximumFrameBytes else { throw .frameTooLarge(encoded.count) }
        if encoded.count > inputCapacity {
            input.deallocate()
            inputCapacity = max(encoded.count, 2 * inputCapacity)
            input = UnsafeMutableRawPointer.allocate(byteCount: inputCapacity + Self.padding, alignment: 64)
        }
        input.copyMemory(from: encoded.baseAddress!, byteCount: encoded.count)
        (input + encoded.count).initializeMemory(as: UInt8.self, repeating: 0, count: Self.padding)
        // libavcodec copies a packet that has no reference-counted buffer, so `input` is reused next time.
        packet.pointee.data = input.assumingMemoryBound(to: UInt8.self)
        packet.pointee.size = Int32(encoded.count)
        let sent = avcodec_send_packet(context, packet)
        packet.pointee.data = nil
        packet.pointee.size = 0
        guard sent >= 0 else { throw .decodeFailed(sent) }

        // One packet in, at most one picture out for these codecs; should a decoder release more, the newest wins.
        var latest: VideoFrame?
        while true {
            let received = avcodec_receive_frame(context, frame)
            if received == AVError.again || received == AVError.endOfFile { break }
            guard received >= 0 else { throw .decodeFailed(received) }
            guard frame.pointee.width > 0, frame.pointee.height > 0,
                  Int(frame.pointee.width) <= VideoFrame.maximumDimension,
                  Int(frame.pointee.height) <= VideoFrame.maximumDimension,
                  let picture = VideoFrame(movingFrom: frame) else {
                av_frame_unref(frame)
                throw .decodeFailed(0)
            }
            latest = picture
            framesDecoded += 1
        }
        return latest
    }
}
