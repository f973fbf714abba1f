/// The INVITE server transaction (RFC 3261 section 17.2.1, Figure 7, with the Accepted state of RFC 6026).
///
/// ```
///            INVITE / pass to TU, send 100
///   Proceeding --1xx from TU: send--> Proceeding
///   Proceeding --2xx from TU: send--> Accepted   (Timer L; INVITE retransmissions absorbed, ACKs to the TU,
///                                                 2xx retransmissions from the TU sent)
///   Proceeding --300-699 from TU: send--> Completed (Timer G retransmits unreliably, Timer H gives up)
///   Completed --ACK--> Confirmed (Timer I absorbs ACK retransmissions) --Timer I--> Terminated
/// ```
struct ServerInviteTransaction: Sendable {
    enum State: Sendable, Hashable { case proceeding, completed, confirmed, accepted, terminated }

    let id: TransactionID
    let request: SIPRequest
    /// Where responses go (RFC 3261 section 18.2.2), fixed when the transaction starts.
    let destination: SIPHop
    let timers: TransactionTimers
    private(set) var state: State = .proceeding
    /// The last response sent, sent again when the INVITE is retransmitted (Proceeding) or Timer G fires.
    private var lastResponse: [UInt8]?
    /// The To tag of the final response: an RFC 2543 ACK must carry it to match (section 17.2.3).
    private(set) var finalResponseToTag: String?
    /// The To tag of the latest response with one: a 487 after CANCEL and the 200 to the CANCEL reuse it
    /// (section 9.2), so they stay in the early dialog the TU may have created.
    private(set) var responseToTag: String?
    private var timerG: RetransmitTimer?
    private var timerH: ContinuousClock.Instant?
    private var timerI: ContinuousClock.Instant?
    private var timerL: ContinuousClock.Instant?

    init(id: TransactionID, request: SIPRequest, destination: SIPHop, timers: TransactionTimers) {
        self.id = id
        self.request = request
        self.destination = destination
        self.timers = timers
    }

    var nextDeadline: ContinuousClock.Instant? { .earliest(timerG?.deadline, timerH, timerI, timerL) }

    var hasFinalResponse: Bool { state != .proceeding }

    private var reliable: Bool { destination.isReliable }

    private func send(_ bytes: [UInt8]) -> TransactionAction { .send(SIPOutbound(bytes: bytes, hop: destination)) }

    /// The INVITE again: Proceeding and Completed send the last response again; Confirmed and Accepted absorb it.
    func receivedRetransmission() -> [TransactionAction] {
        switch state {
        case .proceeding, .completed:
            return lastResponse.map { [send($0)] } ?? []
        case .confirmed, .accepted, .terminated:
            return []
        }
    }

    mutating func receivedACK(_ ack: SIPRequest, source: SIPHop, now: ContinuousClock.Instant) -> [TransactionAction] {
        switch state {
        case .completed:
            timerG = nil
            timerH = nil
            if reliable {
                state = .terminated
            } else {
                state = .confirmed
                timerI = now + timers.t4
            }
            return []
        case .accepted:
            // RFC 6026 section 7.1: an ACK matching the transaction in Accepted goes to the TU.
            return [.request(ack, transaction: nil, source: source)]
        case .proceeding, .confirmed, .terminated:
            return []
        }
    }

    /// A response from the TU. Responses that the state does not allow are ignored (false).
    mutating func send(_ response: SIPResponse, now: ContinuousClock.Instant) -> (sent: Bool, [TransactionAction]) {
        switch state {
        case .proceeding:
            let bytes = response.serialized()
            lastResponse = bytes
            if let tag = response.to?.tag { responseToTag = tag }
            if response.isProvisional {
                return (true, [send(bytes)])
            }
            finalResponseToTag = response.to?.tag
            if response.isSuccess {
                state = .accepted
                timerL = now + timers.transactionTimeout
            } else {
                state = .completed
                if !reliable { timerG = RetransmitTimer(deadline: now + timers.t1, interval: timers.t1) }
                timerH = now + timers.transactionTimeout
            }
            return (true, [send(bytes)])
        case .accepted where response.isSuccess:
            // The TU retransmits its 2xx (RFC 3261 section 13.3.1.4) through the transaction while it lasts.
            return (true, [send(response.serialized())])
        default:
            return (false, [])
        }
    }

    mutating func fire(now: ContinuousClock.Instant) -> [TransactionAction] {
        var actions: [TransactionAction] = []
        if let h = timerH, h <= now {
            // No ACK came: inform the TU (RFC 3261 section 17.2.1).
            timerG = nil
            timerH = nil
            state = .terminated
            return [.timedOut(id)]
        }
        if let g = timerG, g.deadline <= now, let lastResponse {
            actions.append(send(lastResponse))
            let interval = min(g.interval * 2, timers.t2)
            timerG = RetransmitTimer(deadline: now + interval, interval: interval)
        }
        if let i = timerI, i <= now {
            timerI = nil
            state = .terminated
        }
        if let l = timerL, l <= now {
            timerL = nil
            state = .terminated
        }
        return actions
    }
}

/// The non-INVITE server transaction (RFC 3261 section 17.2.2, Figure 8).
///
/// ```
///   Trying --1xx from TU--> Proceeding --final from TU--> Completed --Timer J--> Terminated
///   Trying --final from TU--> Completed
///   request retransmission: Trying absorbs, Proceeding and Completed send the last response again
/// ```
struct ServerNonInviteTransaction: Sendable {
    enum State: Sendable, Hashable { case trying, proceeding, completed, terminated }

    let id: TransactionID
    let request: SIPRequest
    let destination: SIPHop
    let timers: TransactionTimers
    private(set) var state: State = .trying
    private var lastResponse: [UInt8]?
    private var timerJ: ContinuousClock.Instant?

    init(id: TransactionID, request: SIPRequest, destination: SIPHop, timers: TransactionTimers) {
        self.id = id
        self.request = request
        self.destination = destination
        self.timers = timers
    }

    var nextDeadline: ContinuousClock.Instant? { timerJ }

    var hasFinalResponse: Bool { state == .completed || state == .terminated }

    private func send(_ bytes: [UInt8]) -> TransactionAction { .send(SIPOutbound(bytes: bytes, hop: destination)) }

    func receivedRetransmission() -> [TransactionAction] {
        switch state {
        case .proceeding, .completed:
            return lastResponse.map { [send($0)] } ?? []
        case .trying, .terminated:
            return []
        }
    }

    mutating func send(_ response: SIPResponse, now: ContinuousClock.Instant) -> (sent: Bool, [TransactionAction]) {
        guard state == .trying || state == .proceeding else { return (false, []) }
        let bytes = response.serialized()
        lastResponse = bytes
        if response.isProvisional {
            state = .proceeding
        } else if destination.isReliable {
            state = .terminated
        } else {
            state = .completed
            timerJ = now + timers.transactionTimeout
        }
        return (true, [send(bytes)])
    }

    mutating func fire(now: ContinuousClock.Instant) -> [TransactionAction] {
        if let j = timerJ, j <= now {
            timerJ = nil
            state = .terminated
        }
        return []
    }
}
