internal import RTP

/// One encoded 20 ms frame for one receiver.
///
/// Receivers that hear the same mix in the same codec get the same `payload` array: one encode, one buffer.
public struct EncodedAudioFrame: Sendable, Hashable {
    public var payload: [UInt8]
    public var codec: AudioCodec
    /// True for the mix of all talkers that non-talkers share; false for a talker's own mix without itself.
    public var isSharedMix: Bool

    public init(payload: [UInt8], codec: AudioCodec, isSharedMix: Bool) {
        self.payload = payload
        self.codec = codec
        self.isSharedMix = isSharedMix
    }
}

/// How an `AudioMixer` picks talkers and buffers input.
public struct AudioMixerConfiguration: Sendable, Hashable {
    /// How many of the loudest participants are mixed (the others are heard by no one until they are louder).
    public var maxTalkers: Int
    /// Packets each participant's jitter buffer holds; beyond it the oldest are dropped.
    public var jitterCapacity: Int
    /// Packets buffered before playout starts: reordering and jitter of this many packets are absorbed.
    public var playoutDelay: Int
    /// Smoothed level (dBov) below which a participant is not a talker even if among the loudest.
    public var talkerThreshold: Float
    /// Opus bit rate of the mixes, bits per second.
    public var opusBitRate: Int

    public init(maxTalkers: Int = 3, jitterCapacity: Int = 8, playoutDelay: Int = 2,
                talkerThreshold: Float = -50, opusBitRate: Int = 32_000) {
        self.maxTalkers = maxTalkers
        self.jitterCapacity = jitterCapacity
        self.playoutDelay = playoutDelay
        self.talkerThreshold = talkerThreshold
        self.opusBitRate = opusBitRate
    }
}

/// The conference's audio mixer (RFC 7667 section 3.6, "Media Mixing Mixer").
///
/// Every 20 ms the caller calls `mix(now:)`. The mixer plays out one frame from each participant's jitter buffer,
/// picks the `maxTalkers` loudest as talkers, and produces for each talker the mix of the other talkers (N-1) and
/// for everyone else one shared mix of all talkers. Each distinct mix is encoded once per codec among its
/// receivers. Pure apart from the codecs: it reads no clock and does no I/O; RTP headers, SSRC, sequence numbers,
/// timestamps and CSRC lists (the contributors are `talkers`) are the caller's.
///
/// Not thread-safe: confine one mixer to one serial queue (the room's mixing queue). Buffers are allocated when a
/// participant joins or first talks; a cycle allocates only the encoded payloads (and the returned dictionary when
/// the caller still holds the previous one).
public final class AudioMixer<ParticipantID: Hashable & Sendable> {
    public typealias Configuration = AudioMixerConfiguration

    public let configuration: Configuration
    public private(set) var statistics = MixerStatistics()
    /// The participants mixed in the last cycle, loudest first: the contributing sources (CSRCs) of the mixes.
    public private(set) var talkers: [ParticipantID] = []

    private var inputs: [MixerInput] = []
    private var ids: [ParticipantID] = []
    private var indexByID: [ParticipantID: Int] = [:]
    /// Indices into `inputs` of this cycle's talkers, loudest first.
    private var talkerIndices: [Int] = []
    /// Per input, whether it is a talker as of the latest selection (the previous cycle's, while ranking).
    private var talking: [Bool] = []
    /// The sum of all talkers' frames.
    private var sum = [Float](repeating: 0, count: MixerFormat.frameSamples)
    /// One mix, soft-limited, about to be encoded.
    private var mixed = [Float](repeating: 0, count: MixerFormat.frameSamples)
    /// Encoders of the shared mix, by `AudioCodec.rawValue`.
    private var sharedEncoders: [AudioEncoder?] = Array(repeating: nil, count: AudioCodec.allCases.count)
    private var sharedPayloads: [[UInt8]?] = Array(repeating: nil, count: AudioCodec.allCases.count)
    private var outputs: [ParticipantID: EncodedAudioFrame] = [:]
    private var lastCycle: ContinuousClock.Instant?

    /// A current talker's level counts this much higher when ranking, so that near-equal talkers do not flap.
    static var talkerHysteresis: Float { 3 }
    /// A cycle this long after the previous one counts as late.
    static var lateCycle: Duration { .milliseconds(30) }

    public init(configuration: Configuration = Configuration()) {
        precondition(configuration.maxTalkers >= 1)
        self.configuration = configuration
        talkerIndices.reserveCapacity(configuration.maxTalkers)
        talkers.reserveCapacity(configuration.maxTalkers)
    }

    public var participants: [ParticipantID] { ids }

    /// Adds a participant that sends in `sending` and is sent the mix in `receiving` (both as negotiated in SDP).
    /// Re-adding an existing participant replaces its codecs and buffers.
    public func addParticipant(_ id: ParticipantID, sending: AudioCodec,
                               receiving: AudioCodec = .opus) throws(AudioCodecError) {
        let input = try MixerInput(sending: sending, receiving: receiving, configuration: configuration)
        if let index = indexByID[id] {
            input.muted = inputs[index].muted
            inputs[index] = input
            talking[index] = false
            return
        }
        indexByID[id] = inputs.count
        inputs.append(input)
        ids.append(id)
        talking.append(false)
        outputs.reserveCapacity(inputs.count)
    }

    public func removeParticipant(_ id: ParticipantID) {
        guard let index = indexByID.removeValue(forKey: id) else { return }
        let last = inputs.count - 1
        if index != last {
            inputs.swapAt(index, last)
            ids.swapAt(index, last)
            talking.swapAt(index, last)
            indexByID[ids[index]] = index
        }
        inputs.removeLast()
        ids.removeLast()
        talking.removeLast()
    }

    /// A muted participant's packets are ignored, so no one hears it; it still hears the shared mix.
    public func setMuted(_ muted: Bool, for id: ParticipantID) {
        guard let index = indexByID[id] else { return }
        let input = inputs[index]
        guard input.muted != muted else { return }
        input.muted = muted
        input.resetPlayout()
    }

    public func isMuted(_ id: ParticipantID) -> Bool {
        indexByID[id].map { inputs[$0].muted } ?? false
    }

    /// A participant's smoothed level in dBov (-127 for silence, or when muted), as used to pick talkers.
    public func level(of id: ParticipantID) -> Float? {
        indexByID[id].map { inputs[$0].activity }
    }

    /// Takes one RTP payload from a participant. `audioLevel` is the RFC 6464 level (0-127, -dBov) from the
    /// packet's header extension when negotiated; without it the decoded energy decides who talks.
    /// Returns false when the packet was not kept (unknown or muted participant, late, duplicate, too large).
    @discardableResult
    public func receive(from id: ParticipantID, sequenceNumber: UInt16, payload: UnsafeRawBufferPointer,
                        audioLevel: UInt8? = nil) -> Bool {
        guard let index = indexByID[id] else { return false }
        let input = inputs[index]
        guard !input.muted else { return false }
        switch input.jitter.insert(sequenceNumber: sequenceNumber, payload: payload,
                                   audioLevel: audioLevel.map { min($0, 127) }) {
        case .stored:
            statistics.packetsReceived += 1
            return true
        case .storedDroppingOldest(let dropped):
            statistics.packetsReceived += 1
            statistics.packetsOverflowed += dropped
            return true
        case .late, .duplicate, .tooLarge:
            statistics.packetsDiscarded += 1
            return false
        }
    }

    @discardableResult
    public func receive(from id: ParticipantID, sequenceNumber: UInt16, payload: [UInt8],
                        audioLevel: UInt8? = nil) -> Bool {
        payload.withUnsafeBytes { receive(from: id, sequenceNumber: sequenceNumber, payload: $0,
                                          audioLevel: audioLevel) }
    }

    /// Takes a whole (unprotected) RTP packet; false if it does not parse or was not kept.
    @discardableResult
    public func receive(rtpPacket: UnsafeRawBufferPointer, from id: ParticipantID, audioLevel: UInt8? = nil) -> Bool {
        guard let header = RTPHeader(rtpPacket) else {
            statistics.packetsDiscarded += 1
            return false
        }
        return receive(from: id, sequenceNumber: header.sequenceNumber,
                       payload: UnsafeRawBufferPointer(rebasing: rtpPacket[header.payloadRange]),
                       audioLevel: audioLevel)
    }

    /// Produces this cycle's frames: one per participant. Call every 20 ms on the mixer's queue; `now` only
    /// detects cycles that came late.
    public func mix(now: ContinuousClock.Instant) -> [ParticipantID: EncodedAudioFrame] {
        if let lastCycle, now - lastCycle > Self.lateCycle { statistics.lateCycles += 1 }
        lastCycle = now
        statistics.framesMixed += 1

        for input in inputs {
            input.playOut(statistics: &statistics)
        }
        selectTalkers()
        sumTalkers()

        outputs.removeAll(keepingCapacity: true)
        for slot in sharedPayloads.indices { sharedPayloads[slot] = nil }
        for index in inputs.indices {
            let input = inputs[index]
            if talking[index] {
                // N-1: everything but its own voice, from its own encoder (its mix is unlike anyone else's).
                subtractAndLimit(input)
                do {
                    let encoder = try input.ownEncoder(bitRate: configuration.opusBitRate)
                    let payload = try mixed.withUnsafeBufferPointer { buffer in
                        Result { () throws(AudioCodecError) -> [UInt8] in try encoder.encode(buffer) }
                    }.get()
                    statistics.encodes += 1
                    outputs[ids[index]] = EncodedAudioFrame(payload: payload, codec: input.receiving,
                                                            isSharedMix: false)
                } catch {
                    statistics.encodeErrors += 1
                }
            } else if let payload = sharedPayload(for: input.receiving) {
                outputs[ids[index]] = EncodedAudioFrame(payload: payload, codec: input.receiving, isSharedMix: true)
            }
        }
        return outputs
    }

    // MARK: - One cycle

    /// Ranks eligible participants by smoothed level (current talkers favoured) and keeps the top `maxTalkers`.
    private func selectTalkers() {
        talkerIndices.removeAll(keepingCapacity: true)
        let limit = configuration.maxTalkers
        func score(_ index: Int) -> Float {
            inputs[index].activity + (talking[index] ? Self.talkerHysteresis : 0)
        }
        for index in inputs.indices {
            let input = inputs[index]
            guard !input.muted, input.hasAudio, input.activity > configuration.talkerThreshold else { continue }
            let value = score(index)
            // Insertion into a short sorted list; ties keep the earlier participant.
            var position = talkerIndices.count
            while position > 0 && score(talkerIndices[position - 1]) < value { position -= 1 }
            guard position < limit else { continue }
            if talkerIndices.count == limit { talkerIndices.removeLast() }
            talkerIndices.insert(index, at: position)
        }
        for index in talking.indices { talking[index] = false }
        talkers.removeAll(keepingCapacity: true)
        for index in talkerIndices {
            talking[index] = true
            talkers.append(ids[index])
        }
    }

    private func sumTalkers() {
        sum.withUnsafeMutableBufferPointer { sum in
            sum.update(repeating: 0)
            for index in talkerIndices {
                inputs[index].frame.withUnsafeBufferPointer { frame in
                    for sample in 0..<sum.count { sum[sample] += frame[sample] }
                }
            }
        }
    }

    /// `mixed` = limit(sum - the input's own frame). The sum is exact enough in Float that the talker's own
    /// voice cancels to far below hearing.
    private func subtractAndLimit(_ input: MixerInput) {
        sum.withUnsafeBufferPointer { sum in
            input.frame.withUnsafeBufferPointer { own in
                mixed.withUnsafeMutableBufferPointer { mixed in
                    for sample in 0..<mixed.count { mixed[sample] = softLimit(sum[sample] - own[sample]) }
                }
            }
        }
    }

    /// The shared mix in `codec`, encoded on first use in this cycle.
    private func sharedPayload(for codec: AudioCodec) -> [UInt8]? {
        if let payload = sharedPayloads[codec.rawValue] { return payload }
        do {
            if sharedEncoders[codec.rawValue] == nil {
                sharedEncoders[codec.rawValue] = try AudioEncoder(codec: codec, bitRate: configuration.opusBitRate)
            }
            sum.withUnsafeBufferPointer { sum in
                mixed.withUnsafeMutableBufferPointer { mixed in
                    for sample in 0..<mixed.count { mixed[sample] = softLimit(sum[sample]) }
                }
            }
            let encoder = sharedEncoders[codec.rawValue]!
            let payload = try mixed.withUnsafeBufferPointer { buffer in
                Result { () throws(AudioCodecError) -> [UInt8] in try encoder.encode(buffer) }
            }.get()
            statistics.encodes += 1
            sharedPayloads[codec.rawValue] = payload
            return payload
        } catch {
            statistics.encodeErrors += 1
            return nil
        }
    }
}

/// Keeps the sum of several talkers inside full scale without hard clipping: linear up to the knee, then a tanh
/// curve that approaches 1 smoothly.
@inline(__always)
func softLimit(_ value: Float) -> Float {
    let knee: Float = 0.75
    let magnitude = abs(value)
    guard magnitude > knee else { return value }
    let headroom = 1 - knee
    let limited = knee + headroom * tanhApproximation((magnitude - knee) / headroom)
    return value < 0 ? -limited : limited
}

/// tanh for x >= 0 as a Pade approximant, within 2.5% of tanh, rising monotonically to exactly 1 at x = 3 and
/// held there; avoids libm in the per-sample path.
@inline(__always)
func tanhApproximation(_ x: Float) -> Float {
    if x >= 3 { return 1 }
    let square = x * x
    return x * (27 + square) / (27 + 9 * square)
}
