import Dispatch
import Foundation
import Logging
import SDP
import SIP
import SecureTransport

/// The SIP side of the bridge (the UA core of RFC 3261 over the sans-IO `SIP` and `SDP` cores): authenticates and
/// admits callers to rooms, answers their offers, keeps their dialogs, and carries the bytes the cores ask for.
///
/// Confined to the signaling queue. Time is read once per event (`ContinuousClock.now`) and passed into the cores.
final class SignalingService: @unchecked Sendable {
    struct Room {
        var id: String
        var allowAnonymous: Bool
        var allowPlainRTP: Bool
        var maxParticipants: Int?
        /// Locked over the admin API: new callers get 403.
        var locked = false
        /// When set, callers must also give the room's PIN: `sip:ROOM*PIN@bridge` or `sip:ROOM@bridge;pin=PIN`.
        var pin: String?
        var videoLayout: BridgeConfiguration.VideoLayout = .speaker
    }

    /// One admitted caller.
    struct Call {
        var dialog: Dialog
        var room: String
        var user: String?
        var session: NegotiatedSession
        var ice: ICECredentials
        let started: ContinuousClock.Instant
    }

    let configuration: BridgeConfiguration
    let identity: BridgeIdentity
    let queue: DispatchQueue
    let logger: Logger
    private var transactions: TransactionLayer
    private var authenticator: DigestAuthenticator
    /// Only HA1 digests: the configured passwords are hashed once at start and not kept.
    var credentials: [String: DigestHA1]
    var rooms: [String: Room] {
        didSet { media?.setVideoLayouts(rooms.mapValues(\.videoLayout)) }
    }
    private let screening = RequestScreening(supportedOptions: ["timer"])
    private(set) var calls: [DialogID: Call] = [:]
    /// The next deadline of each dialog that has one (a 2xx awaiting its ACK, a glare retry): kept beside the calls
    /// so that arming the timer never walks every call.
    private var dialogDeadlines: [DialogID: ContinuousClock.Instant] = [:]
    private var udpSocket: UDPSocket?
    private var knownAddresses: [SIPAddress: SocketAddress] = [:]
    private var connections: [SIPConnectionID: (connection: StreamConnection, framer: SIPStreamFramer)] = [:]
    private var nextConnection: UInt64 = 1
    private lazy var timer = DeadlineTimer(queue: queue, leeway: .milliseconds(2)) { [unowned self] in self.fire() }
    /// The bridge's offers in flight (re-INVITEs adding its CLUE encodings), by call, with the encodings offered.
    private var pendingOffers: [DialogID: (offer: PendingOffer, encodings: [LocalEncoding], sequence: UInt32)] = [:]
    /// Calls whose CLUE encodings are already negotiated (or being offered), so they are offered once.
    private var encodingsOffered: Set<DialogID> = []
    /// How many sendonly CLUE-controlled video sections the bridge offers each CLUE participant: enough for its
    /// largest switched scene view, four screens (RFC 8845 Table 8); each is one encoding of the bridge's
    /// advertisement. Sections nobody configures carry nothing.
    static let clueVideoEncodings = 4
    /// Wrong room PINs per source address: more than 5 a minute and the source is refused for the rest of it.
    private var pinFailures = FailureThrottle(limit: 5, window: .seconds(60))
    /// The media plane; each admitted call gets a session there, closed when the call ends.
    var media: MediaService? {
        didSet { media?.setVideoLayouts(rooms.mapValues(\.videoLayout)) }
    }
    private var random = SystemRandomNumberGenerator()
    private(set) var counters = Counters()
    /// Operating the bridge (SignalingService+Admin.swift): drain, mute, what the media plane reports.
    var draining = false
    var controls: [DialogID: ParticipantControls] = [:]
    /// Filled by the media plane: ICE/DTLS/CLUE state and stream counters of a participant, for the admin API.
    var mediaState: (DialogID) -> ParticipantMediaState? = { _ in nil }
    /// Called after a call joins or leaves (drain watches for the last one).
    var callsChanged: (() -> Void)?

    struct Counters {
        var malformed = 0
        var strayResponses = 0
        var authFailures = 0
        var callsStarted = 0
        var callsEnded = 0
    }

    init(configuration: BridgeConfiguration, identity: BridgeIdentity, queue: DispatchQueue, logger: Logger) throws {
        self.configuration = configuration
        self.identity = identity
        self.queue = queue
        self.logger = logger
        var sentBy: [SIPTransport: SIPAddress] = [:]
        for listen in configuration.sip.listen {
            let transport: SIPTransport = switch listen.transport {
            case .udp: .udp
            case .tcp: .tcp
            case .tls: .tls
            }
            if sentBy[transport] == nil { sentBy[transport] = SIPAddress(host: listen.host, port: listen.port) }
        }
        var generator = SystemRandomNumberGenerator()
        transactions = TransactionLayer(configuration: .init(sentBy: sentBy),
                                        random: SIPRandom(seed: generator.next()))
        let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let algorithms = configuration.auth.algorithms.compactMap { DigestAlgorithm(rawValue: $0) }
        authenticator = DigestAuthenticator(configuration: .init(realm: configuration.auth.realm, secret: secret,
                                                                 algorithms: algorithms),
                                            epoch: .now)
        credentials = [:]
        for (user, password) in configuration.auth.users {
            credentials[user] = DigestHA1.derive(username: user, realm: configuration.auth.realm, password: password)
        }
        rooms = Dictionary(uniqueKeysWithValues: configuration.rooms.map {
            ($0.id, Room(id: $0.id, allowAnonymous: $0.allowAnonymous, allowPlainRTP: $0.allowPlainRTP,
                         maxParticipants: $0.maxParticipants, videoLayout: $0.videoLayout))
        })
    }

    // MARK: Transports

    /// UDP requests are answered from the first UDP listener (RFC 3261 section 18.2.2 only asks for the
    /// address in Via; one socket keeps the source port stable for NATs that latched it).
    func register(_ socket: UDPSocket) {
        if udpSocket == nil { udpSocket = socket }
    }

    func receiveDatagram(_ bytes: UnsafeRawBufferPointer, from source: SocketAddress) {
        let address = SIPAddress(host: source.host, port: source.port)
        // Replies mostly go back where requests came from: remember the resolved form so sending needs no lookup.
        if knownAddresses.count > 50_000 { knownAddresses.removeAll(keepingCapacity: true) }
        knownAddresses[address] = source
        let hop = SIPHop(transport: .udp, address: address)
        perform(transactions.receive(Array(bytes), from: hop, now: .now))
    }

    func makeTLSLayer() throws -> StreamLayer {
        try TLSStreamLayer(context: identity.tlsContext)
    }

    func accept(_ connection: StreamConnection, secure: Bool) {
        let id = SIPConnectionID(nextConnection)
        nextConnection += 1
        connections[id] = (connection, SIPStreamFramer())
        let hop = SIPHop(transport: secure ? .tls : .tcp,
                         address: SIPAddress(host: connection.remoteAddress.host, port: connection.remoteAddress.port),
                         connection: id)
        connection.onData = { [unowned self] bytes in self.receiveStream(bytes, on: id, hop: hop) }
        connection.onClose = { [unowned self] reason in
            self.connections[id] = nil
            self.logger.debug("connection closed", metadata: ["peer": "\(hop)", "reason": "\(reason)"])
        }
    }

    private func receiveStream(_ bytes: [UInt8], on id: SIPConnectionID, hop: SIPHop) {
        guard var entry = connections[id] else { return }
        let outputs = entry.framer.feed(bytes)
        connections[id] = entry
        for output in outputs {
            switch output {
            case .message(let message):
                perform(transactions.receive(streamMessage: message, from: hop, now: .now))
            case .keepAlive:
                entry.connection.send(Array("\r\n".utf8))
            case .failed(let error):
                perform(transactions.receive(streamFailure: error, from: hop))
                entry.connection.close(reason: "unframeable stream: \(error)")
                connections[id] = nil
                return
            }
        }
    }

    private func transmit(_ outbound: SIPOutbound) {
        switch outbound.hop.transport {
        case .udp:
            guard let socket = udpSocket,
                  let address = knownAddresses[outbound.hop.address]
                    ?? SocketAddress(host: outbound.hop.address.host, port: outbound.hop.address.port)
            else { return }
            socket.send(outbound.bytes, to: address)
        case .tcp, .tls:
            // Responses go back on the connection the request came on (RFC 3261 section 18.2.2); the bridge
            // opens no outbound connections.
            if let id = outbound.hop.connection, let entry = connections[id] {
                entry.connection.send(outbound.bytes)
            } else if let entry = connections.values.first(where: {
                $0.connection.remoteAddress.host == outbound.hop.address.host
                    && $0.connection.remoteAddress.port == outbound.hop.address.port
            }) {
                entry.connection.send(outbound.bytes)
            } else {
                logger.debug("no connection for \(outbound.hop)")
            }
        }
    }

    /// Sends BYE on every call; returns how many.
    func shutdown() -> Int {
        let count = calls.count
        for id in calls.keys { hangUp(id) }
        return count
    }

    func closeConnections() {
        timer.cancel()
        for entry in connections.values { entry.connection.close(reason: "bridge stopping") }
    }

    // MARK: Core actions

    private func perform(_ actions: [TransactionAction]) {
        for action in actions {
            switch action {
            case .send(let outbound):
                transmit(outbound)
            case .request(let request, let transaction, let source):
                handle(request, transaction: transaction, source: source)
            case .response(let response, let transaction):
                handle(response, transaction: transaction)
            case .cancelled(let id, _):
                logger.info("call attempt cancelled", metadata: ["transaction": "\(id)"])
            case .timedOut(let id):
                logger.debug("transaction timed out", metadata: ["transaction": "\(id)"])
            case .transportFailed, .terminated:
                break
            case .malformed(let error, let source):
                counters.malformed += 1
                logger.debug("malformed SIP message", metadata: ["source": "\(source)", "error": "\(error)"])
            case .strayResponse:
                counters.strayResponses += 1
            }
        }
        armTimer()
    }

    /// A response to one of the bridge's own in-dialog requests (BYE today; re-INVITE and UPDATE later).
    private func handle(_ response: SIPResponse, transaction: TransactionID) {
        guard let id = DialogID(incoming: response), var call = calls[id],
              let request = transactions.request(of: transaction) else { return }
        var actions: [TransactionAction] = []
        for dialogAction in call.dialog.receive(response, for: request, now: .now) {
            switch dialogAction {
            case .send(let outbound): actions.append(.send(outbound))
            case .sendACK(let ack): if let hop = hop(for: call.dialog) { actions += transactions.sendACK(ack, to: hop) }
            case .terminated, .ackTimedOut, .retryRequest: break
            }
        }
        if request.method == .bye, response.statusCode >= 200 {
            store(nil, for: id)
            counters.callsEnded += 1
        } else {
            if request.method == .invite, response.statusCode >= 200,
               let pending = pendingOffers[id], pending.sequence == request.cseq?.sequenceNumber {
                pendingOffers[id] = nil
                completeOffer(pending.offer, encodings: pending.encodings, response: response, call: &call)
            }
            store(call, for: id)
        }
        perform(actions)
    }

    // MARK: The bridge's CLUE encodings (RFC 8848 section 4.4.1)

    /// The participant's CLUE channel is up: offer it the bridge's encodings as sendonly CLUE-controlled sections
    /// (a re-INVITE), so that the advertisement's encoding IDs are `a=label`s the participant can configure.
    func offerCLUEEncodings(_ id: DialogID) {
        guard var call = calls[id], call.session.clue != nil, !encodingsOffered.contains(id),
              pendingOffers[id] == nil, call.dialog.state == .confirmed, let hop = hop(for: call.dialog) else { return }
        encodingsOffered.insert(id)
        let encodings = (1...Self.clueVideoEncodings).map { index in
            LocalEncoding(label: "bridge-video-\(index)", kind: .video,
                          ssrc: UInt32.random(in: 1...0xF000_0000, using: &random))
        }
        let room = rooms[call.room] ?? Room(id: call.room, allowAnonymous: false, allowPlainRTP: false)
        let offer = call.session.offer(adding: encodings.map(NewMediaSection.clueEncoding),
                                       configuration: answerConfiguration(room: room, ice: call.ice))
        let request = call.dialog.makeRequest(.invite, body: Array(offer.description.text.utf8), contentType: .sdp)
        pendingOffers[id] = (offer, encodings, request.cseq?.sequenceNumber ?? 0)
        let now = ContinuousClock.now
        let actions = transactions.send(request, to: hop, now: now).1
        store(call, for: id)
        logger.info("offering the bridge's CLUE encodings", metadata: [
            "call": "\(id.callID)", "encodings": "\(encodings.map(\.label).joined(separator: ","))"])
        perform(actions)
    }

    /// The answer to our re-INVITE: the session it gives replaces the call's, and the media plane learns the
    /// encodings the participant accepted. A refusal leaves the call as it was.
    private func completeOffer(_ offer: PendingOffer, encodings: [LocalEncoding], response: SIPResponse,
                               call: inout Call) {
        let id = call.dialog.id
        guard response.isSuccess else {
            if response.statusCode == 491 {
                // Glare (RFC 3261 section 14.1): the dialog times the retry; offered again then.
                encodingsOffered.remove(id)
            }
            logger.notice("CLUE encodings refused", metadata: ["call": "\(id.callID)",
                                                               "status": "\(response.statusCode)"])
            return
        }
        do {
            guard let body = response.sessionDescription() else { throw OfferRejection.noMedia }
            let answer = try SessionDescription(parsing: body)
            call.session = try offer.applying(answer: answer)
            let accepted = call.session.accepted.compactMap(\.localLabel)
            logger.info("CLUE encodings negotiated", metadata: [
                "call": "\(id.callID)", "accepted": "\(accepted.joined(separator: ","))"])
            media?.update(call: id, negotiated: call.session)
        } catch {
            logger.notice("answer to our re-INVITE unusable", metadata: ["call": "\(id.callID)",
                                                                         "reason": "\(error)"])
        }
    }

    /// Every change to a call goes through here, so `dialogDeadlines` stays true.
    private func store(_ call: Call?, for id: DialogID) {
        let joined = call != nil && calls[id] == nil, left = call == nil && calls[id] != nil
        if left {
            media?.close(call: id)
            pendingOffers[id] = nil
            encodingsOffered.remove(id)
        }
        calls[id] = call
        dialogDeadlines[id] = call?.dialog.nextDeadline
        if joined || left { participant(id, joined: joined) }
    }

    /// Sends BYE on one call and closes its media at once; the call leaves `calls` when the BYE is answered (or
    /// times out). `reason`: the media plane gave up on the call (consent lost, DTLS or data-channel failure), said
    /// in a Reason header (RFC 3326); nil for a kick or a shutdown.
    func hangUp(_ id: DialogID, reason: String? = nil) {
        guard var call = calls[id] else { return }
        var bye = call.dialog.makeRequest(.bye)
        if let reason {
            let text = reason.replacingOccurrences(of: "\"", with: "'").replacingOccurrences(of: "\\", with: "/")
            bye.headers.append(.reason, "SIP;cause=480;text=\"\(text)\"")
        }
        media?.close(call: id)
        if let hop = hop(for: call.dialog) {
            perform(transactions.send(bye, to: hop, now: .now).1)
        }
        store(call, for: id)
        logger.info("hanging up", metadata: ["room": "\(call.room)", "call": "\(id.callID)",
                                             "reason": "\(reason ?? "none")"])
    }

    private func armTimer() {
        timer.arm(at: [transactions.nextDeadline, dialogDeadlines.values.min()].compactMap { $0 }.min())
    }

    private func fire() {
        let now = ContinuousClock.now
        var actions = transactions.timeout(now: now)
        var retries: [DialogID] = []
        for (id, due) in dialogDeadlines where due <= now {
            guard var call = calls[id] else { continue }
            for dialogAction in call.dialog.timeout(now: now) {
                switch dialogAction {
                case .send(let outbound):
                    actions.append(.send(outbound))
                case .sendACK(let ack):
                    if let hop = hop(for: call.dialog) { actions += transactions.sendACK(ack, to: hop) }
                case .ackTimedOut:
                    logger.info("no ACK for our 200: hanging up", metadata: ["call": "\(id)"])
                    let bye = call.dialog.makeRequest(.bye)
                    if let hop = hop(for: call.dialog) { actions += transactions.send(bye, to: hop, now: now).1 }
                case .retryRequest(.invite):
                    retries.append(id)
                case .retryRequest, .terminated:
                    break
                }
            }
            store(call, for: id)
        }
        perform(actions)
        for id in retries { offerCLUEEncodings(id) }
    }

    // MARK: Requests

    private func respond(_ response: SIPResponse, to transaction: TransactionID?) {
        observe(response)
        guard let transaction else { return }
        perform(transactions.respond(response, to: transaction, now: .now))
    }

    private func handle(_ request: SIPRequest, transaction: TransactionID?, source: SIPHop) {
        let toTag = transactions.makeTag()
        if let refusal = screening.refusal(of: request, toTag: toTag) {
            respond(refusal, to: transaction)
            return
        }
        if request.to?.tag != nil {
            handleInDialog(request, transaction: transaction, source: source)
            return
        }
        switch request.method {
        case .options:
            var response = screening.optionsResponse(to: request, toTag: toTag)
            response.headers.append(.contact, "<\(localURI(room: nil, transport: source.transport))>")
            respond(response, to: transaction)
        case .invite:
            handleInvite(request, transaction: transaction, source: source, toTag: toTag)
        case .ack:
            break  // an ACK outside any dialog: nothing to acknowledge
        case .bye, .update:
            respond(SIPResponse(answering: request, statusCode: 481, toTag: toTag), to: transaction)
        default:
            var response = SIPResponse(answering: request, statusCode: 405, toTag: toTag)
            response.headers.append(.allow, "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE")
            respond(response, to: transaction)
        }
    }

    private func handleInvite(_ request: SIPRequest, transaction: TransactionID?, source: SIPHop, toTag: String) {
        let now = ContinuousClock.now
        if draining {
            respond(drainingRefusal(request, toTag: toTag), to: transaction)
            return
        }
        guard let (roomID, offeredPIN) = Self.roomAndPIN(in: request.uri, isRoom: { rooms[$0] != nil }),
              let room = rooms[roomID] else {
            respond(SIPResponse(answering: request, statusCode: 404, reasonPhrase: "Room Not Found", toTag: toTag),
                    to: transaction)
            return
        }
        if let pin = room.pin, !pin.isEmpty {
            // A PIN is one more factor, never a replacement for digest (unless the room admits anonymous callers);
            // wrong PINs count towards the same per-source throttle as wrong passwords.
            if pinFailures.isThrottled(source.address.host, now: now) {
                respond(SIPResponse(answering: request, statusCode: 403, reasonPhrase: "Too Many Failures",
                                    toTag: toTag), to: transaction)
                return
            }
            guard let offeredPIN, AdminServer.constantTimeEqual(Array(offeredPIN.utf8), Array(pin.utf8)) else {
                if offeredPIN != nil, pinFailures.record(source.address.host, now: now) {
                    logger.warning("too many wrong room PINs: throttling source",
                                   metadata: ["source": "\(source.address.host)"])
                }
                logger.notice("room PIN missing or wrong", metadata: [
                    "source": "\(source.address)", "room": "\(roomID)", "given": "\(offeredPIN != nil)"])
                respond(SIPResponse(answering: request, statusCode: 403, reasonPhrase: "Room PIN Required",
                                    toTag: toTag), to: transaction)
                return
            }
        }
        if room.locked {
            respond(SIPResponse(answering: request, statusCode: 403, reasonPhrase: "Room Locked", toTag: toTag),
                    to: transaction)
            return
        }
        var user: String?
        if !room.allowAnonymous {
            switch authenticator.authenticate(request, source: source.address.host, now: now,
                                              lookup: { [credentials] in credentials[$0] }) {
            case .authenticated(let name):
                user = name
            case .challenge(let stale, let failure):
                if failure != .missingCredentials && failure != .staleNonce {
                    counters.authFailures += 1
                    BridgeMetrics.shared.authFailure()
                    logger.notice("authentication failed", metadata: [
                        "source": "\(source.address)", "room": "\(roomID)", "reason": "\(failure)"])
                }
                respond(authenticator.challengeResponse(to: request, toTag: toTag, stale: stale, now: now),
                        to: transaction)
                return
            case .throttled(let firstTime):
                if firstTime {
                    logger.warning("too many authentication failures: throttling source",
                                   metadata: ["source": "\(source.address.host)"])
                }
                respond(SIPResponse(answering: request, statusCode: 403, reasonPhrase: "Too Many Failures",
                                    toTag: toTag), to: transaction)
                return
            }
        }
        if let limit = room.maxParticipants, calls.values.filter({ $0.room == roomID }).count >= limit {
            var response = SIPResponse(answering: request, statusCode: 486, reasonPhrase: "Room Full", toTag: toTag)
            response.headers.append(.retryAfter, "60")
            respond(response, to: transaction)
            return
        }
        guard let offerBytes = request.sessionDescription() else {
            // The bridge does not make offers in 2xx yet; say so instead of failing later.
            var response = SIPResponse(answering: request, statusCode: 488, toTag: toTag)
            response.headers.append(.warning, "399 \(configuration.sip.domain) \"an SDP offer is required\"")
            respond(response, to: transaction)
            return
        }
        let ice = ICECredentials(usernameFragment: Self.token(8, using: &random),
                                 password: Self.token(24, using: &random))
        let negotiated: NegotiatedSession
        do {
            let offer = try SessionDescription(parsing: offerBytes)
            negotiated = try OfferAnswer.answer(to: offer, configuration: answerConfiguration(room: room, ice: ice),
                                                sessionID: UInt64.random(in: 1...UInt64(Int64.max), using: &random))
        } catch let error as SDPParseError {
            reject(request, transaction: transaction, toTag: toTag, error.sipRejection)
            return
        } catch let error as OfferRejection {
            reject(request, transaction: transaction, toTag: toTag, error.sipRejection)
            return
        } catch {
            reject(request, transaction: transaction, toTag: toTag, nil)
            return
        }

        var response = SIPResponse(answering: request, statusCode: 200, toTag: toTag)
        let contact = NameAddress(uri: SIPURI(localURI(room: roomID, transport: source.transport))!,
                                  parameters: negotiated.clue != nil ? [SIPParameter(NameAddress.clueFeatureTag)] : [])
        response.headers.append(.contact, contact.description)
        response.headers.append(.allow, "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE")
        response.headers.append(.supported, "timer")
        response.headers.append(.contentType, MediaType.sdp.description)
        response.body = Array(negotiated.local.text.utf8)
        guard let dialog = Dialog(uas: request, response: response, localContact: contact, source: source,
                                  random: SIPRandom(seed: random.next())) else {
            respond(SIPResponse(answering: request, statusCode: 400, reasonPhrase: "Cannot Create Dialog",
                                toTag: toTag), to: transaction)
            return
        }
        var call = Call(dialog: dialog, room: roomID, user: user, session: negotiated, ice: ice, started: now)
        if let transaction, let hop = transactions.responseDestination(of: transaction) {
            call.dialog.sent(response, for: request, to: hop, now: now)
        }
        store(call, for: dialog.id)
        counters.callsStarted += 1
        let id = dialog.id
        media?.open(call: id, room: roomID, negotiated: negotiated, local: ice) { [weak self] reason in
            guard let self else { return }
            self.queue.async { self.hangUp(id, reason: reason) }
        }
        logger.info("call admitted", metadata: [
            "room": "\(roomID)", "user": "\(user ?? "anonymous")", "transport": "\(source.transport)",
            "clue": "\(negotiated.clue != nil)", "call": "\(dialog.id.callID)"])
        respond(response, to: transaction)
    }

    private func handleInDialog(_ request: SIPRequest, transaction: TransactionID?, source: SIPHop) {
        let now = ContinuousClock.now
        guard let id = DialogID(incoming: request), var call = calls[id] else {
            if request.method != .ack {
                respond(SIPResponse(answering: request, statusCode: 481, toTag: nil), to: transaction)
            }
            return
        }
        switch call.dialog.receive(request, source: source, now: now) {
        case .rejected(let response):
            store(call, for: id)
            respond(response, to: transaction)
        case .acknowledged, .ignored:
            store(call, for: id)
        case .accepted:
            switch request.method {
            case .bye:
                let response = SIPResponse(answering: request, statusCode: 200, toTag: nil)
                if let transaction, let hop = transactions.responseDestination(of: transaction) {
                    call.dialog.sent(response, for: request, to: hop, now: now)
                }
                store(nil, for: id)
                counters.callsEnded += 1
                logger.info("call ended by caller", metadata: ["room": "\(call.room)", "call": "\(id.callID)"])
                respond(response, to: transaction)
            case .invite, .update:
                var response: SIPResponse
                if let offerBytes = request.sessionDescription() {
                    do {
                        let offer = try SessionDescription(parsing: offerBytes)
                        let room = rooms[call.room] ?? Room(id: call.room, allowAnonymous: false, allowPlainRTP: false)
                        // The bridge's CLUE encodings stay on the sections that carry them (RFC 8848 section 4.5.2.2);
                        // the participant's new sendonly CLUE sections are received.
                        let encodings = call.session.accepted.compactMap { media -> LocalEncoding? in
                            guard let label = media.localLabel else { return nil }
                            return LocalEncoding(label: label, kind: media.kind, ssrc: media.localSSRC)
                        }
                        call.session = try OfferAnswer.answer(
                            to: offer, configuration: answerConfiguration(room: room, ice: call.ice), sessionID: 0,
                            previous: call.session, localEncodings: encodings)
                        response = SIPResponse(answering: request, statusCode: 200, toTag: nil)
                        response.headers.append(.contentType, MediaType.sdp.description)
                        response.body = Array(call.session.local.text.utf8)
                        media?.update(call: id, negotiated: call.session)
                    } catch let error as OfferRejection {
                        response = rejection(request, toTag: nil, error.sipRejection)
                    } catch let error as SDPParseError {
                        response = rejection(request, toTag: nil, error.sipRejection)
                    } catch {
                        response = rejection(request, toTag: nil, nil)
                    }
                } else {
                    // No offer: answer with the current session (RFC 3261 section 14.2).
                    response = SIPResponse(answering: request, statusCode: 200, toTag: nil)
                    response.headers.append(.contentType, MediaType.sdp.description)
                    response.body = Array(call.session.local.text.utf8)
                }
                response.headers.append(.contact, call.dialog.localContact.description)
                if let transaction, let hop = transactions.responseDestination(of: transaction) {
                    call.dialog.sent(response, for: request, to: hop, now: now)
                }
                store(call, for: id)
                respond(response, to: transaction)
            case .options:
                store(call, for: id)
                respond(screening.optionsResponse(to: request, toTag: call.dialog.id.localTag), to: transaction)
            default:
                store(call, for: id)
                respond(SIPResponse(answering: request, statusCode: 405, toTag: nil), to: transaction)
            }
        }
    }

    private func reject(_ request: SIPRequest, transaction: TransactionID?, toTag: String, _ rejection: SIPRejection?) {
        respond(self.rejection(request, toTag: toTag, rejection), to: transaction)
    }

    private func rejection(_ request: SIPRequest, toTag: String?, _ rejection: SIPRejection?) -> SIPResponse {
        guard let rejection else {
            return SIPResponse(answering: request, statusCode: 488, toTag: toTag)
        }
        var response = SIPResponse(answering: request, statusCode: Int(rejection.statusCode),
                                   reasonPhrase: rejection.reasonPhrase, toTag: toTag)
        response.headers.append(.warning,
                                "\(rejection.warningCode) \(configuration.sip.domain) \"\(rejection.warningText)\"")
        logger.info("offer refused", metadata: ["status": "\(rejection.statusCode)",
                                                "reason": "\(rejection.warningText)"])
        return response
    }

    // MARK: Helpers

    private func answerConfiguration(room: Room, ice: ICECredentials) -> OfferAnswerConfiguration {
        let fingerprint = Fingerprint(hashFunction: .sha256, digest: identity.dtlsFingerprint.digest)
        var answer = OfferAnswerConfiguration(mediaAddress: configuration.media.address,
                                              mediaPort: configuration.media.port, ice: ice, fingerprint: fingerprint,
                                              allowPlainRTP: room.allowPlainRTP)
        // The bridge's SSRCs towards this caller (a re-answer keeps the ones announced first).
        answer.localSSRCBase = UInt32.random(in: 1...0xF000_0000, using: &random)
        return answer
    }

    private func localURI(room: String?, transport: SIPTransport) -> String {
        let listen = configuration.sip.listen.first { $0.transport.rawValue == transport.rawValue.lowercased() }
            ?? configuration.sip.listen[0]
        let host = listen.host.contains(":") ? "[\(listen.host)]" : listen.host
        let user = room.map { "\($0)@" } ?? ""
        let suffix = transport == .udp ? "" : ";transport=\(transport.rawValue.lowercased())"
        return "sip:\(user)\(host):\(listen.port)\(suffix)"
    }

    private func hop(for dialog: Dialog) -> SIPHop? {
        if let flow = dialog.remoteFlow { return flow }
        guard let host = dialog.nextHopURI.host else { return nil }
        let transport = SIPTransport(via: dialog.nextHopURI.transport ?? "udp") ?? .udp
        return SIPHop(transport: transport,
                      address: SIPAddress(host: host.address, port: dialog.nextHopURI.port ?? transport.defaultPort))
    }

    /// The room a Request-URI names, and the PIN it carries if any: `ROOM*PIN` in the user part (what a keypad can
    /// dial) or a `pin` URI parameter. A room whose own id contains `*` is matched whole first.
    static func roomAndPIN(in uri: SIPURI, isRoom: (String) -> Bool) -> (room: String, pin: String?)? {
        guard let user = uri.user, !user.isEmpty else { return nil }
        let parameter = uri.parameters.value(of: "pin")
        if !isRoom(user), let star = user.lastIndex(of: "*") {
            return (String(user[..<star]), parameter ?? String(user[user.index(after: star)...]))
        }
        return (user, parameter)
    }

    /// ICE credentials: RFC 8445 section 5.3 asks for at least 24 bits (ufrag) and 128 bits (pwd) of randomness.
    static func token(_ length: Int, using generator: inout SystemRandomNumberGenerator) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        return String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
