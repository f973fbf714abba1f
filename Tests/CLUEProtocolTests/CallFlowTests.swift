import CLUEModel
import CLUEProtocol
import Testing

/// Two participants joined by a simulated CLUE data channel (reliable, ordered, fixed latency), stepped by a clock
/// the test advances. It carries out each participant's actions the way a driver would and keeps what it saw.
struct TwoParties {
    enum Side: Hashable, CustomStringConvertible {
        case bridge
        case endpoint

        var peer: Side { self == .bridge ? .endpoint : .bridge }
        var description: String { self == .bridge ? "bridge" : "endpoint" }
    }

    struct InFlight {
        var deliverAt: ContinuousClock.Instant
        var to: Side
        var message: ClueMessage
    }

    var clock = TestClock()
    let latency: Duration = .milliseconds(40)
    var bridge: ParticipantStateMachine
    var endpoint: ParticipantStateMachine
    private(set) var inFlight: [InFlight] = []
    /// Every message sent, by whom, in sending order.
    private(set) var transcript: [(from: Side, message: ClueMessage)] = []
    /// Events delivered to each side's application and not yet taken by the test.
    private(set) var events: [Side: [ClueEvent]] = [.bridge: [], .endpoint: []]
    private(set) var timers: [Side: ContinuousClock.Instant] = [:]
    private(set) var terminations: [Side: [ClueTermination]] = [:]

    subscript(side: Side) -> ParticipantStateMachine {
        get { side == .bridge ? bridge : endpoint }
        set { if side == .bridge { bridge = newValue } else { endpoint = newValue } }
    }

    /// Runs an event on one side and carries out the actions it returns.
    mutating func on(_ side: Side, _ event: (inout ParticipantStateMachine) throws -> [ClueAction]) rethrows {
        var participant = self[side]
        let actions = try event(&participant)
        self[side] = participant
        perform(actions, by: side)
    }

    private mutating func perform(_ actions: [ClueAction], by side: Side) {
        for action in actions {
            switch action {
            case .send(let message):
                transcript.append((side, message))
                inFlight.append(InFlight(deliverAt: clock.now + latency, to: side.peer, message: message))
            case .armTimer(let deadline):
                timers[side] = deadline
            case .cancelTimer:
                timers[side] = nil
            case .deliver(let event):
                events[side, default: []].append(event)
            case .terminate(let reason):
                terminations[side, default: []].append(reason)
            }
        }
    }

    /// Delivers everything in flight, in order, advancing the clock to each arrival and firing timers that fall due
    /// on the way, until the channel is quiet.
    mutating func deliverAll() {
        while !inFlight.isEmpty {
            let next = inFlight.removeFirst()
            fireTimers(upTo: next.deliverAt)
            if next.deliverAt > clock.now { clock.advance(by: clock.now.duration(to: next.deliverAt)) }
            on(next.to) { $0.receive(next.message) }
        }
    }

    /// Advances the clock by `duration`, firing timers that fall due.
    mutating func wait(_ duration: Duration) {
        let end = clock.now + duration
        fireTimers(upTo: end)
        clock.advance(by: clock.now.duration(to: end))
    }

    private mutating func fireTimers(upTo instant: ContinuousClock.Instant) {
        for side in [Side.bridge, .endpoint] {
            guard let deadline = timers[side], deadline <= instant else { continue }
            timers[side] = nil
            if deadline > clock.now { clock.advance(by: clock.now.duration(to: deadline)) }
            let now = clock.now
            on(side) { $0.timerFired(now: now) }
        }
    }

    /// The events delivered to `side` since the last call.
    mutating func takeEvents(_ side: Side) -> [ClueEvent] {
        defer { events[side] = [] }
        return events[side] ?? []
    }
}

@Suite struct CallFlowTests {
    /// One row of the section 10 table: element, sender's sequence number, and the number it refers to.
    struct Row: Equatable, CustomStringConvertible {
        var element: String
        var sequenceNumber: UInt64
        var refersTo: UInt64?
        var description: String { "\(element) \(sequenceNumber)" + (refersTo.map { " -> \($0)" } ?? "") }

        init(_ element: String, _ sequenceNumber: UInt64, _ refersTo: UInt64? = nil) {
            self.element = element
            self.sequenceNumber = sequenceNumber
            self.refersTo = refersTo
        }

        init(_ message: ClueMessage) {
            let refersTo: UInt64? = switch message {
            case .ack(let m): m.advertisementSequenceNumber
            case .configure(let m): m.advertisementSequenceNumber
            case .configureResponse(let m): m.configureSequenceNumber
            case .options, .optionsResponse, .advertisement: nil
            }
            let element = if case .configure(let m) = message, m.ack != nil { "configure+ack" }
                else { message.elementName }
            self.init(element, message.header.sequenceNumber, refersTo)
        }
    }

    /// Bridge (CP1, initiator) and endpoint (CP2) run the RFC 8847 section 10 flow both ways to ESTABLISHED.
    @Test func sectionTenCallFlow() throws {
        // CP1 supports 1.4 and 2.7, CP2 3.0, 2.9 and 1.9 (section 10); they settle on 2.7. The initial numbers are
        // the ones of the section 10 messages.
        var flow = TwoParties(
            bridge: ParticipantStateMachine(configuration: .init(
                channelRole: .initiator,
                capabilities: ClueCapabilities(roles: .providerAndConsumer,
                                               supportedVersions: [ProtocolVersion(1, 4), ProtocolVersion(2, 7)]),
                clueID: "CP1",
                initialSequenceNumbers: InitialSequenceNumbers(initiation: 51, mediaProvider: 11,
                                                               mediaConsumer: 31))),
            endpoint: ParticipantStateMachine(configuration: .init(
                channelRole: .receiver,
                capabilities: ClueCapabilities(roles: .providerAndConsumer,
                                               supportedVersions: [ProtocolVersion(3, 0), ProtocolVersion(2, 9),
                                                                   ProtocolVersion(1, 9)]),
                clueID: "CP2",
                initialSequenceNumbers: InitialSequenceNumbers(initiation: 62, mediaProvider: 41,
                                                               mediaConsumer: 22))))
        let start = flow.clock.now
        let roomAdvertisement = Fixture.advertisement(scene: "CS1")
        let roomWithComposedCapture = Fixture.advertisement(scene: "CS2")
        let endpointAdvertisement = Fixture.advertisement(scene: "EP1")

        // The channel comes up on both sides; the initiator sends options (1).
        flow.on(.bridge) { $0.startChannel() }
        flow.on(.endpoint) { $0.startChannel() }
        flow.on(.bridge) { $0.channelEstablished(now: start) }
        flow.on(.endpoint) { $0.channelEstablished(now: start) }
        #expect(flow.timers[.bridge] == start + .seconds(10))
        flow.deliverAll()  // options -> optionsResponse (2)

        #expect(flow.bridge.state == .active)
        #expect(flow.endpoint.state == .active)
        #expect(flow.timers.isEmpty)
        let negotiated = try #require(flow.bridge.negotiated)
        #expect(negotiated.version == ProtocolVersion(2, 7))
        #expect(negotiated.extensions.isEmpty)
        #expect(flow.endpoint.negotiated?.version == ProtocolVersion(2, 7))
        #expect(flow.takeEvents(.bridge) == [.negotiated(negotiated)])
        #expect(flow.takeEvents(.endpoint).count == 1)

        // Both sides advertise as Media Providers (3, and the other direction).
        try flow.on(.bridge) { try $0.sendAdvertisement(roomAdvertisement) }
        try flow.on(.endpoint) { try $0.sendAdvertisement(endpointAdvertisement) }
        flow.deliverAll()
        #expect(flow.bridge.provider?.state == .waitForAck)
        #expect(flow.bridge.consumer?.state == .advProcessing)
        #expect(flow.endpoint.consumer?.state == .advProcessing)
        let advertisementAtEndpoint = try #require(flow.takeEvents(.endpoint).first)
        guard case .advertisementReceived(let received) = advertisementAtEndpoint else {
            Issue.record("expected the bridge's advertisement, got \(advertisementAtEndpoint)")
            return
        }
        #expect(received.advertisement == roomAdvertisement)
        #expect(received.header.version == ProtocolVersion(2, 7))
        #expect(flow.takeEvents(.bridge).count == 1)

        // The endpoint configures at once with configure+ack (4); the bridge acks and configures later.
        try flow.on(.endpoint) { try $0.sendConfigure(captureEncodings: Fixture.encodings) }
        try flow.on(.bridge) { try $0.sendAck() }
        flow.deliverAll()
        #expect(flow.bridge.provider?.state == .confResponse)
        #expect(flow.endpoint.provider?.state == .waitForConf)
        #expect(flow.takeEvents(.bridge).map(\.isConfigureReceived) == [true])
        #expect(flow.takeEvents(.endpoint).count == 1)  // advertisementAcknowledged

        // The bridge accepts (5) and configures the endpoint's captures; the endpoint accepts that.
        try flow.on(.bridge) { try $0.acceptConfigure() }
        try flow.on(.bridge) { try $0.sendConfigure(captureEncodings: []) }
        flow.deliverAll()
        try flow.on(.endpoint) { try $0.acceptConfigure() }
        flow.deliverAll()
        #expect(flow.bridge.provider?.state == .established)
        #expect(flow.bridge.consumer?.state == .established)
        #expect(flow.endpoint.provider?.state == .established)
        #expect(flow.endpoint.consumer?.state == .established)
        _ = flow.takeEvents(.bridge)
        _ = flow.takeEvents(.endpoint)

        // The room changes: the bridge re-advertises (6); the endpoint acks (7), then configures (8); the bridge
        // accepts (9).
        flow.wait(.seconds(30))
        try flow.on(.bridge) { try $0.sendAdvertisement(roomWithComposedCapture) }
        flow.deliverAll()
        #expect(flow.bridge.provider?.state == .waitForAck)
        #expect(flow.endpoint.consumer?.state == .advProcessing)
        try flow.on(.endpoint) { try $0.sendAck() }
        flow.deliverAll()
        #expect(flow.bridge.provider?.state == .waitForConf)
        try flow.on(.endpoint) { try $0.sendConfigure(captureEncodings: Fixture.encodings) }
        flow.deliverAll()
        #expect(flow.bridge.provider?.state == .confResponse)
        try flow.on(.bridge) { try $0.acceptConfigure() }
        flow.deliverAll()

        for side in [TwoParties.Side.bridge, .endpoint] {
            #expect(flow[side].state == .active, "\(side)")
            #expect(flow[side].provider?.state == .established, "\(side)")
            #expect(flow[side].consumer?.state == .established, "\(side)")
        }
        #expect(flow.terminations.isEmpty)
        #expect(flow.takeEvents(.endpoint).last.map(\.isConfigureAccepted) == true)
        #expect(flow.events.values.allSatisfy { $0.allSatisfy { $0.refusal == nil } })

        // The CP1-to-CP2 direction is exactly the message sequence of section 10, with its numbers.
        let mediaFromBridge = flow.transcript.filter { entry in
            switch entry.message.sequenceStream {
            case .initiation: true
            case .mediaProvider: entry.from == .bridge
            case .mediaConsumer: entry.from == .endpoint
            }
        }
        #expect(mediaFromBridge.map { Row($0.message) } == [
            Row("options", 51), Row("optionsResponse", 62),
            Row("advertisement", 11), Row("configure+ack", 22, 11), Row("configureResponse", 12, 22),
            Row("advertisement", 13), Row("ack", 23, 13), Row("configure", 24, 13), Row("configureResponse", 14, 24),
        ])
        #expect(flow.transcript.first?.message.header.version == ProtocolVersion(1, 4))
        #expect(flow.transcript.dropFirst(2).allSatisfy { $0.message.header.version == ProtocolVersion(2, 7) })

        // The other direction: endpoint advertisement, bridge ack, bridge configure, endpoint configureResponse.
        let mediaFromEndpoint = flow.transcript.filter { entry in
            switch entry.message.sequenceStream {
            case .initiation: false
            case .mediaProvider: entry.from == .endpoint
            case .mediaConsumer: entry.from == .bridge
            }
        }
        #expect(mediaFromEndpoint.map { Row($0.message) } == [
            Row("advertisement", 41), Row("ack", 31, 41), Row("configure", 32, 41), Row("configureResponse", 42, 32),
        ])

        // The whole call took simulated time only: ten one-way trips (messages sent together travel together)
        // plus the 30 s pause, and no timer is left.
        #expect(flow.clock.now - start == .seconds(30) + flow.latency * 10)
        #expect(flow.timers.isEmpty)
    }

    /// When the endpoint never answers, the bridge's options timeout fires on the test clock and ends the session.
    @Test func silentReceiverTimesOut() {
        var flow = TwoParties(bridge: .make(.initiator), endpoint: .make(.receiver))
        let start = flow.clock.now
        flow.on(.bridge) { $0.startChannel() }
        flow.on(.bridge) { $0.channelEstablished(now: start) }
        flow.wait(.seconds(11))  // the options is never delivered
        #expect(flow.bridge.state == .idle)
        #expect(flow.terminations[.bridge] == [.optionsTimeout])
        #expect(flow.timers.isEmpty)
        #expect(flow.clock.now - start == .seconds(11))
    }
}

extension ClueEvent {
    var isConfigureReceived: Bool { if case .configureReceived = self { true } else { false } }
    var isConfigureAccepted: Bool { if case .configureAccepted = self { true } else { false } }
}
