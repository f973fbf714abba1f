#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fixed-capacity FIFO of 48 kHz samples: decoded packets go in whole, the mixer takes 20 ms at a time, so
/// packets of 10, 40 or 60 ms (or G.711 at 30 ms) fit the 20 ms cycle.
struct SampleFIFO {
    private var storage: [Float]
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) {
        storage = [Float](repeating: 0, count: capacity)
    }

    var capacity: Int { storage.count }

    mutating func removeAll() {
        head = 0
        count = 0
    }

    /// Appends what fits; returns how many samples were appended.
    @discardableResult
    mutating func append(_ samples: UnsafeBufferPointer<Float>?, count wanted: Int) -> Int {
        let accepted = min(wanted, storage.count - count)
        let capacity = storage.count
        var tail = (head + count) % capacity
        storage.withUnsafeMutableBufferPointer { storage in
            for index in 0..<accepted {
                storage[tail] = samples?[index] ?? 0
                tail += 1
                if tail == capacity { tail = 0 }
            }
        }
        count += accepted
        return accepted
    }

    /// Moves up to `maximum` samples to `output`; returns how many.
    mutating func read(into output: UnsafeMutablePointer<Float>, maximum: Int) -> Int {
        let taken = min(maximum, count)
        let capacity = storage.count
        storage.withUnsafeBufferPointer { storage in
            for index in 0..<taken {
                output[index] = storage[(head + index) % capacity]
            }
        }
        head = (head + taken) % capacity
        count -= taken
        return taken
    }
}

/// One participant as the mixer sees it: jitter buffer, decoder, this cycle's frame, level, and its own encoder
/// once it has talked.
final class MixerInput {
    let sending: AudioCodec
    let receiving: AudioCodec
    var muted = false
    var jitter: AudioJitterBuffer
    let decoder: AudioDecoder
    private var fifo: SampleFIFO
    /// One decoded payload, before it goes into the FIFO.
    private var decoded: [Float]
    /// This cycle's 20 ms frame (silence when nothing was played out).
    var frame: [Float]
    /// Whether `frame` holds played-out audio this cycle.
    var hasAudio = false
    /// Smoothed level in dBov (-127 is silence).
    var activity: Float = AudioLevelScale.silence
    /// How long the last decoded packet was, to conceal a lost one with as much silence.
    private var lastPacketSamples = MixerFormat.frameSamples
    private var encoder: AudioEncoder?

    init(sending: AudioCodec, receiving: AudioCodec,
         configuration: AudioMixerConfiguration) throws(AudioCodecError) {
        self.sending = sending
        self.receiving = receiving
        decoder = try AudioDecoder(codec: sending)
        jitter = AudioJitterBuffer(capacity: configuration.jitterCapacity, playoutDelay: configuration.playoutDelay)
        fifo = SampleFIFO(capacity: AudioDecoder.maximumSamples + 2 * MixerFormat.frameSamples)
        decoded = [Float](repeating: 0, count: AudioDecoder.maximumSamples)
        frame = [Float](repeating: 0, count: MixerFormat.frameSamples)
    }

    /// The encoder of this participant's own (N-1) mix, made the first time it talks.
    func ownEncoder(bitRate: Int) throws(AudioCodecError) -> AudioEncoder {
        if let encoder { return encoder }
        let made = try AudioEncoder(codec: receiving, bitRate: bitRate)
        encoder = made
        return made
    }

    func resetPlayout() {
        jitter.reset()
        fifo.removeAll()
        activity = AudioLevelScale.silence
        hasAudio = false
        frame.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// Plays out one 20 ms frame into `frame`, decoding as many packets as that takes, and updates `activity`.
    func playOut(statistics: inout MixerStatistics) {
        let frameSamples = MixerFormat.frameSamples
        var packetLevel: Float?
        if !muted {
            fill: while fifo.count < frameSamples {
                switch jitter.pop() {
                case .packet(let slot, let length, let audioLevel):
                    let result = decoded.withUnsafeMutableBufferPointer { decoded in
                        jitter.withPayload(slot: slot, length: length) { payload in
                            Result { () throws(AudioCodecError) -> Int in try decoder.decode(payload, into: decoded) }
                        }
                    }
                    switch result {
                    case .success(let count) where count > 0:
                        decoded.withUnsafeBufferPointer { _ = fifo.append($0, count: count) }
                        lastPacketSamples = count
                    case .success, .failure:
                        // A frame the decoder refused is silence; the mixer carries on.
                        if case .failure = result { statistics.decodeErrors += 1 }
                        fifo.append(nil, count: lastPacketSamples)
                    }
                    if let audioLevel {
                        packetLevel = max(packetLevel ?? AudioLevelScale.silence, -Float(audioLevel))
                    }
                case .lost:
                    statistics.packetsLost += 1
                    fifo.append(nil, count: lastPacketSamples)
                case .waiting:
                    break fill
                }
            }
        }
        let taken = frame.withUnsafeMutableBufferPointer { frame in
            let taken = fifo.read(into: frame.baseAddress!, maximum: frameSamples)
            (frame.baseAddress! + taken).update(repeating: 0, count: frameSamples - taken)
            return taken
        }
        hasAudio = taken > 0
        let measured = packetLevel ?? (hasAudio ? energyLevel() : AudioLevelScale.silence)
        // Fast attack, slow release (time constant about 400 ms), so pauses between words keep a talker.
        let weight: Float = measured > activity ? 0.5 : 0.05
        activity += weight * (measured - activity)
    }

    /// The frame's mean power in dBov (0 dBov: a full-scale square wave, RFC 6464 section 3).
    private func energyLevel() -> Float {
        let power = frame.withUnsafeBufferPointer { frame in
            var sum: Float = 0
            for sample in frame { sum += sample * sample }
            return sum / Float(frame.count)
        }
        guard power > 0 else { return AudioLevelScale.silence }
        return max(AudioLevelScale.silence, 10 * log10f(power))
    }
}

/// RFC 6464 levels run from 0 to -127 dBov; -127 stands for silence.
enum AudioLevelScale {
    static let silence: Float = -127
}
