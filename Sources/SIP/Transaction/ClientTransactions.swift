/// The INVITE client transaction (RFC 3261 section 17.1.1, Figure 5, with the Accepted state of RFC 6026).
///
/// ```
///   Calling --Timer A: resend (doubling)--> Calling;  Timer B --> Terminated (timeout)
///   Calling/Proceeding --1xx--> Proceeding (to TU)
///   Calling/Proceeding --2xx--> Accepted (to TU; Timer M; further 2xx to TU)
///   Calling/Proceeding --300-699--> Completed (ACK sent, to TU; Timer D absorbs retransmissions, re-ACKing)
/// ```
struct ClientInviteTransaction: Sendable {
    enum State: Sendable, Hashable { case calling, proceeding, completed, accepted, terminated }

    let id: TransactionID
    /// The INVITE as sent, top Via included.
    let request: SIPRequest
    let hop: SIPHop
    let timers: TransactionTimers
    private let bytes: [UInt8]
    private(set) var state: State = .calling
    private var ack: [UInt8]?
    private var timerA: RetransmitTimer?
    private var timerB: ContinuousClock.Instant?
    private var timerD: ContinuousClock.Instant?
    private var timerM: ContinuousClock.Instant?

    init(id: TransactionID, request: SIPRequest, hop: SIPHop, timers: TransactionTimers) {
        self.id = id
        self.request = request
        self.hop = hop
        self.timers = timers
        bytes = request.serialized()
    }

    var nextDeadline: ContinuousClock.Instant? { .earliest(timerA?.deadline, timerB, timerD, timerM) }

    private func send(_ bytes: [UInt8]) -> TransactionAction { .send(SIPOutbound(bytes: bytes, hop: hop)) }

    mutating func start(now: ContinuousClock.Instant) -> [TransactionAction] {
        if !hop.isReliable { timerA = RetransmitTimer(deadline: now + timers.t1, interval: timers.t1) }
        timerB = now + timers.transactionTimeout
        return [send(bytes)]
    }

    mutating func receive(_ response: SIPResponse, now: ContinuousClock.Instant) -> [TransactionAction] {
        switch state {
        case .calling, .proceeding:
            timerA = nil
            if response.isProvisional {
                state = .proceeding
                return [.response(response, transaction: id)]
            }
            timerB = nil
            if response.isSuccess {
                state = .accepted
                timerM = now + timers.transactionTimeout
                return [.response(response, transaction: id)]
            }
            let ack = ClientInviteTransaction.ack(for: request, response: response).serialized()
            self.ack = ack
            if hop.isReliable {
                state = .terminated
            } else {
                state = .completed
                timerD = now + timers.timerD
            }
            return [send(ack), .response(response, transaction: id)]
        case .accepted:
            return response.isSuccess ? [.response(response, transaction: id)] : []
        case .completed:
            // A retransmitted final response: acknowledge again, do not bother the TU.
            return response.isFailure ? ack.map { [send($0)] } ?? [] : []
        case .terminated:
            return []
        }
    }

    mutating func fire(now: ContinuousClock.Instant) -> [TransactionAction] {
        if let b = timerB, b <= now {
            timerA = nil
            timerB = nil
            state = .terminated
            return [.timedOut(id)]
        }
        var actions: [TransactionAction] = []
        if let a = timerA, a.deadline <= now {
            actions.append(send(bytes))
            // Timer A doubles without the T2 cap (section 17.1.1.2).
            timerA = RetransmitTimer(deadline: now + a.interval * 2, interval: a.interval * 2)
        }
        if let d = timerD, d <= now {
            timerD = nil
            state = .terminated
        }
        if let m = timerM, m <= now {
            timerM = nil
            state = .terminated
        }
        return actions
    }

    /// The ACK for a non-2xx final response (section 17.1.1.3): the INVITE's Request-URI, top Via, Route,
    /// From, Call-ID and CSeq number; the response's To.
    static func ack(for invite: SIPRequest, response: SIPResponse) -> SIPRequest {
        var headers = SIPHeaders()
        if let via = invite.headers.topVia { headers.append(.via, via.description) }
        for field in invite.headers where field.name == .route { headers.append(.route, field.value) }
        if let from = invite.headers[.from] { headers.append(.from, from) }
        if let to = response.headers[.to] { headers.append(.to, to) }
        if let callID = invite.headers[.callID] { headers.append(.callID, callID) }
        if let cseq = invite.headers.cseq { headers.append(.cseq, CSeq(cseq.sequenceNumber, .ack).description) }
        headers.append(.maxForwards, "70")
        return SIPRequest(method: .ack, uri: invite.uri, headers: headers)
    }
}

/// The non-INVITE client transaction (RFC 3261 section 17.1.2, Figure 6).
///
/// ```
///   Trying --Timer E: resend (doubling to T2)--> Trying;  Timer F --> Terminated (timeout)
///   Trying/Proceeding --1xx--> Proceeding (to TU; Timer E now every T2)
///   Trying/Proceeding --final--> Completed (to TU; Timer K absorbs retransmissions)
/// ```
struct ClientNonInviteTransaction: Sendable {
    enum State: Sendable, Hashable { case trying, proceeding, completed, terminated }

    let id: TransactionID
    let request: SIPRequest
    let hop: SIPHop
    let timers: TransactionTimers
    private let bytes: [UInt8]
    private(set) var state: State = .trying
    private var timerE: RetransmitTimer?
    private var timerF: ContinuousClock.Instant?
    private var timerK: ContinuousClock.Instant?

    init(id: TransactionID, request: SIPRequest, hop: SIPHop, timers: TransactionTimers) {
        self.id = id
        self.request = request
        self.hop = hop
        self.timers = timers
        bytes = request.serialized()
    }

    var nextDeadline: ContinuousClock.Instant? { .earliest(timerE?.deadline, timerF, timerK) }

    private func send(_ bytes: [UInt8]) -> TransactionAction { .send(SIPOutbound(bytes: bytes, hop: hop)) }

    mutating func start(now: ContinuousClock.Instant) -> [TransactionAction] {
        if !hop.isReliable { timerE = RetransmitTimer(deadline: now + timers.t1, interval: timers.t1) }
        timerF = now + timers.transactionTimeout
        return [send(bytes)]
    }

    mutating func receive(_ response: SIPResponse, now: ContinuousClock.Instant) -> [TransactionAction] {
        guard state == .trying || state == .proceeding else { return [] }
        if response.isProvisional {
            state = .proceeding
            return [.response(response, transaction: id)]
        }
        timerE = nil
        timerF = nil
        if hop.isReliable {
            state = .terminated
        } else {
            state = .completed
            timerK = now + timers.t4
        }
        return [.response(response, transaction: id)]
    }

    mutating func fire(now: ContinuousClock.Instant) -> [TransactionAction] {
        if let f = timerF, f <= now {
            timerE = nil
            timerF = nil
            state = .terminated
            return [.timedOut(id)]
        }
        var actions: [TransactionAction] = []
        if let e = timerE, e.deadline <= now {
            actions.append(send(bytes))
            let interval = state == .proceeding ? timers.t2 : min(e.interval * 2, timers.t2)
            timerE = RetransmitTimer(deadline: now + interval, interval: interval)
        }
        if let k = timerK, k <= now {
            timerK = nil
            state = .terminated
        }
        return actions
    }
}
