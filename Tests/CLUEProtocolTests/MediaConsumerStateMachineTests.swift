import CLUEModel
import CLUEProtocol
import Testing

/// A Media Consumer with the provider's MP stream alongside, so tests can send well-numbered messages to it.
struct ConsumerUnderTest {
    var machine = MediaConsumerStateMachine(context: Fixture.endpointContext, firstSequenceNumber: 22)
    var providerStream = OutgoingSequenceNumbers(startingAt: 11)

    var state: MediaConsumerStateMachine.State { machine.state }

    mutating func receiveAdvertisement(scene: String = "CS1") -> [ClueAction] {
        machine.advertisementReceived(Fixture.advertisementMessage(providerStream.take(), scene: scene))
    }

    mutating func receiveConfigureResponse(code: ResponseCode = .success, configure: UInt64? = nil)
        -> [ClueAction] {
        let configure = configure ?? machine.pendingConfigure?.header.sequenceNumber ?? 1
        return machine.configureResponseReceived(
            Fixture.configureResponse(providerStream.take(), configure: configure, code: code))
    }

    /// Driven into `state` along the transitions of Figure 11.
    static func driven(to state: MediaConsumerStateMachine.State) throws -> ConsumerUnderTest {
        var consumer = ConsumerUnderTest()
        switch state {
        case .waitForAdv:
            break
        case .advProcessing:
            _ = consumer.receiveAdvertisement()
        case .conf:
            _ = consumer.receiveAdvertisement()
            _ = try consumer.machine.sendAck()
        case .waitForConfResponse:
            _ = consumer.receiveAdvertisement()
            _ = try consumer.machine.sendConfigure(captureEncodings: Fixture.encodings)
        case .established:
            _ = consumer.receiveAdvertisement()
            _ = try consumer.machine.sendConfigure(captureEncodings: Fixture.encodings)
            _ = consumer.receiveConfigureResponse()
        }
        #expect(consumer.state == state)
        return consumer
    }
}

@Suite struct MediaConsumerStateMachineTests {
    /// The MC starts in WAIT FOR ADV; "advertisement received" moves it to ADV PROCESSING and delivers it.
    @Test func advertisementReceived() {
        var consumer = ConsumerUnderTest()
        #expect(consumer.state == .waitForAdv)
        let actions = consumer.receiveAdvertisement()
        #expect(actions.sent.isEmpty)
        #expect(actions.delivered == [.advertisementReceived(Fixture.advertisementMessage(11))])
        #expect(consumer.state == .advProcessing)
    }

    /// "ack sent": ADV PROCESSING to CONF; the ack names the advertisement and comes from our MC stream.
    @Test func ackSent() throws {
        var consumer = try ConsumerUnderTest.driven(to: .advProcessing)
        let ack = try #require(try consumer.machine.sendAck().onlySent?.ack)
        #expect(ack == AckMessage(header: MessageHeader(clueID: "CP2", sequenceNumber: 22, version: .v1_0),
                                  status: ResponseStatus(code: 200, reason: "Success"),
                                  advertisementSequenceNumber: 11))
        #expect(consumer.state == .conf)
        #expect(consumer.machine.acknowledgedAdvertisement?.header.sequenceNumber == 11)
    }

    /// "NACK sent": ADV PROCESSING back to WAIT FOR ADV, with the error's code.
    @Test func nackSent() throws {
        var consumer = try ConsumerUnderTest.driven(to: .advProcessing)
        let nack = try #require(try consumer.machine.sendNack(.badSyntax("no <captureScenes>")).onlySent?.ack)
        #expect(nack.status == ResponseStatus(code: 301, reason: "Bad syntax: no <captureScenes>"))
        #expect(nack.advertisementSequenceNumber == 11)
        #expect(consumer.state == .waitForAdv)
        #expect(throws: ClueStateError.self) { try consumer.machine.sendConfigure(captureEncodings: nil) }
    }

    /// "configure+ack sent": ADV PROCESSING straight to WAIT FOR CONF RESPONSE, with <ack>200</ack>.
    @Test func configureAckSent() throws {
        var consumer = try ConsumerUnderTest.driven(to: .advProcessing)
        let actions = try consumer.machine.sendConfigure(captureEncodings: Fixture.encodings)
        let configure = try #require(actions.onlySent?.configure)
        #expect(configure == ConfigureMessage(
            header: MessageHeader(clueID: "CP2", sequenceNumber: 22, version: .v1_0),
            advertisementSequenceNumber: 11, ack: 200, captureEncodings: Fixture.encodings))
        #expect(consumer.state == .waitForConfResponse)
    }

    /// "configure sent" from CONF: no <ack>, since the ack was already sent (RFC 8847 section 5.5).
    @Test func configureSentFromConf() throws {
        var consumer = try ConsumerUnderTest.driven(to: .conf)
        let configure = try #require(try consumer.machine.sendConfigure(captureEncodings: nil).onlySent?.configure)
        #expect(configure.ack == nil)
        #expect(configure.advertisementSequenceNumber == 11)
        #expect(configure.header.sequenceNumber == 23)
        #expect(configure.captureEncodings == nil)
        #expect(consumer.state == .waitForConfResponse)
    }

    /// "successful configureResponse received": WAIT FOR CONF RESPONSE to ESTABLISHED.
    @Test func successfulConfigureResponseReceived() throws {
        var consumer = try ConsumerUnderTest.driven(to: .waitForConfResponse)
        let actions = consumer.receiveConfigureResponse()
        #expect(actions.delivered == [.configureAccepted(Fixture.configureResponse(12, configure: 22))])
        #expect(consumer.state == .established)
        #expect(consumer.machine.establishedConfigure?.header.sequenceNumber == 22)
    }

    /// "error configureResponse received": back to CONF; the next configure carries no <ack> (already acked).
    @Test func errorConfigureResponseReceived() throws {
        var consumer = try ConsumerUnderTest.driven(to: .waitForConfResponse)
        let actions = consumer.receiveConfigureResponse(code: .subsetChoiceNotAllowed)
        #expect(actions.delivered == [.configureRejected(
            Fixture.configureResponse(12, configure: 22, code: .subsetChoiceNotAllowed))])
        #expect(consumer.state == .conf)
        let retry = try #require(try consumer.machine.sendConfigure(captureEncodings: nil).onlySent?.configure)
        #expect(retry.ack == nil)
        #expect(retry.advertisementSequenceNumber == 11)
    }

    /// "configure sent" from ESTABLISHED refers to the latest acknowledged advertisement.
    @Test func configureSentFromEstablished() throws {
        var consumer = try ConsumerUnderTest.driven(to: .established)
        let configure = try #require(try consumer.machine.sendConfigure(captureEncodings: []).onlySent?.configure)
        #expect(configure.ack == nil)
        #expect(configure.advertisementSequenceNumber == 11)
        #expect(consumer.state == .waitForConfResponse)
        #expect(consumer.machine.establishedConfigure?.header.sequenceNumber == 22)
    }

    /// "advertisement received" leads from CONF, WAIT FOR CONF RESPONSE and ESTABLISHED to ADV PROCESSING.
    @Test(arguments: [MediaConsumerStateMachine.State.waitForAdv, .conf, .waitForConfResponse, .established])
    func advertisementReceivedFromEveryState(in state: MediaConsumerStateMachine.State) throws {
        var consumer = try ConsumerUnderTest.driven(to: state)
        let actions = consumer.receiveAdvertisement(scene: "CS2")
        #expect(actions.delivered.count == 1)
        #expect(consumer.state == .advProcessing)
        #expect(consumer.machine.advertisementInProcessing?.advertisement == Fixture.advertisement(scene: "CS2"))
    }

    /// Re-advertisement in WAIT FOR CONF RESPONSE: the late response is ignored, the next configure acks the new one.
    @Test func reAdvertisementWhileWaitingForConfigureResponse() throws {
        var consumer = try ConsumerUnderTest.driven(to: .waitForConfResponse)  // configure 22 for advertisement 11
        _ = consumer.receiveAdvertisement(scene: "CS2")  // advertisement 12
        #expect(consumer.state == .advProcessing)
        let late = consumer.receiveConfigureResponse(code: .success, configure: 22)
        #expect(late.delivered.first?.refusal?.responseCode == .semanticErrors)
        #expect(consumer.state == .advProcessing)
        let configure = try #require(try consumer.machine.sendConfigure(captureEncodings: nil).onlySent?.configure)
        #expect(configure.advertisementSequenceNumber == 12)
        #expect(configure.ack == 200)
    }

    /// An advertisement arriving in ADV PROCESSING replaces the one in processing; the ack names the new one.
    @Test func advertisementInAdvProcessingReplacesIt() throws {
        var consumer = try ConsumerUnderTest.driven(to: .advProcessing)
        let actions = consumer.receiveAdvertisement(scene: "CS2")
        #expect(actions.delivered == [.advertisementReceived(Fixture.advertisementMessage(12, scene: "CS2"))])
        #expect(consumer.state == .advProcessing)
        #expect(try consumer.machine.sendAck().onlySent?.ack?.advertisementSequenceNumber == 12)
    }

    /// An advertisement with a sequence gap is NACKed with 402 and changes no state.
    @Test func advertisementSequenceGapIsNacked402() throws {
        var consumer = try ConsumerUnderTest.driven(to: .established)  // advertisement 11, configureResponse 12
        let gapped = Fixture.advertisementMessage(20)
        let actions = consumer.machine.advertisementReceived(gapped)
        let nack = try #require(actions.onlySent?.ack)
        #expect(nack.status.code == 402)
        #expect(nack.advertisementSequenceNumber == 20)
        #expect(actions.delivered == [.messageRejected(.advertisement(gapped),
                                                       .invalidSequencing(expected: 13, got: 20))])
        #expect(consumer.state == .established)
    }

    /// An advertisement in another major version is NACKed with 401.
    @Test func advertisementOtherMajorIsNacked401() {
        var consumer = ConsumerUnderTest()
        let actions = consumer.machine.advertisementReceived(
            Fixture.advertisementMessage(11, version: ProtocolVersion(2, 0)))
        #expect(actions.onlySent?.ack?.status.code == 401)
        #expect(consumer.state == .waitForAdv)
    }

    /// A configureResponse for another configure than the pending one is ignored.
    @Test func configureResponseForOtherConfigureIgnored() throws {
        var consumer = try ConsumerUnderTest.driven(to: .waitForConfResponse)
        let actions = consumer.receiveConfigureResponse(configure: 21)
        #expect(actions.delivered.first?.refusal?.responseCode == .invalidValue)
        #expect(consumer.state == .waitForConfResponse)
    }

    /// A configureResponse with a repeated sequence number is ignored as invalid sequencing.
    @Test func repeatedConfigureResponseIgnored() throws {
        var consumer = try ConsumerUnderTest.driven(to: .waitForConfResponse)
        let actions = consumer.machine.configureResponseReceived(Fixture.configureResponse(11, configure: 22))
        #expect(actions.delivered.first?.refusal == .invalidSequencing(expected: 12, got: 11))
        #expect(consumer.state == .waitForConfResponse)
    }

    /// A configureResponse is not shown for the other states: ignored, no transition.
    @Test(arguments: [MediaConsumerStateMachine.State.waitForAdv, .advProcessing, .conf, .established])
    func configureResponseNotShownIsIgnored(in state: MediaConsumerStateMachine.State) throws {
        var consumer = try ConsumerUnderTest.driven(to: state)
        let actions = consumer.receiveConfigureResponse(configure: 22)
        #expect(actions.sent.isEmpty)
        #expect(actions.delivered.count == 1)
        #expect(actions.delivered.first?.refusal != nil)
        #expect(consumer.state == state)
    }

    /// ack and NACK are only allowed in ADV PROCESSING; configure not in WAIT FOR ADV or WAIT FOR CONF RESPONSE.
    @Test func applicationEventsNotShownThrow() throws {
        var waiting = ConsumerUnderTest()
        #expect(throws: ClueStateError.notAllowed(event: "ack sent", state: "WAIT FOR ADV")) {
            try waiting.machine.sendAck()
        }
        #expect(throws: ClueStateError.notAllowed(event: "configure sent", state: "WAIT FOR ADV")) {
            try waiting.machine.sendConfigure(captureEncodings: nil)
        }
        var pending = try ConsumerUnderTest.driven(to: .waitForConfResponse)
        #expect(throws: ClueStateError.notAllowed(event: "configure sent", state: "WAIT FOR CONF RESPONSE")) {
            try pending.machine.sendConfigure(captureEncodings: nil)
        }
        var established = try ConsumerUnderTest.driven(to: .established)
        #expect(throws: ClueStateError.notAllowed(event: "NACK sent", state: "ESTABLISHED")) {
            try established.machine.sendNack(.semantic("late"))
        }
        #expect(pending.state == .waitForConfResponse)
        #expect(established.state == .established)
    }
}
