import CLUEModel
import CLUEProtocol
import Testing

/// A Media Provider with the consumer's MC stream alongside, so tests can send well-numbered messages to it.
struct ProviderUnderTest {
    var machine = MediaProviderStateMachine(context: Fixture.bridgeContext, firstSequenceNumber: 11)
    var consumerStream = OutgoingSequenceNumbers(startingAt: 22)

    var state: MediaProviderStateMachine.State { machine.state }

    mutating func advertise(scene: String = "CS1") -> [ClueAction] {
        machine.sendAdvertisement(Fixture.advertisement(scene: scene))
    }

    mutating func receiveAck(code: ResponseCode = .success, advertisement: UInt64? = nil) -> [ClueAction] {
        machine.ackReceived(Fixture.ack(consumerStream.take(),
                                        advertisement: advertisement ?? latestAdvertisement, code: code))
    }

    mutating func receiveConfigure(ack: UInt16? = nil, advertisement: UInt64? = nil) -> [ClueAction] {
        machine.configureReceived(Fixture.configure(consumerStream.take(),
                                                    advertisement: advertisement ?? latestAdvertisement, ack: ack))
    }

    var latestAdvertisement: UInt64 { machine.latestAdvertisementSequenceNumber ?? 1 }

    /// Driven into `state` along the transitions of Figure 10.
    static func driven(to state: MediaProviderStateMachine.State) throws -> ProviderUnderTest {
        var provider = ProviderUnderTest()
        switch state {
        case .adv:
            break
        case .waitForAck:
            _ = provider.advertise()
        case .waitForConf:
            _ = provider.advertise()
            _ = provider.receiveAck()
        case .confResponse:
            _ = provider.advertise()
            _ = provider.receiveConfigure(ack: 200)
        case .established:
            _ = provider.advertise()
            _ = provider.receiveConfigure(ack: 200)
            _ = try provider.machine.acceptConfigure()
        }
        #expect(provider.state == state)
        return provider
    }
}

@Suite struct MediaProviderStateMachineTests {
    /// The MP starts in ADV; "advertisement sent" moves it to WAIT FOR ACK with header fields filled in.
    @Test func advertisementSent() throws {
        var provider = ProviderUnderTest()
        #expect(provider.state == .adv)
        let actions = provider.advertise()
        let advertisement = try #require(actions.onlySent?.advertisement)
        #expect(advertisement.header == MessageHeader(clueID: "CP1", sequenceNumber: 11, version: .v1_0))
        #expect(advertisement.advertisement == Fixture.advertisement(scene: "CS1"))
        #expect(provider.state == .waitForAck)
        #expect(provider.machine.latestAdvertisementSequenceNumber == 11)
    }

    /// "ack received": WAIT FOR ACK to WAIT FOR CONF, and the application hears of it.
    @Test func ackReceived() throws {
        var provider = try ProviderUnderTest.driven(to: .waitForAck)
        let actions = provider.receiveAck()
        #expect(actions.sent.isEmpty)
        #expect(actions.delivered == [.advertisementAcknowledged(Fixture.ack(22, advertisement: 11))])
        #expect(provider.state == .waitForConf)
    }

    /// "NACK received": WAIT FOR ACK back to ADV; a new advertisement then gets the next number.
    @Test func nackReceived() throws {
        var provider = try ProviderUnderTest.driven(to: .waitForAck)
        let actions = provider.receiveAck(code: .badSyntax)
        #expect(actions.delivered == [.advertisementRejected(Fixture.ack(22, advertisement: 11, code: .badSyntax))])
        #expect(provider.state == .adv)
        #expect(provider.advertise().onlySent?.advertisement?.header.sequenceNumber == 12)
        #expect(provider.state == .waitForAck)
    }

    /// A NACK with a code from a class version 1 does not allow (5xx) is still a NACK.
    @Test func reservedCodeAckIsNack() throws {
        var provider = try ProviderUnderTest.driven(to: .waitForAck)
        let nack = AckMessage(header: Fixture.peerHeader(22), status: ResponseStatus(code: 500),
                              advertisementSequenceNumber: 11)
        #expect(provider.machine.ackReceived(nack).delivered == [.advertisementRejected(nack)])
        #expect(provider.state == .adv)
    }

    /// "configure+ack received": WAIT FOR ACK straight to CONF RESPONSE.
    @Test func configureAckReceived() throws {
        var provider = try ProviderUnderTest.driven(to: .waitForAck)
        let actions = provider.receiveConfigure(ack: 200)
        #expect(actions.sent.isEmpty)
        #expect(actions.delivered == [.configureReceived(Fixture.configure(22, advertisement: 11, ack: 200))])
        #expect(provider.state == .confResponse)
        #expect(provider.machine.pendingConfigure?.header.sequenceNumber == 22)
    }

    /// An out-of-date configure+ack in WAIT FOR ACK causes no transition and is answered 404.
    @Test func outOfDateConfigureAckIgnoredWith404() throws {
        var provider = try ProviderUnderTest.driven(to: .waitForAck)
        _ = provider.advertise(scene: "CS2")  // advertisement 12 replaces 11
        let actions = provider.receiveConfigure(ack: 200, advertisement: 11)
        let response = try #require(actions.onlySent?.configureResponse)
        #expect(response.status.code == 404)
        #expect(response.configureSequenceNumber == 22)
        #expect(response.header.sequenceNumber == 13)
        #expect(actions.delivered.first?.refusal == .advertisementExpired(11))
        #expect(provider.state == .waitForAck)
        // The configure+ack for the current advertisement still works afterwards.
        #expect(provider.receiveConfigure(ack: 200).delivered.count == 1)
        #expect(provider.state == .confResponse)
    }

    /// An ack for an older advertisement is out of date too: ignored, no transition.
    @Test func outOfDateAckIgnored() throws {
        var provider = try ProviderUnderTest.driven(to: .waitForAck)
        _ = provider.advertise(scene: "CS2")
        let actions = provider.receiveAck(advertisement: 11)
        #expect(actions.sent.isEmpty)
        #expect(actions.delivered.first?.refusal == .advertisementExpired(11))
        #expect(provider.state == .waitForAck)
    }

    /// A plain configure in WAIT FOR ACK refers to an unacknowledged advertisement: 400, no transition.
    @Test func configureWithoutAckInWaitForAckIs400() throws {
        var provider = try ProviderUnderTest.driven(to: .waitForAck)
        let actions = provider.receiveConfigure()
        #expect(actions.onlySent?.configureResponse?.status.code == 400)
        #expect(provider.state == .waitForAck)
    }

    /// "configure received" in WAIT FOR CONF moves to CONF RESPONSE.
    @Test func configureReceivedInWaitForConf() throws {
        var provider = try ProviderUnderTest.driven(to: .waitForConf)
        let actions = provider.receiveConfigure()
        #expect(actions.delivered == [.configureReceived(Fixture.configure(23, advertisement: 11))])
        #expect(provider.state == .confResponse)
    }

    /// "successful configureResponse sent": CONF RESPONSE to ESTABLISHED, answering the pending configure.
    @Test func successfulConfigureResponseSent() throws {
        var provider = try ProviderUnderTest.driven(to: .confResponse)
        let response = try #require(try provider.machine.acceptConfigure().onlySent?.configureResponse)
        #expect(response == ConfigureResponseMessage(
            header: MessageHeader(clueID: "CP1", sequenceNumber: 12, version: .v1_0),
            status: ResponseStatus(code: 200, reason: "Success"), configureSequenceNumber: 22))
        #expect(provider.state == .established)
        #expect(provider.machine.establishedConfigure?.header.sequenceNumber == 22)
        #expect(provider.machine.pendingConfigure == nil)
    }

    /// "error configureResponse sent": CONF RESPONSE back to WAIT FOR CONF, where a new configure is welcome.
    @Test func errorConfigureResponseSent() throws {
        var provider = try ProviderUnderTest.driven(to: .confResponse)
        let actions = try provider.machine.rejectConfigure(.subsetChoiceNotAllowed(captureID: "VC3"))
        let response = try #require(actions.onlySent?.configureResponse)
        #expect(response.status.code == 405)
        #expect(response.configureSequenceNumber == 22)
        #expect(provider.state == .waitForConf)
        #expect(provider.machine.establishedConfigure == nil)
        _ = provider.receiveConfigure()
        #expect(provider.state == .confResponse)
    }

    /// "configure received" in ESTABLISHED moves to CONF RESPONSE; the established configure stays until replaced.
    @Test func configureReceivedInEstablished() throws {
        var provider = try ProviderUnderTest.driven(to: .established)
        let actions = provider.receiveConfigure()
        #expect(actions.delivered == [.configureReceived(Fixture.configure(23, advertisement: 11))])
        #expect(provider.state == .confResponse)
        #expect(provider.machine.establishedConfigure?.header.sequenceNumber == 22)
        _ = try provider.machine.acceptConfigure()
        #expect(provider.machine.establishedConfigure?.header.sequenceNumber == 23)
    }

    /// "changed telepresence settings" leads from WAIT FOR ACK, WAIT FOR CONF, CONF RESPONSE and ESTABLISHED to ADV.
    @Test(arguments: [MediaProviderStateMachine.State.waitForAck, .waitForConf, .confResponse, .established])
    func changedSettingsLeadToAdv(from state: MediaProviderStateMachine.State) throws {
        var provider = try ProviderUnderTest.driven(to: state)
        let actions = provider.machine.telepresenceSettingsChanged()
        #expect(provider.state == .adv)
        if state == .confResponse {
            // The configure under processing refers to the advertisement being replaced: 404 for it.
            let response = try #require(actions.onlySent?.configureResponse)
            #expect(response.status.code == 404)
            #expect(response.configureSequenceNumber == 22)
            #expect(provider.machine.pendingConfigure == nil)
        } else {
            #expect(actions.isEmpty)
        }
    }

    /// Re-advertising from ESTABLISHED is a settings change plus "advertisement sent": WAIT FOR ACK, next number.
    @Test func reAdvertisementFromEstablished() throws {
        var provider = try ProviderUnderTest.driven(to: .established)
        let actions = provider.advertise(scene: "CS2")
        #expect(actions.onlySent?.advertisement?.header.sequenceNumber == 13)
        #expect(provider.state == .waitForAck)
        #expect(provider.machine.establishedConfigure?.header.sequenceNumber == 22)
    }

    /// Re-advertising from CONF RESPONSE first answers the pending configure 404, then sends the advertisement.
    @Test func reAdvertisementFromConfResponse() throws {
        var provider = try ProviderUnderTest.driven(to: .confResponse)
        let sent = provider.advertise(scene: "CS2").sent
        #expect(sent.map(\.elementName) == ["configureResponse", "advertisement"])
        #expect(sent[0].configureResponse?.status.code == 404)
        #expect(sent[1].advertisement?.header.sequenceNumber == 13)
        #expect(provider.state == .waitForAck)
    }

    /// In ADV the previous advertisement is withdrawn: a configure for it is answered 404, no transition.
    @Test func configureInAdvIs404() throws {
        var provider = try ProviderUnderTest.driven(to: .waitForAck)
        _ = provider.receiveAck(code: .badSyntax)
        let actions = provider.receiveConfigure(ack: 200)
        #expect(actions.onlySent?.configureResponse?.status.code == 404)
        #expect(provider.state == .adv)
    }

    /// Before any advertisement a configure is a semantic error (400).
    @Test func configureBeforeAnyAdvertisementIs400() {
        var provider = ProviderUnderTest()
        let actions = provider.receiveConfigure(ack: 200, advertisement: 5)
        #expect(actions.onlySent?.configureResponse?.status.code == 400)
        #expect(provider.state == .adv)
    }

    /// A configure for an advertisement that was never sent has an invalid value (302).
    @Test func configureForUnsentAdvertisementIs302() throws {
        var provider = try ProviderUnderTest.driven(to: .waitForConf)
        let actions = provider.receiveConfigure(advertisement: 99)
        #expect(actions.onlySent?.configureResponse?.status.code == 302)
        #expect(provider.state == .waitForConf)
    }

    /// A second configure while one is in CONF RESPONSE is answered 400 and leaves the first pending.
    @Test func configureInConfResponseIs400() throws {
        var provider = try ProviderUnderTest.driven(to: .confResponse)
        let actions = provider.receiveConfigure()
        #expect(actions.onlySent?.configureResponse?.status.code == 400)
        #expect(provider.state == .confResponse)
        #expect(provider.machine.pendingConfigure?.header.sequenceNumber == 22)
    }

    /// An ack is not shown for ESTABLISHED (nor ADV, WAIT FOR CONF, CONF RESPONSE): ignored, no answer.
    @Test(arguments: [MediaProviderStateMachine.State.adv, .waitForConf, .confResponse, .established])
    func ackNotShownIsIgnored(in state: MediaProviderStateMachine.State) throws {
        var provider = try ProviderUnderTest.driven(to: state)
        let actions = provider.receiveAck()
        #expect(actions.sent.isEmpty)
        #expect(actions.delivered.count == 1)
        #expect(actions.delivered.first?.refusal?.responseCode == .semanticErrors)
        #expect(provider.state == state)
    }

    /// A configure with a sequence gap is answered 402 and changes nothing; the stream then goes on after the gap.
    @Test func configureSequenceGapIs402() throws {
        var provider = try ProviderUnderTest.driven(to: .waitForConf)  // ack 22 consumed
        let gapped = Fixture.configure(25, advertisement: 11)
        let actions = provider.machine.configureReceived(gapped)
        let response = try #require(actions.onlySent?.configureResponse)
        #expect(response.status.code == 402)
        #expect(response.configureSequenceNumber == 25)
        #expect(actions.delivered == [.messageRejected(.configure(gapped),
                                                       .invalidSequencing(expected: 23, got: 25))])
        #expect(provider.state == .waitForConf)
        _ = provider.machine.configureReceived(Fixture.configure(26, advertisement: 11))
        #expect(provider.state == .confResponse)
    }

    /// A repeated configure number is answered 402.
    @Test func repeatedConfigureIs402() throws {
        var provider = try ProviderUnderTest.driven(to: .established)  // configure 22 consumed
        let actions = provider.machine.configureReceived(Fixture.configure(22, advertisement: 11))
        #expect(actions.onlySent?.configureResponse?.status.code == 402)
        #expect(provider.state == .established)
    }

    /// An ack with a repeated number is ignored as invalid sequencing (a response cannot be answered).
    @Test func repeatedAckIgnored() throws {
        var provider = try ProviderUnderTest.driven(to: .waitForAck)
        _ = provider.machine.ackReceived(Fixture.ack(22, advertisement: 10))  // stale ack, still numbers the stream
        let actions = provider.machine.ackReceived(Fixture.ack(22, advertisement: 11))
        #expect(actions.sent.isEmpty)
        #expect(actions.delivered.first?.refusal == .invalidSequencing(expected: 23, got: 22))
        #expect(provider.state == .waitForAck)
    }

    /// A configure whose v has another major version than the negotiated one is answered 401.
    @Test func otherMajorVersionIs401() throws {
        var provider = try ProviderUnderTest.driven(to: .waitForAck)
        let actions = provider.machine.configureReceived(
            Fixture.configure(22, advertisement: 11, ack: 200, version: ProtocolVersion(2, 0)))
        #expect(actions.onlySent?.configureResponse?.status.code == 401)
        #expect(provider.state == .waitForAck)
        // Another minor of the same major is fine (RFC 8847 section 7).
        _ = provider.machine.configureReceived(
            Fixture.configure(23, advertisement: 11, ack: 200, version: ProtocolVersion(1, 3)))
        #expect(provider.state == .confResponse)
    }

    /// A configure from another clueId than the peer's is answered 403; one without clueId is accepted.
    @Test func otherClueIDIs403() throws {
        var provider = try ProviderUnderTest.driven(to: .waitForAck)
        let actions = provider.machine.configureReceived(
            Fixture.configure(22, advertisement: 11, ack: 200, clueID: "intruder"))
        #expect(actions.onlySent?.configureResponse?.status.code == 403)
        _ = provider.machine.configureReceived(Fixture.configure(23, advertisement: 11, ack: 200, clueID: nil))
        #expect(provider.state == .confResponse)
    }

    /// A configure whose ack is not a success code has an invalid value (302).
    @Test func configureWithErrorAckIs302() throws {
        var provider = try ProviderUnderTest.driven(to: .waitForAck)
        #expect(provider.receiveConfigure(ack: 400).onlySent?.configureResponse?.status.code == 302)
        #expect(provider.state == .waitForAck)
    }

    /// A redundant ack on a configure for an acknowledged advertisement is tolerated.
    @Test func redundantAckTolerated() throws {
        var provider = try ProviderUnderTest.driven(to: .waitForConf)
        _ = provider.receiveConfigure(ack: 200)
        #expect(provider.state == .confResponse)
    }

    /// Answering a configure is only allowed in CONF RESPONSE.
    @Test(arguments: [MediaProviderStateMachine.State.adv, .waitForAck, .waitForConf, .established])
    func configureResponseOnlyInConfResponse(state: MediaProviderStateMachine.State) throws {
        var provider = try ProviderUnderTest.driven(to: state)
        #expect(throws: ClueStateError.notAllowed(event: "successful configureResponse sent",
                                                  state: state.rawValue)) {
            try provider.machine.acceptConfigure()
        }
        #expect(throws: ClueStateError.self) { try provider.machine.rejectConfigure(.semantic("no")) }
        #expect(provider.state == state)
    }
}
