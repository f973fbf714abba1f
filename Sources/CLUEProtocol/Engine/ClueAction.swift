/// What a CLUE state machine asks its driver to do after an event. The machines never send, sleep or read a clock;
/// the driver carries these out in order.
public enum ClueAction: Sendable, Hashable {
    /// Serialize and send this message on the CLUE data channel.
    case send(ClueMessage)
    /// Call `timerFired(now:)` once `deadline` has passed; replaces any timer armed before.
    case armTimer(deadline: ContinuousClock.Instant)
    /// Forget the armed timer.
    case cancelTimer
    /// Hand this to the application (the conference or the endpoint logic).
    case deliver(ClueEvent)
    /// The CLUE session is over (the participant is back in IDLE): close the data channel if it is still open and
    /// drop everything learned from this peer.
    case terminate(ClueTermination)
}

/// What the application learns from the CLUE machines.
public enum ClueEvent: Sendable, Hashable {
    /// The initiation phase succeeded (section 6, "OPTIONS phase success"); the MP and MC machines that
    /// `runsMediaProvider` / `runsMediaConsumer` name are running.
    case negotiated(NegotiatedOptions)

    /// Media Consumer: an advertisement to process (ADV PROCESSING). Answer with `sendAck`, `sendNack` or
    /// `sendConfigure` (a configure+ack).
    case advertisementReceived(AdvertisementMessage)
    /// Media Consumer: our configure succeeded (ESTABLISHED).
    case configureAccepted(ConfigureResponseMessage)
    /// Media Consumer: our configure failed (back in CONF to prepare another).
    case configureRejected(ConfigureResponseMessage)

    /// Media Provider: the consumer acknowledged our latest advertisement (WAIT FOR CONF).
    case advertisementAcknowledged(AckMessage)
    /// Media Provider: a NACK (back in ADV); prepare and send a new advertisement.
    case advertisementRejected(AckMessage)
    /// Media Provider: a configure (or configure+ack) to process (CONF RESPONSE). Answer with `acceptConfigure` or
    /// `rejectConfigure`.
    case configureReceived(ConfigureMessage)

    /// A received request was refused; the error response is in the `.send` action before this one.
    case messageRejected(ClueMessage, ClueProtocolError)
    /// A received message was dropped without an answer: a response cannot be answered, and "messages not shown for
    /// a state do not cause the state to change" (sections 6.1, 6.2).
    case messageIgnored(ClueMessage, ClueProtocolError)
}

/// Why a participant went back to IDLE (RFC 8847 section 6, Figure 9).
public enum ClueTermination: Sendable, Hashable {
    /// "channel error".
    case channelError
    /// "session ends": the SDP negotiation removed the CLUE data channel.
    case sessionEnded
    /// "OPTIONS phase failure" by timeout: the Channel Initiator got no `optionsResponse`, or the Channel Receiver
    /// no `options`.
    case optionsTimeout
    /// "OPTIONS phase failure": the Channel Initiator received an `optionsResponse` with an error code.
    case optionsRejected(ResponseStatus)
    /// "OPTIONS phase failure" found by us: as Channel Receiver we answered `options` with an error (e.g. 401), or as
    /// Channel Initiator the successful `optionsResponse` was unusable.
    case optionsFailed(ClueProtocolError)
}

/// The application asked for something the current state does not allow (e.g. a configure while waiting for the
/// configureResponse of the previous one). Nothing was sent and the state did not change.
public enum ClueStateError: Error, Sendable, Hashable {
    /// `event` is not a transition out of `state` in Figures 9-11.
    case notAllowed(event: String, state: String)
    /// The participant is not ACTIVE, or the initiation phase did not give us this role.
    case roleNotActive(ClueRole)
}

/// What an MP-MC dialogue needs from the initiation phase to fill in and check message headers.
public struct DialogueContext: Sendable, Hashable {
    /// The negotiated version, put in `v` of everything we send (section 5.2).
    public var version: ProtocolVersion
    /// Our `clueId`, if we use one.
    public var localClueID: String?
    /// The `clueId` the peer introduced itself with in the initiation phase, if any.
    public var peerClueID: String?

    public init(version: ProtocolVersion, localClueID: String? = nil, peerClueID: String? = nil) {
        self.version = version
        self.localClueID = localClueID
        self.peerClueID = peerClueID
    }

    func header(sequenceNumber: UInt64) -> MessageHeader {
        MessageHeader(clueID: localClueID, sequenceNumber: sequenceNumber, version: version)
    }

    /// Checks what the header says beyond the sequence number.
    ///
    /// - `v`: another major version is 401 (majors do not interoperate, section 7). Another minor is accepted:
    ///   minors are backward and forward compatible and "CPs MUST ignore unknown elements" (section 7).
    /// - `clueId`: the RFC does not say when a `clueId` is "invalid or unknown" (403). We decide: once the peer named
    ///   itself in `options`/`optionsResponse`, a different `clueId` is 403; an absent one is fine (it is optional).
    func check(_ header: MessageHeader) throws(ClueProtocolError) {
        guard header.version.major == version.major else { throw .versionNotSupported }
        if let expected = peerClueID, let received = header.clueID, received != expected {
            throw .invalidIdentifier
        }
    }
}
