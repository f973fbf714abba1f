internal import CFFmpeg
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// libavcodec's error codes that the send/receive loops branch on (`AVERROR(EAGAIN)` and `AVERROR_EOF` are macros
/// Swift does not import).
enum AVError {
    static let again: Int32 = -EAGAIN
    /// `FFERRTAG('E', 'O', 'F', ' ')`, negated.
    static let endOfFile: Int32 = -Int32(bitPattern: 0x2046_4F45)
}

/// Reads a decoded AVFrame as mono Float samples in [-1, 1], averaging channels (stereo to mono).
/// Returns the number of samples written, or nil for a sample format the mixer does not read.
func appendMono(from frame: UnsafePointer<AVFrame>, into output: UnsafeMutablePointer<Float>, capacity: Int) -> Int? {
    let count = Int(frame.pointee.nb_samples)
    let channels = max(1, Int(frame.pointee.ch_layout.nb_channels))
    guard count <= capacity, let planes = frame.pointee.extended_data else { return nil }
    let format = AVSampleFormat(rawValue: frame.pointee.format)
    let planar = av_sample_fmt_is_planar(format) != 0
    let scale = 1 / Float(channels)

    // Sample `index` of channel `channel` as a Float, for the formats decoders of our codecs produce.
    func read<T>(_ type: T.Type, _ convert: (T) -> Float) {
        for index in 0..<count {
            var sum: Float = 0
            for channel in 0..<channels {
                let value: T
                if planar {
                    value = UnsafeRawPointer(planes[channel]!).load(fromByteOffset: index * MemoryLayout<T>.stride,
                                                                    as: T.self)
                } else {
                    value = UnsafeRawPointer(planes[0]!).load(
                        fromByteOffset: (index * channels + channel) * MemoryLayout<T>.stride, as: T.self)
                }
                sum += convert(value)
            }
            output[index] = channels == 1 ? sum : sum * scale
        }
    }

    switch format {
    case AV_SAMPLE_FMT_S16, AV_SAMPLE_FMT_S16P: read(Int16.self) { Float($0) / 32_768 }
    case AV_SAMPLE_FMT_S32, AV_SAMPLE_FMT_S32P: read(Int32.self) { Float($0) / 2_147_483_648 }
    case AV_SAMPLE_FMT_FLT, AV_SAMPLE_FMT_FLTP: read(Float.self) { $0 }
    case AV_SAMPLE_FMT_DBL, AV_SAMPLE_FMT_DBLP: read(Double.self) { Float($0) }
    default: return nil
    }
    return count
}

/// A Float sample in [-1, 1] as 16-bit PCM, saturating.
@inline(__always)
func int16Sample(_ value: Float) -> Int16 {
    let scaled = (value * 32_767).rounded()
    return Int16(max(-32_768, min(32_767, scaled)))
}
