import Foundation
@testable import Media

/// A sine tone cut into 20 ms frames at 48 kHz, continuous across frames.
struct ToneSource {
    var frequency: Double
    var amplitude: Double = 0.25
    private var phase: Double = 0

    init(frequency: Double, amplitude: Double = 0.25) {
        self.frequency = frequency
        self.amplitude = amplitude
    }

    mutating func nextFrame() -> [Float] {
        let step = 2 * Double.pi * frequency / Double(MixerFormat.sampleRate)
        var frame = [Float](repeating: 0, count: MixerFormat.frameSamples)
        for index in frame.indices {
            frame[index] = Float(amplitude * sin(phase))
            phase += step
        }
        phase = phase.truncatingRemainder(dividingBy: 2 * Double.pi)
        return frame
    }
}

/// The power of one frequency in a block of samples (Goertzel filter), normalized so that a sine of amplitude A
/// measures A^2 / 4 whatever the block length.
func tonePower(_ samples: ArraySlice<Float>, frequency: Double, sampleRate: Double = 48_000) -> Double {
    let coefficient = 2 * cos(2 * Double.pi * frequency / sampleRate)
    var previous = 0.0
    var beforePrevious = 0.0
    for sample in samples {
        let current = Double(sample) + coefficient * previous - beforePrevious
        beforePrevious = previous
        previous = current
    }
    let power = previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious
    let count = Double(samples.count)
    return power / (count * count)
}

func decibels(_ ratio: Double) -> Double { 10 * log10(max(ratio, 1e-30)) }

/// Tone powers in dB relative to full scale, per frequency, of the last `seconds` of a signal.
func toneLevels(_ samples: [Float], frequencies: [Double], lastSeconds seconds: Double = 0.5) -> [Double: Double] {
    let count = min(samples.count, Int(seconds * 48_000))
    let tail = samples[(samples.count - count)...]
    var levels: [Double: Double] = [:]
    for frequency in frequencies {
        levels[frequency] = decibels(tonePower(tail, frequency: frequency))
    }
    return levels
}
