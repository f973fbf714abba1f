/// Turns what usrsctp delivers (pieces of user messages and notifications) into `SCTPEvent`s: reassembles messages
/// up to `maximumMessageSize`, applies the CLUE channel rules of RFC 8850 section 3.2, maps the empty-message PPIDs,
/// and reports the end of the association once. A pure value: the association runs it under its registry lock.
struct InboundMessageAssembler: Sendable {
    let maximumMessageSize: Int
    let clueStream: UInt16?
    /// Messages whose first pieces arrived (partial delivery), by stream. The socket is set to fragment interleave
    /// level 0, so usrsctp has at most one partial message in flight per association.
    private var partial: [UInt16: PartialMessage] = [:]
    private(set) var isClosed = false

    private struct PartialMessage {
        var ppid: UInt32
        var unordered: Bool
        var bytes: [UInt8] = []
        /// The message crossed the size limit: its remaining pieces are dropped until its end.
        var oversized = false
    }

    init(maximumMessageSize: Int, clueStream: UInt16?) {
        self.maximumMessageSize = maximumMessageSize
        self.clueStream = clueStream
    }

    /// One piece of a user message; `endOfMessage` is usrsctp's MSG_EOR.
    mutating func receiveData(_ piece: UnsafeRawBufferPointer, stream: UInt16, ppid: UInt32, unordered: Bool,
                              endOfMessage: Bool, into events: inout [SCTPEvent]) {
        var message = partial.removeValue(forKey: stream) ?? PartialMessage(ppid: ppid, unordered: unordered)
        if !message.oversized {
            if message.bytes.count + piece.count > maximumMessageSize {
                message.oversized = true
                message.bytes = []
                events.append(.protocolViolation(
                    "inbound message on stream \(stream) exceeds max-message-size \(maximumMessageSize); dropped"))
            } else {
                message.bytes.append(contentsOf: piece)
            }
        }
        guard endOfMessage else {
            partial[stream] = message
            return
        }
        guard !message.oversized else { return }
        deliver(message, stream: stream, into: &events)
    }

    private func deliver(_ message: PartialMessage, stream: UInt16, into events: inout [SCTPEvent]) {
        var ppid = message.ppid
        var data = message.bytes
        if let kind = PayloadProtocolIdentifier.kind(ofEmpty: ppid) {
            // RFC 8831 section 6.6: the one byte that stands for an empty message is ignored.
            ppid = kind
            data = []
        }
        if stream == clueStream {
            if message.unordered {
                events.append(.protocolViolation(
                    "unordered message on the CLUE stream \(stream) (RFC 8850 section 3.2.4 requires ordered delivery)"))
                return
            }
            if ppid != PayloadProtocolIdentifier.string {
                events.append(.protocolViolation(
                    "PPID \(message.ppid) on the CLUE stream \(stream) (RFC 8850 section 3.2.2 requires 51)"))
                return
            }
        }
        events.append(.message(stream: stream, ppid: ppid, data: data))
    }

    /// A usrsctp notification (`union sctp_notification`).
    mutating func receiveNotification(_ bytes: UnsafeRawBufferPointer, into events: inout [SCTPEvent]) {
        guard let notification = SCTPNotification(bytes) else { return }
        switch notification {
        case .associationUp:
            events.append(.connected)
        case .associationEnded(let reason), .peerShutdown(let reason):
            if !isClosed {
                isClosed = true
                partial = [:]
                events.append(.closed(reason: reason))
            }
        case .incomingStreamsReset(let streams):
            for stream in streams { partial[stream] = nil }
            if streams.isEmpty { partial = [:] }
            events.append(.streamsReset(streams))
        case .partialDeliveryAborted(let stream):
            partial[stream] = nil
        }
    }

    /// Marks the association ended by this side; returns whether that is news.
    mutating func closeLocally() -> Bool {
        defer { isClosed = true; partial = [:] }
        return !isClosed
    }
}
