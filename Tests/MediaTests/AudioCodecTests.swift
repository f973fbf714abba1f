import Foundation
import Testing
@testable import Media

@Suite struct AudioCodecTests {
    /// Every codec carries a 440 Hz tone through encode and decode as 48 kHz frames, and nothing at other tones.
    @Test(arguments: AudioCodec.allCases)
    func roundTripKeepsTone(codec: AudioCodec) throws {
        let encoder = try AudioEncoder(codec: codec)
        let decoder = try AudioDecoder(codec: codec)
        var tone = ToneSource(frequency: 440)
        var decoded: [Float] = []
        for _ in 0..<25 {
            let payload = try encoder.encode(tone.nextFrame())
            #expect(!payload.isEmpty)
            let samples = try decoder.decode(payload)
            #expect(samples.count == MixerFormat.frameSamples)
            decoded += samples
        }
        let levels = toneLevels(decoded, frequencies: [440, 1_000, 2_500], lastSeconds: 0.3)
        // A 0.25 sine measures 10 log10(0.25^2 / 4) = -18 dB.
        #expect(abs(levels[440]! - -18) < 3, "\(codec): \(levels)")
        #expect(levels[440]! - levels[1_000]! > 30, "\(codec): \(levels)")
        #expect(levels[440]! - levels[2_500]! > 30, "\(codec): \(levels)")
        #expect(decoder.errors == 0)
        #expect(encoder.framesEncoded == 25)
    }

    /// G.711 and G.722 payloads have the sizes RFC 3551 gives for 20 ms.
    @Test func fixedRatePayloadSizes() throws {
        let silence = [Float](repeating: 0, count: MixerFormat.frameSamples)
        #expect(try AudioEncoder(codec: .pcmu).encode(silence).count == 160)
        #expect(try AudioEncoder(codec: .pcma).encode(silence).count == 160)
        #expect(try AudioEncoder(codec: .g722).encode(silence).count == 160)
        #expect(AudioCodec.g722.rtpTimestampsPerFrame == 160)
        #expect(AudioCodec.opus.rtpTimestampsPerFrame == 960)
    }

    /// A payload the Opus decoder refuses is an error that is counted, and the decoder keeps decoding afterwards.
    @Test func corruptOpusPayloadIsCountedAndDecoderRecovers() throws {
        let encoder = try AudioEncoder(codec: .opus)
        let decoder = try AudioDecoder(codec: .opus)
        var tone = ToneSource(frequency: 440)
        _ = try decoder.decode(try encoder.encode(tone.nextFrame()))
        // TOC code 3 (arbitrary frame count) with a frame count of 0 is invalid (RFC 6716 section 3.2.5, R5).
        #expect(throws: AudioCodecError.self) { try decoder.decode([0x03, 0x00]) }
        #expect(throws: AudioCodecError.self) { try decoder.decode([]) }
        #expect(decoder.errors == 2)
        let next = try decoder.decode(try encoder.encode(tone.nextFrame()))
        #expect(next.count == MixerFormat.frameSamples)
    }

    /// A G.711 payload longer than 120 ms is refused rather than overrunning the output.
    @Test func oversizedPayloadIsRefused() throws {
        let decoder = try AudioDecoder(codec: .pcmu)
        #expect(throws: AudioCodecError.payloadTooLarge(1_200)) {
            try decoder.decode([UInt8](repeating: 0xFF, count: 1_200))
        }
    }

    /// The encoder takes exactly one 20 ms frame.
    @Test func encoderRefusesOtherFrameLengths() throws {
        let encoder = try AudioEncoder(codec: .opus)
        #expect(throws: AudioCodecError.wrongFrameLength(480)) {
            try encoder.encode([Float](repeating: 0, count: 480))
        }
    }

    /// Upsampling 8 kHz to 48 kHz keeps a 1 kHz tone and suppresses its images at 7 and 9 kHz.
    @Test func upsamplerSuppressesImages() {
        var upsampler = Upsampler(factor: 6)
        var output = [Float](repeating: 0, count: 8_000 * 6 / 10)
        let input = (0..<800).map { Float(0.5 * sin(2 * Double.pi * 1_000 * Double($0) / 8_000)) }
        input.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { upsampler.process(input, into: $0.baseAddress!) }
        }
        let levels = toneLevels(output, frequencies: [1_000, 7_000, 9_000], lastSeconds: 0.05)
        #expect(abs(levels[1_000]! - decibels(0.25 / 4)) < 1)
        #expect(levels[1_000]! - levels[7_000]! > 40)
        #expect(levels[1_000]! - levels[9_000]! > 40)
    }

    /// Downsampling 48 kHz to 8 kHz keeps a 1 kHz tone and keeps a 6 kHz tone from aliasing to 2 kHz.
    @Test func downsamplerSuppressesAliases() {
        var downsampler = Downsampler(factor: 6)
        let input = (0..<MixerFormat.frameSamples * 5).map { index -> Float in
            let t = Double(index) / 48_000
            return Float(0.4 * sin(2 * Double.pi * 1_000 * t) + 0.4 * sin(2 * Double.pi * 6_000 * t))
        }
        var output = [Float](repeating: 0, count: input.count / 6)
        for frame in 0..<5 {
            let range = (frame * MixerFormat.frameSamples)..<((frame + 1) * MixerFormat.frameSamples)
            input[range].withUnsafeBufferPointer { input in
                output.withUnsafeMutableBufferPointer {
                    downsampler.process(input, into: $0.baseAddress! + frame * 160)
                }
            }
        }
        let tail = output[400...]
        let wanted = decibels(tonePower(tail, frequency: 1_000, sampleRate: 8_000))
        let alias = decibels(tonePower(tail, frequency: 2_000, sampleRate: 8_000))
        #expect(abs(wanted - decibels(0.16 / 4)) < 1)
        #expect(wanted - alias > 40)
    }

    /// The soft limiter is the identity below its knee, never exceeds full scale, and keeps order.
    @Test func softLimiterStaysInFullScale() {
        #expect(softLimit(0.5) == 0.5)
        #expect(softLimit(-0.7) == -0.7)
        var previous: Float = 0
        for step in 0...400 {
            let value = softLimit(Float(step) / 100)
            #expect(value <= 1 && value >= previous)
            previous = value
        }
        #expect(softLimit(-3) == -1)
    }
}
