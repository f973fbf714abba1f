#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Integer-ratio sample rate conversion between a codec's rate (8 or 16 kHz) and the mixer's 48 kHz.
///
/// A windowed-sinc low-pass (Blackman window, cut-off at the lower rate's Nyquist frequency) applied in polyphase
/// form: upsampling evaluates only the taps that meet real input samples, downsampling only the outputs that are
/// kept. Both keep their filter history across calls, so consecutive 20 ms frames join without clicks.
struct LowPassKernel {
    /// Taps per polyphase branch, i.e. per sample at the lower rate. 32 gives a transition band of about
    /// 1.4 kHz around 4 kHz (factor 6) and 2.8 kHz around 8 kHz (factor 3): G.711's 300-3400 Hz band and most of
    /// G.722's 50-7000 Hz band pass, images and aliases are attenuated.
    static let tapsPerPhase = 32

    let factor: Int
    /// `factor * tapsPerPhase` taps at the higher rate, unity DC gain.
    let taps: [Float]

    init(factor: Int) {
        precondition(factor >= 2)
        self.factor = factor
        let count = factor * Self.tapsPerPhase
        let cutoff = 0.5 / Double(factor)  // cycles per sample at the higher rate
        let middle = Double(count - 1) / 2
        var taps = (0..<count).map { index -> Double in
            let t = Double(index) - middle
            let sinc = t == 0 ? 2 * cutoff : sin(2 * Double.pi * cutoff * t) / (Double.pi * t)
            let phase = 2 * Double.pi * Double(index) / Double(count - 1)
            let blackman = 0.42 - 0.5 * cos(phase) + 0.08 * cos(2 * phase)
            return sinc * blackman
        }
        let sum = taps.reduce(0, +)
        for index in taps.indices { taps[index] /= sum }
        self.taps = taps.map(Float.init)
    }
}

/// Raises a codec's rate to 48 kHz by an integer factor.
struct Upsampler {
    let factor: Int
    /// Per phase p, the taps h[p + j * factor] for j = 0..<tapsPerPhase, already scaled by the factor (inserting
    /// zeros divides the signal's energy by the factor).
    private var phaseTaps: [Float]
    /// The last `tapsPerPhase` input samples, newest last.
    private var history: [Float]

    init(factor: Int) {
        self.factor = factor
        let kernel = LowPassKernel(factor: factor)
        let perPhase = LowPassKernel.tapsPerPhase
        phaseTaps = [Float](repeating: 0, count: factor * perPhase)
        for phase in 0..<factor {
            for j in 0..<perPhase {
                phaseTaps[phase * perPhase + j] = kernel.taps[phase + j * factor] * Float(factor)
            }
        }
        history = [Float](repeating: 0, count: perPhase)
    }

    /// Writes `input.count * factor` samples to `output`.
    mutating func process(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutablePointer<Float>) {
        let perPhase = LowPassKernel.tapsPerPhase
        let factor = self.factor
        phaseTaps.withUnsafeBufferPointer { taps in
            history.withUnsafeMutableBufferPointer { history in
                var out = output
                for sample in input {
                    // Shift the newest sample in; the history stays short (32), so a move is cheaper than a ring.
                    (history.baseAddress! + 0).update(from: history.baseAddress! + 1, count: perPhase - 1)
                    history[perPhase - 1] = sample
                    for phase in 0..<factor {
                        var sum: Float = 0
                        let branch = taps.baseAddress! + phase * perPhase
                        // y[m * L + p] = L * sum_j h[p + j L] x[m - j]
                        for j in 0..<perPhase {
                            sum += branch[j] * history[perPhase - 1 - j]
                        }
                        out.pointee = sum
                        out += 1
                    }
                }
            }
        }
    }
}

/// Lowers 48 kHz to a codec's rate by an integer factor.
struct Downsampler {
    let factor: Int
    private let taps: [Float]
    /// The previous `taps.count - 1` input samples followed by room for one frame of input.
    private var window: [Float]
    private let historyCount: Int

    init(factor: Int, maximumInput: Int = MixerFormat.frameSamples) {
        self.factor = factor
        taps = LowPassKernel(factor: factor).taps
        historyCount = taps.count - 1
        window = [Float](repeating: 0, count: historyCount + maximumInput)
    }

    /// Writes `input.count / factor` samples to `output`; `input.count` must be a multiple of the factor.
    mutating func process(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutablePointer<Float>) {
        precondition(input.count % factor == 0 && historyCount + input.count <= window.count)
        let historyCount = self.historyCount
        let factor = self.factor
        taps.withUnsafeBufferPointer { taps in
            window.withUnsafeMutableBufferPointer { window in
                let base = window.baseAddress!
                (base + historyCount).update(from: input.baseAddress!, count: input.count)
                let count = taps.count
                for m in 0..<(input.count / factor) {
                    // y[m] = sum_k h[k] x[m M - k]; x[n] sits at base + historyCount + n.
                    let newest = base + historyCount + m * factor
                    var sum: Float = 0
                    for k in 0..<count {
                        sum += taps[k] * (newest - k).pointee
                    }
                    output[m] = sum
                }
                base.update(from: base + input.count, count: historyCount)
            }
        }
    }
}
