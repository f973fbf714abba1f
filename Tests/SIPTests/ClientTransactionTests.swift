import Testing
@testable import SIP

@Suite struct ClientTransactionTests {
    static let peer = SIPHop(transport: .udp, address: SIPAddress(host: "192.0.2.10", port: 5060))

    static func request(_ method: SIPMethod) -> SIPRequest {
        SIPRequest(method: method, uri: SIPURI("sip:alice@192.0.2.10")!, headers: [
            (.maxForwards, "70"), (.from, "<sip:demo@bridge.example>;tag=br1"), (.to, "<sip:alice@example.com>"),
            (.callID, "out-1@bridge"), (.cseq, "10 \(method)"),
        ])
    }

    /// The response the peer sends to `request` as the layer sent it.
    static func answer(_ sent: SIPRequest, _ status: Int, toTag: String? = "peer") -> [UInt8] {
        SIPResponse(answering: sent, statusCode: status, toTag: toTag).serialized()
    }

    /// An INVITE over UDP is retransmitted by Timer A (T1, doubling without cap) until Timer B at 64*T1.
    @Test func timerAUntilTimerB() throws {
        var layer = makeLayer()
        var clock = TestClock()
        let (id, actions) = layer.send(Self.request(.invite), to: Self.peer, now: clock.now)
        let sent = try #require(actions.sentRequests.first)
        #expect(sent.topVia?.hasRFC3261Branch == true)
        #expect(sent.topVia?.rport == .requested)
        #expect(sent.topVia?.host == .ipv4("203.0.113.5"))
        var retransmissions: [Duration] = []
        var timedOut: Duration?
        while let deadline = layer.nextDeadline {
            clock.advance(to: deadline - clock.start)
            let fired = layer.timeout(now: clock.now)
            for message in fired.sentRequests {
                #expect(message == sent)
                retransmissions.append(clock.elapsed)
            }
            if fired.contains(.timedOut(id)) { timedOut = clock.elapsed }
        }
        #expect(retransmissions == seconds(0.5, 1.5, 3.5, 7.5, 15.5, 31.5))
        #expect(timedOut == .seconds(32))
    }

    /// A provisional response stops Timer A; a non-2xx final response is acknowledged by the transaction (same
    /// branch, the response's To tag, CSeq method ACK), retransmissions of it are acknowledged again without
    /// reaching the TU, and Timer D ends the transaction.
    @Test func nonSuccessIsAcknowledgedByTheTransaction() throws {
        var layer = makeLayer()
        var clock = TestClock()
        let (id, actions) = layer.send(Self.request(.invite), to: Self.peer, now: clock.now)
        let sent = try #require(actions.sentRequests.first)
        let ringing = layer.receive(Self.answer(sent, 180), from: Self.peer, now: clock.now)
        #expect(ringing.deliveredResponses.map(\.statusCode) == [180])
        #expect(layer.nextDeadline == clock.now + .seconds(32))
        clock.advance(by: .seconds(2))
        #expect(layer.timeout(now: clock.now).isEmpty)
        let busy = layer.receive(Self.answer(sent, 486), from: Self.peer, now: clock.now)
        #expect(busy.deliveredResponses.map(\.statusCode) == [486])
        let ack = try #require(busy.sentRequests.first)
        #expect(ack.method == .ack)
        #expect(ack.uri == sent.uri)
        #expect(ack.topVia == sent.topVia)
        #expect(ack.to?.tag == "peer")
        #expect(ack.cseq == CSeq(10, .ack))
        #expect(ack.callID == sent.callID)
        let again = layer.receive(Self.answer(sent, 486), from: Self.peer, now: clock.now)
        #expect(again.deliveredResponses.isEmpty)
        #expect(again.sentRequests.map(\.method) == [.ack])
        clock.advance(by: .seconds(32))
        #expect(layer.timeout(now: clock.now) == [.terminated(id)])
    }

    /// A 2xx moves the INVITE client transaction to Accepted (RFC 6026): retransmitted 2xx reach the TU (which
    /// acknowledges each) until Timer M.
    @Test func successIsAccepted() throws {
        var layer = makeLayer()
        var clock = TestClock()
        let (id, actions) = layer.send(Self.request(.invite), to: Self.peer, now: clock.now)
        let sent = try #require(actions.sentRequests.first)
        #expect(layer.receive(Self.answer(sent, 200), from: Self.peer, now: clock.now).deliveredResponses.count == 1)
        #expect(layer.receive(Self.answer(sent, 200), from: Self.peer, now: clock.now).deliveredResponses.count == 1)
        clock.advance(by: .seconds(32))
        #expect(layer.timeout(now: clock.now) == [.terminated(id)])
        #expect(layer.receive(Self.answer(sent, 200), from: Self.peer, now: clock.now).first.map {
            if case .strayResponse = $0 { return true } else { return false } } == true)
    }

    /// A non-INVITE request is retransmitted by Timer E (doubling to T2, then every T2 once a provisional came)
    /// until Timer F at 64*T1.
    @Test func timerEUntilTimerF() throws {
        var layer = makeLayer()
        var clock = TestClock()
        let (id, actions) = layer.send(Self.request(.bye), to: Self.peer, now: clock.now)
        let sent = try #require(actions.sentRequests.first)
        var retransmissions: [Duration] = []
        var timedOut = false
        while let deadline = layer.nextDeadline {
            clock.advance(to: deadline - clock.start)
            if clock.elapsed == .seconds(3.5) {
                _ = layer.receive(Self.answer(sent, 100, toTag: nil), from: Self.peer, now: clock.now)
            }
            let fired = layer.timeout(now: clock.now)
            retransmissions += fired.sent.map { _ in clock.elapsed }
            if fired.contains(.timedOut(id)) { timedOut = true }
        }
        // 0.5, 1.5 (1 s), 3.5 (2 s), then T2 = 4 s steps: after the 100 at 3.5 s it stays at T2.
        #expect(retransmissions == seconds(0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5))
        #expect(timedOut)
    }

    /// A final response to a non-INVITE request reaches the TU once; Timer K (T4) absorbs retransmissions.
    @Test func timerK() throws {
        var layer = makeLayer()
        var clock = TestClock()
        let (id, actions) = layer.send(Self.request(.options), to: Self.peer, now: clock.now)
        let sent = try #require(actions.sentRequests.first)
        #expect(layer.receive(Self.answer(sent, 200), from: Self.peer, now: clock.now).deliveredResponses.count == 1)
        #expect(layer.receive(Self.answer(sent, 200), from: Self.peer, now: clock.now).isEmpty)
        #expect(layer.nextDeadline == clock.now + .seconds(5))
        clock.advance(by: .seconds(5))
        #expect(layer.timeout(now: clock.now) == [.terminated(id)])
    }

    /// Over TCP nothing is retransmitted; only Timer B/F runs.
    @Test func reliableClient() throws {
        var layer = makeLayer()
        let clock = TestClock()
        let hop = SIPHop(transport: .tcp, address: SIPAddress(host: "192.0.2.10", port: 5060))
        let (_, actions) = layer.send(Self.request(.invite), to: hop, now: clock.now)
        #expect(actions.sentRequests.first?.topVia?.transport == "TCP")
        #expect(layer.nextDeadline == clock.now + .seconds(32))
    }

    /// CANCEL for a pending INVITE client transaction copies its top Via and goes out as its own transaction.
    @Test func cancelOfOurInvite() throws {
        var layer = makeLayer()
        let clock = TestClock()
        let (inviteID, actions) = layer.send(Self.request(.invite), to: Self.peer, now: clock.now)
        let invite = try #require(actions.sentRequests.first)
        let cancel = try #require(layer.cancel(inviteID))
        #expect(cancel.topVia == invite.topVia)
        #expect(cancel.cseq == CSeq(10, .cancel))
        let (cancelID, sent) = layer.send(cancel, to: Self.peer, now: clock.now)
        #expect(sent.sentRequests.first?.topVia?.branch == invite.topVia?.branch)
        let ok = layer.receive(Self.answer(cancel, 200), from: Self.peer, now: clock.now)
        #expect(ok == [.response(try parseResponse(String(bytes: Self.answer(cancel, 200))), transaction: cancelID)])
        let terminated = layer.receive(Self.answer(invite, 487), from: Self.peer, now: clock.now)
        #expect(terminated.deliveredResponses.map(\.statusCode) == [487])
    }

    /// A response that matches no transaction is reported as stray.
    @Test func strayResponse() throws {
        var layer = makeLayer()
        var request = Self.request(.options)
        request.headers.prepend(.via, "SIP/2.0/UDP 203.0.113.5;branch=z9hG4bKneversent")
        let actions = layer.receive(Self.answer(request, 200), from: Self.peer, now: TestClock().now)
        guard case .strayResponse? = actions.first else { throw TestFailure("not stray") }
    }

    /// A transport failure ends the transaction and tells the TU.
    @Test func transportFailure() throws {
        var layer = makeLayer()
        let (id, _) = layer.send(Self.request(.options), to: Self.peer, now: TestClock().now)
        #expect(layer.transportFailed(id) == [.transportFailed(id), .terminated(id)])
        #expect(layer.nextDeadline == nil)
    }
}
