import CLUEModel

/// The Media Consumer's side of one MP-MC dialogue (RFC 8847 section 6.2, Figure 11).
///
/// The application reads each advertisement and decides what to configure; this machine decides when an ack, NACK
/// or configure may go out, numbers them on our MC stream, fills in `advSequenceNr` and `<ack>`, and checks what the
/// provider sends (its `advertisement` and `configureResponse`, numbered on the peer's MP stream).
///
/// "Messages not shown for a state do not cause the state to change" (section 6.2). An advertisement is shown for
/// every state but ADV PROCESSING; a configureResponse only for WAIT FOR CONF RESPONSE. A configureResponse cannot
/// be answered, so one that is not shown is reported as ignored.
public struct MediaConsumerStateMachine: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        case waitForAdv = "WAIT FOR ADV"
        case advProcessing = "ADV PROCESSING"
        case conf = "CONF"
        case waitForConfResponse = "WAIT FOR CONF RESPONSE"
        case established = "ESTABLISHED"
    }

    /// "As soon as the sub-state machine of the MC is activated, it is in the WAIT FOR ADV state."
    public private(set) var state: State = .waitForAdv
    public private(set) var context: DialogueContext
    private var outgoing: OutgoingSequenceNumbers
    /// The peer's MP stream: `advertisement` and `configureResponse`.
    private var incoming = IncomingSequenceNumbers()

    /// The advertisement being processed in ADV PROCESSING.
    public private(set) var advertisementInProcessing: AdvertisementMessage?
    /// The latest advertisement we acknowledged (by ack or configure+ack): what a configure refers to (section 6.2,
    /// "on the basis of the previously acked 'advertisement'").
    public private(set) var acknowledgedAdvertisement: AdvertisementMessage?
    /// The configure waiting for its configureResponse.
    public private(set) var pendingConfigure: ConfigureMessage?
    /// The last configure the provider accepted: the CLUE-controlled streams in ESTABLISHED.
    public private(set) var establishedConfigure: ConfigureMessage?

    public init(context: DialogueContext, firstSequenceNumber: UInt64) {
        self.context = context
        outgoing = OutgoingSequenceNumbers(startingAt: firstSequenceNumber)
    }

    /// The number our next message (ack or configure) will carry.
    public var nextSequenceNumber: UInt64 { outgoing.next }

    // MARK: Messages from the Media Provider

    /// An `advertisement` arrived: "advertisement received", to ADV PROCESSING from every other state, including
    /// WAIT FOR CONF RESPONSE (the provider re-advertised while our configure was on its way; its response, when it
    /// comes, is no longer awaited).
    ///
    /// In ADV PROCESSING Figure 11 shows no advertisement arrow, so the state stays; but "a new 'advertisement'
    /// completely replaces the previous" (section 5.3), so the new one becomes the one in processing and is
    /// delivered again. The answer the application gives next refers to it; the provider would ignore one for the
    /// older advertisement anyway.
    ///
    /// An advertisement with a bad sequence number, version or clueId is answered with a NACK carrying that code.
    /// That NACK is not Figure 11's "NACK sent" (the advertisement never reached ADV PROCESSING), so the state stays.
    public mutating func advertisementReceived(_ advertisement: AdvertisementMessage) -> [ClueAction] {
        do {
            try incoming.accept(advertisement.header.sequenceNumber)
            try context.check(advertisement.header)
        } catch {
            return [.send(ack(advertisement.header.sequenceNumber, status: error.responseStatus)),
                    .deliver(.messageRejected(.advertisement(advertisement), error))]
        }
        advertisementInProcessing = advertisement
        pendingConfigure = nil
        state = .advProcessing
        return [.deliver(.advertisementReceived(advertisement))]
    }

    /// A `configureResponse` arrived. In WAIT FOR CONF RESPONSE, for our pending configure: success to ESTABLISHED,
    /// error back to CONF. Anything else is ignored; in particular a late response to a configure that a
    /// re-advertisement overtook.
    public mutating func configureResponseReceived(_ response: ConfigureResponseMessage) -> [ClueAction] {
        let message = ClueMessage.configureResponse(response)
        do {
            try incoming.accept(response.header.sequenceNumber)
            try context.check(response.header)
        } catch {
            return [.deliver(.messageIgnored(message, error))]
        }
        guard state == .waitForConfResponse, let pending = pendingConfigure else {
            return [.deliver(.messageIgnored(
                message, .semantic("configureResponse not expected in \(state.rawValue)")))]
        }
        guard response.configureSequenceNumber == pending.header.sequenceNumber else {
            return [.deliver(.messageIgnored(message, .invalidValue(
                "configureResponse to configure \(response.configureSequenceNumber), "
                    + "awaiting \(pending.header.sequenceNumber)")))]
        }
        pendingConfigure = nil
        if response.status.responseClass == .success {
            establishedConfigure = pending
            state = .established
            return [.deliver(.configureAccepted(response))]
        }
        state = .conf
        return [.deliver(.configureRejected(response))]
    }

    // MARK: Application events

    /// "ack sent": ADV PROCESSING to CONF, when the configure needs more time.
    public mutating func sendAck(extensions: MessageExtensions = .none) throws(ClueStateError) -> [ClueAction] {
        guard state == .advProcessing, let advertisement = advertisementInProcessing else {
            throw .notAllowed(event: "ack sent", state: state.rawValue)
        }
        let message = ack(advertisement.header.sequenceNumber, status: ResponseCode.success.status,
                          extensions: extensions)
        acknowledgedAdvertisement = advertisement
        advertisementInProcessing = nil
        state = .conf
        return [.send(message)]
    }

    /// "NACK sent": ADV PROCESSING back to WAIT FOR ADV, when the advertisement could not be processed (section 6.2:
    /// "bad syntax, missing XML elements, etc.").
    public mutating func sendNack(_ error: ClueProtocolError, extensions: MessageExtensions = .none)
        throws(ClueStateError) -> [ClueAction] {
        guard state == .advProcessing, let advertisement = advertisementInProcessing else {
            throw .notAllowed(event: "NACK sent", state: state.rawValue)
        }
        let message = ack(advertisement.header.sequenceNumber, status: error.responseStatus, extensions: extensions)
        advertisementInProcessing = nil
        state = .waitForAdv
        return [.send(message)]
    }

    /// "configure+ack sent" from ADV PROCESSING, or "configure sent" from CONF and ESTABLISHED; each to WAIT FOR CONF
    /// RESPONSE. The machine fills in `advSequenceNr` and `<ack>` (section 5.5): from ADV PROCESSING the configure
    /// refers to the advertisement in processing and carries `<ack>200</ack>`; otherwise it refers to the latest
    /// acknowledged advertisement and has no `<ack>`, which "MUST NOT be present if an 'ack' message ... has already
    /// been sent". `captureEncodings` nil asks for nothing.
    public mutating func sendConfigure(captureEncodings: [CaptureEncoding]?, extensions: MessageExtensions = .none)
        throws(ClueStateError) -> [ClueAction] {
        let advertisement: AdvertisementMessage
        let ack: UInt16?
        switch state {
        case .advProcessing:
            guard let inProcessing = advertisementInProcessing else {
                throw .notAllowed(event: "configure+ack sent", state: state.rawValue)
            }
            advertisement = inProcessing
            ack = ResponseCode.success.rawValue
        case .conf, .established:
            guard let acknowledged = acknowledgedAdvertisement else {
                throw .notAllowed(event: "configure sent", state: state.rawValue)
            }
            advertisement = acknowledged
            ack = nil
        case .waitForAdv, .waitForConfResponse:
            throw .notAllowed(event: "configure sent", state: state.rawValue)
        }
        let configure = ConfigureMessage(
            header: context.header(sequenceNumber: outgoing.take()),
            advertisementSequenceNumber: advertisement.header.sequenceNumber, ack: ack,
            captureEncodings: captureEncodings, extensions: extensions)
        acknowledgedAdvertisement = advertisement
        advertisementInProcessing = nil
        pendingConfigure = configure
        state = .waitForConfResponse
        return [.send(.configure(configure))]
    }

    private mutating func ack(_ advertisementSequenceNumber: UInt64, status: ResponseStatus,
                              extensions: MessageExtensions = .none) -> ClueMessage {
        .ack(AckMessage(header: context.header(sequenceNumber: outgoing.take()), status: status,
                        advertisementSequenceNumber: advertisementSequenceNumber, extensions: extensions))
    }
}

extension MediaConsumerStateMachine {
    /// An `advertisement` arrived that could not be read: it is NACKed with the error (section 6.2, "bad syntax,
    /// missing XML elements, etc.") and changes no state; the provider will send another.
    public mutating func unreadableAdvertisementReceived(sequenceNumber: UInt64, error: ClueProtocolError)
        -> [ClueAction] {
        [.send(ack(sequenceNumber, status: error.responseStatus))]
    }
}
