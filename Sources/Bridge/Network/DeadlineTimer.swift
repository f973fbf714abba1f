import Dispatch

/// One timer source re-armed at the earliest deadline its owner's cores ask for (the driver half of the sans-IO
/// "next deadline" contract). Confined to the queue it fires on.
final class DeadlineTimer {
    private let queue: DispatchQueue
    private let leeway: DispatchTimeInterval
    private let fire: () -> Void
    private var source: DispatchSourceTimer?

    init(queue: DispatchQueue, leeway: DispatchTimeInterval, fire: @escaping () -> Void) {
        self.queue = queue
        self.leeway = leeway
        self.fire = fire
    }

    deinit { source?.cancel() }

    /// Fires once at `deadline` (at once when it has passed); nil stops the timer.
    func arm(at deadline: ContinuousClock.Instant?, now: ContinuousClock.Instant = .now) {
        guard let deadline else {
            cancel()
            return
        }
        if source == nil {
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.setEventHandler { [fire] in fire() }
            timer.resume()
            source = timer
        }
        let delay = max(.zero, deadline - now)
        source?.schedule(deadline: .now() + .nanoseconds(Int(delay / .nanoseconds(1))), leeway: leeway)
    }

    func cancel() {
        source?.cancel()
        source = nil
    }
}
