import Testing
@testable import SIP

/// A whole call through the cores as the driver wires them: UDP INVITE, digest challenge, authenticated INVITE,
/// 200 with the dialog retransmitting it, ACK, then BYE from the bridge.
@Suite struct CallFlowTests {
    @Test func challengedCallAnsweredAndHungUpByTheBridge() throws {
        var clock = TestClock()
        var layer = makeLayer()
        var auth = DigestAuthenticator(configuration: .init(realm: "bridge.example",
                                                            secret: [UInt8](repeating: 1, count: 32)),
                                       epoch: clock.start)
        let users = ["alice": DigestHA1.derive(username: "alice", realm: "bridge.example", password: "secret")]
        let contact = NameAddress(uri: SIPURI("sip:demo@203.0.113.5:5060")!,
                                  parameters: [SIPParameter(NameAddress.clueFeatureTag)])

        // 1. INVITE without credentials: 100 Trying, the TU challenges.
        var actions = layer.receive(wire(inviteText()), from: clientHop, now: clock.now)
        guard case .request(let first, let firstID?, _)? = actions.last else { throw TestFailure("no request") }
        #expect(auth.authenticate(first, source: clientHop.address.host, now: clock.now) { users[$0] }
                == .challenge(stale: false, failure: .missingCredentials))
        let challenge = auth.challengeResponse(to: first, toTag: layer.makeTag(), stale: false, now: clock.now)
        actions = layer.respond(challenge, to: firstID, now: clock.now)
        #expect(actions.sentResponses.map(\.statusCode) == [401])
        // The client's ACK for the 401 is absorbed.
        let ack401 = inviteText(method: "ACK", toTag: try #require(challenge.to?.tag))
        #expect(layer.receive(wire(ack401), from: clientHop, now: clock.now).isEmpty)

        // 2. INVITE with credentials (new branch, CSeq 2).
        let offered = try #require(challenge.headers.values(.wwwAuthenticate).compactMap(DigestChallenge.init).first)
        var second = try parseRequest(inviteText(branch: "z9hG4bKsecond", cseq: 2))
        let ha1 = DigestHA1.derive(username: "alice", realm: offered.realm, password: "secret").sha256
        let digest = DigestAuthenticator.response(ha1: ha1, algorithm: .sha256, method: "INVITE",
                                                  uri: "sip:demo@bridge.example", nonce: offered.nonce,
                                                  nonceCount: "00000001", cnonce: "c1")
        second.headers.append(.authorization, """
            Digest username="alice", realm="bridge.example", nonce="\(offered.nonce)", uri="sip:demo@bridge.example", \
            response="\(digest)", algorithm=SHA-256, cnonce="c1", nc=00000001, qop=auth, opaque="\(offered.opaque!)"
            """)
        clock.advance(by: .milliseconds(300))
        actions = layer.receive(second.serialized(), from: clientHop, now: clock.now)
        guard case .request(let invite, let inviteID?, let source)? = actions.last else {
            throw TestFailure("no request")
        }
        #expect(auth.authenticate(invite, source: source.address.host, now: clock.now) { users[$0] }
                == .authenticated(username: "alice"))

        // 3. 200 OK through the transaction; the dialog retransmits it until the ACK.
        var ok = SIPResponse(answering: invite, statusCode: 200, toTag: layer.makeTag())
        ok.headers.append(.contact, contact.description)
        ok.headers.append(.contentType, MediaType.sdp.description)
        ok.body = Array("v=0\r\n".utf8)
        var dialog = try #require(Dialog(uas: invite, response: ok, localContact: contact, source: source,
                                         random: layer.makeRandom()))
        #expect(layer.respond(ok, to: inviteID, now: clock.now).sentResponses.map(\.statusCode) == [200])
        dialog.sent(ok, for: invite, to: try #require(layer.responseDestination(of: inviteID)), now: clock.now)
        clock.advance(by: .milliseconds(500))
        let retransmitted = dialog.timeout(now: clock.now)
        #expect(retransmitted.count == 1)

        // 4. The ACK (its own branch) reaches the TU without a transaction and stops the retransmissions.
        let ack = inviteText(branch: "z9hG4bKack", cseq: 2, method: "ACK", toTag: dialog.id.localTag)
        actions = layer.receive(wire(ack), from: clientHop, now: clock.now)
        guard case .request(let ackRequest, nil, _)? = actions.first else { throw TestFailure("no ACK") }
        #expect(dialog.receive(ackRequest, source: source, now: clock.now) == .acknowledged)
        #expect(dialog.nextDeadline == nil)

        // 5. BYE from the bridge over a client transaction; the 200 ends it.
        let bye = dialog.makeRequest(.bye)
        let (byeID, sent) = layer.send(bye, to: clientHop, now: clock.now)
        let byeOnWire = try #require(sent.sentRequests.first)
        #expect(byeOnWire.uri == SIPURI("sip:alice@192.0.2.10:5060"))
        #expect(byeOnWire.to?.tag == "9fxced76sl")
        let byeOK = SIPResponse(answering: byeOnWire, statusCode: 200, toTag: nil)
        actions = layer.receive(byeOK.serialized(), from: clientHop, now: clock.now)
        #expect(actions == [.response(byeOK, transaction: byeID)])
        #expect(dialog.receive(byeOK, for: bye, now: clock.now).isEmpty)
        #expect(dialog.state == .terminated)
    }
}
