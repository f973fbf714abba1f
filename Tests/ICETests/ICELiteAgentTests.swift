import Testing
@testable import ICE

struct ICELiteAgentTests {
    static let configuration = ICELiteConfiguration(localUsernameFragment: "brdg", localPassword: "bridgepassword0123456789",
                                                     remoteUsernameFragment: "peer", remotePassword: "peerpassword0123456789ab")
    static let source = TransportAddress(ip: .v4(203, 0, 113, 7), port: 50_000)
    static let otherSource = TransportAddress(ip: .v6(high: 0x2001_0db8_0000_0000, low: 7), port: 50_001)
    let start = ContinuousClock.now

    /// A Chrome/aiortc-style Binding request: USERNAME "receiver:sender", PRIORITY, ICE-CONTROLLING, integrity
    /// with the receiver's password, FINGERPRINT.
    static func check(username: String = "brdg:peer", password: String = "bridgepassword0123456789",
                      useCandidate: Bool = false, role: STUNAttribute = .iceControlling(0x1234),
                      extra: [STUNAttribute] = [], id: STUNTransactionID = .random()) -> [UInt8] {
        var attributes: [STUNAttribute] = [.username(username), .priority(1_853_824_767), role] + extra
        if useCandidate { attributes.append(.useCandidate) }
        return STUNMessage(type: .bindingRequest, transactionID: id, attributes: attributes)
            .serialized(integrityKey: Array(password.utf8), fingerprint: true)
    }

    func agent() -> ICELiteAgent { ICELiteAgent(configuration: Self.configuration, now: start) }

    static func response(_ actions: [ICELiteAction]) -> (STUNMessage, [UInt8])? {
        for case .send(let bytes, let destination) in actions where destination == source || destination == otherSource {
            return (try! STUNMessage(parsing: bytes), bytes)
        }
        return nil
    }

    /// A valid check gets a success response with the source as XOR-MAPPED-ADDRESS, integrity under the local
    /// password and a fingerprint, and refreshes consent.
    @Test func validCheckAnswered() throws {
        var agent = agent()
        let id = STUNTransactionID(1, 2, 3)
        let actions = agent.receive(Self.check(id: id), from: Self.source, now: start)
        let (response, bytes) = try #require(Self.response(actions))
        #expect(response.type == .bindingSuccess)
        #expect(response.transactionID == id)
        #expect(response.xorMappedAddress == Self.source)
        bytes.withUnsafeBytes { buffer in
            #expect(STUNIntegrity.verifyMessageIntegrity(buffer, key: Array("bridgepassword0123456789".utf8)) == .valid)
            #expect(STUNIntegrity.verifyFingerprint(buffer) == .valid)
        }
        #expect(actions.contains(.consentRefreshed))
        #expect(!actions.contains { if case .selected = $0 { true } else { false } })
    }

    /// An IPv6 source is reflected as an IPv6 XOR-MAPPED-ADDRESS.
    @Test func ipv6SourceReflected() throws {
        var agent = agent()
        let (response, _) = try #require(Self.response(agent.receive(Self.check(), from: Self.otherSource, now: start)))
        #expect(response.xorMappedAddress == Self.otherSource)
    }

    /// Integrity under the wrong password gets 401 without MESSAGE-INTEGRITY and no consent.
    @Test func wrongPasswordUnauthenticated() throws {
        var agent = agent()
        let actions = agent.receive(Self.check(password: "notthepassword"), from: Self.source, now: start)
        let (response, _) = try #require(Self.response(actions))
        #expect(response.type == .bindingError)
        #expect(response.errorCode?.code == 401)
        #expect(response.first(STUNAttributeType.messageIntegrity) == nil)
        #expect(response.first(STUNAttributeType.fingerprint) != nil)
        #expect(!actions.contains(.consentRefreshed))
        #expect(agent.lastRejection == .unauthenticated)
    }

    /// A USERNAME naming another ufrag, or the fragments reversed, gets 401.
    @Test(arguments: ["other:peer", "brdg:other", "peer:brdg", "brdg", "brdg:peer:x"])
    func wrongUsernameUnauthenticated(username: String) throws {
        var agent = agent()
        let (response, _) = try #require(Self.response(agent.receive(Self.check(username: username),
                                                                     from: Self.source, now: start)))
        #expect(response.errorCode?.code == 401)
    }

    /// A request without USERNAME or MESSAGE-INTEGRITY gets 400.
    @Test func missingCredentialsBadRequest() throws {
        var agent = agent()
        let bare = STUNMessage(type: .bindingRequest, transactionID: .random(), attributes: [.priority(1)])
            .serialized(integrityKey: nil, fingerprint: true)
        let (response, _) = try #require(Self.response(agent.receive(bare, from: Self.source, now: start)))
        #expect(response.errorCode?.code == 400)
        #expect(response.first(STUNAttributeType.messageIntegrity) == nil)
    }

    /// A request with a malformed attribute but a readable header gets 400.
    @Test func malformedRequestBadRequest() throws {
        var agent = agent()
        let bytes: [UInt8] = [0, 1, 0, 8, 0x21, 0x12, 0xa4, 0x42] + Array(repeating: 5, count: 12)
            + [0x00, 0x24, 0x00, 0x02, 0, 1, 0, 0]
        let (response, _) = try #require(Self.response(agent.receive(bytes, from: Self.source, now: start)))
        #expect(response.errorCode?.code == 400)
    }

    /// A comprehension-required attribute the agent does not know gets 420 listing it, with integrity.
    @Test func unknownRequiredAttribute() throws {
        var agent = agent()
        let bytes = Self.check(extra: [.other(type: 0x7777, value: [1, 2, 3, 4]), .other(type: 0xC057, value: [0, 1, 0, 0])])
        let (response, raw) = try #require(Self.response(agent.receive(bytes, from: Self.source, now: start)))
        #expect(response.errorCode?.code == 420)
        #expect(response.first(STUNAttributeType.unknownAttributes) == .unknownAttributes([0x7777]))
        raw.withUnsafeBytes {
            #expect(STUNIntegrity.verifyMessageIntegrity($0, key: Array("bridgepassword0123456789".utf8)) == .valid)
        }
    }

    /// A peer that also claims the controlled role gets 487 Role Conflict: the lite agent never takes control.
    @Test func roleConflict() throws {
        var agent = agent()
        for tieBreaker in [UInt64(0), UInt64.max] {
            let actions = agent.receive(Self.check(useCandidate: true, role: .iceControlled(tieBreaker)),
                                        from: Self.source, now: start)
            let (response, _) = try #require(Self.response(actions))
            #expect(response.errorCode?.code == 487)
            #expect(!actions.contains(.consentRefreshed))
        }
        #expect(agent.selectedAddress == nil)
    }

    /// A valid check with USE-CANDIDATE selects its source once; a later nomination of another source moves it.
    @Test func useCandidateSelects() {
        var agent = agent()
        let first = agent.receive(Self.check(useCandidate: true), from: Self.source, now: start)
        #expect(first.contains(.selected(Self.source)))
        let again = agent.receive(Self.check(useCandidate: true), from: Self.source, now: start)
        #expect(!again.contains(.selected(Self.source)))
        let moved = agent.receive(Self.check(useCandidate: true), from: Self.otherSource, now: start)
        #expect(moved.contains(.selected(Self.otherSource)))
        #expect(agent.selectedAddress == Self.otherSource)
    }

    /// USE-CANDIDATE on a check that fails authentication selects nothing.
    @Test func unauthenticatedNominationIgnored() {
        var agent = agent()
        let actions = agent.receive(Self.check(password: "bad", useCandidate: true), from: Self.source, now: start)
        #expect(!actions.contains(.selected(Self.source)))
        #expect(agent.selectedAddress == nil)
    }

    /// Without valid checks consent expires at the configured timeout, once; valid checks push the deadline.
    @Test func consentExpiresOnHandAdvancedClock() {
        var agent = ICELiteAgent(configuration: {
            var configuration = Self.configuration
            configuration.consentTimeout = .seconds(5)
            return configuration
        }(), now: start)
        #expect(agent.nextDeadline == start.advanced(by: .seconds(5)))
        #expect(agent.timeout(now: start.advanced(by: .seconds(4))).isEmpty)
        _ = agent.receive(Self.check(useCandidate: true), from: Self.source, now: start.advanced(by: .seconds(4)))
        #expect(agent.nextDeadline == start.advanced(by: .seconds(9)))
        // A check from a pair that is not selected keeps nothing alive.
        _ = agent.receive(Self.check(), from: Self.otherSource, now: start.advanced(by: .seconds(8)))
        // Nor does a check under the wrong password.
        _ = agent.receive(Self.check(password: "x"), from: Self.source, now: start.advanced(by: .seconds(8)))
        #expect(agent.timeout(now: start.advanced(by: .seconds(8))).isEmpty)
        #expect(agent.timeout(now: start.advanced(by: .seconds(9))) == [.consentExpired])
        #expect(agent.nextDeadline == nil)
        #expect(agent.timeout(now: start.advanced(by: .seconds(60))).isEmpty)
        #expect(agent.receive(Self.check(), from: Self.source, now: start.advanced(by: .seconds(61))).isEmpty)
    }

    /// The default consent timeout is 30 s.
    @Test func defaultConsentTimeout() {
        #expect(agent().nextDeadline == start.advanced(by: .seconds(30)))
    }

    /// Responses, indications, non-STUN bytes and a bad FINGERPRINT get no answer at all.
    @Test func silentDrops() {
        var agent = agent()
        #expect(agent.receive(RFC5769.ipv4Response, from: Self.source, now: start).isEmpty)
        let indication = STUNMessage(type: STUNMessageType(method: .binding, messageClass: .indication),
                                     transactionID: .random()).serialized(integrityKey: nil, fingerprint: true)
        #expect(agent.receive(indication, from: Self.source, now: start).isEmpty)
        #expect(agent.receive([0x80, 0x60, 0, 1], from: Self.source, now: start).isEmpty)
        var corrupted = Self.check()
        corrupted[corrupted.count - 1] ^= 0xFF
        #expect(agent.receive(corrupted, from: Self.source, now: start).isEmpty)
        #expect(agent.lastRejection == .dropped)
    }

    /// The RFC 5769 sample request, addressed to "evtj" from "h6vY", is answered: it carries ICE-CONTROLLED, so 487.
    @Test func rfc5769RequestRoleConflict() throws {
        var agent = ICELiteAgent(configuration: ICELiteConfiguration(
            localUsernameFragment: "evtj", localPassword: RFC5769.password,
            remoteUsernameFragment: "h6vY", remotePassword: "x"), now: start)
        let (response, _) = try #require(Self.response(agent.receive(RFC5769.request, from: Self.source, now: start)))
        #expect(response.errorCode?.code == 487)
    }
}
