import Foundation
@testable import DataChannel

/// Two associations wired to each other through a simulated network that a test steps by hand: each step delivers
/// the packets that are due, then advances SCTP time. Loss, reordering and delay are deterministic.
final class SimulatedLink: @unchecked Sendable {
    enum Side { case a, b }

    struct Impairment {
        /// Drop every n-th packet sent (0: none).
        var dropEvery = 0
        /// Deliver each step's packets in reverse order.
        var reorder = false
        /// Steps a packet spends in flight.
        var delaySteps = 0
    }

    let a: SCTPAssociation
    let b: SCTPAssociation
    private let lock = NSLock()
    private var inFlight: [(to: Side, packet: [UInt8], due: Int)] = []
    private var events: [Side: [SCTPEvent]] = [.a: [], .b: []]
    private var sent = 0
    private var step = 0
    private var _dropped = 0
    private var _largestPacket = 0
    private var _impairment: Impairment
    /// Drop everything a sends while set.
    private var _blackholeFromA = false

    init(_ configurationA: SCTPConfiguration = .clue, _ configurationB: SCTPConfiguration = .clue,
         impairment: Impairment = Impairment()) throws {
        a = try SCTPAssociation(configuration: configurationA)
        b = try SCTPAssociation(configuration: configurationB)
        _impairment = impairment
        a.asynchronousOutput = { [weak self] in self?.absorb($0, from: .a) }
        b.asynchronousOutput = { [weak self] in self?.absorb($0, from: .b) }
    }

    var impairment: Impairment {
        get { lock.withLock { _impairment } }
        set { lock.withLock { _impairment = newValue } }
    }
    var blackholeFromA: Bool {
        get { lock.withLock { _blackholeFromA } }
        set { lock.withLock { _blackholeFromA = newValue } }
    }
    var dropped: Int { lock.withLock { _dropped } }
    var largestPacket: Int { lock.withLock { _largestPacket } }
    func events(_ side: Side) -> [SCTPEvent] { lock.withLock { events[side]! } }
    func clearEvents() { lock.withLock { events = [.a: [], .b: []] } }

    func association(_ side: Side) -> SCTPAssociation { side == .a ? a : b }

    /// Puts what `side` produced on the wire towards the other side.
    func absorb(_ output: SCTPOutput, from side: Side) {
        lock.withLock {
            events[side]!.append(contentsOf: output.events)
            for packet in output.packets {
                sent += 1
                _largestPacket = max(_largestPacket, packet.count)
                if (side == .a && _blackholeFromA) || (_impairment.dropEvery > 0 && sent % _impairment.dropEvery == 0) {
                    _dropped += 1
                    continue
                }
                inFlight.append((to: side == .a ? .b : .a, packet: packet, due: step + _impairment.delaySteps))
            }
        }
    }

    func start() {
        absorb(a.start(), from: .a)
        absorb(b.start(), from: .b)
    }

    /// Delivers the packets that are due, then advances usrsctp's clock: 10 ms while packets are in flight, 100 ms
    /// when the network is idle (everyone waits for a timer). usrsctp also reads the wall clock: a T3 expiry only
    /// retransmits chunks sent longer ago than the smoothed RTT plus its variance in real time (about 1 ms
    /// in-process), so an idle step lets 2 ms of real time pass.
    func progress() {
        var (due, idle) = lock.withLock {
            let due = inFlight.filter { $0.due <= step }
            inFlight.removeAll { $0.due <= step }
            step += 1
            return (due, due.isEmpty && inFlight.isEmpty)
        }
        if impairment.reorder { due.reverse() }
        for item in due {
            absorb(association(item.to).receive(item.packet), from: item.to)
        }
        if idle { usleep(2000) }
        SCTPStack.handleTimers(elapsedMilliseconds: idle ? 100 : 10)
    }

    /// Delivers what is in flight without touching the clock (for tests where the real-time driver runs).
    func deliverDue() {
        let due = lock.withLock {
            defer { inFlight = [] }
            return inFlight
        }
        for item in due { absorb(association(item.to).receive(item.packet), from: item.to) }
    }

    /// Steps until `condition` holds; false if it did not within `maximumSteps`.
    @discardableResult
    func run(maximumSteps: Int = 3000, until condition: () -> Bool) -> Bool {
        for _ in 0..<maximumSteps {
            if condition() { return true }
            progress()
        }
        return condition()
    }

    func connect() -> Bool {
        start()
        return run { events(.a).contains(.connected) && events(.b).contains(.connected) }
    }

    func send(_ data: [UInt8], from side: Side, stream: UInt16 = SCTPConfiguration.clue.clueStream!,
              ppid: UInt32 = PayloadProtocolIdentifier.string) throws {
        absorb(try association(side).send(data, stream: stream, ppid: ppid), from: side)
    }

    func messages(at side: Side) -> [(stream: UInt16, ppid: UInt32, data: [UInt8])] {
        events(side).compactMap {
            if case .message(let stream, let ppid, let data) = $0 { (stream, ppid, data) } else { nil }
        }
    }

    func violations(at side: Side) -> [String] {
        events(side).compactMap { if case .protocolViolation(let reason) = $0 { reason } else { nil } }
    }
}

extension SCTPConfiguration {
    static let clue = SCTPConfiguration(clueStream: 3)
}

func pattern(_ count: Int, seed: UInt8) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
}
