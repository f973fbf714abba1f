import CLUEModel

/// The Media Provider's side of one MP-MC dialogue (RFC 8847 section 6.1, Figure 10).
///
/// The application decides what to advertise and whether a configure can be honoured; this machine decides when
/// those messages may go out, numbers them on our MP stream, and checks what the consumer sends (its `ack` and
/// `configure`, numbered on the peer's MC stream).
///
/// Section 6.1 says "Messages not shown for a state do not cause the state to change". We add what the RFC leaves
/// open: a request that is not shown for the state (a `configure`) still gets an error `configureResponse`, so the
/// consumer, which waits for one in WAIT FOR CONF RESPONSE, is never left hanging; a response that is not shown (an
/// `ack`) cannot be answered and is only reported as ignored.
public struct MediaProviderStateMachine: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        case adv = "ADV"
        case waitForAck = "WAIT FOR ACK"
        case waitForConf = "WAIT FOR CONF"
        case confResponse = "CONF RESPONSE"
        case established = "ESTABLISHED"
    }

    /// "As soon as the sub-state machine of the MP is activated, it is in the ADV state."
    public private(set) var state: State = .adv
    public private(set) var context: DialogueContext
    private var outgoing: OutgoingSequenceNumbers
    /// The peer's MC stream: `ack` and `configure`.
    private var incoming = IncomingSequenceNumbers()

    /// The `sequenceNr` of the latest advertisement sent, "the highest generated so far" (section 6.1).
    public private(set) var latestAdvertisementSequenceNumber: UInt64?
    /// The configure being processed in CONF RESPONSE.
    public private(set) var pendingConfigure: ConfigureMessage?
    /// "The last successfully processed 'configure' message" (section 6.1): it describes the CLUE-controlled media
    /// streams, and keeps doing so across re-advertisements until another configure succeeds.
    public private(set) var establishedConfigure: ConfigureMessage?

    public init(context: DialogueContext, firstSequenceNumber: UInt64) {
        self.context = context
        outgoing = OutgoingSequenceNumbers(startingAt: firstSequenceNumber)
    }

    /// The number our next message (advertisement or configureResponse) will carry.
    public var nextSequenceNumber: UInt64 { outgoing.next }

    // MARK: Application events

    /// "changed telepresence settings": from WAIT FOR ACK, WAIT FOR CONF, CONF RESPONSE and ESTABLISHED to ADV.
    ///
    /// In CONF RESPONSE the configure under processing refers to the advertisement being replaced. The RFC does not
    /// say what becomes of it; we answer it with 404 before anything else, so the consumer gets the response it waits
    /// for (it moves to CONF) and then the new advertisement (ADV PROCESSING), both transitions of Figure 11.
    public mutating func telepresenceSettingsChanged() -> [ClueAction] {
        var actions: [ClueAction] = []
        if state == .confResponse, let pending = pendingConfigure {
            actions.append(.send(configureResponse(
                to: pending, status: ClueProtocolError.advertisementExpired(pending.advertisementSequenceNumber)
                    .responseStatus)))
        }
        pendingConfigure = nil
        state = .adv
        return actions
    }

    /// "advertisement sent": ADV to WAIT FOR ACK. Outside ADV a new advertisement means the settings changed, so
    /// `telepresenceSettingsChanged()` runs first; the application can simply advertise whenever its offer changes.
    public mutating func sendAdvertisement(_ advertisement: Advertisement, extensions: MessageExtensions = .none)
        -> [ClueAction] {
        var actions = state == .adv ? [] : telepresenceSettingsChanged()
        let header = context.header(sequenceNumber: outgoing.take())
        actions.append(.send(.advertisement(AdvertisementMessage(
            header: header, advertisement: advertisement, extensions: extensions))))
        latestAdvertisementSequenceNumber = header.sequenceNumber
        state = .waitForAck
        return actions
    }

    /// "successful configureResponse sent": CONF RESPONSE to ESTABLISHED.
    public mutating func acceptConfigure(extensions: MessageExtensions = .none) throws(ClueStateError)
        -> [ClueAction] {
        guard state == .confResponse, let pending = pendingConfigure else {
            throw .notAllowed(event: "successful configureResponse sent", state: state.rawValue)
        }
        let response = configureResponse(to: pending, status: ResponseCode.success.status, extensions: extensions)
        establishedConfigure = pending
        pendingConfigure = nil
        state = .established
        return [.send(response)]
    }

    /// "error configureResponse sent": CONF RESPONSE back to WAIT FOR CONF. Section 5.6: "There is no partial
    /// execution of commands", so one bad capture encoding fails the whole configure.
    public mutating func rejectConfigure(_ error: ClueProtocolError, extensions: MessageExtensions = .none)
        throws(ClueStateError) -> [ClueAction] {
        guard state == .confResponse, let pending = pendingConfigure else {
            throw .notAllowed(event: "error configureResponse sent", state: state.rawValue)
        }
        let response = configureResponse(to: pending, status: error.responseStatus, extensions: extensions)
        pendingConfigure = nil
        state = .waitForConf
        return [.send(response)]
    }

    // MARK: Messages from the Media Consumer

    /// An `ack` arrived. In WAIT FOR ACK a success moves to WAIT FOR CONF ("ack received") and an error code, a
    /// NACK, back to ADV ("NACK received"). An ack for an older advertisement is out of date and ignored like an
    /// out-of-date configure+ack (section 6.1); everywhere else acks are "not shown" and ignored.
    public mutating func ackReceived(_ ack: AckMessage) -> [ClueAction] {
        let message = ClueMessage.ack(ack)
        do {
            try incoming.accept(ack.header.sequenceNumber)
            try context.check(ack.header)
        } catch {
            return [.deliver(.messageIgnored(message, error))]
        }
        guard state == .waitForAck, let latest = latestAdvertisementSequenceNumber else {
            return [.deliver(.messageIgnored(message, .semantic("ack not expected in \(state.rawValue)")))]
        }
        guard ack.advertisementSequenceNumber == latest else {
            let error: ClueProtocolError = ack.advertisementSequenceNumber < latest
                ? .advertisementExpired(ack.advertisementSequenceNumber)
                : .invalidValue("advertisement \(ack.advertisementSequenceNumber) was never sent")
            return [.deliver(.messageIgnored(message, error))]
        }
        if ack.status.responseClass == .success {
            state = .waitForConf
            return [.deliver(.advertisementAcknowledged(ack))]
        }
        state = .adv
        return [.deliver(.advertisementRejected(ack))]
    }

    /// A `configure` arrived: "configure received" in WAIT FOR CONF and ESTABLISHED, "configure+ack received" in
    /// WAIT FOR ACK, each to CONF RESPONSE. Every configure that does not get there is answered with an error:
    /// - one referring to an advertisement older than the latest is "out-of-date" and "MUST be ignored", i.e. it
    ///   causes no transition (section 6.1); it is answered 404, the code Table 1 defines for exactly this;
    /// - in ADV the latest advertisement has been withdrawn (settings changed, or NACKed): 404 as well;
    /// - a plain configure (no `<ack>`) in WAIT FOR ACK refers to an advertisement that was never acknowledged: 400;
    /// - a second configure while one is in CONF RESPONSE: 400.
    /// An `<ack>` on a configure for an already acknowledged advertisement breaks section 5.5's "MUST NOT be present",
    /// but it only repeats a success; we accept it (liberal in what we receive).
    public mutating func configureReceived(_ configure: ConfigureMessage) -> [ClueAction] {
        do {
            try incoming.accept(configure.header.sequenceNumber)
            try context.check(configure.header)
        } catch {
            return reject(configure, error)
        }
        if let ack = configure.ack, ResponseClass(code: ack) != .success {
            return reject(configure, .invalidValue("<ack> \(ack) is not a success code"))
        }
        guard let latest = latestAdvertisementSequenceNumber else {
            return reject(configure, .semantic("no advertisement has been sent"))
        }
        let referred = configure.advertisementSequenceNumber
        guard referred <= latest else {
            return reject(configure, .invalidValue("advertisement \(referred) was never sent"))
        }
        switch state {
        case .adv:
            return reject(configure, .advertisementExpired(referred))
        case .waitForAck, .waitForConf, .established:
            guard referred == latest else { return reject(configure, .advertisementExpired(referred)) }
            if state == .waitForAck, configure.ack == nil {
                return reject(configure, .semantic("configure without <ack> for an unacknowledged advertisement"))
            }
            pendingConfigure = configure
            state = .confResponse
            return [.deliver(.configureReceived(configure))]
        case .confResponse:
            return reject(configure, .semantic("configure while the previous configure is being processed"))
        }
    }

    // MARK: Building messages

    private mutating func reject(_ configure: ConfigureMessage, _ error: ClueProtocolError) -> [ClueAction] {
        [.send(configureResponse(to: configure, status: error.responseStatus)),
         .deliver(.messageRejected(.configure(configure), error))]
    }

    private mutating func configureResponse(to configure: ConfigureMessage, status: ResponseStatus,
                                            extensions: MessageExtensions = .none) -> ClueMessage {
        .configureResponse(ConfigureResponseMessage(
            header: context.header(sequenceNumber: outgoing.take()), status: status,
            configureSequenceNumber: configure.header.sequenceNumber, extensions: extensions))
    }
}

extension MediaProviderStateMachine {
    /// A `configure` arrived that could not be read (section 5.7: malformed XML, schema violations, bad values). It
    /// is answered with the error so that the consumer is not left waiting, and, being unusable, changes no state.
    /// `sequenceNumber` is the configure's own `sequenceNr` as far as it could be made out.
    public mutating func unreadableConfigureReceived(sequenceNumber: UInt64, error: ClueProtocolError)
        -> [ClueAction] {
        [.send(.configureResponse(ConfigureResponseMessage(
            header: context.header(sequenceNumber: outgoing.take()), status: error.responseStatus,
            configureSequenceNumber: sequenceNumber)))]
    }
}
