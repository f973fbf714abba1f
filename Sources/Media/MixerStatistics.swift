/// Counters of one `AudioMixer`, for metrics and the lead's benchmark. All cumulative since the mixer was made.
public struct MixerStatistics: Sendable, Hashable {
    /// `mix(now:)` cycles, i.e. 20 ms frames produced.
    public var framesMixed = 0
    /// Encoder invocations: one per distinct mix and codec per cycle, not one per receiver.
    public var encodes = 0
    /// Payloads the decoders refused; each became 20 ms (or the packet's usual length) of silence.
    public var decodeErrors = 0
    /// Frames an encoder failed on; those receivers got nothing for that cycle.
    public var encodeErrors = 0
    /// Packets accepted into a jitter buffer.
    public var packetsReceived = 0
    /// Packets missing at playout, played as silence.
    public var packetsLost = 0
    /// Packets that arrived after their turn, duplicates, and oversized payloads.
    public var packetsDiscarded = 0
    /// Packets pushed out of a full jitter buffer unplayed.
    public var packetsOverflowed = 0
    /// Cycles that began more than 30 ms after the previous one (the caller's timer slipped).
    public var lateCycles = 0

    public init() {}
}
