internal import CFFmpeg
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes one participant's RTP payloads into 48 kHz mono Float samples.
///
/// Owns its AVCodecContext, AVFrame and AVPacket (freed in `deinit`). Not thread-safe: one decoder belongs to one
/// participant and is used on the mixer's queue. Stateful codecs (Opus, G.722) need payloads in sequence order,
/// which is why the mixer decodes at playout, after its jitter buffer has reordered them.
public final class AudioDecoder {
    /// The most samples one payload may decode to: 120 ms at 48 kHz, Opus's longest packet (RFC 6716 section 3.2.5).
    public static let maximumSamples = 5_760
    /// The largest payload accepted: more than fits a datagram is not an RTP audio payload.
    public static let maximumPayloadBytes = 1_500

    public let codec: AudioCodec
    /// Payloads libavcodec refused or whose output could not be read.
    public private(set) var errors = 0

    private var context: UnsafeMutablePointer<AVCodecContext>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    /// The payload copied here with libavcodec's required zeroed padding behind it.
    private let input: UnsafeMutableRawPointer
    /// Decoded samples at the codec's rate, before upsampling.
    private var native: [Float]
    private var upsampler: Upsampler?

    public init(codec: AudioCodec) throws(AudioCodecError) {
        self.codec = codec
        input = UnsafeMutableRawPointer.allocate(
            byteCount: Self.maximumPayloadBytes + Int(AV_INPUT_BUFFER_PADDING_SIZE), alignment: 64)
        input.initializeMemory(as: UInt8.self, repeating: 0,
                               count: Self.maximumPayloadBytes + Int(AV_INPUT_BUFFER_PADDING_SIZE))
        native = [Float](repeating: 0, count: Self.maximumSamples)
        let factor = MixerFormat.sampleRate / codec.sampleRate
        upsampler = factor > 1 ? Upsampler(factor: factor) : nil

        guard let found = codec.decoderNames.lazy.compactMap({ avcodec_find_decoder_by_name($0) }).first else {
            throw .codecUnavailable(codec)
        }
        guard let context = avcodec_alloc_context3(found), let frame = av_frame_alloc(),
              let packet = av_packet_alloc() else { throw .setupFailed(0) }
        self.context = context
        self.frame = frame
        self.packet = packet
        context.pointee.sample_rate = Int32(codec.sampleRate)
        // Mono out: the Opus decoder downmixes a stereo stream itself; G.711 and G.722 are mono.
        av_channel_layout_default(&context.pointee.ch_layout, 1)
        let status = avcodec_open2(context, found, nil)
        guard status >= 0 else { throw .setupFailed(status) }
    }

    deinit {
        avcodec_free_context(&context)
        av_frame_free(&frame)
        av_packet_free(&packet)
        input.deallocate()
    }

    /// Decodes one payload and writes its 48 kHz mono samples to `output` (room for `maximumSamples`).
    /// Returns how many were written. On an error the decoder stays usable and the error is counted.
    public func decode(_ payload: UnsafeRawBufferPointer,
                       into output: UnsafeMutableBufferPointer<Float>) throws(AudioCodecError) -> Int {
        do {
            return try decodeUncounted(payload, into: output)
        } catch {
            errors += 1
            throw error
        }
    }

    /// Decodes one payload into a new array of 48 kHz mono samples.
    public func decode(_ payload: [UInt8]) throws(AudioCodecError) -> [Float] {
        var samples = [Float](repeating: 0, count: Self.maximumSamples)
        let result = payload.withUnsafeBytes { bytes in
            samples.withUnsafeMutableBufferPointer { buffer in
                Result { () throws(AudioCodecError) -> Int in try decode(bytes, into: buffer) }
            }
        }
        samples.removeLast(samples.count - (try result.get()))
        return samples
    }

    private func decodeUncounted(_ payload: UnsafeRawBufferPointer,
                                 into output: UnsafeMutableBufferPointer<Float>) throws(AudioCodecError) -> Int {
        guard let context, let frame, let packet else { throw .setupFailed(0) }
        let factor = upsampler?.factor ?? 1
        // G.711 is one byte per 8 kHz sample, G.722 one byte per two 16 kHz samples: both 6 output samples a byte.
        let samplesPerByte = codec == .opus ? 0 : 6
        guard payload.count <= Self.maximumPayloadBytes,
              payload.count * samplesPerByte <= min(Self.maximumSamples, output.count) else {
            throw .payloadTooLarge(payload.count)
        }
        guard payload.count > 0 else { throw .decodeFailed(-EINVAL) }
        input.copyMemory(from: payload.baseAddress!, byteCount: payload.count)
        // libavcodec copies a packet that has no reference-counted buffer, so `input` is reused next time.
        packet.pointee.data = input.assumingMemoryBound(to: UInt8.self)
        packet.pointee.size = Int32(payload.count)
        let sent = avcodec_send_packet(context, packet)
        packet.pointee.data = nil
        packet.pointee.size = 0
        guard sent >= 0 else { throw .decodeFailed(sent) }

        var written = 0
        while true {
            let received = avcodec_receive_frame(context, frame)
            if received == AVError.again || received == AVError.endOfFile { break }
            guard received >= 0 else { throw .decodeFailed(received) }
            defer { av_frame_unref(frame) }
            guard Int(frame.pointee.sample_rate) * factor == MixerFormat.sampleRate else { throw .unsupportedOutput }
            let room = min(output.count - written, Self.maximumSamples) / factor
            let count = try native.withUnsafeMutableBufferPointer { (native) throws(AudioCodecError) -> Int in
                guard let count = appendMono(from: frame, into: native.baseAddress!, capacity: room) else {
                    throw .unsupportedOutput
                }
                if upsampler != nil {
                    upsampler!.process(UnsafeBufferPointer(rebasing: native[0..<count]),
                                       into: output.baseAddress! + written)
                } else {
                    (output.baseAddress! + written).update(from: native.baseAddress!, count: count)
                }
                return count
            }
            written += count * factor
        }
        return written
    }
}
