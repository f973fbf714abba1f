import Foundation

/// Who is talking, from the RFC 6464 audio levels participants send in their RTP header extension, for the
/// SoundLevel and RoundRobin MCC policies (RFC 8845 section 7.2.1.2). Time is passed in; nothing reads a clock.
///
/// Levels are smoothed per participant (an exponential average of loudness with time constant `smoothing`); a
/// participant takes SoundLevel:0 only after being the loudest, by at least `margin` dB over the current speaker
/// and above `activityThreshold`, for `holdTime` without a break (hysteresis, so a cough does not switch screens).
/// The current speaker then moves to SoundLevel:1, and so on down `order`.
public struct SpeakerTracker: Sendable, Hashable {
    public struct Configuration: Sendable, Hashable {
        /// How long a challenger must stay loudest before it becomes the speaker.
        public var holdTime: Duration
        /// Time constant of the smoothing.
        public var smoothing: Duration
        /// How much louder (dB) than the current speaker a challenger must be.
        public var margin: Double
        /// Levels at or above this (in -dBov, RFC 6464: 0 loudest, 127 silence) count as silence.
        public var activityThreshold: UInt8
        /// A participant with no level for this long is treated as silent (DTX, muted, gone).
        public var staleAfter: Duration
        /// How long each RoundRobin turn lasts.
        public var roundRobinPeriod: Duration

        public init(holdTime: Duration = .seconds(1), smoothing: Duration = .milliseconds(200), margin: Double = 3,
                    activityThreshold: UInt8 = 70, staleAfter: Duration = .milliseconds(500),
                    roundRobinPeriod: Duration = .seconds(10)) {
            self.holdTime = holdTime
            self.smoothing = smoothing
            self.margin = margin
            self.activityThreshold = activityThreshold
            self.staleAfter = staleAfter
            self.roundRobinPeriod = roundRobinPeriod
        }
    }

    struct Level: Sendable, Hashable {
        /// Smoothed loudness in dB above silence: 127 - level, so larger is louder.
        var loudness: Double
        var updated: ContinuousClock.Instant
    }

    public let configuration: Configuration
    private let start: ContinuousClock.Instant
    private var levels: [String: Level] = [:]
    private var challenger: (id: String, since: ContinuousClock.Instant)?
    /// Speakers, most recent first: SoundLevel:0 is `order[0]`, SoundLevel:1 is `order[1]`, ...
    public private(set) var order: [String] = []

    public init(configuration: Configuration = Configuration(), start: ContinuousClock.Instant) {
        self.configuration = configuration
        self.start = start
    }

    public static func == (lhs: SpeakerTracker, rhs: SpeakerTracker) -> Bool {
        lhs.configuration == rhs.configuration && lhs.start == rhs.start && lhs.levels == rhs.levels
            && lhs.challenger?.id == rhs.challenger?.id && lhs.challenger?.since == rhs.challenger?.since
            && lhs.order == rhs.order
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(order)
        hasher.combine(challenger?.id)
    }

    /// The current speaker (SoundLevel:0), if anyone has spoken.
    public var speaker: String? { order.first }

    /// The smoothed level of a participant in RFC 6464 terms (-dBov, 0 loudest, 127 silence) as of its last sample.
    public func smoothedLevel(of participant: String) -> Double? {
        levels[participant].map { 127 - $0.loudness }
    }

    /// Feeds one audio level (RFC 6464: the 7-bit level, 0 to 127 -dBov; the V flag is not needed) received
    /// from `participant` at `now`, then re-evaluates the speaker. Returns true when the order changed.
    @discardableResult
    public mutating func record(level: UInt8, from participant: String, at now: ContinuousClock.Instant) -> Bool {
        let loudness = 127 - Double(min(level, 127))
        if let previous = levels[participant] {
            let elapsed = max(0, Self.seconds(now - previous.updated))
            let alpha = 1 - exp(-elapsed / max(Self.seconds(configuration.smoothing), 1e-6))
            levels[participant] = Level(loudness: previous.loudness + alpha * (loudness - previous.loudness),
                                        updated: now)
        } else {
            levels[participant] = Level(loudness: loudness, updated: now)
        }
        return evaluate(at: now)
    }

    /// Re-evaluates without a new sample (call on a timer, e.g. every 100 ms, so silence is noticed). Returns true
    /// when the order changed.
    @discardableResult
    public mutating func evaluate(at now: ContinuousClock.Instant) -> Bool {
        let threshold = 127 - Double(configuration.activityThreshold)
        let active = levels.filter { _, level in
            now - level.updated <= configuration.staleAfter && level.loudness > threshold
        }
        // The loudest active participant; ties go to the smaller ID so the result never depends on hashing.
        guard let loudest = active.max(by: { ($0.value.loudness, $1.key) < ($1.value.loudness, $0.key) }) else {
            challenger = nil
            return false
        }
        if loudest.key == order.first {
            challenger = nil
            return false
        }
        let current = order.first.flatMap { active[$0]?.loudness } ?? -Double.infinity
        guard loudest.value.loudness >= current + configuration.margin else {
            challenger = nil
            return false
        }
        if challenger?.id != loudest.key { challenger = (loudest.key, now) }
        guard let challenger, now - challenger.since >= configuration.holdTime else { return false }
        order.removeAll { $0 == loudest.key }
        order.insert(loudest.key, at: 0)
        self.challenger = nil
        return true
    }

    /// When a challenger, if it stays loudest, takes over: the deadline for the next `evaluate`.
    public var nextDeadline: ContinuousClock.Instant? {
        challenger.map { $0.since + configuration.holdTime }
    }

    /// Forgets a participant that left.
    public mutating func remove(_ participant: String) {
        levels[participant] = nil
        order.removeAll { $0 == participant }
        if challenger?.id == participant { challenger = nil }
    }

    /// The RoundRobin turn at `now`: how many periods have passed since `start`.
    public func roundRobinTurn(at now: ContinuousClock.Instant) -> Int {
        let period = Self.seconds(configuration.roundRobinPeriod)
        guard period > 0 else { return 0 }
        return max(0, Int((Self.seconds(now - start) / period).rounded(.down)))
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
