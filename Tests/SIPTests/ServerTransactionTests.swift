import Testing
@testable import SIP

@Suite struct ServerTransactionTests {
    /// An INVITE over UDP gets 100 Trying at once and reaches the TU with a transaction and a stamped Via.
    @Test func inviteGetsTryingAndReachesTU() throws {
        var layer = makeLayer()
        let clock = TestClock()
        let actions = layer.receive(wire(inviteText()), from: clientHop, now: clock.now)
        let trying = try #require(actions.sentResponses.first)
        #expect(trying.statusCode == 100)
        #expect(trying.to?.tag == nil)
        #expect(actions.sent.first?.hop.address == SIPAddress(host: "192.0.2.10", port: 5060))
        let (request, id) = try #require(actions.deliveredRequests.first)
        #expect(id != nil)
        #expect(request.topVia?.rport == .port(5060))
        #expect(request.topVia?.received == "192.0.2.10")
        #expect(layer.count == 1)
    }

    /// A retransmitted INVITE is absorbed and answered with the latest provisional response.
    @Test func retransmittedInviteGetsLastProvisional() throws {
        var layer = makeLayer()
        var clock = TestClock()
        let first = layer.receive(wire(inviteText()), from: clientHop, now: clock.now)
        let id = try #require(first.deliveredRequests.first?.1)
        clock.advance(by: .milliseconds(500))
        let again = layer.receive(wire(inviteText()), from: clientHop, now: clock.now)
        #expect(again.deliveredRequests.isEmpty)
        #expect(again.sentResponses.map(\.statusCode) == [100])
        let request = try #require(layer.request(of: id))
        var ringing = SIPResponse(answering: request, statusCode: 180, toTag: "uas1")
        ringing.headers.append(.contact, "<sip:demo@203.0.113.5>")
        #expect(layer.respond(ringing, to: id, now: clock.now).sentResponses.map(\.statusCode) == [180])
        let third = layer.receive(wire(inviteText()), from: clientHop, now: clock.now)
        #expect(third.sentResponses.map(\.statusCode) == [180])
    }

    /// A non-2xx final response over UDP is retransmitted by Timer G (T1, doubling to T2) until Timer H gives up
    /// at 64*T1, which the TU hears as a timeout.
    @Test func timerGRetransmitsUntilTimerH() throws {
        var layer = makeLayer()
        var clock = TestClock()
        let id = try receiveInvite(&layer, clock)
        let request = try #require(layer.request(of: id))
        _ = layer.answer(request, 486, toTag: "busy", id, clock.now)
        var retransmissions: [Duration] = []
        var timedOut: Duration?
        while let deadline = layer.nextDeadline {
            clock.advance(to: deadline - clock.start)
            let actions = layer.timeout(now: clock.now)
            for _ in actions.sent { retransmissions.append(clock.elapsed) }
            if actions.contains(.timedOut(id)) { timedOut = clock.elapsed }
        }
        #expect(retransmissions == seconds(0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5))
        #expect(timedOut == .seconds(32))
        #expect(layer.count == 0)
    }

    /// The ACK for a non-2xx response stops Timer G; further ACKs are absorbed; Timer I (T4) ends the transaction.
    @Test func ackAbsorbedThenTimerI() throws {
        var layer = makeLayer()
        var clock = TestClock()
        let id = try receiveInvite(&layer, clock)
        let request = try #require(layer.request(of: id))
        let busy = layer.answer(request, 486, toTag: "busy", id, clock.now)
        #expect(busy.sentResponses.map(\.statusCode) == [486])
        clock.advance(by: .milliseconds(500))
        #expect(layer.timeout(now: clock.now).sent.count == 1)
        clock.advance(by: .milliseconds(200))
        let ack = wire(inviteText(method: "ACK", toTag: "busy"))
        #expect(layer.receive(ack, from: clientHop, now: clock.now).isEmpty)
        #expect(layer.receive(ack, from: clientHop, now: clock.now).isEmpty)
        #expect(layer.receive(wire(inviteText()), from: clientHop, now: clock.now).isEmpty)
        #expect(layer.nextDeadline == clock.now + .seconds(5))
        clock.advance(by: .seconds(5))
        #expect(layer.timeout(now: clock.now) == [.terminated(id)])
        #expect(layer.count == 0)
    }

    /// Over TCP there is no Timer G and the ACK ends the transaction at once (Timer I is zero).
    @Test func reliableInviteTransaction() throws {
        var layer = makeLayer()
        let clock = TestClock()
        let received = layer.receive(streamMessage: wire(inviteText(transport: "TCP")), from: tcpClientHop,
                                     now: clock.now)
        let id = try #require(received.deliveredRequests.first?.1)
        #expect(received.sent.first?.hop.connection == SIPConnectionID(7))
        let request = try #require(layer.request(of: id))
        _ = layer.answer(request, 603, toTag: "no", id, clock.now)
        #expect(layer.nextDeadline == clock.now + .seconds(32))
        let ack = layer.receive(streamMessage: wire(inviteText(transport: "TCP", method: "ACK", toTag: "no")),
                                from: tcpClientHop, now: clock.now)
        #expect(ack == [.terminated(id)])
    }

    /// After a 2xx the transaction is Accepted (RFC 6026): INVITE retransmissions are absorbed, the ACK (its own
    /// branch) goes to the TU, and Timer L ends it.
    @Test func acceptedState() throws {
        var layer = makeLayer()
        var clock = TestClock()
        let id = try receiveInvite(&layer, clock)
        let request = try #require(layer.request(of: id))
        let ok = SIPResponse(answering: request, statusCode: 200, toTag: "uas1")
        #expect(layer.respond(ok, to: id, now: clock.now).sentResponses.map(\.statusCode) == [200])
        // A second final response is refused by the state machine.
        #expect(layer.answer(request, 500, toTag: "uas1", id, clock.now).isEmpty)
        clock.advance(by: .seconds(1))
        #expect(layer.receive(wire(inviteText()), from: clientHop, now: clock.now).isEmpty)
        let ack = layer.receive(wire(inviteText(branch: "z9hG4bKackbranch", method: "ACK", toTag: "uas1")),
                                from: clientHop, now: clock.now)
        #expect(ack.deliveredRequests.count == 1)
        #expect(ack.deliveredRequests.first?.1 == nil)
        #expect(layer.respond(ok, to: id, now: clock.now).sent.count == 1)
        clock.advance(to: .seconds(32))
        #expect(layer.timeout(now: clock.now) == [.terminated(id)])
    }

    /// A non-INVITE request: retransmissions before the answer are absorbed, after it the answer is repeated;
    /// Timer J (64*T1 over UDP) ends the transaction.
    @Test func nonInviteServerTransaction() throws {
        var layer = makeLayer()
        var clock = TestClock()
        let options = wire(inviteText(method: "OPTIONS"))
        let received = layer.receive(options, from: clientHop, now: clock.now)
        #expect(received.sent.isEmpty)
        let id = try #require(received.deliveredRequests.first?.1)
        #expect(layer.receive(options, from: clientHop, now: clock.now).isEmpty)
        let request = try #require(layer.request(of: id))
        #expect(layer.answer(request, 200, toTag: "o", id, clock.now)
            .sentResponses.map(\.statusCode) == [200])
        clock.advance(by: .seconds(3))
        #expect(layer.receive(options, from: clientHop, now: clock.now).sentResponses.map(\.statusCode) == [200])
        #expect(layer.nextDeadline == clock.start + .seconds(32))
        clock.advance(to: .seconds(32))
        #expect(layer.timeout(now: clock.now) == [.terminated(id)])
    }

    /// Over TCP a non-INVITE transaction ends with its final response (Timer J is zero).
    @Test func reliableNonInvite() throws {
        var layer = makeLayer()
        let clock = TestClock()
        let received = layer.receive(streamMessage: wire(inviteText(transport: "TCP", method: "BYE", toTag: "x")),
                                     from: tcpClientHop, now: clock.now)
        let id = try #require(received.deliveredRequests.first?.1)
        let request = try #require(layer.request(of: id))
        let actions = layer.answer(request, 200, toTag: nil, id, clock.now)
        #expect(actions.last == .terminated(id))
        #expect(layer.count == 0)
    }

    /// CANCEL of a pending INVITE: 200 to the CANCEL and 487 to the INVITE with the same To tag, the TU told.
    @Test func cancelPendingInvite() throws {
        var layer = makeLayer()
        let clock = TestClock()
        let inviteID = try receiveInvite(&layer, clock)
        let request = try #require(layer.request(of: inviteID))
        _ = layer.answer(request, 180, toTag: "early", inviteID, clock.now)
        let actions = layer.receive(wire(inviteText(method: "CANCEL")), from: clientHop, now: clock.now)
        let responses = actions.sentResponses
        #expect(responses.map(\.statusCode) == [200, 487])
        #expect(responses.map { $0.cseq?.method } == [.cancel, .invite])
        #expect(responses.allSatisfy { $0.to?.tag == "early" })
        #expect(actions.contains { if case .cancelled(inviteID, _) = $0 { return true } else { return false } })
        #expect(actions.deliveredRequests.isEmpty)
        // The ACK for the 487 is absorbed by the INVITE transaction.
        #expect(layer.receive(wire(inviteText(method: "ACK", toTag: "early")), from: clientHop, now: clock.now).isEmpty)
    }

    /// CANCEL matching nothing gets 481; after the final response it gets 200 and changes nothing.
    @Test func cancelWithoutPendingInvite() throws {
        var layer = makeLayer()
        let clock = TestClock()
        let cancel = wire(inviteText(branch: "z9hG4bKnothing", method: "CANCEL"))
        let stray = layer.receive(cancel, from: clientHop, now: clock.now)
        #expect(stray.sentResponses.map(\.statusCode) == [481])
        let inviteID = try receiveInvite(&layer, clock)
        let request = try #require(layer.request(of: inviteID))
        _ = layer.answer(request, 200, toTag: "t", inviteID, clock.now)
        let late = layer.receive(wire(inviteText(method: "CANCEL")), from: clientHop, now: clock.now)
        #expect(late.sentResponses.map(\.statusCode) == [200])
        #expect(!late.contains { if case .cancelled = $0 { return true } else { return false } })
    }

    /// RFC 2543 clients (no magic cookie) are matched by Request-URI, tags, Call-ID, CSeq and top Via; their
    /// ACK needs the To tag of our final response.
    @Test func rfc2543Matching() throws {
        var layer = makeLayer()
        let clock = TestClock()
        let old = inviteText(branch: "oldbranch1")
        let id = try #require(layer.receive(wire(old), from: clientHop, now: clock.now).deliveredRequests.first?.1)
        #expect(layer.receive(wire(old), from: clientHop, now: clock.now).sentResponses.map(\.statusCode) == [100])
        let request = try #require(layer.request(of: id))
        _ = layer.answer(request, 404, toTag: "nf", id, clock.now)
        // An ACK with another To tag is not ours: it goes to the TU.
        let foreign = layer.receive(wire(inviteText(branch: "oldbranch1", method: "ACK", toTag: "other")),
                                    from: clientHop, now: clock.now)
        #expect(foreign.deliveredRequests.count == 1)
        let ours = layer.receive(wire(inviteText(branch: "oldbranch1", method: "ACK", toTag: "nf")),
                                 from: clientHop, now: clock.now)
        #expect(ours.isEmpty)
    }

    /// The same branch from another sent-by is another transaction (RFC 3261 section 17.2.3).
    @Test func sentByIsPartOfTheKey() throws {
        var layer = makeLayer()
        let clock = TestClock()
        _ = layer.receive(wire(inviteText(method: "OPTIONS")), from: clientHop, now: clock.now)
        let other = inviteText(method: "OPTIONS").replacing("192.0.2.10:5060;branch", with: "192.0.2.11:5060;branch")
        #expect(layer.receive(wire(other), from: clientHop, now: clock.now).deliveredRequests.count == 1)
        #expect(layer.count == 2)
    }

    /// A malformed request that can be answered gets its 400 where the Via says; one that cannot is only counted.
    @Test func malformedRequests() throws {
        var layer = makeLayer()
        let clock = TestClock()
        let bad = inviteText().replacing("Max-Forwards: 70", with: "Max-Forwards: lots")
        let natSource = SIPHop(transport: .udp, address: SIPAddress(host: "198.51.100.1", port: 40000))
        let actions = layer.receive(wire(bad), from: natSource, now: clock.now)
        let response = try #require(actions.sentResponses.first)
        #expect(response.statusCode == 400)
        #expect(response.reasonPhrase == "Bad Max-Forwards")
        #expect(response.topVia?.received == "198.51.100.1")
        #expect(response.topVia?.rport == .port(40000))
        #expect(actions.sent.first?.hop.address == SIPAddress(host: "198.51.100.1", port: 40000))
        let unanswerable = layer.receive(Array("garbage\r\n\r\n".utf8), from: natSource, now: clock.now)
        #expect(unanswerable.count == 1)
        guard case .malformed(let error, _)? = unanswerable.first else { throw TestFailure("not reported") }
        #expect(!error.isAnswerable)
        #expect(layer.count == 0)
    }

    /// T1 is configurable: the retransmission schedule scales with it.
    @Test func configurableT1() throws {
        var layer = makeLayer(t1: .milliseconds(100))
        var clock = TestClock()
        let id = try receiveInvite(&layer, clock)
        let request = try #require(layer.request(of: id))
        _ = layer.answer(request, 480, toTag: "x", id, clock.now)
        #expect(layer.nextDeadline == clock.now + .milliseconds(100))
        clock.advance(by: .milliseconds(100))
        _ = layer.timeout(now: clock.now)
        #expect(layer.nextDeadline == clock.now + .milliseconds(200))
    }
}

@Suite struct OverloadTests {
    /// Past the transaction limit a new request gets 503 with Retry-After and no transaction; retransmissions of
    /// requests that have one are still served.
    @Test func statelessRefusalWhenFull() throws {
        var layer = TransactionLayer(configuration: .init(maximumTransactions: 1), random: SIPRandom(seed: 1))
        let clock = TestClock()
        let first = layer.receive(wire(inviteText()), from: clientHop, now: clock.now)
        #expect(first.deliveredRequests.count == 1)
        let second = layer.receive(wire(inviteText(branch: "z9hG4bKother", callID: "call-2@client")),
                                   from: clientHop, now: clock.now)
        #expect(second.deliveredRequests.isEmpty)
        let refusal = try #require(second.sentResponses.first)
        #expect(refusal.statusCode == 503)
        #expect(refusal.headers.retryAfter?.seconds == 5)
        #expect(layer.count == 1)
        #expect(layer.receive(wire(inviteText()), from: clientHop, now: clock.now).sentResponses.map(\.statusCode)
                == [100])
    }
}
