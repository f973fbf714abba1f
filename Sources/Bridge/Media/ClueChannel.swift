import CLUEModel
import CLUEProtocol

/// The bridge's end of one participant's CLUE data channel: the RFC 8847 participant machine, with the bridge's
/// decisions as Media Provider (advertise the room as this participant sees it, answer configures) and as Media
/// Consumer (acknowledge the participant's advertisements).
///
/// Pure: bytes and time in, bytes to send, the next deadline and what happened out. Confined to the session queue.
struct ClueChannel {
    /// What the session should know about one step.
    enum Note: Sendable, Equatable {
        case negotiated(version: String)
        case received(type: String, sequenceNumber: UInt64?)
        case sent(type: String, responseCode: UInt16?)
        /// A message we refused, with the code sent back (or nil when it could not be answered).
        case refused(type: String, code: UInt16?, reason: String)
        case ignored(type: String, reason: String)
        case terminated(String)
        /// Encoding our own message failed: a bug, logged loudly.
        case encodingFailed(String)
    }

    struct Output {
        var messages: [[UInt8]] = []
        var notes: [Note] = []
        /// The participant's advertisement was acknowledged: the conference should learn it.
        var acknowledgedAdvertisement: Advertisement?
        /// The participant's configure of our captures was accepted.
        var acceptedConfigure: [CaptureEncoding]?
        /// The participant accepted the bridge's configure of its captures: these now flow on these encodings.
        var peerAcceptedConfigure: [CaptureEncoding]?
    }

    private(set) var machine: ParticipantStateMachine
    /// The protocol machine's retransmission deadline.
    private var machineDeadline: ContinuousClock.Instant?
    /// When captures the room stopped needing are released, unless needed again by then.
    private var releaseAt: ContinuousClock.Instant?
    /// How long the bridge keeps configured captures that are no longer needed: a site joining (advertised, not yet
    /// configured) or a speaker change must not stop and restart a camera the others are about to watch again.
    static let releaseDelay: Duration = .seconds(2)

    /// When `timerFired` wants to run next.
    var deadline: ContinuousClock.Instant? { [machineDeadline, releaseAt].compactMap { $0 }.min() }
    /// The participant's latest acknowledged advertisement: what the conference may configure and show others.
    private(set) var peerAdvertisement: Advertisement?
    /// What we advertised last, by sequence number: a configure is checked against the one it names.
    private(set) var sentAdvertisements: [UInt64: Advertisement] = [:]
    /// The participant's established configure of our captures.
    private(set) var configured: [CaptureEncoding] = []
    private let limits: XMLReaderLimits
    private let advertisement: () -> Advertisement
    /// Checks a configure against the advertisement it names; nil when acceptable, else the error to answer with.
    private let checkConfigure: ([CaptureEncoding], Advertisement) -> ClueProtocolError?
    /// Which of the participant's captures the room needs, given its advertisement (the bridge as Media Consumer,
    /// RFC 8845 section 12.1.3); nil or empty when none.
    private let captureNeeds: (Advertisement) -> [CaptureEncoding]?
    /// What the bridge last configured of the participant (sent, maybe not yet answered).
    private(set) var configuredOfPeer: [CaptureEncoding]?
    /// What the participant accepted of the bridge's configures: its captures that flow now.
    private(set) var acceptedByPeer: [CaptureEncoding] = []

    /// `advertisement` gives the room as this participant should see it at the moment it is called.
    init(role: ParticipantStateMachine.ChannelRole, clueID: String?, limits: XMLReaderLimits,
         advertisement: @escaping () -> Advertisement,
         checkConfigure: @escaping ([CaptureEncoding], Advertisement) -> ClueProtocolError? = { encodings, advertised in
             advertised.issues(configuring: encodings).first { $0.severity == .error }
                 .map(ClueChannel.protocolError(for:))
         },
         captureNeeds: @escaping (Advertisement) -> [CaptureEncoding]? = { _ in nil }) {
        var generator = SystemRandomNumberGenerator()
        machine = ParticipantStateMachine(configuration: .init(
            channelRole: role,
            capabilities: ClueCapabilities(roles: ClueRoles(mediaProvider: true, mediaConsumer: true)),
            clueID: clueID,
            initialSequenceNumbers: .random(using: &generator)))
        self.limits = limits
        self.advertisement = advertisement
        self.checkConfigure = checkConfigure
        self.captureNeeds = captureNeeds
    }

    /// The room's needs may have changed (someone joined, left or configured): configure the participant's
    /// captures again when they differ from what was last configured. Only from CONF or ESTABLISHED; otherwise the
    /// next acknowledged advertisement brings it up to date.
    /// While a configure waits for its response the room's needs are checked again when it comes.
    mutating func reconfigure(now: ContinuousClock.Instant) -> Output {
        var output = Output()
        reconfigure(into: &output, now: now)
        return output
    }

    private mutating func reconfigure(into output: inout Output, now: ContinuousClock.Instant) {
        guard let advertisement = peerAdvertisement, let state = machine.consumer?.state,
              state == .conf || state == .established else { return }
        let needs = captureNeeds(advertisement) ?? []
        guard needs != (configuredOfPeer ?? []) else {
            releaseAt = nil
            return
        }
        // Fewer captures than configured, none new: released only if still not needed after the delay.
        let configuredCaptures = Set((configuredOfPeer ?? []).map(\.captureID))
        if Set(needs.map(\.captureID)).isStrictSubset(of: configuredCaptures) {
            if releaseAt == nil { releaseAt = now + Self.releaseDelay }
            if let releaseAt, now < releaseAt { return }
        }
        releaseAt = nil
        configuredOfPeer = needs
        carry(out: (try? machine.sendConfigure(captureEncodings: needs.isEmpty ? nil : needs)) ?? [],
              into: &output, now: now)
    }

    /// The SCTP association is up and the CLUE stream usable: the initiator sends `options`.
    mutating func opened(now: ContinuousClock.Instant) -> Output {
        var output = Output()
        carry(out: machine.startChannel(), into: &output, now: now)
        carry(out: machine.channelEstablished(now: now), into: &output, now: now)
        return output
    }

    mutating func closed() -> Output {
        var output = Output()
        carry(out: machine.channelFailed(), into: &output, now: .now)
        return output
    }

    mutating func timerFired(now: ContinuousClock.Instant) -> Output {
        var output = Output()
        if let machineDeadline, now >= machineDeadline {
            self.machineDeadline = nil
            carry(out: machine.timerFired(now: now), into: &output, now: now)
        }
        if let releaseAt, now >= releaseAt {
            reconfigure(into: &output, now: now)
        }
        return output
    }

    /// One message from the CLUE stream.
    mutating func receive(_ bytes: [UInt8], now: ContinuousClock.Instant) -> Output {
        var output = Output()
        let document: CLUEDocument
        do {
            document = try CLUEDocument(xml: bytes, limits: limits)
        } catch {
            let root = Self.rootName(of: bytes) ?? "?"
            let protocolError = ClueProtocolError(error)
            guard let sequenceNumber = Self.sequenceNumber(in: bytes) else {
                output.notes.append(.refused(type: root, code: nil, reason: "\(error)"))
                return output
            }
            let actions = machine.receiveUnreadable(root: root, sequenceNumber: sequenceNumber, error: protocolError)
            output.notes.append(.refused(type: root, code: actions.isEmpty ? nil : protocolError.responseCode.rawValue,
                                         reason: "\(error)"))
            carry(out: actions, into: &output, now: now)
            return output
        }
        guard case .message(let message) = document else {
            output.notes.append(.refused(type: "clueInfo", code: nil, reason: "a clueInfo document is not a message"))
            return output
        }
        output.notes.append(.received(type: message.elementName, sequenceNumber: message.header.sequenceNumber))
        carry(out: machine.receive(message), into: &output, now: now)
        return output
    }

    /// The room changed: advertise again (next sequence number; the machine handles whatever was in flight).
    mutating func readvertise(now: ContinuousClock.Instant) -> Output {
        var output = Output()
        guard machine.provider != nil else { return output }
        advertise(into: &output, now: now)
        return output
    }

    // MARK: Carrying out the machine's actions

    private mutating func carry(out actions: [ClueAction], into output: inout Output, now: ContinuousClock.Instant) {
        for action in actions {
            switch action {
            case .send(let message):
                do {
                    output.messages.append(Array(try message.xml(indentation: nil).utf8))
                    output.notes.append(.sent(type: message.elementName, responseCode: message.responseCode))
                } catch {
                    output.notes.append(.encodingFailed("\(message.elementName): \(error)"))
                }
            case .armTimer(let deadline):
                machineDeadline = deadline
            case .cancelTimer:
                machineDeadline = nil
            case .deliver(let event):
                handle(event, into: &output, now: now)
            case .terminate(let reason):
                peerAdvertisement = nil
                configured = []
                output.notes.append(.terminated("\(reason)"))
            }
        }
    }

    private mutating func handle(_ event: ClueEvent, into output: inout Output, now: ContinuousClock.Instant) {
        switch event {
        case .negotiated(let negotiated):
            output.notes.append(.negotiated(version: "\(negotiated.version)"))
            if negotiated.runsMediaProvider { advertise(into: &output, now: now) }
        case .advertisementReceived(let message):
            // Acknowledge what can be used; NACK what cannot, with the first error's code (RFC 8847 section 5.4).
            let errors = message.advertisement.semanticIssues().filter { $0.severity == .error }
            if let first = errors.first {
                carry(out: (try? machine.sendNack(Self.protocolError(for: first))) ?? [], into: &output, now: now)
            } else {
                peerAdvertisement = message.advertisement
                output.acknowledgedAdvertisement = message.advertisement
                carry(out: (try? machine.sendAck()) ?? [], into: &output, now: now)
                // Then configure what the room needs of it (a separate configure, from CONF).
                configuredOfPeer = nil
                let needs = captureNeeds(message.advertisement) ?? []
                if !needs.isEmpty {
                    configuredOfPeer = needs
                    carry(out: (try? machine.sendConfigure(captureEncodings: needs)) ?? [], into: &output, now: now)
                }
            }
        case .configureReceived(let configure):
            guard let advertised = sentAdvertisements[configure.advertisementSequenceNumber] else {
                let error = ClueProtocolError.advertisementExpired(configure.advertisementSequenceNumber)
                carry(out: (try? machine.rejectConfigure(error)) ?? [], into: &output, now: now)
                return
            }
            if let error = checkConfigure(configure.captureEncodings ?? [], advertised) {
                output.notes.append(.refused(type: "configure", code: error.responseCode.rawValue,
                                             reason: error.description))
                carry(out: (try? machine.rejectConfigure(error)) ?? [], into: &output, now: now)
            } else {
                configured = configure.captureEncodings ?? []
                output.acceptedConfigure = configured
                carry(out: (try? machine.acceptConfigure()) ?? [], into: &output, now: now)
            }
        case .configureAccepted:
            acceptedByPeer = configuredOfPeer ?? []
            output.peerAcceptedConfigure = acceptedByPeer
            // The room may have changed while it was in flight.
            reconfigure(into: &output, now: now)
        case .advertisementAcknowledged:
            break
        case .advertisementRejected(let ack):
            output.notes.append(.ignored(type: "ack", reason: "our advertisement was NACKed: \(ack.status)"))
        case .configureRejected(let response):
            output.notes.append(.ignored(type: "configureResponse", reason: "our configure failed: \(response.status)"))
        case .messageRejected(let message, let error):
            output.notes.append(.refused(type: message.elementName, code: error.responseCode.rawValue,
                                         reason: error.description))
        case .messageIgnored(let message, let error):
            output.notes.append(.ignored(type: message.elementName, reason: error.description))
        }
    }

    private mutating func advertise(into output: inout Output, now: ContinuousClock.Instant) {
        let current = advertisement()
        let sequenceNumber = machine.provider?.nextSequenceNumber
        guard let actions = try? machine.sendAdvertisement(current) else { return }
        if let sequenceNumber {
            // Keep the last few: a configure may name the previous one while the new one is in flight (404 then).
            sentAdvertisements = sentAdvertisements.filter { $0.key + 4 > sequenceNumber }
            sentAdvertisements[sequenceNumber] = current
        }
        carry(out: actions, into: &output, now: now)
    }

    // MARK: Errors

    /// Maps a semantic issue to the response code RFC 8847 Table 1 gives its family.
    static func protocolError(for issue: SemanticIssue) -> ClueProtocolError {
        if issue.rule == .subsetChoiceNotAllowed { return .subsetChoiceNotAllowed(captureID: issue.location.description) }
        switch issue.category {
        case .syntax: return .badSyntax(issue.message)
        case .invalidValue: return .invalidValue(issue.message)
        case .conflictingValues: return .conflictingValues(issue.message)
        case .semantic: return .semantic(issue.message)
        }
    }

    /// The local name of the first element, read without parsing (the document may be anything).
    static func rootName(of bytes: [UInt8]) -> String? {
        var index = 0
        while index < bytes.count {
            guard let open = bytes[index...].firstIndex(of: UInt8(ascii: "<")), open + 1 < bytes.count else {
                return nil
            }
            let next = bytes[open + 1]
            if next == UInt8(ascii: "?") || next == UInt8(ascii: "!") {
                index = open + 1
                continue
            }
            let name = bytes[(open + 1)...].prefix { byte in
                byte != UInt8(ascii: " ") && byte != UInt8(ascii: ">") && byte != UInt8(ascii: "/")
                    && byte != 9 && byte != 10 && byte != 13
            }.prefix(64)
            let text = String(decoding: name, as: UTF8.self)
            return text.split(separator: ":").last.map(String.init)
        }
        return nil
    }

    /// The number in the first `sequenceNr` element, if it can be made out.
    static func sequenceNumber(in bytes: [UInt8]) -> UInt64? {
        let marker = Array("sequenceNr>".utf8)
        guard bytes.count >= marker.count else { return nil }
        for start in 0...(bytes.count - marker.count) where bytes[start..<(start + marker.count)].elementsEqual(marker) {
            guard start > 0, bytes[start - 1] != UInt8(ascii: "/") else { continue }
            let digits = bytes[(start + marker.count)...].prefix { (48...57).contains($0) }.prefix(19)
            return UInt64(String(decoding: digits, as: UTF8.self))
        }
        return nil
    }
}

extension ClueMessage {
    /// The response code carried by a response message, for logs and metrics.
    var responseCode: UInt16? {
        switch self {
        case .optionsResponse(let m): m.status.code
        case .ack(let m): m.status.code
        case .configureResponse(let m): m.status.code
        case .options, .advertisement, .configure: nil
        }
    }
}
