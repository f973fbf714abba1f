import Foundation
import Testing
@testable import DataChannel

extension UsrsctpTests { @Suite struct ConcurrentAssociationsTests {
    /// 50 pairs (100 associations), each pair driven on one of 8 serial queues while another queue runs the
    /// timers: every pair connects and gets exactly its own messages back and forth, then closes.
    @Test func fiftyPairsOnSeveralQueues() throws {
        let pairCount = 50
        let queues = (0..<8).map { DispatchQueue(label: "pair-\($0)") }
        let group = DispatchGroup()
        let failures = Failures()
        let completed = Failures()
        let stopTimers = Flag()
        DispatchQueue(label: "timers").async {
            while !stopTimers.isSet {
                SCTPStack.handleTimers(elapsedMilliseconds: 10)
                usleep(1000)
            }
        }
        for index in 0..<pairCount {
            queues[index % queues.count].async(group: group) {
                do {
                    try Self.exercisePair(index)
                    completed.append("\(index)")
                } catch {
                    failures.append("pair \(index): \(error)")
                }
            }
        }
        let finished = group.wait(timeout: .now() + 20) == .success
        stopTimers.set()
        #expect(finished)
        #expect(failures.all.isEmpty, "\(failures.all)")
        #expect(completed.all.count == pairCount)
    }

    static func exercisePair(_ index: Int) throws {
        let link = try SimulatedLink()
        guard link.connect() else { throw PairError("did not connect: \(link.events(.a)) \(link.events(.b))") }
        // Distinct sizes and contents per pair, so a message delivered to the wrong association shows.
        let toB = pattern(100 + index * 97, seed: UInt8(index))
        let toA = pattern(5000 + index, seed: UInt8(200 - index))
        try link.send(toB, from: .a)
        try link.send(toA, from: .b)
        guard link.run(until: { link.messages(at: .b).count >= 1 && link.messages(at: .a).count >= 1 }) else {
            throw PairError("messages did not arrive")
        }
        guard link.messages(at: .b).map(\.data) == [toB], link.messages(at: .a).map(\.data) == [toA] else {
            throw PairError("cross-talk: \(link.events(.a)) \(link.events(.b))")
        }
        link.absorb(link.a.close(), from: .a)
        guard link.run(until: { link.events(.b).contains { if case .closed = $0 { true } else { false } } }) else {
            throw PairError("close not seen")
        }
    }
}

}

struct PairError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func append(_ item: String) { lock.withLock { items.append(item) } }
    var all: [String] { lock.withLock { items } }
}

final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
