import Testing
@testable import SIP

@Suite struct DialogTests {
    static let bridgeContact = NameAddress(uri: SIPURI("sip:demo@203.0.113.5:5060")!,
                                           parameters: [SIPParameter(NameAddress.clueFeatureTag)])

    static let invite = try! parseRequest("""
        INVITE sip:demo@bridge.example SIP/2.0
        Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1
        Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKuac
        Record-Route: <sip:p1.example.com;lr>
        Record-Route: <sip:p2.example.com;lr>
        From: "Alice" <sip:alice@example.com>;tag=alice1
        To: <sip:demo@bridge.example>
        Call-ID: dialog-1@client
        CSeq: 100 INVITE
        Contact: <sip:alice@192.0.2.10:5060>
        Content-Length: 0

        """)

    static func uasDialog(_ clock: TestClock) -> (Dialog, SIPResponse) {
        var ok = SIPResponse(answering: invite, statusCode: 200, toTag: "bridge1")
        ok.headers.append(.contact, bridgeContact.description)
        let dialog = Dialog(uas: invite, response: ok, localContact: bridgeContact, source: clientHop,
                            random: SIPRandom(seed: 9))!
        return (dialog, ok)
    }

    /// The peer's request within the dialog, with the dialog's tags.
    static func peerRequest(_ method: SIPMethod, cseq: UInt32, branch: String = "z9hG4bKin") -> SIPRequest {
        try! parseRequest("""
            \(method) sip:demo@203.0.113.5:5060 SIP/2.0
            Via: SIP/2.0/UDP 192.0.2.10:5060;branch=\(branch)
            From: "Alice" <sip:alice@example.com>;tag=alice1
            To: <sip:demo@bridge.example>;tag=bridge1
            Call-ID: dialog-1@client
            CSeq: \(cseq) \(method)
            Contact: <sip:alice@192.0.2.99:5060>
            Content-Length: 0

            """)
    }

    /// A UAS dialog takes its identifiers, route set (in request order), remote target and remote CSeq from the
    /// INVITE and its tag from our response (RFC 3261 section 12.1.1).
    @Test func uasDialogCreation() throws {
        let (dialog, _) = Self.uasDialog(TestClock())
        #expect(dialog.id == DialogID(callID: "dialog-1@client", localTag: "bridge1", remoteTag: "alice1"))
        #expect(dialog.state == .confirmed)
        #expect(dialog.role == .uas)
        #expect(dialog.routeSet.map(\.uri.host) == [.name("p1.example.com"), .name("p2.example.com")])
        #expect(dialog.remoteTarget == SIPURI("sip:alice@192.0.2.10:5060"))
        #expect(dialog.remoteSequenceNumber == 100)
        #expect(dialog.localSequenceNumber == nil)
        #expect(DialogID(incoming: Self.peerRequest(.bye, cseq: 101)) == dialog.id)
    }

    /// A request we send in the dialog: loose routing keeps the remote target as Request-URI and the route set
    /// as Route; CSeq counts up from a random start; INVITE carries our Contact.
    @Test func requestBuildingLooseRouting() throws {
        var (dialog, _) = Self.uasDialog(TestClock())
        let reinvite = dialog.makeRequest(.invite, body: Array("v=0\r\n".utf8), contentType: .sdp)
        #expect(reinvite.uri == SIPURI("sip:alice@192.0.2.10:5060"))
        #expect(reinvite.headers.routes?.map(\.uri.description) == ["sip:p1.example.com;lr", "sip:p2.example.com;lr"])
        #expect(reinvite.from?.tag == "bridge1")
        #expect(reinvite.to?.tag == "alice1")
        #expect(reinvite.callID == "dialog-1@client")
        #expect(reinvite.contact?.addresses.first?.hasFeatureTag("+sip.clue") == true)
        #expect(reinvite.contentType == .sdp)
        let first = try #require(reinvite.cseq?.sequenceNumber)
        #expect(first < 1 << 31)
        let update = dialog.makeRequest(.update)
        #expect(update.cseq == CSeq(first + 1, .update))
        // With the Via the transaction layer adds, written and read back, the request is the same.
        var sent = reinvite
        sent.headers.prepend(.via, "SIP/2.0/UDP 203.0.113.5;branch=z9hG4bKre")
        guard case .request(let again) = try SIPMessage(parsing: sent.serialized()) else { throw TestFailure("") }
        #expect(again == sent)
    }

    /// Strict routing: the first route becomes the Request-URI and the remote target the last Route.
    @Test func strictRouting() throws {
        var invite = Self.invite
        invite.headers.set(.recordRoute, "<sip:strict.example.com>, <sip:p2.example.com;lr>")
        let ok = SIPResponse(answering: invite, statusCode: 200, toTag: "b")
        var dialog = try #require(Dialog(uas: invite, response: ok, localContact: Self.bridgeContact,
                                         random: SIPRandom(seed: 1)))
        let bye = dialog.makeRequest(.bye)
        #expect(bye.uri == SIPURI("sip:strict.example.com"))
        #expect(bye.headers.routes?.map(\.uri.description) == ["sip:p2.example.com;lr", "sip:alice@192.0.2.10:5060"])
        #expect(dialog.state == .terminated)
    }

    /// A UAC dialog reverses the Record-Route of the response and targets the response's Contact.
    @Test func uacDialogCreation() throws {
        let request = SIPRequest(method: .invite, uri: SIPURI("sip:alice@example.com")!, headers: [
            (.from, "<sip:demo@bridge.example>;tag=out1"), (.to, "<sip:alice@example.com>"),
            (.callID, "out@bridge"), (.cseq, "7 INVITE"),
        ])
        var response = SIPResponse(answering: request, statusCode: 200, toTag: "a9")
        response.headers.append(.recordRoute, "<sip:p2.example.com;lr>, <sip:p1.example.com;lr>")
        response.headers.append(.contact, "<sip:alice@192.0.2.10>")
        var dialog = try #require(Dialog(uac: request, response: response, localContact: Self.bridgeContact,
                                         random: SIPRandom(seed: 2)))
        #expect(dialog.routeSet.map(\.uri.description) == ["sip:p1.example.com;lr", "sip:p2.example.com;lr"])
        #expect(dialog.remoteTarget == SIPURI("sip:alice@192.0.2.10"))
        #expect(dialog.id == DialogID(callID: "out@bridge", localTag: "out1", remoteTag: "a9"))
        #expect(dialog.makeRequest(.bye).cseq == CSeq(8, .bye))
    }

    /// A request with a lower CSeq than the last one is refused with 500 (section 12.2.2).
    @Test func cseqOrder() throws {
        let clock = TestClock()
        var (dialog, _) = Self.uasDialog(clock)
        #expect(dialog.receive(Self.peerRequest(.info, cseq: 101), source: clientHop, now: clock.now) == .accepted)
        guard case .rejected(let response) = dialog.receive(Self.peerRequest(.info, cseq: 99), source: clientHop,
                                                             now: clock.now) else { throw TestFailure("accepted") }
        #expect(response.statusCode == 500)
        #expect(response.reasonPhrase == "CSeq Out of Order")
        #expect(dialog.remoteSequenceNumber == 101)
    }

    /// Glare: their re-INVITE while ours is pending gets 491; a second re-INVITE of theirs while the first is
    /// still being processed gets 500 with Retry-After of 0-10 s (section 14.2).
    @Test func glare() throws {
        let clock = TestClock()
        var (dialog, ok) = Self.uasDialog(clock)
        dialog.sent(ok, for: Self.invite, to: clientHop, now: clock.now)
        #expect(dialog.receive(Self.peerRequest(.ack, cseq: 100), source: clientHop, now: clock.now) == .acknowledged)
        let ours = dialog.makeRequest(.invite)
        guard case .rejected(let pending) = dialog.receive(Self.peerRequest(.invite, cseq: 101), source: clientHop,
                                                            now: clock.now) else { throw TestFailure("accepted") }
        #expect(pending.statusCode == 491)
        // Our re-INVITE completes; theirs is now accepted, a second one overlaps it.
        _ = dialog.receive(SIPResponse(answering: ours, statusCode: 200, toTag: nil), for: ours, now: clock.now)
        #expect(dialog.receive(Self.peerRequest(.invite, cseq: 102), source: clientHop, now: clock.now) == .accepted)
        guard case .rejected(let overlap) = dialog.receive(Self.peerRequest(.update, cseq: 103), source: clientHop,
                                                            now: clock.now) else { throw TestFailure("accepted") }
        #expect(overlap.statusCode == 500)
        let retry = try #require(overlap.headers.retryAfter)
        #expect(retry.seconds <= 10)
    }

    /// After our re-INVITE gets 491 the retry waits 0-2 s on the side that does not own the Call-ID and
    /// 2.1-4 s on the side that does (section 14.1), in 10 ms steps.
    @Test func glareRetryTimer() throws {
        for seed in UInt64(0)..<20 {
            var clock = TestClock()
            var ok = SIPResponse(answering: Self.invite, statusCode: 200, toTag: "bridge1")
            ok.headers.append(.contact, Self.bridgeContact.description)
            var dialog = try #require(Dialog(uas: Self.invite, response: ok, localContact: Self.bridgeContact,
                                             random: SIPRandom(seed: seed)))
            let ours = dialog.makeRequest(.invite)
            #expect(dialog.receive(SIPResponse(answering: ours, statusCode: 491, toTag: nil), for: ours,
                                   now: clock.now).isEmpty)
            let deadline = try #require(dialog.nextDeadline)
            let wait = deadline - clock.now
            #expect(wait >= .zero && wait <= .seconds(2))
            #expect(wait.components.attoseconds % 10_000_000_000_000_000 == 0)
            clock.advance(to: wait)
            #expect(dialog.timeout(now: clock.now) == [.retryRequest(.invite)])
            #expect(!dialog.hasPendingLocalRequest)
        }
        // As the Call-ID owner (UAC):
        let request = SIPRequest(method: .invite, uri: SIPURI("sip:alice@example.com")!, headers: [
            (.from, "<sip:demo@bridge.example>;tag=out1"), (.to, "<sip:alice@example.com>"),
            (.callID, "out@bridge"), (.cseq, "7 INVITE"),
        ])
        var dialog = try #require(Dialog(uac: request, response: SIPResponse(answering: request, statusCode: 200,
                                                                             toTag: "a"),
                                         localContact: Self.bridgeContact, random: SIPRandom(seed: 3)))
        let clock = TestClock()
        let ours = dialog.makeRequest(.update)
        _ = dialog.receive(SIPResponse(answering: ours, statusCode: 491, toTag: nil), for: ours, now: clock.now)
        let wait = try #require(dialog.nextDeadline) - clock.now
        #expect(wait >= .milliseconds(2100) && wait <= .seconds(4))
    }

    /// Our 2xx to an INVITE is retransmitted at T1, 2T1, 4T1 ... capped at T2 until the ACK comes.
    @Test func okRetransmittedUntilACK() throws {
        var clock = TestClock()
        var (dialog, ok) = Self.uasDialog(clock)
        dialog.sent(ok, for: Self.invite, to: clientHop, now: clock.now)
        var times: [Duration] = []
        while let deadline = dialog.nextDeadline, deadline - clock.start <= .seconds(12) {
            clock.advance(to: deadline - clock.start)
            for action in dialog.timeout(now: clock.now) {
                if case .send(let outbound) = action {
                    #expect(outbound.bytes == ok.serialized())
                    #expect(outbound.hop == clientHop)
                    times.append(clock.elapsed)
                }
            }
        }
        #expect(times == seconds(0.5, 1.5, 3.5, 7.5, 11.5))
        #expect(dialog.isAwaitingACK)
        #expect(dialog.receive(Self.peerRequest(.ack, cseq: 100), source: clientHop, now: clock.now) == .acknowledged)
        #expect(dialog.nextDeadline == nil)
        #expect(dialog.receive(Self.peerRequest(.ack, cseq: 100), source: clientHop, now: clock.now) == .ignored)
    }

    /// Without an ACK for 64*T1 the dialog reports it, so the application can send BYE.
    @Test func ackTimeout() throws {
        var clock = TestClock()
        var (dialog, ok) = Self.uasDialog(clock)
        dialog.sent(ok, for: Self.invite, to: clientHop, now: clock.now)
        var last: [DialogAction] = []
        while let deadline = dialog.nextDeadline {
            clock.advance(to: deadline - clock.start)
            last = dialog.timeout(now: clock.now)
        }
        #expect(last == [.ackTimedOut(sequenceNumber: 100)])
        #expect(clock.elapsed == .seconds(32))
    }

    /// BYE from the peer ends the dialog; later requests get 481.
    @Test func byeFromPeer() throws {
        let clock = TestClock()
        var (dialog, _) = Self.uasDialog(clock)
        #expect(dialog.receive(Self.peerRequest(.bye, cseq: 101), source: clientHop, now: clock.now) == .accepted)
        #expect(dialog.state == .terminated)
        guard case .rejected(let response) = dialog.receive(Self.peerRequest(.info, cseq: 102), source: clientHop,
                                                             now: clock.now) else { throw TestFailure("accepted") }
        #expect(response.statusCode == 481)
    }

    /// A 2xx to our re-INVITE yields its ACK (same CSeq number, method ACK, dialog routing) and refreshes the
    /// remote target; a 481 ends the dialog.
    @Test func reinviteFromBridge() throws {
        let clock = TestClock()
        var (dialog, _) = Self.uasDialog(clock)
        let reinvite = dialog.makeRequest(.invite)
        var ok = SIPResponse(answering: reinvite, statusCode: 200, toTag: nil)
        ok.headers.append(.contact, "<sip:alice@192.0.2.77>")
        let actions = dialog.receive(ok, for: reinvite, now: clock.now)
        guard case .sendACK(let ack)? = actions.first else { throw TestFailure("no ACK") }
        #expect(ack.method == .ack)
        #expect(ack.cseq == CSeq(reinvite.cseq!.sequenceNumber, .ack))
        #expect(ack.uri == SIPURI("sip:alice@192.0.2.77"))
        #expect(dialog.remoteTarget == SIPURI("sip:alice@192.0.2.77"))
        let info = dialog.makeRequest(.info)
        #expect(dialog.receive(SIPResponse(answering: info, statusCode: 481, toTag: nil), for: info, now: clock.now)
                == [.terminated])
        #expect(dialog.state == .terminated)
    }

    /// A re-INVITE from the peer that we accept refreshes the remote target from its Contact.
    @Test func targetRefreshFromPeer() throws {
        let clock = TestClock()
        var (dialog, _) = Self.uasDialog(clock)
        let reinvite = Self.peerRequest(.invite, cseq: 101)
        #expect(dialog.receive(reinvite, source: clientHop, now: clock.now) == .accepted)
        #expect(dialog.hasPendingRemoteRequest)
        dialog.sent(SIPResponse(answering: reinvite, statusCode: 200, toTag: nil), for: reinvite, to: clientHop,
                    now: clock.now)
        #expect(!dialog.hasPendingRemoteRequest)
        #expect(dialog.remoteTarget == SIPURI("sip:alice@192.0.2.99:5060"))
        #expect(dialog.isAwaitingACK)
    }

    /// An early dialog (from a 180 with tag) is confirmed by the 2xx and ended by a failure response.
    @Test func earlyDialog() throws {
        let clock = TestClock()
        let ringing = SIPResponse(answering: Self.invite, statusCode: 180, toTag: "bridge1")
        var dialog = try #require(Dialog(uas: Self.invite, response: ringing, localContact: Self.bridgeContact,
                                         random: SIPRandom(seed: 1)))
        #expect(dialog.state == .early)
        #expect(dialog.hasPendingRemoteRequest)
        var failed = dialog
        failed.sent(SIPResponse(answering: Self.invite, statusCode: 486, toTag: "bridge1"), for: Self.invite,
                    to: clientHop, now: clock.now)
        #expect(failed.state == .terminated)
        dialog.sent(SIPResponse(answering: Self.invite, statusCode: 200, toTag: "bridge1"), for: Self.invite,
                    to: clientHop, now: clock.now)
        #expect(dialog.state == .confirmed)
    }
}
