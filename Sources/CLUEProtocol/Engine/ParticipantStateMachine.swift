import CLUEModel

/// A CLUE Participant on one CLUE data channel (RFC 8847 section 6, Figure 9): the initiation phase, then the Media
/// Provider and Media Consumer dialogues, which "do not interact with each other".
///
/// The driver feeds it channel events, received messages and timer expiries, with the current time where a timer
/// may be armed; the application (conference or endpoint) feeds it its decisions. Every call returns the actions to
/// carry out, in order.
public struct ParticipantStateMachine: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        case idle = "IDLE"
        case channelSetup = "CHANNEL SETUP"
        case options = "OPTIONS"
        case active = "ACTIVE"
    }

    /// Which end opened the CLUE data channel. RFC 8850 makes the DTLS client the Channel Initiator, which sends
    /// `options`; the Channel Receiver answers (RFC 8847 section 4).
    public enum ChannelRole: Sendable, Hashable {
        case initiator
        case receiver
    }

    public struct Configuration: Sendable, Hashable {
        public var channelRole: ChannelRole
        public var capabilities: ClueCapabilities
        /// Our `clueId`, put in every message when set.
        public var clueID: String?
        /// How long OPTIONS waits for `options` (Channel Receiver) or `optionsResponse` (Channel Initiator). The RFC
        /// names the timeout but not its length; 10 s is generous for one round trip over an established channel.
        public var optionsTimeout: Duration
        public var initialSequenceNumbers: InitialSequenceNumbers

        public init(channelRole: ChannelRole, capabilities: ClueCapabilities, clueID: String? = nil,
                    optionsTimeout: Duration = .seconds(10), initialSequenceNumbers: InitialSequenceNumbers) {
            self.channelRole = channelRole
            self.capabilities = capabilities
            self.clueID = clueID
            self.optionsTimeout = optionsTimeout
            self.initialSequenceNumbers = initialSequenceNumbers
        }
    }

    public let configuration: Configuration
    public private(set) var state: State = .idle
    /// What the initiation phase agreed on; set in ACTIVE.
    public private(set) var negotiated: NegotiatedOptions?
    /// Our Media Provider dialogue, in ACTIVE when `negotiated.runsMediaProvider`.
    public private(set) var provider: MediaProviderStateMachine?
    /// Our Media Consumer dialogue, in ACTIVE when `negotiated.runsMediaConsumer`.
    public private(set) var consumer: MediaConsumerStateMachine?
    /// When the OPTIONS phase gives up.
    public private(set) var optionsDeadline: ContinuousClock.Instant?

    private var initiationOutgoing: OutgoingSequenceNumbers
    private var initiationIncoming = IncomingSequenceNumbers()
    /// Where our MP and MC streams continue when the next ACTIVE phase starts them, so that numbers are never reused
    /// across channel restarts on this participant.
    private var nextProviderSequenceNumber: UInt64
    private var nextConsumerSequenceNumber: UInt64

    public init(configuration: Configuration) {
        self.configuration = configuration
        initiationOutgoing = OutgoingSequenceNumbers(startingAt: configuration.initialSequenceNumbers.initiation)
        nextProviderSequenceNumber = configuration.initialSequenceNumbers.mediaProvider
        nextConsumerSequenceNumber = configuration.initialSequenceNumbers.mediaConsumer
    }

    // MARK: Channel events (Figure 9)

    /// "start channel": IDLE to CHANNEL SETUP.
    public mutating func startChannel() -> [ClueAction] {
        guard state == .idle else { return [] }
        state = .channelSetup
        return []
    }

    /// "channel established": CHANNEL SETUP to OPTIONS. The Channel Initiator sends `options` "as soon as the CLUE
    /// data channel is ready" (section 5.1); both ends start the OPTIONS timeout.
    public mutating func channelEstablished(now: ContinuousClock.Instant) -> [ClueAction] {
        guard state == .channelSetup else { return [] }
        state = .options
        initiationIncoming = IncomingSequenceNumbers()
        let deadline = now + configuration.optionsTimeout
        optionsDeadline = deadline
        var actions: [ClueAction] = []
        if configuration.channelRole == .initiator {
            let capabilities = configuration.capabilities
            actions.append(.send(.options(OptionsMessage(
                header: initiationHeader(version: capabilities.optionsVersion),
                mediaProvider: capabilities.roles.mediaProvider, mediaConsumer: capabilities.roles.mediaConsumer,
                supportedVersions: capabilities.supportedVersions,
                supportedExtensions: capabilities.supportedExtensions.isEmpty
                    ? nil : capabilities.supportedExtensions))))
        }
        actions.append(.armTimer(deadline: deadline))
        return actions
    }

    /// "channel error": from any state back to IDLE.
    public mutating func channelFailed() -> [ClueAction] {
        returnToIdle(.channelError)
    }

    /// "session ends" (the SDP negotiation removed the CLUE data channel): from any state back to IDLE.
    public mutating func sessionEnded() -> [ClueAction] {
        returnToIdle(.sessionEnded)
    }

    /// The timer armed by `.armTimer` fired. Past the OPTIONS deadline this is "OPTIONS phase failure" by timeout
    /// (reasons 2 and 3 of section 6). A timer that fires in another state is stale and does nothing; one that fires
    /// early is armed again.
    public mutating func timerFired(now: ContinuousClock.Instant) -> [ClueAction] {
        guard state == .options, let deadline = optionsDeadline else { return [] }
        guard now >= deadline else { return [.armTimer(deadline: deadline)] }
        optionsDeadline = nil  // it fired; nothing left to cancel
        return returnToIdle(.optionsTimeout)
    }

    // MARK: Received messages

    /// A message arrived on the CLUE data channel.
    ///
    /// In OPTIONS it is the initiation phase; in ACTIVE `options`/`optionsResponse` are ignored ("it MUST ignore the
    /// message and stay in the ACTIVE state", section 6) and the rest go to the dialogue they belong to:
    /// `advertisement` and `configureResponse` to our Media Consumer, `ack` and `configure` to our Media Provider.
    /// Messages without a place (no channel yet, dialogue messages before ACTIVE, a role that was not negotiated) are
    /// ignored: no dialogue exists whose stream could number an answer.
    public mutating func receive(_ message: ClueMessage) -> [ClueAction] {
        switch (state, message) {
        case (.options, .options(let options)):
            return optionsReceived(options)
        case (.options, .optionsResponse(let response)):
            return optionsResponseReceived(response)
        case (.active, .options), (.active, .optionsResponse):
            return ignore(message, .semantic("\(message.elementName) after the initiation phase"))
        case (.active, .advertisement(let advertisement)):
            guard var consumer else { return ignore(message, .semantic("we are not a Media Consumer here")) }
            defer { self.consumer = consumer }
            return consumer.advertisementReceived(advertisement)
        case (.active, .configureResponse(let response)):
            guard var consumer else { return ignore(message, .semantic("we are not a Media Consumer here")) }
            defer { self.consumer = consumer }
            return consumer.configureResponseReceived(response)
        case (.active, .ack(let ack)):
            guard var provider else { return ignore(message, .semantic("we are not a Media Provider here")) }
            defer { self.provider = provider }
            return provider.ackReceived(ack)
        case (.active, .configure(let configure)):
            guard var provider else { return ignore(message, .semantic("we are not a Media Provider here")) }
            defer { self.provider = provider }
            return provider.configureReceived(configure)
        case (.idle, _), (.channelSetup, _), (.options, _):
            return ignore(message, .semantic("\(message.elementName) not expected in \(state.rawValue)"))
        }
    }

    /// A message arrived that could not be read, whose root element (`root`, e.g. "configure") and `sequenceNr` could
    /// still be made out. Requests get the error response that section 5.7 calls for, numbered on the right stream;
    /// nothing changes state. Responses (`ack`, `configureResponse`, `optionsResponse`) cannot be answered and are
    /// dropped, which is also what happens when no dialogue exists to answer from.
    public mutating func receiveUnreadable(root: String, sequenceNumber: UInt64, error: ClueProtocolError)
        -> [ClueAction] {
        switch (state, root) {
        case (.active, "configure"):
            guard var provider else { return [] }
            defer { self.provider = provider }
            return provider.unreadableConfigureReceived(sequenceNumber: sequenceNumber, error: error)
        case (.active, "advertisement"):
            guard var consumer else { return [] }
            defer { self.consumer = consumer }
            return consumer.unreadableAdvertisementReceived(sequenceNumber: sequenceNumber, error: error)
        case (.options, "options") where configuration.channelRole == .receiver:
            let response = OptionsResponseMessage(header: initiationHeader(version: configuration.capabilities
                .optionsVersion), status: error.responseStatus)
            return [.send(.optionsResponse(response))]
        default:
            return []
        }
    }

    /// `options` in OPTIONS. The Channel Receiver answers with the negotiation's `optionsResponse`, whose `v` echoes
    /// the `options` (no version is agreed until the response is read; section 10.2 does the same), and moves to
    /// ACTIVE on success or back to IDLE on failure. A Channel Initiator should never receive `options`; it is a
    /// request, so it gets a 400 and the phase goes on.
    private mutating func optionsReceived(_ options: OptionsMessage) -> [ClueAction] {
        do {
            try initiationIncoming.accept(options.header.sequenceNumber)
        } catch {
            return rejectOptions(options, error)
        }
        guard configuration.channelRole == .receiver else {
            return rejectOptions(options, .semantic("options sent to the Channel Initiator"))
        }
        let header = initiationHeader(version: options.header.version)
        let (response, outcome) = configuration.capabilities.optionsResponse(to: options, header: header)
        switch outcome {
        case .success(let negotiated):
            return [.send(.optionsResponse(response))] + activate(negotiated)
        case .failure(let error):
            return [.send(.optionsResponse(response)), .deliver(.messageRejected(.options(options), error))]
                + returnToIdle(.optionsFailed(error))
        }
    }

    private mutating func rejectOptions(_ options: OptionsMessage, _ error: ClueProtocolError) -> [ClueAction] {
        let response = OptionsResponseMessage(header: initiationHeader(version: options.header.version),
                                              status: error.responseStatus)
        return [.send(.optionsResponse(response)), .deliver(.messageRejected(.options(options), error))]
    }

    /// A header numbered on our initiation stream.
    private mutating func initiationHeader(version: ProtocolVersion) -> MessageHeader {
        MessageHeader(clueID: configuration.clueID, sequenceNumber: initiationOutgoing.take(), version: version)
    }

    /// `optionsResponse` in OPTIONS, at the Channel Initiator: ACTIVE on a usable success, IDLE on an error code
    /// (failure reason 1 of section 6) or an unusable success.
    private mutating func optionsResponseReceived(_ response: OptionsResponseMessage) -> [ClueAction] {
        let message = ClueMessage.optionsResponse(response)
        guard configuration.channelRole == .initiator else {
            return ignore(message, .semantic("optionsResponse sent to the Channel Receiver"))
        }
        do {
            try initiationIncoming.accept(response.header.sequenceNumber)
        } catch {
            return ignore(message, error)
        }
        guard response.status.responseClass == .success else {
            return returnToIdle(.optionsRejected(response.status))
        }
        switch configuration.capabilities.accept(response) {
        case .success(let negotiated):
            return activate(negotiated)
        case .failure(let error):
            return returnToIdle(.optionsFailed(error))
        }
    }

    /// "OPTIONS phase success": ACTIVE, with the sub-machines our and the peer's roles call for.
    private mutating func activate(_ negotiated: NegotiatedOptions) -> [ClueAction] {
        state = .active
        optionsDeadline = nil
        self.negotiated = negotiated
        let context = DialogueContext(version: negotiated.version, localClueID: configuration.clueID,
                                      peerClueID: negotiated.peerClueID)
        provider = negotiated.runsMediaProvider
            ? MediaProviderStateMachine(context: context, firstSequenceNumber: nextProviderSequenceNumber) : nil
        consumer = negotiated.runsMediaConsumer
            ? MediaConsumerStateMachine(context: context, firstSequenceNumber: nextConsumerSequenceNumber) : nil
        return [.cancelTimer, .deliver(.negotiated(negotiated))]
    }

    private mutating func returnToIdle(_ reason: ClueTermination) -> [ClueAction] {
        guard state != .idle else { return [] }
        let hadTimer = optionsDeadline != nil
        if let provider { nextProviderSequenceNumber = provider.nextSequenceNumber }
        if let consumer { nextConsumerSequenceNumber = consumer.nextSequenceNumber }
        state = .idle
        optionsDeadline = nil
        negotiated = nil
        provider = nil
        consumer = nil
        return (hadTimer ? [.cancelTimer] : []) + [.terminate(reason)]
    }

    private func ignore(_ message: ClueMessage, _ error: ClueProtocolError) -> [ClueAction] {
        [.deliver(.messageIgnored(message, error))]
    }

    // MARK: Application events, forwarded to the dialogues

    /// See `MediaProviderStateMachine.sendAdvertisement(_:extensions:)`.
    public mutating func sendAdvertisement(_ advertisement: Advertisement, extensions: MessageExtensions = .none)
        throws(ClueStateError) -> [ClueAction] {
        try withProvider { $0.sendAdvertisement(advertisement, extensions: extensions) }
    }

    /// See `MediaProviderStateMachine.telepresenceSettingsChanged()`.
    public mutating func telepresenceSettingsChanged() throws(ClueStateError) -> [ClueAction] {
        try withProvider { $0.telepresenceSettingsChanged() }
    }

    /// See `MediaProviderStateMachine.acceptConfigure(extensions:)`.
    public mutating func acceptConfigure(extensions: MessageExtensions = .none) throws(ClueStateError)
        -> [ClueAction] {
        try withProvider { provider throws(ClueStateError) in try provider.acceptConfigure(extensions: extensions) }
    }

    /// See `MediaProviderStateMachine.rejectConfigure(_:extensions:)`.
    public mutating func rejectConfigure(_ error: ClueProtocolError, extensions: MessageExtensions = .none)
        throws(ClueStateError) -> [ClueAction] {
        try withProvider { provider throws(ClueStateError) in
            try provider.rejectConfigure(error, extensions: extensions)
        }
    }

    /// See `MediaConsumerStateMachine.sendAck(extensions:)`.
    public mutating func sendAck(extensions: MessageExtensions = .none) throws(ClueStateError) -> [ClueAction] {
        try withConsumer { consumer throws(ClueStateError) in try consumer.sendAck(extensions: extensions) }
    }

    /// See `MediaConsumerStateMachine.sendNack(_:extensions:)`.
    public mutating func sendNack(_ error: ClueProtocolError, extensions: MessageExtensions = .none)
        throws(ClueStateError) -> [ClueAction] {
        try withConsumer { consumer throws(ClueStateError) in try consumer.sendNack(error, extensions: extensions) }
    }

    /// See `MediaConsumerStateMachine.sendConfigure(captureEncodings:extensions:)`.
    public mutating func sendConfigure(captureEncodings: [CaptureEncoding]?, extensions: MessageExtensions = .none)
        throws(ClueStateError) -> [ClueAction] {
        try withConsumer { consumer throws(ClueStateError) in
            try consumer.sendConfigure(captureEncodings: captureEncodings, extensions: extensions)
        }
    }

    private mutating func withProvider(
        _ event: (inout MediaProviderStateMachine) throws(ClueStateError) -> [ClueAction]
    ) throws(ClueStateError) -> [ClueAction] {
        guard state == .active, var provider else { throw .roleNotActive(.mediaProvider) }
        defer { self.provider = provider }
        return try event(&provider)
    }

    private mutating func withConsumer(
        _ event: (inout MediaConsumerStateMachine) throws(ClueStateError) -> [ClueAction]
    ) throws(ClueStateError) -> [ClueAction] {
        guard state == .active, var consumer else { throw .roleNotActive(.mediaConsumer) }
        defer { self.consumer = consumer }
        return try event(&consumer)
    }
}
