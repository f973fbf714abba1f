import Testing
@testable import Conference

@Suite struct SpeakerTrackerTests {
    let start = ContinuousClock.now

    /// Feeds 20 ms packets from `from` to `to` (offsets from start) with the given levels.
    func talk(_ tracker: inout SpeakerTracker, _ levels: [String: UInt8], from: Duration, to: Duration) {
        var t = from
        while t < to {
            for (id, level) in levels.sorted(by: { $0.key < $1.key }) {
                tracker.record(level: level, from: id, at: start + t)
            }
            t += .milliseconds(20)
        }
    }

    /// A louder participant takes SoundLevel:0 only after the hold time, and the previous speaker moves to 1.
    @Test func switchesAfterHoldTimeNotBefore() {
        var tracker = SpeakerTracker(start: start)
        talk(&tracker, ["alpha": 30, "bravo": 60, "charlie": 127], from: .zero, to: .milliseconds(900))
        #expect(tracker.speaker == nil)
        talk(&tracker, ["alpha": 30, "bravo": 60, "charlie": 127], from: .milliseconds(900), to: .milliseconds(1100))
        #expect(tracker.order == ["alpha"])

        // Bravo gets louder at 2 s; at 2.9 s alpha still holds the floor, at 3.1 s bravo has it.
        talk(&tracker, ["alpha": 45, "bravo": 20, "charlie": 127], from: .seconds(2), to: .milliseconds(2900))
        #expect(tracker.speaker == "alpha")
        #expect(tracker.nextDeadline != nil)
        talk(&tracker, ["alpha": 45, "bravo": 20, "charlie": 127], from: .milliseconds(2900), to: .milliseconds(3300))
        #expect(tracker.order == ["bravo", "alpha"])
        #expect(tracker.smoothedLevel(of: "bravo")! < 21)
    }

    /// A short burst (shorter than the hold time) does not switch, and silence keeps the last speaker.
    @Test func burstsAndSilenceDoNotSwitch() {
        var tracker = SpeakerTracker(start: start)
        talk(&tracker, ["alpha": 30, "bravo": 127], from: .zero, to: .milliseconds(1200))
        talk(&tracker, ["alpha": 40, "bravo": 10], from: .milliseconds(1200), to: .milliseconds(1600))
        talk(&tracker, ["alpha": 40, "bravo": 127], from: .milliseconds(1600), to: .milliseconds(3000))
        #expect(tracker.order == ["alpha"])
        // Nobody sends anything for a while: the stale levels never promote anyone.
        #expect(tracker.evaluate(at: start + .seconds(10)) == false)
        #expect(tracker.order == ["alpha"])
        // Within the margin (3 dB) a challenger never takes over.
        talk(&tracker, ["alpha": 40, "bravo": 38], from: .seconds(11), to: .seconds(14))
        #expect(tracker.order == ["alpha"])
        tracker.remove("alpha")
        #expect(tracker.order.isEmpty)
    }

    /// RoundRobin turns advance once per period.
    @Test func roundRobinTurns() {
        let tracker = SpeakerTracker(configuration: .init(roundRobinPeriod: .seconds(5)), start: start)
        #expect(tracker.roundRobinTurn(at: start) == 0)
        #expect(tracker.roundRobinTurn(at: start + .milliseconds(4999)) == 0)
        #expect(tracker.roundRobinTurn(at: start + .seconds(5)) == 1)
        #expect(tracker.roundRobinTurn(at: start + .seconds(17)) == 3)
    }
}
