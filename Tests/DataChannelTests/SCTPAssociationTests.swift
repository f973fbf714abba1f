import Foundation
import Testing
@testable import DataChannel
import TestSupport

/// usrsctp's clock is process-wide, so the tests that step it run one at a time, nested in this suite.
@Suite(.serialized) enum UsrsctpTests {}

extension UsrsctpTests { @Suite struct SCTPAssociationTests {
    /// Both sides start (simultaneous open) and both report `.connected`.
    @Test func simultaneousOpenConnects() throws {
        let link = try SimulatedLink()
        #expect(link.connect())
        #expect(link.events(.a).filter { $0 == .connected }.count == 1)
        #expect(link.events(.b).filter { $0 == .connected }.count == 1)
    }

    /// A side that receives the peer's INIT before its own `start()` still comes up, and a message sent right
    /// after `start()`, before the handshake ends, is delivered.
    @Test func packetBeforeStartConnects() throws {
        let link = try SimulatedLink()
        link.absorb(link.a.start(), from: .a)
        try link.send([42], from: .a)
        #expect(link.run { link.events(.a).contains(.connected) && link.events(.b).contains(.connected) })
        #expect(link.run { link.messages(at: .b).map(\.data) == [[42]] })
    }

    /// 1 byte, 1 KB and 60 KB CLUE messages go both ways in order with PPID 51, in packets of at most 1200 bytes.
    @Test func exchangesCLUEMessages() throws {
        let link = try SimulatedLink()
        #expect(link.connect())
        let sizes = [1, 1024, 60_000]
        for (index, size) in sizes.enumerated() {
            try link.send(pattern(size, seed: UInt8(index)), from: .a)
            try link.send(pattern(size, seed: UInt8(100 + index)), from: .b)
        }
        #expect(link.run { link.messages(at: .b).count == 3 && link.messages(at: .a).count == 3 })
        let atB = link.messages(at: .b).map(\.data) == sizes.indices.map { pattern(sizes[$0], seed: UInt8($0)) }
        let atA = link.messages(at: .a).map(\.data) == sizes.indices.map { pattern(sizes[$0], seed: UInt8(100 + $0)) }
        #expect(atB && atA)
        #expect(link.messages(at: .b).allSatisfy { $0.stream == 3 && $0.ppid == 51 })
        #expect(link.largestPacket <= Int(SCTPConfiguration.packetSizeLimit))
        #expect(link.largestPacket > 1000)
        #expect(link.violations(at: .a).isEmpty && link.violations(at: .b).isEmpty)
    }

    /// With every 5th packet lost, reordering and delay, retransmissions driven by the stepped timers deliver
    /// everything, in order.
    @Test func retransmitsUnderLoss() throws {
        let link = try SimulatedLink(impairment: .init(dropEvery: 5, reorder: true, delaySteps: 2))
        #expect(link.connect())
        var expectedAtB: [[UInt8]] = []
        var expectedAtA: [[UInt8]] = []
        for index in 0..<6 {
            let size = index % 2 == 0 ? 60_000 : 700
            expectedAtB.append(pattern(size, seed: UInt8(index)))
            expectedAtA.append(pattern(size, seed: UInt8(50 + index)))
            try link.send(expectedAtB.last!, from: .a)
            try link.send(expectedAtA.last!, from: .b)
        }
        #expect(link.run(maximumSteps: 20_000) {
            link.messages(at: .b).count == expectedAtB.count && link.messages(at: .a).count == expectedAtA.count
        })
        #expect(link.dropped > 10)
        let inOrderAtB = link.messages(at: .b).map(\.data) == expectedAtB
        let inOrderAtA = link.messages(at: .a).map(\.data) == expectedAtA
        #expect(inOrderAtB && inOrderAtA)
    }

    /// Empty messages travel as PPID 56/57 with one byte and arrive empty with PPID 51/53.
    @Test func emptyMessages() throws {
        let link = try SimulatedLink()
        #expect(link.connect())
        try link.send([], from: .a)
        try link.send([], from: .a, stream: 7, ppid: PayloadProtocolIdentifier.binary)
        #expect(link.run { link.messages(at: .b).count == 2 })
        #expect(link.messages(at: .b).map(\.ppid) == [51, 53])
        #expect(link.messages(at: .b).allSatisfy { $0.data.isEmpty })
        #expect(throws: SCTPError.emptyMessageNotRepresentable(ppid: 50)) {
            try link.a.send([], stream: 7, ppid: PayloadProtocolIdentifier.dataChannelEstablishment)
        }
    }

    /// `send` refuses a message over the peer's max-message-size and a stream beyond the negotiated count.
    @Test func sendLimits() throws {
        var configuration = SCTPConfiguration.clue
        configuration.remoteMaximumMessageSize = 1000
        let association = try SCTPAssociation(configuration: configuration)
        #expect(throws: SCTPError.messageTooLarge(size: 1001, limit: 1000)) {
            try association.send(pattern(1001, seed: 0), stream: 3, ppid: 51)
        }
        #expect(throws: SCTPError.invalidStream(16)) { try association.send([1], stream: 16, ppid: 51) }
        #expect(throws: SCTPError.notStarted) { try association.send([1], stream: 3, ppid: 51) }
        var tooFewStreams = SCTPConfiguration(clueStream: 3)
        tooFewStreams.streamCount = 3
        #expect(throws: SCTPError.self) { try SCTPAssociation(configuration: tooFewStreams) }
        #expect(SCTPConfiguration(clueStream: 1024).streamCount == 1025)
    }

    /// An inbound message over our max-message-size is dropped with a violation, whole (4 KB against 1 KB) or in
    /// partial-delivery pieces (300 KB against 64 KB); the association keeps working.
    @Test func oversizedInboundMessage() throws {
        var sender = SCTPConfiguration.clue
        sender.remoteMaximumMessageSize = 0
        var receiver = SCTPConfiguration.clue
        receiver.maximumMessageSize = 1024
        let link = try SimulatedLink(sender, receiver)
        #expect(link.connect())
        try link.send(pattern(4096, seed: 1), from: .a)
        try link.send(pattern(1024, seed: 2), from: .a)
        #expect(link.run { link.messages(at: .b).count == 1 })
        #expect(link.violations(at: .b).count == 1)
        #expect(link.messages(at: .b).first?.data == pattern(1024, seed: 2))

        let big = try SimulatedLink(sender, .clue)
        #expect(big.connect())
        try big.send(pattern(300_000, seed: 3), from: .a)
        try big.send(pattern(10, seed: 4), from: .a)
        #expect(big.run(maximumSteps: 5000) { big.messages(at: .b).count == 1 })
        #expect(big.violations(at: .b).count == 1)
        #expect(big.messages(at: .b).first?.data == pattern(10, seed: 4))
    }

    /// A crafted FORWARD-TSN that skips a message on the CLUE stream is a violation; one for another stream is not.
    @Test func craftedForwardTSNOnCLUEStream() throws {
        let link = try SimulatedLink()
        #expect(link.connect())
        let header: [UInt8] = [0x13, 0x88, 0x13, 0x88, 1, 2, 3, 4, 0, 0, 0, 0]
        let clue: [UInt8] = [192, 0, 0, 12, 0, 0, 0, 5, 0, 3, 0, 1]
        let output = link.b.receive(header + clue)
        #expect(output.packets.isEmpty)
        #expect(output.events.count == 1)
        if case .protocolViolation(let reason)? = output.events.first {
            #expect(reason.contains("CLUE stream 3"))
        } else {
            Issue.record("expected a protocol violation, got \(output.events)")
        }
        let other: [UInt8] = [192, 0, 0, 12, 0, 0, 0, 5, 0, 4, 0, 1]
        #expect(link.b.receive(header + other).events.isEmpty)
    }

    /// A peer that really abandons a message on the CLUE stream (PR-SCTP, no retransmissions) sends a FORWARD-TSN
    /// naming it, which this side reports.
    @Test func partialReliabilityFromPeerIsDetected() throws {
        let link = try SimulatedLink()
        #expect(link.connect())
        link.blackholeFromA = true
        link.absorb(try link.a.send(pattern(100, seed: 1), stream: 3, ppid: 51,
                                    options: .init(maximumRetransmissions: 0)), from: .a)
        // Let the retransmission timer expire so the message is abandoned, then open the path.
        for _ in 0..<30 { link.progress() }
        link.blackholeFromA = false
        #expect(link.run(maximumSteps: 2000) { !link.violations(at: .b).isEmpty })
        #expect(link.violations(at: .b).first?.contains("FORWARD-TSN") == true)
        #expect(link.messages(at: .b).isEmpty)
    }

    /// Unordered delivery or a PPID other than 51 on the CLUE stream is a violation and the message is dropped;
    /// the same on another stream is delivered.
    @Test func unorderedAndWrongPPIDOnCLUEStream() throws {
        let link = try SimulatedLink()
        #expect(link.connect())
        link.absorb(try link.a.send([1], stream: 3, ppid: 51, options: .init(unordered: true)), from: .a)
        link.absorb(try link.a.send([2], stream: 3, ppid: PayloadProtocolIdentifier.binary), from: .a)
        link.absorb(try link.a.send([3], stream: 5, ppid: 51, options: .init(unordered: true)), from: .a)
        link.absorb(try link.a.send([4], stream: 5, ppid: PayloadProtocolIdentifier.binary), from: .a)
        link.absorb(try link.a.send([5], stream: 3, ppid: 51), from: .a)
        #expect(link.run { link.messages(at: .b).count == 3 })
        let violations = link.violations(at: .b)
        #expect(violations.count == 2)
        #expect(violations.contains { $0.contains("unordered") })
        #expect(violations.contains { $0.contains("PPID 53") })
        #expect(link.messages(at: .b).map(\.data) == [[3], [4], [5]])
    }

    /// Resetting an outgoing stream shows up at the peer as `.streamsReset` for that stream.
    @Test func streamReset() throws {
        let link = try SimulatedLink()
        #expect(link.connect())
        try link.send([1, 2, 3], from: .a)
        link.absorb(link.a.resetStreams([3]), from: .a)
        #expect(link.run { link.events(.b).contains(.streamsReset([3])) })
        #expect(link.messages(at: .b).map(\.data) == [[1, 2, 3]])
    }

    /// `close()` aborts: the peer reports `.closed`, and neither side sends afterwards.
    @Test func closeIsSeenByPeer() throws {
        let link = try SimulatedLink()
        #expect(link.connect())
        let output = link.a.close()
        #expect(output.packets.count == 1)
        link.absorb(output, from: .a)
        #expect(link.run { link.events(.b).contains { if case .closed = $0 { true } else { false } } })
        #expect(throws: SCTPError.closed) { try link.a.send([1], stream: 3, ppid: 51) }
        #expect(throws: SCTPError.closed) { try link.b.send([1], stream: 3, ppid: 51) }
        #expect(link.a.close().isEmpty)
        #expect(link.a.receive([0, 1, 2]).isEmpty)
    }

    /// Associations released with retransmissions pending leave the registry, and later timer runs touch nothing.
    @Test func lateTimersAfterDeinitAreHarmless() throws {
        var identifiers: [UInt] = []
        do {
            let link = try SimulatedLink()
            #expect(link.connect())
            identifiers = [link.a.identifier, link.b.identifier]
            link.blackholeFromA = true
            try link.send(pattern(20_000, seed: 9), from: .a)
            link.progress()
        }
        #expect(identifiers.allSatisfy { !SCTPStack.registry.contains($0) })
        for _ in 0..<500 { SCTPStack.handleTimers(elapsedMilliseconds: 10) }
    }
}
}

extension UsrsctpTests { @Suite struct HostilePacketTests {
    /// Random bytes with bad checksums, and real packets mutated under a valid checksum, never crash the
    /// association; afterwards it either still delivers messages or has reported `.closed`.
    @Test func mutatedPacketsAreSurvived() throws {
        var generator = SplitMix64(seed: 42)
        let link = try SimulatedLink()
        #expect(link.connect())
        for _ in 0..<500 {
            let count = Int(generator.next() % 300)
            let garbage = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            link.absorb(link.b.receive(garbage), from: .b)
        }
        try link.send(pattern(3000, seed: 1), from: .a)
        #expect(link.run { link.messages(at: .b).count == 1 })

        // Real packets of a live exchange, mutated after the common header and re-checksummed.
        let fuzzed = try SimulatedLink()
        #expect(fuzzed.connect())
        var samples: [[UInt8]] = []
        for index in 0..<8 {
            let output = try fuzzed.a.send(pattern(500 * (index + 1), seed: UInt8(index)), stream: 3, ppid: 51)
            samples += output.packets
            fuzzed.absorb(output, from: .a)
        }
        #expect(!samples.isEmpty)
        for round in 0..<1000 {
            var packet = samples[round % samples.count]
            for _ in 0..<(1 + Int(generator.next() % 4)) where packet.count > 12 {
                let offset = 12 + Int(generator.next() % UInt64(packet.count - 12))
                packet[offset] = UInt8(truncatingIfNeeded: generator.next())
            }
            if generator.next() % 4 == 0 { packet.removeLast(Int(generator.next() % UInt64(packet.count - 11))) }
            fuzzed.absorb(fuzzed.b.receive(SCTPPacketInspection.withValidChecksum(packet)), from: .b)
        }
        try? fuzzed.send([7], from: .a)
        let closed = { fuzzed.events(.b).contains { if case .closed = $0 { true } else { false } } }
        #expect(fuzzed.run { closed() || fuzzed.messages(at: .b).contains { $0.data == [7] } })
    }
}}

extension UsrsctpTests { @Suite struct TimerDriverTests {
    /// With the real-time driver running and no manual stepping, a message lost once is retransmitted after
    /// the 1 s RTO.
    @Test func driverRetransmitsInRealTime() throws {
        let link = try SimulatedLink()
        #expect(link.connect())
        SCTPStack.startTimerDriver()
        defer { SCTPStack.stopTimerDriver() }
        link.blackholeFromA = true
        try link.send([1, 2, 3], from: .a)
        link.blackholeFromA = false
        let deadline = Date().addingTimeInterval(5)
        while link.messages(at: .b).isEmpty, Date() < deadline {
            link.deliverDue()
            usleep(5000)
        }
        #expect(link.messages(at: .b).map(\.data) == [[1, 2, 3]])
    }
}}
