/// What happened on an association during one call.
public enum SCTPEvent: Equatable, Sendable {
    /// The association is up (SCTP_COMM_UP).
    case connected
    /// A complete user message. Empty messages (PPID 56 and 57 on the wire, RFC 8831 section 6.6) arrive as empty
    /// `data` with the PPID of their kind: 56 becomes 51 (string), 57 becomes 53 (binary).
    case message(stream: UInt16, ppid: UInt32, data: [UInt8])
    /// The peer reset these of its outgoing streams, our incoming ones (RFC 6525). RFC 8831 section 6.7: the
    /// channel on that stream is closing; the owner resets its own outgoing side with `resetStreams`.
    case streamsReset([UInt16])
    /// The association ended: shutdown, abort (by either side) or lost contact. Reported once.
    case closed(reason: String)
    /// The peer broke a rule this side enforces; for the CLUE stream RFC 8850 section 3.2.3 says to terminate the
    /// session. The offending message or packet was dropped.
    case protocolViolation(String)
}

/// What the owner must do after a call: send `packets` (each one SCTP packet, in order) through DTLS, and handle
/// `events` in order.
public struct SCTPOutput: Equatable, Sendable {
    public var packets: [[UInt8]]
    public var events: [SCTPEvent]

    public init(packets: [[UInt8]] = [], events: [SCTPEvent] = []) {
        self.packets = packets
        self.events = events
    }

    public var isEmpty: Bool { packets.isEmpty && events.isEmpty }
}

/// Why an association refused a call; `errno` values are usrsctp's.
public enum SCTPError: Error, Equatable, Sendable {
    case invalidConfiguration(String)
    /// A usrsctp call failed while setting up the association.
    case setupFailed(operation: String, errno: Int32)
    /// The message is larger than the peer's `a=max-message-size`.
    case messageTooLarge(size: Int, limit: Int)
    /// An empty message needs a PPID with an empty form (51 or 53).
    case emptyMessageNotRepresentable(ppid: UInt32)
    case invalidStream(UInt16)
    /// `start()` was not called (nor a packet received) yet.
    case notStarted
    /// The association is closed (by `close()`, the peer, or lost contact).
    case closed
    /// The send buffer is full: retry once the peer has acknowledged data.
    case wouldBlock
    case sendFailed(errno: Int32)
}

extension SCTPEvent: CustomStringConvertible {
    /// Messages print their size, not their bytes, so logs and test failures stay readable.
    public var description: String {
        switch self {
        case .connected: "connected"
        case .message(let stream, let ppid, let data): "message(stream: \(stream), ppid: \(ppid), \(data.count) bytes)"
        case .streamsReset(let streams): "streamsReset(\(streams))"
        case .closed(let reason): "closed(\(reason))"
        case .protocolViolation(let reason): "protocolViolation(\(reason))"
        }
    }
}
