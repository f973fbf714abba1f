/// The independent sequence number streams of one CLUE Participant (RFC 8847 section 5): "(i) one for the messages
/// sent in the initiation phase, (ii) one for the messages sent as an MP (if it is acting as an MP), and (iii) one
/// for the messages sent as an MC (if it is acting as an MC)."
public enum SequenceStream: Sendable, Hashable {
    case initiation
    case mediaProvider
    case mediaConsumer
}

extension ClueMessage {
    /// The sender's stream this message's `sequenceNr` was drawn from, and so the incoming stream the receiver checks
    /// it against:
    /// - `options` and `optionsResponse` are the initiation phase (section 5, stream (i)).
    /// - `advertisement` and `configureResponse` are sent only by a Media Provider (sections 5.3, 5.6), stream (ii).
    /// - `ack` and `configure` are sent only by a Media Consumer (sections 5.4, 5.5), stream (iii).
    /// The example of section 10 shows this split: CP1 numbers advertisement 11, configureResponse 12, advertisement
    /// 13, configureResponse 14 from one stream, while CP2 numbers configure+ack 22, ack 23, configure 24 from another.
    public var sequenceStream: SequenceStream {
        switch self {
        case .options, .optionsResponse: .initiation
        case .advertisement, .configureResponse: .mediaProvider
        case .ack, .configure: .mediaConsumer
        }
    }
}

/// The numbers we put in `sequenceNr` on one of our streams. Section 5: "The sender MUST increment the sequence number
/// by one for each new message sent" and "The initial sequence number can be chosen randomly by each party" - the
/// caller chooses it; the core draws no random numbers.
public struct OutgoingSequenceNumbers: Sendable, Hashable {
    /// The number the next message gets.
    public private(set) var next: UInt64

    /// `first` must be a valid `xs:positiveInteger` (at least 1). Starting at or below `UInt64.max / 2` leaves more
    /// numbers than any session can use, so `take()` never overflows.
    public init(startingAt first: UInt64) {
        precondition(first >= 1, "sequenceNr is an xs:positiveInteger")
        next = first
    }

    /// The number for the message being sent now.
    public mutating func take() -> UInt64 {
        precondition(next < UInt64.max, "sequence number stream exhausted; start streams lower")
        defer { next += 1 }
        return next
    }
}

/// What we remember about one of the peer's streams. Section 5: "the receiver MUST remember the most recent sequence
/// number received and send back a 402 error if it receives a message with an unexpected sequence number (e.g.,
/// sequence number gap, repeated sequence number, sequence number too small)."
public struct IncomingSequenceNumbers: Sendable, Hashable {
    /// The last number accepted on this stream; nil before the first message.
    public private(set) var lastReceived: UInt64?

    public init() {}

    /// Checks `sequenceNumber` and remembers it when it is the expected one.
    ///
    /// The first message of a stream may carry any number (the sender chose it at random). After that only
    /// `last + 1` is right. The RFC does not say what a rejected number does to the remembered one; we decide:
    /// - a repeat or a smaller number is refused and forgotten, so a stale message cannot move the stream backwards;
    /// - a gap is refused but becomes the new last number. The channel is reliable and ordered, so a gap means the
    ///   sender skipped numbers; refusing every later message too would wedge the session for one lost number.
    public mutating func accept(_ sequenceNumber: UInt64) throws(ClueProtocolError) {
        guard let last = lastReceived else {
            lastReceived = sequenceNumber
            return
        }
        let expected = last &+ 1
        guard sequenceNumber == expected else {
            if sequenceNumber > expected { lastReceived = sequenceNumber }
            throw .invalidSequencing(expected: expected, got: sequenceNumber)
        }
        lastReceived = sequenceNumber
    }
}

/// The first number of each of our three streams, chosen by the caller (section 5).
public struct InitialSequenceNumbers: Sendable, Hashable {
    public var initiation: UInt64
    public var mediaProvider: UInt64
    public var mediaConsumer: UInt64

    public init(initiation: UInt64, mediaProvider: UInt64, mediaConsumer: UInt64) {
        self.initiation = initiation
        self.mediaProvider = mediaProvider
        self.mediaConsumer = mediaConsumer
    }

    /// Random starting points for a driver. The generator is the caller's, so the protocol core stays deterministic;
    /// the range keeps numbers short on the wire and far from overflow.
    public static func random(using generator: inout some RandomNumberGenerator) -> InitialSequenceNumbers {
        let range: ClosedRange<UInt64> = 1...UInt64(UInt32.max)
        return InitialSequenceNumbers(initiation: .random(in: range, using: &generator),
                                      mediaProvider: .random(in: range, using: &generator),
                                      mediaConsumer: .random(in: range, using: &generator))
    }
}
