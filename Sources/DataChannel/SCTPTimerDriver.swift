import Dispatch
import Foundation

extension SCTPStack {
    /// Starts calling `handleTimers` every `timerInterval` with the real elapsed time, on `queue`, for the life of
    /// the process (or until `stopTimerDriver()`). Idempotent: usrsctp's clock is process-wide, so one driver
    /// serves every association. Use either this or an own `handleTimers` loop, never both (time would run twice
    /// as fast); tests step `handleTimers` by hand instead.
    ///
    /// usrsctp reads the wall clock too (RTT samples, and a T3 expiry only resends chunks older than the smoothed
    /// RTT in real time), so the elapsed time given to `handleTimers` must be real time.
    public static func startTimerDriver(queue: DispatchQueue = DispatchQueue(label: "sctp.timers", qos: .utility)) {
        timerDriver.start(queue: queue)
    }

    public static func stopTimerDriver() {
        timerDriver.stop()
    }

    private static let timerDriver = TimerDriver()
}

/// A `DispatchSourceTimer` that turns monotonic time into `handleTimers` calls, carrying sub-millisecond remainders.
private final class TimerDriver: @unchecked Sendable {
    private let lock = NSLock()
    private var source: DispatchSourceTimer?
    /// Guarded by the source's queue.
    private var last: UInt64 = 0

    func start(queue: DispatchQueue) {
        lock.withLock {
            guard source == nil else { return }
            let timer = DispatchSource.makeTimerSource(queue: queue)
            let interval = DispatchTimeInterval.milliseconds(10)
            timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(2))
            last = DispatchTime.now().uptimeNanoseconds
            timer.setEventHandler { [unowned self] in self.tick() }
            source = timer
            timer.resume()
        }
    }

    func stop() {
        lock.withLock {
            source?.cancel()
            source = nil
        }
    }

    private func tick() {
        let now = DispatchTime.now().uptimeNanoseconds
        let elapsed = (now - last) / 1_000_000
        guard elapsed > 0 else { return }
        last += elapsed * 1_000_000
        SCTPStack.handleTimers(elapsedMilliseconds: UInt32(clamping: elapsed))
    }
}
