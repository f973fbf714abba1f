import Foundation
import Media

// Compositing CPU per output frame: four VP8 sources decoded, laid out 2x2 by `VideoCompositor` and the canvas
// encoded in VP8, against plain transcoding of one stream (decode + encode at the same resolution), measured in the
// same run. CPU time of this thread (every codec runs single-threaded), so the numbers are per core. Prints;
// asserts nothing.
//
//   compose-bench [--frames N] [--sizes 640x360,1280x720] [--repeats R]

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
let frameCount = Int(option("--frames") ?? "90")!
let repeats = Int(option("--repeats") ?? "3")!
let sizes = (option("--sizes") ?? "640x360,1280x720").split(separator: ",").compactMap { size -> (Int, Int)? in
    let parts = size.split(separator: "x").compactMap { Int($0) }
    return parts.count == 2 ? (parts[0], parts[1]) : nil
}
let sourceCount = 4
FFmpegLogging.errorsOnly()

func threadCPU() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func best(_ body: () throws -> Double) rethrows -> Double {
    var result = Double.infinity
    for _ in 0..<repeats { result = min(result, try body()) }
    return result
}

/// A camera-like picture that changes every frame: 16 vertical bars whose brightness drifts, and a block moving
/// across, so that the encoder has motion to code and the decoder real residuals.
func paint(_ picture: VideoFrame, source: Int, frame: Int) {
    let width = picture.width
    let height = picture.height
    let bars = 16
    for bar in 0..<bars {
        let luma = UInt8(40 + (bar * 11 + frame * 2 + source * 37) % 180)
        let x = bar * width / bars & ~1
        picture.fill(VideoRectangle(x: x, y: 0, width: width / bars + 2, height: height),
                     with: YCbCr(y: luma, cb: UInt8(100 + source * 20), cr: UInt8(150 - bar * 3)))
    }
    let block = height / 4 & ~1
    let x = (frame * 8 + source * 50) % max(2, width - block) & ~1
    picture.fill(VideoRectangle(x: x, y: height / 3 & ~1, width: block, height: block),
                 with: YCbCr(y: 220, cb: 60, cr: 200))
}

/// `frameCount` encoded VP8 frames of one source at the given size, 30 fps, 1 Mb/s per 640x360.
func makeStream(source: Int, width: Int, height: Int) throws -> [[UInt8]] {
    let encoder = try VideoEncoder(codec: .vp8, configuration: VideoEncoderConfiguration(
        width: width, height: height, bitRate: bitRate(width: width, height: height)))
    let picture = try VideoFrame(width: width, height: height)
    var frames: [[UInt8]] = []
    for frame in 0..<frameCount {
        paint(picture, source: source, frame: frame)
        if let encoded = try encoder.encode(picture) { frames.append(encoded.data) }
    }
    return frames
}

func bitRate(width: Int, height: Int) -> Int { width * height * 1_000_000 / (640 * 360) }

print("compose-bench: \(sourceCount) VP8 sources at the output size, \(frameCount) frames at 30 fps, output VP8; "
      + "thread CPU time, best of \(repeats)")
print("size      | baseline transcode ms/frame | composed ms/frame | x baseline | of which compose ms | "
      + "% of a core at 30 fps")
for (width, height) in sizes {
    let streams = try (0..<sourceCount).map { try makeStream(source: $0, width: width, height: height) }
    let configuration = VideoEncoderConfiguration(width: width, height: height,
                                                  bitRate: bitRate(width: width, height: height))

    // Baseline: one stream decoded and its pictures encoded again, the least a transcoding MCU does per output.
    let baseline = try best {
        let decoder = try VideoDecoder(codec: .vp8)
        let encoder = try VideoEncoder(codec: .vp8, configuration: configuration)
        let start = threadCPU()
        for frame in streams[0] {
            if let picture = try decoder.decode(frame) { _ = try encoder.encode(picture) }
        }
        return threadCPU() - start
    }

    var composeOnly = 0.0
    let composed = try best {
        let decoders = try (0..<sourceCount).map { _ in try VideoDecoder(codec: .vp8) }
        let compositor = try VideoCompositor<Int>(width: width, height: height)
        compositor.setTiles(Array(0..<sourceCount))
        let encoder = try VideoEncoder(codec: .vp8, configuration: configuration)
        var composing = 0.0
        let start = threadCPU()
        for index in 0..<frameCount {
            for source in 0..<sourceCount where index < streams[source].count {
                if let picture = try decoders[source].decode(streams[source][index]) {
                    compositor.update(source, with: picture)
                }
            }
            let before = threadCPU()
            let canvas = try compositor.compose()
            composing += threadCPU() - before
            _ = try encoder.encode(canvas)
        }
        composeOnly = composing
        return threadCPU() - start
    }
    let perFrame = Double(frameCount)
    print(String(format: "%4dx%-4d | %27.2f | %17.2f | %10.2f | %19.2f | %.0f%%", width, height,
                 baseline / perFrame * 1e3, composed / perFrame * 1e3, composed / baseline,
                 composeOnly / perFrame * 1e3, 100 * composed / perFrame * 30))
}
