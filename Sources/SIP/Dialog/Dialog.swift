/// What identifies a dialog (RFC 3261 section 12): Call-ID, local tag, remote tag.
public struct DialogID: Sendable, Hashable, CustomStringConvertible {
    public var callID: String
    public var localTag: String
    public var remoteTag: String

    public init(callID: String, localTag: String, remoteTag: String) {
        self.callID = callID
        self.localTag = localTag
        self.remoteTag = remoteTag
    }

    /// The dialog an incoming request belongs to, from our side: local tag in To, remote tag in From. nil for a
    /// request outside any dialog (no To tag).
    public init?(incoming request: SIPRequest) {
        guard let callID = request.callID, let local = request.to?.tag, let from = request.from else {
            return nil
        }
        // No From tag: an RFC 2543 peer's null tag.
        self.init(callID: callID, localTag: local, remoteTag: from.tag ?? "")
    }

    /// The dialog a response to our request belongs to: local tag in From, remote tag in To.
    public init?(incoming response: SIPResponse) {
        guard let callID = response.callID, let local = response.from?.tag, let remote = response.to?.tag else {
            return nil
        }
        self.init(callID: callID, localTag: local, remoteTag: remote)
    }

    public var description: String { "\(callID);local=\(localTag);remote=\(remoteTag)" }
}

/// What a dialog asks for when its timers fire or a response arrives.
public enum DialogAction: Sendable, Hashable {
    /// Write these bytes (a 2xx retransmission, RFC 3261 section 13.3.1.4).
    case send(SIPOutbound)
    /// Send this ACK for a 2xx to our INVITE with `TransactionLayer.sendACK` (section 13.2.2.4).
    case sendACK(SIPRequest)
    /// Our 2xx to an INVITE got no ACK within 64*T1: the session should end with a BYE (section 13.3.1.4).
    case ackTimedOut(sequenceNumber: UInt32)
    /// The glare timer of section 14.1 fired: send the re-INVITE (or UPDATE) that got 491 again, built with
    /// `makeRequest`.
    case retryRequest(SIPMethod)
    /// The dialog ended: BYE, or 481/408 to an in-dialog request (section 12.2.1.2).
    case terminated
}

/// The bridge's answer to an in-dialog request, before the application sees it.
public enum InDialogDisposition: Sendable, Hashable {
    /// In order: hand it to the application, which answers through the request's server transaction and calls
    /// `sent(_:for:to:now:)`.
    case accepted
    /// Answer with this response (through the request's server transaction) and do not hand the request on:
    /// 500 for a CSeq out of order (section 12.2.2), 491 on glare (section 14.2), 500 with Retry-After for an
    /// INVITE or UPDATE while another is being processed, 481 after the dialog ended.
    case rejected(SIPResponse)
    /// The ACK for our 2xx: retransmissions stop. It may carry an SDP answer for the application.
    case acknowledged
    /// An ACK that acknowledges nothing outstanding (a duplicate): nothing to do.
    case ignored
}

/// One dialog (RFC 3261 section 12), from either side: its identifiers, route set, remote target and CSeq
/// spaces, and the rules that belong to the UA core around it - CSeq order, glare (491, section 14), the 2xx
/// retransmission of section 13.3.1.4 until the ACK comes, and the glare retry timer of section 14.1.
public struct Dialog: Sendable, Hashable {
    public enum State: Sendable, Hashable { case early, confirmed, terminated }
    /// Which side sent the dialog-creating INVITE: it owns the Call-ID (section 14.1's timer depends on it).
    public enum Role: Sendable, Hashable { case uac, uas }

    private struct PendingRequest: Sendable, Hashable {
        var sequenceNumber: UInt32
        var method: SIPMethod
    }

    private struct Unacknowledged2xx: Sendable, Hashable {
        var sequenceNumber: UInt32
        var outbound: SIPOutbound
        var timer: RetransmitTimer
        var giveUp: ContinuousClock.Instant
    }

    private struct GlareRetry: Sendable, Hashable {
        var deadline: ContinuousClock.Instant
        var method: SIPMethod
    }

    public let id: DialogID
    public let role: Role
    public private(set) var state: State
    /// Empty (nil) until we send a request in the dialog (section 12.1.1: the UAS starts with none).
    public private(set) var localSequenceNumber: UInt32?
    /// Empty until the peer sends a request in the dialog.
    public private(set) var remoteSequenceNumber: UInt32?
    /// Our party (From of our requests), with our tag.
    public let localParty: NameAddress
    /// The peer's party (To of our requests), with its tag.
    public let remoteParty: NameAddress
    /// Where our requests go (the peer's Contact), refreshed by target refresh requests and their 2xx.
    public private(set) var remoteTarget: SIPURI
    /// The route set from Record-Route: as received in the request (UAS), reversed from the response (UAC).
    public let routeSet: [NameAddress]
    /// Whether the dialog was set up over TLS with a SIPS Request-URI.
    public let isSecure: Bool
    /// Our Contact in target refresh requests (e.g. with `+sip.clue`, RFC 8848).
    public var localContact: NameAddress
    /// Where the peer's latest request came from; the driver may prefer this flow when the remote target is not
    /// reachable directly (a peer behind NAT).
    public private(set) var remoteFlow: SIPHop?

    private var pendingLocal: PendingRequest?
    private var pendingRemote: PendingRequest?
    private var unacknowledged: Unacknowledged2xx?
    private var glareRetry: GlareRetry?
    private var random: SIPRandom
    private let timers: TransactionTimers

    /// The UAS side (section 12.1.1), from the dialog-creating INVITE and our response with a To tag (1xx for an
    /// early dialog, 2xx for a confirmed one). nil when the response has no To tag or a header does not parse.
    public init?(uas request: SIPRequest, response: SIPResponse, localContact: NameAddress, source: SIPHop? = nil,
                 timers: TransactionTimers = TransactionTimers(), random: SIPRandom) {
        guard response.statusCode > 100, response.statusCode < 300,
              let callID = request.callID, let from = request.from,
              let to = response.to, let localTag = to.tag, let cseq = request.cseq,
              let routes = request.headers.recordRoutes else { return nil }
        // An RFC 2543 peer may send no From tag: its tag is then null (section 12.1.1).
        id = DialogID(callID: callID, localTag: localTag, remoteTag: from.tag ?? "")
        role = .uas
        state = response.isSuccess ? .confirmed : .early
        remoteSequenceNumber = cseq.sequenceNumber
        localParty = to
        remoteParty = from
        remoteTarget = request.contact?.addresses.first?.uri ?? from.uri
        routeSet = routes
        isSecure = request.uri.scheme == .sips && source?.transport == .tls
        self.localContact = localContact
        remoteFlow = source
        self.timers = timers
        self.random = random
        // The dialog-creating INVITE stays the peer's pending request until our final response.
        if response.isProvisional {
            pendingRemote = PendingRequest(sequenceNumber: cseq.sequenceNumber, method: .invite)
        }
    }

    /// The UAC side (section 12.1.2), from our INVITE and a response with a To tag.
    public init?(uac request: SIPRequest, response: SIPResponse, localContact: NameAddress,
                 timers: TransactionTimers = TransactionTimers(), random: SIPRandom) {
        guard response.statusCode > 100, response.statusCode < 300,
              let callID = request.callID, let from = request.from, let localTag = from.tag,
              let to = response.to, let remoteTag = to.tag, let cseq = request.cseq,
              let routes = response.headers.recordRoutes else { return nil }
        id = DialogID(callID: callID, localTag: localTag, remoteTag: remoteTag)
        role = .uac
        state = response.isSuccess ? .confirmed : .early
        localSequenceNumber = cseq.sequenceNumber
        localParty = from
        remoteParty = to
        remoteTarget = response.contact?.addresses.first?.uri ?? request.uri
        routeSet = routes.reversed()
        isSecure = request.uri.scheme == .sips
        self.localContact = localContact
        remoteFlow = nil
        self.timers = timers
        self.random = random
        // Our INVITE is still the pending request until its final response.
        if response.isProvisional {
            pendingLocal = PendingRequest(sequenceNumber: cseq.sequenceNumber, method: .invite)
        }
    }

    /// Whether our INVITE or UPDATE in this dialog awaits its final response.
    public var hasPendingLocalRequest: Bool { pendingLocal != nil }
    /// Whether the peer's INVITE or UPDATE awaits our final response (the application answers 487 to it when a
    /// BYE arrives meanwhile, section 15.1.2).
    public var hasPendingRemoteRequest: Bool { pendingRemote != nil }
    /// Whether our 2xx to an INVITE still waits for its ACK.
    public var isAwaitingACK: Bool { unacknowledged != nil }

    /// When `timeout(now:)` must next be called.
    public var nextDeadline: ContinuousClock.Instant? {
        .earliest(unacknowledged?.timer.deadline, glareRetry?.deadline)
    }

    // MARK: Requests from the peer

    /// An in-dialog request from the peer (section 12.2.2), after its server transaction was created. ACK has no
    /// transaction; CANCEL never reaches a dialog (the transaction layer answers it).
    public mutating func receive(_ request: SIPRequest, source: SIPHop,
                                 now: ContinuousClock.Instant) -> InDialogDisposition {
        guard let cseq = request.cseq else { return .ignored }
        if request.method == .ack {
            guard let pending = unacknowledged, pending.sequenceNumber == cseq.sequenceNumber else { return .ignored }
            unacknowledged = nil
            if state == .early { state = .confirmed }
            remoteFlow = source
            return .acknowledged
        }
        guard state != .terminated else {
            return .rejected(SIPResponse(answering: request, statusCode: 481, toTag: nil))
        }
        if let remote = remoteSequenceNumber, cseq.sequenceNumber < remote {
            return .rejected(SIPResponse(answering: request, statusCode: 500, reasonPhrase: "CSeq Out of Order",
                                         toTag: nil))
        }
        remoteSequenceNumber = cseq.sequenceNumber
        remoteFlow = source
        switch request.method {
        case .invite, .update:
            // Section 14.2 (and RFC 3311 section 5.2 for UPDATE): our own offer is outstanding.
            if pendingLocal != nil {
                return .rejected(SIPResponse(answering: request, statusCode: 491, toTag: nil))
            }
            // Another of theirs is still being processed, or its 2xx not yet acknowledged: 500 with a random
            // Retry-After of 0 to 10 seconds (section 14.2).
            if pendingRemote != nil || (request.method == .invite && unacknowledged != nil) {
                var response = SIPResponse(answering: request, statusCode: 500, toTag: nil)
                response.headers.append(.retryAfter, String(random.next() % 11))
                return .rejected(response)
            }
            pendingRemote = PendingRequest(sequenceNumber: cseq.sequenceNumber, method: request.method)
            return .accepted
        case .bye:
            // Section 15.1.2: the session ends as the BYE arrives; the application answers it with 200.
            state = .terminated
            unacknowledged = nil
            glareRetry = nil
            return .accepted
        default:
            return .accepted
        }
    }

    /// We sent `response` to `request` of this dialog (or to the dialog-creating INVITE), through its server
    /// transaction to `hop`. A 2xx to an INVITE starts the retransmissions that stop with the ACK; a 2xx to a
    /// target refresh request takes its Contact as the new remote target.
    public mutating func sent(_ response: SIPResponse, for request: SIPRequest, to hop: SIPHop,
                              now: ContinuousClock.Instant) {
        guard let cseq = request.cseq, !response.isProvisional else { return }
        if let pending = pendingRemote, pending.sequenceNumber == cseq.sequenceNumber {
            pendingRemote = nil
        }
        switch request.method {
        case .invite where response.isSuccess:
            if state == .early { state = .confirmed }
            if let target = request.contact?.addresses.first?.uri { remoteTarget = target }
            unacknowledged = Unacknowledged2xx(
                sequenceNumber: cseq.sequenceNumber,
                outbound: SIPOutbound(bytes: response.serialized(), hop: hop),
                timer: RetransmitTimer(deadline: now + timers.t1, interval: timers.t1),
                giveUp: now + timers.transactionTimeout)
        case .invite where state == .early:
            // The dialog-creating INVITE failed: the early dialog ends (section 12.3).
            state = .terminated
        case .update where response.isSuccess:
            if let target = request.contact?.addresses.first?.uri { remoteTarget = target }
        case .bye:
            state = .terminated
        default:
            break
        }
    }

    // MARK: Requests to the peer

    /// A request within the dialog (section 12.2.1.1): Request-URI and Route from the route set (loose or strict
    /// routing), To, From, Call-ID, the next local CSeq, Max-Forwards, Contact for target refresh requests, and
    /// the body. Send it with `TransactionLayer.send(_:to:now:)` to the first route or the remote target.
    ///
    /// An INVITE or UPDATE becomes the pending local request (glare detection) until `receive(_:for:now:)` sees
    /// its final response; a BYE ends the dialog (section 15.1.1). Not for ACK (see `makeACK`) or CANCEL.
    public mutating func makeRequest(_ method: SIPMethod, body: [UInt8] = [], contentType: MediaType? = nil,
                                     extraHeaders: SIPHeaders = []) -> SIPRequest {
        let number = (localSequenceNumber ?? random.sequenceNumber() - 1) &+ 1
        localSequenceNumber = number
        var request = baseRequest(method, sequenceNumber: number)
        if method == .invite || method == .update {
            request.headers.append(.contact, localContact.description)
            pendingLocal = PendingRequest(sequenceNumber: number, method: method)
            glareRetry = nil
        }
        for field in extraHeaders { request.headers.append(field.name, field.value) }
        if let contentType, !body.isEmpty { request.headers.append(.contentType, contentType.description) }
        request.body = body
        if method == .bye {
            state = .terminated
            unacknowledged = nil
            glareRetry = nil
        }
        return request
    }

    /// The ACK for a 2xx to our INVITE with CSeq `sequenceNumber` (section 13.2.2.4): same CSeq number, method
    /// ACK, the dialog's routing. A body carries an answer when the INVITE had no offer.
    public func makeACK(sequenceNumber: UInt32, body: [UInt8] = [], contentType: MediaType? = nil) -> SIPRequest {
        var ack = baseRequest(.ack, sequenceNumber: sequenceNumber)
        if let contentType, !body.isEmpty { ack.headers.append(.contentType, contentType.description) }
        ack.body = body
        return ack
    }

    private func baseRequest(_ method: SIPMethod, sequenceNumber: UInt32) -> SIPRequest {
        var headers = SIPHeaders()
        let uri: SIPURI
        if let first = routeSet.first, !first.uri.isLooseRouter {
            // Strict routing (section 12.2.1.1): the first route becomes the Request-URI (without its headers),
            // the remote target goes last in Route.
            var strict = first.uri
            strict.headers = []
            uri = strict
            for route in routeSet.dropFirst() { headers.append(.route, route.description) }
            headers.append(.route, NameAddress(uri: remoteTarget).description)
        } else {
            uri = remoteTarget
            for route in routeSet { headers.append(.route, route.description) }
        }
        headers.append(.maxForwards, "70")
        headers.append(.from, localParty.description)
        headers.append(.to, remoteParty.description)
        headers.append(.callID, id.callID)
        headers.append(.cseq, CSeq(sequenceNumber, method).description)
        return SIPRequest(method: method, uri: uri, headers: headers)
    }

    /// The URI the next hop is resolved from: the first route, or the remote target.
    public var nextHopURI: SIPURI { routeSet.first?.uri ?? remoteTarget }

    // MARK: Responses from the peer

    /// A response to our in-dialog `request` (its client transaction delivered it).
    public mutating func receive(_ response: SIPResponse, for request: SIPRequest,
                                 now: ContinuousClock.Instant) -> [DialogAction] {
        guard let cseq = request.cseq, !response.isProvisional else { return [] }
        if let pending = pendingLocal, pending.sequenceNumber == cseq.sequenceNumber {
            pendingLocal = nil
        }
        var actions: [DialogAction] = []
        switch response.statusCode {
        case 200..<300:
            if request.method == .invite || request.method == .update,
               let target = response.contact?.addresses.first?.uri {
                remoteTarget = target
            }
            if request.method == .invite {
                if state == .early { state = .confirmed }
                actions.append(.sendACK(makeACK(sequenceNumber: cseq.sequenceNumber)))
            }
            if request.method == .bye { state = .terminated }
        case 491 where request.method == .invite || request.method == .update:
            // Section 14.1: the Call-ID owner waits 2.1 to 4 s, the other side 0 to 2 s, in units of 10 ms.
            let units = role == .uac ? 210 + random.next() % 191 : random.next() % 201
            glareRetry = GlareRetry(deadline: now + .milliseconds(Int64(units) * 10), method: request.method)
        case 481, 408:
            state = .terminated
            unacknowledged = nil
            glareRetry = nil
            actions.append(.terminated)
        default:
            if request.method == .bye { state = .terminated }
        }
        return actions
    }

    // MARK: Timers

    public mutating func timeout(now: ContinuousClock.Instant) -> [DialogAction] {
        var actions: [DialogAction] = []
        if let pending = unacknowledged, pending.timer.deadline <= now {
            if pending.giveUp <= now {
                unacknowledged = nil
                actions.append(.ackTimedOut(sequenceNumber: pending.sequenceNumber))
            } else {
                actions.append(.send(pending.outbound))
                let interval = min(pending.timer.interval * 2, timers.t2)
                unacknowledged?.timer = RetransmitTimer(deadline: min(now + interval, pending.giveUp),
                                                        interval: interval)
            }
        }
        if let retry = glareRetry, retry.deadline <= now {
            glareRetry = nil
            if state != .terminated { actions.append(.retryRequest(retry.method)) }
        }
        return actions
    }
}
