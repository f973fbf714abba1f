/// The transaction layer (RFC 3261 section 17) with the server transport's part of section 18: it parses what
/// the driver read, matches requests to server transactions and responses to client transactions, absorbs
/// retransmissions, retransmits over UDP, answers CANCEL, and reports timeouts. It does no I/O and reads no
/// clock: every event carries `now`, every call returns the actions to carry out, and `nextDeadline` says when
/// to call `timeout(now:)`.
///
/// A driver:
/// ```swift
/// var actions = layer.receive(datagram, from: hop, now: .now)   // or receive(streamMessage:) after the framer
/// // carry out actions: .send -> socket; .request -> UA core, which later calls layer.respond(...)
/// // re-arm one timer at layer.nextDeadline; when it fires: layer.timeout(now: .now)
/// ```
public struct TransactionLayer: Sendable {
    public struct Configuration: Sendable, Hashable {
        public var timers: TransactionTimers
        public var limits: SIPLimits
        /// The Via sent-by the layer writes into requests it sends, per transport (RFC 3261 section 18.1.1).
        public var sentBy: [SIPTransport: SIPAddress]
        /// Send 100 Trying as soon as an INVITE arrives (section 17.2.1). The UAS does not know how soon its TU
        /// answers (authentication, conference admission), so this defaults to true.
        public var sendsTrying: Bool
        /// Beyond this many live transactions a new request is answered 503 with Retry-After, statelessly,
        /// instead of being given a transaction: a flood cannot grow the table without bound.
        public var maximumTransactions: Int

        public init(timers: TransactionTimers = TransactionTimers(), limits: SIPLimits = .default,
                    sentBy: [SIPTransport: SIPAddress] = [:], sendsTrying: Bool = true,
                    maximumTransactions: Int = 100_000) {
            self.timers = timers
            self.limits = limits
            self.sentBy = sentBy
            self.sendsTrying = sendsTrying
            self.maximumTransactions = maximumTransactions
        }
    }

    private enum Transaction: Sendable {
        case serverInvite(ServerInviteTransaction)
        case serverNonInvite(ServerNonInviteTransaction)
        case clientInvite(ClientInviteTransaction)
        case clientNonInvite(ClientNonInviteTransaction)

        var nextDeadline: ContinuousClock.Instant? {
            switch self {
            case .serverInvite(let t): return t.nextDeadline
            case .serverNonInvite(let t): return t.nextDeadline
            case .clientInvite(let t): return t.nextDeadline
            case .clientNonInvite(let t): return t.nextDeadline
            }
        }

        var isTerminated: Bool {
            switch self {
            case .serverInvite(let t): return t.state == .terminated
            case .serverNonInvite(let t): return t.state == .terminated
            case .clientInvite(let t): return t.state == .terminated
            case .clientNonInvite(let t): return t.state == .terminated
            }
        }

        var request: SIPRequest {
            switch self {
            case .serverInvite(let t): return t.request
            case .serverNonInvite(let t): return t.request
            case .clientInvite(let t): return t.request
            case .clientNonInvite(let t): return t.request
            }
        }
    }

    /// How a request finds its server transaction (RFC 3261 section 17.2.3).
    private enum ServerKey: Hashable, Sendable {
        /// Branch with the magic cookie, sent-by, method (ACK looks up INVITE).
        case branch(String, sentByHost: String, sentByPort: UInt16, method: SIPMethod)
        /// RFC 2543 clients: Request-URI, From tag, Call-ID, CSeq number and method, top Via.
        case legacy(requestURI: String, fromTag: String, callID: String, sequenceNumber: UInt32,
                    method: SIPMethod, topVia: String)
    }

    /// How a response finds its client transaction (RFC 3261 section 17.1.3): branch and CSeq method.
    private struct ClientKey: Hashable, Sendable {
        var branch: String
        var method: SIPMethod
    }

    public let configuration: Configuration
    public private(set) var random: SIPRandom
    private var transactions: [TransactionID: Transaction] = [:]
    private var serverKeys: [ServerKey: TransactionID] = [:]
    private var serverKeyByID: [TransactionID: ServerKey] = [:]
    private var clientKeys: [ClientKey: TransactionID] = [:]
    private var deadlines = DeadlineQueue()
    private var lastID: UInt64 = 0

    public init(configuration: Configuration = Configuration(), random: SIPRandom) {
        self.configuration = configuration
        self.random = random
    }

    /// Live transactions.
    public var count: Int { transactions.count }

    /// When `timeout(now:)` must next be called; nil when no timer runs.
    public var nextDeadline: ContinuousClock.Instant? { deadlines.first?.deadline }

    /// The request that created a transaction (for a client transaction, as sent, with its Via).
    public func request(of id: TransactionID) -> SIPRequest? { transactions[id]?.request }

    /// Where a server transaction sends its responses.
    public func responseDestination(of id: TransactionID) -> SIPHop? {
        switch transactions[id] {
        case .serverInvite(let t)?: return t.destination
        case .serverNonInvite(let t)?: return t.destination
        default: return nil
        }
    }

    /// A fresh tag or Call-ID from the layer's generator.
    public mutating func makeTag() -> String { random.tag() }
    public mutating func makeCallID(host: String) -> String { random.callID(host: host) }
    /// An independent generator for a dialog, seeded from the layer's.
    public mutating func makeRandom() -> SIPRandom { SIPRandom(seed: random.next()) }

    // MARK: Receiving

    /// A UDP datagram (or any message-oriented transport).
    public mutating func receive(_ datagram: [UInt8], from source: SIPHop,
                                 now: ContinuousClock.Instant) -> [TransactionAction] {
        receive(datagram, framing: .datagram, from: source, now: now)
    }

    /// One message that `SIPStreamFramer` cut from a TCP or TLS connection.
    public mutating func receive(streamMessage bytes: [UInt8], from source: SIPHop,
                                 now: ContinuousClock.Instant) -> [TransactionAction] {
        receive(bytes, framing: .stream, from: source, now: now)
    }

    /// A framer failure on a stream: answers it when the header block can be answered. The driver then closes
    /// the connection.
    public mutating func receive(streamFailure error: SIPParseError, from source: SIPHop) -> [TransactionAction] {
        rejectMalformed(error, from: source)
    }

    private mutating func receive(_ bytes: [UInt8], framing: SIPMessage.Framing, from source: SIPHop,
                                  now: ContinuousClock.Instant) -> [TransactionAction] {
        let message: SIPMessage
        do {
            message = try SIPMessage(parsing: bytes, framing: framing, limits: configuration.limits)
        } catch {
            return rejectMalformed(error, from: source)
        }
        return receive(message, from: source, now: now)
    }

    /// A parsed message.
    public mutating func receive(_ message: SIPMessage, from source: SIPHop,
                                 now: ContinuousClock.Instant) -> [TransactionAction] {
        defer { pruneDeadlines() }
        switch message {
        case .request(let request): return receive(request, from: source, now: now)
        case .response(let response): return receive(response, from: source, now: now)
        }
    }

    private mutating func rejectMalformed(_ error: SIPParseError, from source: SIPHop) -> [TransactionAction] {
        guard let answerable = error.answerable, let response = error.response(toTag: random.tag()) else {
            return [.malformed(error, source: source)]
        }
        let via = ResponseRouting.stamp(answerable.topVia, receivedFrom: source.address)
        let destination = ResponseRouting.destination(for: via, requestFrom: source)
        var stamped = response
        ResponseRouting.stampTopVia(&stamped.headers, receivedFrom: source.address)
        return [.send(SIPOutbound(bytes: stamped.serialized(), hop: destination)), .malformed(error, source: source)]
    }

    private mutating func receive(_ request: SIPRequest, from source: SIPHop,
                                  now: ContinuousClock.Instant) -> [TransactionAction] {
        guard let originalVia = request.headers.topVia, let key = serverKey(request, topVia: originalVia) else {
            return [.malformed(SIPParseError(.malformedHeader(.via)), source: source)]
        }
        var request = request
        ResponseRouting.stampTopVia(&request.headers, receivedFrom: source.address)
        let stampedVia = ResponseRouting.stamp(originalVia, receivedFrom: source.address)
        let destination = ResponseRouting.destination(for: stampedVia, requestFrom: source)

        if request.method == .ack {
            guard let id = serverKeys[key], case .serverInvite(var transaction)? = transactions[id],
                  ackMatches(request, transaction, key: key) else {
                // ACK for a 2xx (its own transaction), or for nothing we know: the TU decides.
                return [.request(request, transaction: nil, source: source)]
            }
            let actions = transaction.receivedACK(request, source: source, now: now)
            return store(.serverInvite(transaction), id, actions)
        }

        if let id = serverKeys[key], let existing = transactions[id] {
            switch existing {
            case .serverInvite(let transaction): return transaction.receivedRetransmission()
            case .serverNonInvite(let transaction): return transaction.receivedRetransmission()
            default: return []
            }
        }

        // CANCEL still gets through: it ends a transaction the table already holds.
        guard transactions.count < configuration.maximumTransactions || request.method == .cancel else {
            // Overloaded (RFC 3261 section 21.5.4): refuse without creating state.
            var refusal = SIPResponse(answering: request, statusCode: 503, toTag: random.tag())
            refusal.headers.append(.retryAfter, "5")
            return [.send(SIPOutbound(bytes: refusal.serialized(), hop: destination))]
        }
        let id = nextID()
        if request.method == .invite {
            var transaction = ServerInviteTransaction(id: id, request: request, destination: destination,
                                                      timers: configuration.timers)
            var actions: [TransactionAction] = []
            if configuration.sendsTrying {
                let trying = SIPResponse(answering: request, statusCode: 100, toTag: nil)
                actions += transaction.send(trying, now: now).1
            }
            actions.append(.request(request, transaction: id, source: source))
            register(key, id)
            return store(.serverInvite(transaction), id, actions)
        }

        var transaction = ServerNonInviteTransaction(id: id, request: request, destination: destination,
                                                     timers: configuration.timers)
        register(key, id)
        guard request.method == .cancel else {
            return store(.serverNonInvite(transaction), id, [.request(request, transaction: id, source: source)])
        }
        // CANCEL (RFC 3261 section 9.2): the INVITE it cancels has the same key but for the method.
        var actions: [TransactionAction] = []
        let inviteKey = Self.replacingMethod(key, with: .invite)
        if let inviteID = serverKeys[inviteKey], case .serverInvite(var invite)? = transactions[inviteID] {
            let toTag = invite.responseToTag ?? random.tag()
            actions += transaction.send(SIPResponse(answering: request, statusCode: 200, toTag: toTag), now: now).1
            if !invite.hasFinalResponse {
                let terminated = SIPResponse(answering: invite.request, statusCode: 487, toTag: toTag)
                actions += invite.send(terminated, now: now).1
                actions.append(.cancelled(inviteID, cancel: request))
                actions += store(.serverInvite(invite), inviteID, [])
            }
        } else {
            actions += transaction.send(SIPResponse(answering: request, statusCode: 481, toTag: random.tag()),
                                        now: now).1
        }
        return store(.serverNonInvite(transaction), id, actions)
    }

    /// RFC 2543 ACKs also need the To tag of the final response (section 17.2.3).
    private func ackMatches(_ ack: SIPRequest, _ transaction: ServerInviteTransaction, key: ServerKey) -> Bool {
        guard case .legacy = key else { return true }
        return ack.to?.tag == transaction.finalResponseToTag
    }

    private func serverKey(_ request: SIPRequest, topVia: Via) -> ServerKey? {
        let method = request.method == .ack ? SIPMethod.invite : request.method
        if topVia.hasRFC3261Branch, let branch = topVia.branch {
            return .branch(branch, sentByHost: topVia.host.address.asciiLowercased, sentByPort: topVia.effectivePort,
                           method: method)
        }
        guard let callID = request.callID, let cseq = request.cseq else { return nil }
        return .legacy(requestURI: request.uri.description, fromTag: request.from?.tag ?? "", callID: callID,
                       sequenceNumber: cseq.sequenceNumber, method: method, topVia: topVia.description)
    }

    private static func replacingMethod(_ key: ServerKey, with method: SIPMethod) -> ServerKey {
        switch key {
        case .branch(let branch, let host, let port, _):
            return .branch(branch, sentByHost: host, sentByPort: port, method: method)
        case .legacy(let uri, let fromTag, let callID, let number, _, let via):
            return .legacy(requestURI: uri, fromTag: fromTag, callID: callID, sequenceNumber: number,
                           method: method, topVia: via)
        }
    }

    private mutating func receive(_ response: SIPResponse, from source: SIPHop,
                                  now: ContinuousClock.Instant) -> [TransactionAction] {
        guard let branch = response.topVia?.branch, let cseq = response.cseq,
              let id = clientKeys[ClientKey(branch: branch, method: cseq.method)], let existing = transactions[id]
        else {
            return [.strayResponse(response, source: source)]
        }
        switch existing {
        case .clientInvite(var transaction):
            let actions = transaction.receive(response, now: now)
            return store(.clientInvite(transaction), id, actions)
        case .clientNonInvite(var transaction):
            let actions = transaction.receive(response, now: now)
            return store(.clientNonInvite(transaction), id, actions)
        default:
            return [.strayResponse(response, source: source)]
        }
    }

    // MARK: The TU's events

    /// A response from the TU for a server transaction. A response the transaction's state does not allow
    /// (a second final response, a non-2xx after a 2xx) is ignored.
    public mutating func respond(_ response: SIPResponse, to id: TransactionID,
                                 now: ContinuousClock.Instant) -> [TransactionAction] {
        defer { pruneDeadlines() }
        switch transactions[id] {
        case .serverInvite(var transaction)?:
            let (_, actions) = transaction.send(response, now: now)
            return store(.serverInvite(transaction), id, actions)
        case .serverNonInvite(var transaction)?:
            let (_, actions) = transaction.send(response, now: now)
            return store(.serverNonInvite(transaction), id, actions)
        default:
            return []
        }
    }

    /// Starts a client transaction for `request` to `hop`. Unless the request has a Via already (a CANCEL from
    /// `cancel(_:)`), a top Via is added with the configured sent-by, a new branch and `rport`. ACK goes through
    /// `sendACK` instead.
    public mutating func send(_ request: SIPRequest, to hop: SIPHop,
                              now: ContinuousClock.Instant) -> (TransactionID, [TransactionAction]) {
        defer { pruneDeadlines() }
        var request = request
        if request.headers.topVia?.branch == nil {
            request.headers.remove(.via)
            request.headers.prepend(.via, makeVia(for: hop).description)
        }
        let id = nextID()
        let branch = request.headers.topVia?.branch ?? ""
        let method = request.method
        clientKeys[ClientKey(branch: branch, method: method)] = id
        if method == .invite {
            var transaction = ClientInviteTransaction(id: id, request: request, hop: hop, timers: configuration.timers)
            let actions = transaction.start(now: now)
            return (id, store(.clientInvite(transaction), id, actions))
        }
        var transaction = ClientNonInviteTransaction(id: id, request: request, hop: hop, timers: configuration.timers)
        let actions = transaction.start(now: now)
        return (id, store(.clientNonInvite(transaction), id, actions))
    }

    /// An ACK for a 2xx (RFC 3261 section 13.2.2.4): no transaction; a Via with a new branch is added.
    public mutating func sendACK(_ ack: SIPRequest, to hop: SIPHop) -> [TransactionAction] {
        var ack = ack
        ack.headers.remove(.via)
        ack.headers.prepend(.via, makeVia(for: hop).description)
        return [.send(SIPOutbound(bytes: ack.serialized(), hop: hop))]
    }

    /// The CANCEL for an INVITE client transaction (RFC 3261 section 9.1): same Request-URI, Call-ID, To,
    /// From, CSeq number, Route and top Via. Send it with `send(_:to:now:)`. nil when the transaction is not an
    /// INVITE client transaction still waiting for a final response.
    public func cancel(_ id: TransactionID) -> SIPRequest? {
        guard case .clientInvite(let transaction)? = transactions[id],
              transaction.state == .calling || transaction.state == .proceeding else { return nil }
        let invite = transaction.request
        var headers = SIPHeaders()
        if let via = invite.headers.topVia { headers.append(.via, via.description) }
        for field in invite.headers where field.name == .route { headers.append(.route, field.value) }
        for name in [SIPHeaderName.from, .to, .callID] {
            if let value = invite.headers[name] { headers.append(name, value) }
        }
        if let cseq = invite.cseq { headers.append(.cseq, CSeq(cseq.sequenceNumber, .cancel).description) }
        headers.append(.maxForwards, "70")
        return SIPRequest(method: .cancel, uri: invite.uri, headers: headers)
    }

    /// The driver could not send for this transaction (connection refused, ICMP error): the transaction ends and
    /// the TU hears of it.
    public mutating func transportFailed(_ id: TransactionID) -> [TransactionAction] {
        guard transactions[id] != nil else { return [] }
        defer { pruneDeadlines() }
        remove(id)
        return [.transportFailed(id), .terminated(id)]
    }

    /// Fires every timer due at `now`.
    public mutating func timeout(now: ContinuousClock.Instant) -> [TransactionAction] {
        var actions: [TransactionAction] = []
        while let entry = deadlines.first, entry.deadline <= now {
            deadlines.pop()
            guard let transaction = transactions[entry.id], let due = transaction.nextDeadline, due <= now else {
                continue
            }
            switch transaction {
            case .serverInvite(var t):
                let fired = t.fire(now: now)
                actions += store(.serverInvite(t), entry.id, fired)
            case .serverNonInvite(var t):
                let fired = t.fire(now: now)
                actions += store(.serverNonInvite(t), entry.id, fired)
            case .clientInvite(var t):
                let fired = t.fire(now: now)
                actions += store(.clientInvite(t), entry.id, fired)
            case .clientNonInvite(var t):
                let fired = t.fire(now: now)
                actions += store(.clientNonInvite(t), entry.id, fired)
            }
        }
        pruneDeadlines()
        return actions
    }

    // MARK: Bookkeeping

    private mutating func nextID() -> TransactionID {
        lastID += 1
        return TransactionID(lastID)
    }

    private mutating func makeVia(for hop: SIPHop) -> Via {
        let local = configuration.sentBy[hop.transport] ?? SIPAddress(host: "invalid.invalid", port: 0)
        var via = Via(transport: hop.transport.rawValue, host: SIPHost(local.host) ?? .name("invalid.invalid"),
                      port: local.port == 0 ? nil : local.port)
        via.branch = random.branch()
        via.rport = .requested
        return via
    }

    private mutating func register(_ key: ServerKey, _ id: TransactionID) {
        serverKeys[key] = id
        serverKeyByID[id] = key
    }

    /// Saves a transaction after an event, schedules its next timer, and removes it once terminated.
    private mutating func store(_ transaction: Transaction, _ id: TransactionID,
                                _ actions: [TransactionAction]) -> [TransactionAction] {
        if transaction.isTerminated {
            remove(id)
            return actions + [.terminated(id)]
        }
        let previous = transactions.updateValue(transaction, forKey: id)?.nextDeadline
        if let deadline = transaction.nextDeadline, deadline != previous || previous == nil {
            deadlines.push(deadline, id)
        }
        return actions
    }

    private mutating func remove(_ id: TransactionID) {
        guard let transaction = transactions.removeValue(forKey: id) else { return }
        if let key = serverKeyByID.removeValue(forKey: id), serverKeys[key] == id {
            serverKeys.removeValue(forKey: key)
        }
        let request = transaction.request
        if let branch = request.headers.topVia?.branch {
            let key = ClientKey(branch: branch, method: request.method)
            if clientKeys[key] == id { clientKeys.removeValue(forKey: key) }
        }
    }

    /// Drops stale entries from the top of the timer heap so that `nextDeadline` is exact.
    private mutating func pruneDeadlines() {
        while let entry = deadlines.first {
            if let transaction = transactions[entry.id], transaction.nextDeadline == entry.deadline { return }
            deadlines.pop()
        }
    }
}
