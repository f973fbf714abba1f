import Foundation
import Media

// Mixer CPU per participant: `AudioMixer` with N participants (3 talking, the others sending quiet room noise)
// fed pre-encoded Opus frames for 10 s of audio, against the cost of decoding and encoding one Opus stream alone,
// measured in the same run. CPU time of this thread, so the numbers are per core. Prints; asserts nothing.
//
//   mixer-bench [--seconds S] [--participants 3,10,30] [--repeats R]

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
let seconds = Double(option("--seconds") ?? "10")!
let sizes = (option("--participants") ?? "3,10,30").split(separator: ",").compactMap { Int($0) }
let repeats = Int(option("--repeats") ?? "3")!
let talkers = 3
let cycles = Int(seconds * 50)
let frameSamples = MixerFormat.frameSamples

/// CPU time of the calling thread.
func threadCPU() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// The best of `repeats` runs (the least disturbed by the rest of the machine).
func best(_ body: () throws -> Double) rethrows -> Double {
    var result = Double.infinity
    for _ in 0..<repeats { result = min(result, try body()) }
    return result
}

/// One participant's 20 ms Opus frames and their RFC 6464 levels: a tone at -10 dBov for a talker, noise at
/// -60 dBov for the others (a quiet room, below the talker threshold).
struct Stream {
    var frames: [[UInt8]]
    var level: UInt8
}

func makeStream(index: Int) throws -> Stream {
    let encoder = try AudioEncoder(codec: .opus)
    let talking = index < talkers
    let frequency = 220.0 * Double(index + 1)
    var generator = SystemRandomNumberGenerator()
    var samples = [Float](repeating: 0, count: frameSamples)
    var frames: [[UInt8]] = []
    for frame in 0..<cycles {
        for sample in 0..<frameSamples {
            let t = Double(frame * frameSamples + sample) / Double(MixerFormat.sampleRate)
            samples[sample] = talking
                ? Float(0.3 * sin(2 * Double.pi * frequency * t))
                : Float.random(in: -0.001...0.001, using: &generator)
        }
        frames.append(try encoder.encode(samples))
    }
    return Stream(frames: frames, level: talking ? 10 : 60)
}

let maximum = sizes.max() ?? 0
print("mixer-bench: \(Int(seconds)) s of 20 ms Opus frames (48 kHz mono, 32 kb/s), \(talkers) talkers; "
      + "thread CPU time, best of \(repeats)")
let streams = try (0..<maximum).map(makeStream)

// The baseline: one stream decoded and its samples encoded again, the least a transcoding mixer does per talker.
let baseline = try best {
    let decoder = try AudioDecoder(codec: .opus)
    let encoder = try AudioEncoder(codec: .opus)
    let start = threadCPU()
    for frame in streams[0].frames {
        let samples = try decoder.decode(frame)
        _ = try encoder.encode(Array(samples.prefix(frameSamples)))
    }
    return threadCPU() - start
}
print(String(format: "baseline: decode + encode one Opus stream: %.1f us per 20 ms frame, %.3f%% of a core",
             baseline / Double(cycles) * 1e6, 100 * baseline / seconds))
print("participants | us per cycle | % of a core | % of a core per participant | x baseline | "
      + "x baseline per participant | encodes per cycle")
for size in sizes {
    var encodes = 0.0
    let cpu = try best {
        let mixer = AudioMixer<Int>()
        for index in 0..<size { try mixer.addParticipant(index, sending: .opus, receiving: .opus) }
        let epoch = ContinuousClock.now
        let start = threadCPU()
        for cycle in 0..<cycles {
            for index in 0..<size {
                mixer.receive(from: index, sequenceNumber: UInt16(truncatingIfNeeded: cycle),
                              payload: streams[index].frames[cycle], audioLevel: streams[index].level)
            }
            _ = mixer.mix(now: epoch + .milliseconds(20 * cycle))
        }
        let used = threadCPU() - start
        encodes = Double(mixer.statistics.encodes) / Double(cycles)
        return used
    }
    print(String(format: "%12d | %12.1f | %10.3f%% | %26.4f%% | %10.2f | %26.3f | %.2f", size,
                 cpu / Double(cycles) * 1e6, 100 * cpu / seconds, 100 * cpu / seconds / Double(size),
                 cpu / baseline, cpu / baseline / Double(size), encodes))
}
