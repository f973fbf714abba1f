import CLUEModel
import CLUEProtocol
import Testing

extension ParticipantStateMachine {
    /// A participant speaking version 1.0 as in RFC 8847, with the section 10 parties' numbers.
    static func make(_ role: ChannelRole, roles: ClueRoles = .providerAndConsumer,
                     versions: [ProtocolVersion] = [.v1_0], timeout: Duration = .seconds(10))
        -> ParticipantStateMachine {
        let initiator = role == .initiator
        return ParticipantStateMachine(configuration: Configuration(
            channelRole: role,
            capabilities: ClueCapabilities(roles: roles, supportedVersions: versions),
            clueID: initiator ? Fixture.bridgeID : Fixture.endpointID,
            optionsTimeout: timeout,
            initialSequenceNumbers: initiator
                ? InitialSequenceNumbers(initiation: 51, mediaProvider: 11, mediaConsumer: 31)
                : InitialSequenceNumbers(initiation: 62, mediaProvider: 41, mediaConsumer: 22)))
    }
}

@Suite struct ParticipantStateMachineTests {
    static let peerOptions = OptionsMessage(
        header: MessageHeader(clueID: Fixture.bridgeID, sequenceNumber: 51, version: .v1_0),
        mediaProvider: true, mediaConsumer: true, supportedVersions: [.v1_0])

    static func optionsResponse(_ code: ResponseCode = .success, version: ProtocolVersion? = .v1_0,
                                provider: Bool = true, consumer: Bool = true) -> OptionsResponseMessage {
        OptionsResponseMessage(header: MessageHeader(clueID: Fixture.endpointID, sequenceNumber: 62),
                               status: code.status, mediaProvider: provider, mediaConsumer: consumer,
                               version: version)
    }

    /// A participant in OPTIONS, the initiator having sent its options.
    static func inOptions(_ role: ParticipantStateMachine.ChannelRole, clock: TestClock,
                          roles: ClueRoles = .providerAndConsumer, versions: [ProtocolVersion] = [.v1_0])
        -> ParticipantStateMachine {
        var participant = ParticipantStateMachine.make(role, roles: roles, versions: versions)
        _ = participant.startChannel()
        _ = participant.channelEstablished(now: clock.now)
        return participant
    }

    /// "start channel", then "channel established": the initiator reaches OPTIONS, sends options, arms the timeout.
    @Test func initiatorSendsOptionsWhenChannelEstablished() throws {
        let clock = TestClock()
        var participant = ParticipantStateMachine.make(.initiator, versions: [ProtocolVersion(1, 4),
                                                                              ProtocolVersion(2, 7)])
        #expect(participant.state == .idle)
        #expect(participant.startChannel().isEmpty)
        #expect(participant.state == .channelSetup)
        let actions = participant.channelEstablished(now: clock.now)
        #expect(participant.state == .options)
        let options = try #require(actions.onlySent?.options)
        #expect(options == OptionsMessage(
            header: MessageHeader(clueID: "CP1", sequenceNumber: 51, version: ProtocolVersion(1, 4)),
            mediaProvider: true, mediaConsumer: true,
            supportedVersions: [ProtocolVersion(1, 4), ProtocolVersion(2, 7)], supportedExtensions: nil))
        #expect(actions.armedDeadlines == [clock.now + .seconds(10)])
    }

    /// The receiver sends nothing on "channel established"; it waits for options under the same timeout.
    @Test func receiverWaitsForOptions() {
        let clock = TestClock()
        var participant = ParticipantStateMachine.make(.receiver)
        _ = participant.startChannel()
        let actions = participant.channelEstablished(now: clock.now)
        #expect(actions == [.armTimer(deadline: clock.now + .seconds(10))])
        #expect(participant.state == .options)
    }

    /// The receiver answers options with a 200 optionsResponse and goes ACTIVE with both dialogues running.
    @Test func receiverAnswersOptionsAndGoesActive() throws {
        var participant = Self.inOptions(.receiver, clock: TestClock())
        let actions = participant.receive(.options(Self.peerOptions))
        let response = try #require(actions.onlySent?.optionsResponse)
        #expect(response == OptionsResponseMessage(
            header: MessageHeader(clueID: "CP2", sequenceNumber: 62, version: .v1_0),
            status: ResponseStatus(code: 200, reason: "Success"), mediaProvider: true, mediaConsumer: true,
            version: .v1_0))
        #expect(actions.cancelsTimer)
        let negotiated = NegotiatedOptions(version: .v1_0, extensions: [], localRoles: .providerAndConsumer,
                                           peerRoles: .providerAndConsumer, peerClueID: "CP1")
        #expect(actions.delivered == [.negotiated(negotiated)])
        #expect(participant.state == .active)
        #expect(participant.negotiated == negotiated)
        #expect(participant.provider?.state == .adv)
        #expect(participant.consumer?.state == .waitForAdv)
        #expect(participant.provider?.nextSequenceNumber == 41)
        #expect(participant.consumer?.nextSequenceNumber == 22)
    }

    /// The initiator goes ACTIVE on a 200 optionsResponse.
    @Test func initiatorGoesActiveOnSuccess() {
        var participant = Self.inOptions(.initiator, clock: TestClock())
        let actions = participant.receive(.optionsResponse(Self.optionsResponse()))
        #expect(actions.sent.isEmpty)
        #expect(actions.cancelsTimer)
        #expect(actions.delivered.count == 1)
        #expect(participant.state == .active)
        #expect(participant.provider?.context == Fixture.bridgeContext)
        #expect(participant.consumer != nil)
    }

    /// Only the dialogues both sides' roles call for are started.
    @Test func dialoguesFollowRoles() throws {
        var participant = Self.inOptions(.initiator, clock: TestClock(), roles: .providerAndConsumer)
        _ = participant.receive(.optionsResponse(Self.optionsResponse(provider: false, consumer: true)))
        #expect(participant.provider != nil)
        #expect(participant.consumer == nil)
        #expect(throws: ClueStateError.roleNotActive(.mediaConsumer)) {
            try participant.sendConfigure(captureEncodings: nil)
        }
        let advertisement = Fixture.advertisementMessage(41)
        let actions = participant.receive(.advertisement(advertisement))
        #expect(actions.sent.isEmpty)
        #expect(actions.delivered.first?.refusal?.responseCode == .semanticErrors)
    }

    /// An error optionsResponse is "OPTIONS phase failure": back to IDLE.
    @Test func errorOptionsResponseReturnsToIdle() {
        var participant = Self.inOptions(.initiator, clock: TestClock())
        let response = Self.optionsResponse(.versionNotSupported, version: nil)
        let actions = participant.receive(.optionsResponse(response))
        #expect(actions == [.cancelTimer, .terminate(.optionsRejected(response.status))])
        #expect(participant.state == .idle)
        #expect(participant.provider == nil)
    }

    /// A successful optionsResponse naming a version we never offered fails the OPTIONS phase.
    @Test func unofferedVersionFailsInitiator() {
        var participant = Self.inOptions(.initiator, clock: TestClock())
        let actions = participant.receive(.optionsResponse(Self.optionsResponse(version: ProtocolVersion(2, 0))))
        #expect(actions.terminations == [.optionsFailed(.versionNotSupported)])
        #expect(participant.state == .idle)
    }

    /// No common version: the receiver answers 401 and returns to IDLE.
    @Test func unsupportedVersionAnswered401() throws {
        var participant = Self.inOptions(.receiver, clock: TestClock())
        var options = Self.peerOptions
        options.header.version = ProtocolVersion(2, 0)
        options.supportedVersions = [ProtocolVersion(2, 0), ProtocolVersion(3, 1)]
        let actions = participant.receive(.options(options))
        let response = try #require(actions.onlySent?.optionsResponse)
        #expect(response.status.code == 401)
        #expect(response.header.version == ProtocolVersion(2, 0))
        #expect(response.version == nil)
        #expect(actions.terminations == [.optionsFailed(.versionNotSupported)])
        #expect(actions.cancelsTimer)
        #expect(participant.state == .idle)
    }

    /// No optionsResponse before the timeout: "OPTIONS phase failure", back to IDLE. An early timer re-arms.
    @Test func initiatorOptionsTimeout() {
        var clock = TestClock()
        var participant = Self.inOptions(.initiator, clock: clock)
        let deadline = clock.now + .seconds(10)
        clock.advance(by: .seconds(9))
        #expect(participant.timerFired(now: clock.now) == [.armTimer(deadline: deadline)])
        #expect(participant.state == .options)
        clock.advance(by: .seconds(1))
        #expect(participant.timerFired(now: clock.now) == [.terminate(.optionsTimeout)])
        #expect(participant.state == .idle)
        // A response after the timeout finds IDLE and is ignored.
        let late = participant.receive(.optionsResponse(Self.optionsResponse()))
        #expect(late.delivered.first?.refusal != nil)
        #expect(participant.state == .idle)
    }

    /// No options before the timeout at the receiver: back to IDLE.
    @Test func receiverOptionsTimeout() {
        var clock = TestClock()
        var participant = ParticipantStateMachine.make(.receiver, timeout: .seconds(3))
        _ = participant.startChannel()
        _ = participant.channelEstablished(now: clock.now)
        clock.advance(by: .seconds(3))
        #expect(participant.timerFired(now: clock.now).terminations == [.optionsTimeout])
        #expect(participant.state == .idle)
    }

    /// A timer that fires after the OPTIONS phase ended is stale and does nothing.
    @Test func staleTimerIgnoredInActive() {
        var clock = TestClock()
        var participant = Self.inOptions(.initiator, clock: clock)
        _ = participant.receive(.optionsResponse(Self.optionsResponse()))
        clock.advance(by: .seconds(60))
        #expect(participant.timerFired(now: clock.now).isEmpty)
        #expect(participant.state == .active)
    }

    /// Further options and optionsResponse messages in ACTIVE are ignored and the state stays (section 6).
    @Test func repeatedOptionsIgnoredInActive() {
        var receiver = Self.inOptions(.receiver, clock: TestClock())
        _ = receiver.receive(.options(Self.peerOptions))
        var repeated = Self.peerOptions
        repeated.header.sequenceNumber = 52
        let actions = receiver.receive(.options(repeated)) + receiver.receive(.optionsResponse(Self.optionsResponse()))
        #expect(actions.sent.isEmpty)
        #expect(actions.delivered.count == 2)
        #expect(actions.delivered.allSatisfy { $0.refusal?.responseCode == .semanticErrors })
        #expect(receiver.state == .active)

        var initiator = Self.inOptions(.initiator, clock: TestClock())
        _ = initiator.receive(.optionsResponse(Self.optionsResponse()))
        #expect(initiator.receive(.optionsResponse(Self.optionsResponse())).sent.isEmpty)
        #expect(initiator.state == .active)
    }

    /// Options sent to the Channel Initiator are answered 400 and the OPTIONS phase goes on.
    @Test func optionsToInitiatorAnswered400() {
        var participant = Self.inOptions(.initiator, clock: TestClock())
        let actions = participant.receive(.options(Self.peerOptions))
        #expect(actions.onlySent?.optionsResponse?.status.code == 400)
        #expect(actions.onlySent?.optionsResponse?.header.sequenceNumber == 52)
        #expect(participant.state == .options)
    }

    /// Dialogue messages before ACTIVE are ignored.
    @Test func dialogueMessagesBeforeActiveIgnored() {
        var participant = Self.inOptions(.receiver, clock: TestClock())
        let actions = participant.receive(.advertisement(Fixture.advertisementMessage(11)))
        #expect(actions.sent.isEmpty)
        #expect(actions.delivered.first?.refusal != nil)
        #expect(participant.state == .options)
    }

    /// "channel error" and "session ends" lead back to IDLE from CHANNEL SETUP, OPTIONS and ACTIVE.
    @Test(arguments: [ParticipantStateMachine.State.channelSetup, .options, .active], [true, false])
    func channelErrorAndSessionEndReturnToIdle(from state: ParticipantStateMachine.State, channelError: Bool) {
        var participant = ParticipantStateMachine.make(.initiator)
        _ = participant.startChannel()
        if state != .channelSetup { _ = participant.channelEstablished(now: TestClock().now) }
        if state == .active { _ = participant.receive(.optionsResponse(Self.optionsResponse())) }
        #expect(participant.state == state)
        let actions = channelError ? participant.channelFailed() : participant.sessionEnded()
        #expect(actions.terminations == [channelError ? .channelError : .sessionEnded])
        #expect(actions.cancelsTimer == (state == .options))
        #expect(participant.state == .idle)
        #expect(participant.negotiated == nil)
        #expect(participant.provider == nil)
        #expect(participant.consumer == nil)
    }

    /// In IDLE a channel error has nothing to end.
    @Test func channelErrorInIdleDoesNothing() {
        var participant = ParticipantStateMachine.make(.initiator)
        #expect(participant.channelFailed().isEmpty)
        #expect(participant.state == .idle)
    }

    /// After a channel restart the dialogue streams continue where they stopped instead of reusing numbers.
    @Test func restartContinuesSequenceNumbers() throws {
        var participant = Self.inOptions(.initiator, clock: TestClock())
        _ = participant.receive(.optionsResponse(Self.optionsResponse()))
        _ = try participant.sendAdvertisement(Fixture.advertisement(scene: "CS1"))
        _ = participant.channelFailed()
        _ = participant.startChannel()
        let options = participant.channelEstablished(now: TestClock().now).onlySent?.options
        #expect(options?.header.sequenceNumber == 52)
        var response = Self.optionsResponse()
        response.header.sequenceNumber = 90
        _ = participant.receive(.optionsResponse(response))
        #expect(participant.provider?.nextSequenceNumber == 12)
    }

    /// Application events need ACTIVE and the role.
    @Test func applicationEventsNeedActive() {
        var participant = ParticipantStateMachine.make(.initiator)
        #expect(throws: ClueStateError.roleNotActive(.mediaProvider)) {
            try participant.sendAdvertisement(Fixture.advertisement(scene: "CS1"))
        }
        #expect(throws: ClueStateError.roleNotActive(.mediaConsumer)) { try participant.sendAck() }
    }
}
