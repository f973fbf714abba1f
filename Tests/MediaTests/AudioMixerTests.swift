import Testing
@testable import Media

/// A simulated participant: a tone (or silence) encoded in its codec, one packet per 20 ms, and a decoder for
/// what the mixer sends it.
private final class Site {
    let id: String
    let sending: AudioCodec
    let receiving: AudioCodec
    var tone: ToneSource?
    let encoder: AudioEncoder
    let decoder: AudioDecoder
    var sequenceNumber: UInt16
    var heard: [Float] = []

    init(_ id: String, frequency: Double?, sending: AudioCodec = .opus, receiving: AudioCodec = .opus) throws {
        self.id = id
        self.sending = sending
        self.receiving = receiving
        tone = frequency.map { ToneSource(frequency: $0) }
        encoder = try AudioEncoder(codec: sending)
        decoder = try AudioDecoder(codec: receiving)
        // Deterministic, and close enough to 65535 that every run crosses the wrap.
        sequenceNumber = 65_500 &+ UInt16(id.utf8.first! &- 65) &* 10
    }

    func nextPacket() throws -> (UInt16, [UInt8]) {
        let frame = tone?.nextFrame() ?? [Float](repeating: 0, count: MixerFormat.frameSamples)
        defer { sequenceNumber &+= 1 }
        return (sequenceNumber, try encoder.encode(frame))
    }

    func hear(_ frame: EncodedAudioFrame?) throws {
        guard let frame else {
            heard += [Float](repeating: 0, count: MixerFormat.frameSamples)
            return
        }
        #expect(frame.codec == receiving)
        heard += try decoder.decode(frame.payload)
    }
}

private struct Conference {
    let mixer: AudioMixer<String>
    let sites: [Site]
    var clock = ContinuousClock.now
    var outputs: [[String: EncodedAudioFrame]] = []

    init(_ sites: [Site], configuration: AudioMixerConfiguration = AudioMixerConfiguration()) throws {
        self.sites = sites
        mixer = AudioMixer(configuration: configuration)
        for site in sites {
            try mixer.addParticipant(site.id, sending: site.sending, receiving: site.receiving)
        }
    }

    /// Runs `cycles` 20 ms cycles; `deliver` may drop, corrupt or reorder a site's packets (default: send as is).
    mutating func run(cycles: Int,
                      deliver: (Site, Int, UInt16, [UInt8], AudioMixer<String>) -> Void = { site, _, sequence, payload, mixer in
                          mixer.receive(from: site.id, sequenceNumber: sequence, payload: payload)
                      }) throws {
        for cycle in 0..<cycles {
            for site in sites {
                let (sequence, payload) = try site.nextPacket()
                deliver(site, cycle, sequence, payload, mixer)
            }
            clock = clock.advanced(by: .milliseconds(20))
            let output = mixer.mix(now: clock)
            #expect(output.count == sites.count, "every participant gets a frame every cycle")
            for site in sites { try site.hear(output[site.id]) }
            outputs.append(output)
        }
    }

    func site(_ id: String) -> Site { sites.first { $0.id == id }! }
}

private let a = 440.0, b = 660.0, c = 880.0
private let frequencies = [a, b, c]

/// `heard` contains each of `present` and lacks each of `absent` (at least 20 dB below the weakest present tone).
private func expectTones(_ site: Site, present: [Double], absent: [Double],
                         sourceLocation: SourceLocation = #_sourceLocation) {
    let levels = toneLevels(site.heard, frequencies: present + absent)
    let weakest = present.map { levels[$0]! }.min()!
    for frequency in present {
        #expect(levels[frequency]! > -30, "\(site.id) should hear \(frequency) Hz: \(levels)",
                sourceLocation: sourceLocation)
    }
    for frequency in absent {
        #expect(weakest - levels[frequency]! >= 20, "\(site.id) should not hear \(frequency) Hz: \(levels)",
                sourceLocation: sourceLocation)
    }
}

@Suite struct AudioMixerTests {
    /// Each talker hears the other talkers and not itself; a silent participant hears all talkers.
    @Test func talkersHearEveryoneButThemselves() throws {
        var conference = try Conference([
            Site("A", frequency: a), Site("B", frequency: b), Site("C", frequency: c), Site("D", frequency: nil),
        ])
        try conference.run(cycles: 50)
        #expect(Set(conference.mixer.talkers) == ["A", "B", "C"])
        expectTones(conference.site("A"), present: [b, c], absent: [a])
        expectTones(conference.site("B"), present: [a, c], absent: [b])
        expectTones(conference.site("C"), present: [a, b], absent: [c])
        expectTones(conference.site("D"), present: frequencies, absent: [])
        let last = conference.outputs.last!
        #expect(last["D"]!.isSharedMix && !last["A"]!.isSharedMix)
        #expect(conference.mixer.statistics.framesMixed == 50)
        #expect(conference.mixer.statistics.decodeErrors == 0)
        #expect(conference.mixer.level(of: "A")! > -25 && conference.mixer.level(of: "D")! < -60)
    }

    /// Whole RTP packets are taken apart with the RTP module's header reader; what is not RTP is refused.
    @Test func acceptsWholeRTPPackets() throws {
        let mixer = AudioMixer<Int>()
        try mixer.addParticipant(1, sending: .pcmu, receiving: .pcmu)
        var packet: [UInt8] = [0x80, 0x00, 0x12, 0x34, 0, 0, 0, 160, 0xCA, 0xFE, 0xBA, 0xBE]
        packet += [UInt8](repeating: 0xFF, count: 160)
        #expect(packet.withUnsafeBytes { mixer.receive(rtpPacket: $0, from: 1) })
        #expect(!packet.withUnsafeBytes { mixer.receive(rtpPacket: $0, from: 1) }, "duplicate")
        #expect(![UInt8](repeating: 0, count: 8).withUnsafeBytes { mixer.receive(rtpPacket: $0, from: 1) })
        #expect(!packet.withUnsafeBytes { mixer.receive(rtpPacket: $0, from: 2) }, "unknown participant")
        #expect(mixer.statistics.packetsReceived == 1 && mixer.statistics.packetsDiscarded == 2)
    }

    /// Listeners of the same mix and codec share one encode and one buffer; each talker's mix is its own encode.
    @Test func identicalMixesAreEncodedOnce() throws {
        var conference = try Conference([
            Site("A", frequency: a), Site("B", frequency: b), Site("C", frequency: c),
            Site("D", frequency: nil), Site("E", frequency: nil), Site("F", frequency: nil),
            Site("G", frequency: nil, receiving: .pcmu), Site("H", frequency: nil, receiving: .pcmu),
        ])
        try conference.run(cycles: 10)
        let before = conference.mixer.statistics.encodes
        try conference.run(cycles: 10)
        // Per cycle: three N-1 mixes, the shared mix in Opus and in PCMU.
        #expect(conference.mixer.statistics.encodes - before == 10 * 5)
        let last = conference.outputs.last!
        func storage(_ id: String) -> UnsafeRawPointer? {
            last[id]!.payload.withUnsafeBytes { $0.baseAddress }
        }
        #expect(storage("D") == storage("E") && storage("E") == storage("F"))
        #expect(storage("G") == storage("H"))
        #expect(storage("D") != storage("G") && storage("A") != storage("B"))
    }

    /// G.711 and G.722 participants are decoded, mixed with Opus ones, and sent their mix in their own codec.
    @Test func narrowbandAndWidebandParticipantsMix() throws {
        var conference = try Conference([
            Site("A", frequency: a, sending: .pcmu, receiving: .pcmu),
            Site("B", frequency: b, sending: .g722, receiving: .g722),
            Site("C", frequency: c, sending: .pcma, receiving: .opus),
            Site("D", frequency: nil, sending: .opus, receiving: .pcma),
            Site("E", frequency: nil, sending: .opus, receiving: .g722),
        ])
        try conference.run(cycles: 50)
        #expect(Set(conference.mixer.talkers) == ["A", "B", "C"])
        expectTones(conference.site("A"), present: [b, c], absent: [a])
        expectTones(conference.site("B"), present: [a, c], absent: [b])
        expectTones(conference.site("C"), present: [a, b], absent: [c])
        expectTones(conference.site("D"), present: frequencies, absent: [])
        expectTones(conference.site("E"), present: frequencies, absent: [])
    }

    /// A muted participant is in no one's mix, and hears the shared mix of the others.
    @Test func muteRemovesParticipantFromEveryMix() throws {
        var conference = try Conference([
            Site("A", frequency: a), Site("B", frequency: b), Site("C", frequency: c), Site("D", frequency: nil),
        ])
        try conference.run(cycles: 20)
        conference.mixer.setMuted(true, for: "B")
        #expect(conference.mixer.isMuted("B"))
        for site in conference.sites { site.heard.removeAll() }
        try conference.run(cycles: 40)
        #expect(Set(conference.mixer.talkers) == ["A", "C"])
        expectTones(conference.site("A"), present: [c], absent: [a, b])
        expectTones(conference.site("C"), present: [a], absent: [b, c])
        expectTones(conference.site("D"), present: [a, c], absent: [b])
        expectTones(conference.site("B"), present: [a, c], absent: [b])
        #expect(conference.outputs.last!["B"]!.isSharedMix)

        conference.mixer.setMuted(false, for: "B")
        for site in conference.sites { site.heard.removeAll() }
        try conference.run(cycles: 40)
        expectTones(conference.site("D"), present: frequencies, absent: [])
    }

    /// Only the `maxTalkers` loudest are mixed.
    @Test func onlyTheLoudestAreMixed() throws {
        let quiet = try Site("Q", frequency: 1_200)
        quiet.tone!.amplitude = 0.02
        var conference = try Conference([Site("A", frequency: a), Site("B", frequency: b), quiet,
                                         Site("D", frequency: nil)],
                                        configuration: AudioMixerConfiguration(maxTalkers: 2))
        try conference.run(cycles: 40)
        #expect(conference.mixer.talkers.count == 2)
        #expect(Set(conference.mixer.talkers) == ["A", "B"])
        expectTones(conference.site("D"), present: [a, b], absent: [1_200])
    }

    /// An RFC 6464 level in the packets decides who talks, over the decoded energy.
    @Test func audioLevelOverridesEnergy() throws {
        var conference = try Conference([Site("A", frequency: a), Site("B", frequency: b), Site("D", frequency: nil)])
        try conference.run(cycles: 30) { site, _, sequence, payload, mixer in
            // B's tone is as loud as A's, but its packets say 127 (silence), like D's.
            mixer.receive(from: site.id, sequenceNumber: sequence, payload: payload,
                          audioLevel: site.id == "A" ? 20 : 127)
        }
        #expect(conference.mixer.talkers == ["A"])
    }

    /// A corrupt payload is counted and played as silence; mixing carries on for everyone.
    @Test func corruptPayloadIsSilenceAndMixingContinues() throws {
        var conference = try Conference([
            Site("A", frequency: a), Site("B", frequency: b), Site("C", frequency: c), Site("D", frequency: nil),
        ])
        try conference.run(cycles: 50) { site, cycle, sequence, payload, mixer in
            let corrupt = site.id == "A" && cycle % 10 == 5
            mixer.receive(from: site.id, sequenceNumber: sequence, payload: corrupt ? [0x03, 0x00] : payload)
        }
        #expect(conference.mixer.statistics.decodeErrors == 5)
        #expect(conference.mixer.statistics.framesMixed == 50)
        expectTones(conference.site("D"), present: frequencies, absent: [])
        expectTones(conference.site("B"), present: [a, c], absent: [b])
    }

    /// Lost and reordered packets neither crash nor stall the mixer, and the tones still get through.
    @Test func lossAndReorderingAreTolerated() throws {
        var held: [String: (UInt16, [UInt8])] = [:]
        var conference = try Conference([
            Site("A", frequency: a), Site("B", frequency: b), Site("C", frequency: c), Site("D", frequency: nil),
        ])
        try conference.run(cycles: 60) { site, cycle, sequence, payload, mixer in
            if (cycle + site.id.count * 3) % 7 == 0 { return }  // lost
            if cycle % 5 == 1 {  // held back and sent after the next one
                held[site.id] = (sequence, payload)
                return
            }
            mixer.receive(from: site.id, sequenceNumber: sequence, payload: payload)
            if let (heldSequence, heldPayload) = held.removeValue(forKey: site.id) {
                mixer.receive(from: site.id, sequenceNumber: heldSequence, payload: heldPayload)
            }
        }
        let statistics = conference.mixer.statistics
        #expect(statistics.packetsLost > 0)
        #expect(statistics.packetsDiscarded == 0, "reordering by one packet is within the playout delay")
        #expect(statistics.framesMixed == 60)
        expectTones(conference.site("D"), present: frequencies, absent: [])
    }

    /// A participant that stops sending stops being a talker and gets the shared mix; removal drops it from outputs.
    @Test func silenceAndRemoval() throws {
        var conference = try Conference([Site("A", frequency: a), Site("B", frequency: b), Site("C", frequency: c)])
        try conference.run(cycles: 20)
        try conference.run(cycles: 10) { site, _, sequence, payload, mixer in
            if site.id != "C" { mixer.receive(from: site.id, sequenceNumber: sequence, payload: payload) }
        }
        #expect(Set(conference.mixer.talkers) == ["A", "B"])
        #expect(conference.outputs.last!["C"]!.isSharedMix)
        conference.mixer.removeParticipant("B")
        #expect(conference.mixer.participants.sorted() == ["A", "C"])
        let output = conference.mixer.mix(now: conference.clock.advanced(by: .milliseconds(20)))
        #expect(Set(output.keys) == ["A", "C"])
    }
}
