import CLUEModel

/// A capture a participant sends the bridge, named in that participant's own advertisement.
public struct SourceCapture: Sendable, Hashable, CustomStringConvertible {
    public var participant: String
    public var captureID: String

    public init(participant: String, captureID: String) {
        self.participant = participant
        self.captureID = captureID
    }

    public var description: String { "\(participant)/\(captureID)" }
}

/// What feeds one capture encoding the bridge sends (RFC 7667 section 3.7: the MCU switches or mixes).
public enum RouteSource: Sendable, Hashable {
    /// Forward this capture's stream (switched MCC, or a site's individual capture).
    case capture(SourceCapture)
    /// Mix the audio of everyone except `excluding` (Table 8's AC0).
    case mix(excluding: String)
    /// Compose these captures into one picture, in this order (speaker first): the composed MCC.
    case composed([SourceCapture])
    /// Nothing to send right now (no one left to show at this position).
    case nothing
}

/// One capture encoding a receiver configured, and what feeds it.
public struct Route: Sendable, Hashable {
    public var receiver: String
    /// The capture encoding's ID from the receiver's configure.
    public var captureEncodingID: String
    /// The bridge's capture it configured (what the CaptID header extension names, RFC 8849).
    public var bridgeCaptureID: String
    /// The bridge's encoding (m-line label) it goes out on.
    public var encodingID: String
    public var source: RouteSource

    public init(receiver: String, captureEncodingID: String, bridgeCaptureID: String, encodingID: String,
                source: RouteSource) {
        self.receiver = receiver
        self.captureEncodingID = captureEncodingID
        self.bridgeCaptureID = bridgeCaptureID
        self.encodingID = encodingID
        self.source = source
    }

    /// Identifies the stream: the same key across plans is the same outgoing stream.
    public var key: Key { Key(receiver: receiver, encodingID: encodingID) }

    public struct Key: Sendable, Hashable {
        public var receiver: String
        public var encodingID: String
    }
}

/// Which source goes to which receiver, for the media plane to execute (ARCHITECTURE.md principle 4).
public struct RoutingPlan: Sendable, Hashable {
    /// Receivers in join order, each in its configure's order.
    public var routes: [Route]

    public init(routes: [Route] = []) {
        self.routes = routes
    }

    /// What feeds `bridgeCaptureID` towards `receiver`, if it configured it.
    public func source(for receiver: String, bridgeCapture bridgeCaptureID: String) -> RouteSource? {
        routes.first { $0.receiver == receiver && $0.bridgeCaptureID == bridgeCaptureID }?.source
    }

    /// What changed since `previous`: streams that start, stop, or switch to another source. A switch to a
    /// captured source is where the media plane asks the new source for a keyframe (RFC 5104 PLI/FIR) and holds
    /// its packets until one arrives; nothing else changes a stream's content.
    public func changes(since previous: RoutingPlan) -> RoutingPlanChanges {
        let old = Dictionary(previous.routes.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        let new = Dictionary(routes.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        var changes = RoutingPlanChanges()
        for route in routes {
            guard let before = old[route.key] else {
                changes.started.append(route)
                continue
            }
            if before.source != route.source || before.bridgeCaptureID != route.bridgeCaptureID {
                changes.switched.append(RoutingPlanChanges.Switch(from: before, to: route))
            }
        }
        changes.stopped = previous.routes.filter { new[$0.key] == nil }
        return changes
    }
}

public struct RoutingPlanChanges: Sendable, Hashable {
    public struct Switch: Sendable, Hashable {
        public var from: Route
        public var to: Route
    }

    public var started: [Route] = []
    public var switched: [Switch] = []
    public var stopped: [Route] = []

    public var isEmpty: Bool { started.isEmpty && switched.isEmpty && stopped.isEmpty }

    /// The sources to ask for a keyframe: each new captured source of a started or switched stream, once.
    public var keyframeRequests: [SourceCapture] {
        var seen = Set<SourceCapture>()
        return (started + switched.map(\.to)).flatMap { route -> [SourceCapture] in
            switch route.source {
            case .capture(let source): [source]
            case .composed(let sources): sources
            case .mix, .nothing: []
            }
        }.filter { seen.insert($0).inserted }
    }
}

extension Conference {
    /// The capture encodings `participant` receives: its configure, or for a plain SIP endpoint (no
    /// advertisement, no configure) the current speaker on its first video encoding and AC0 on its first audio one.
    func effectiveConfigure(of participant: Participant) -> [CaptureEncoding] {
        if let configure = participant.configure { return configure }
        guard participant.advertisement == nil else { return [] }
        var implicit: [CaptureEncoding] = []
        if let video = participant.videoEncodings.first {
            implicit.append(CaptureEncoding(id: "main-video", captureID: SwitchedCaptures.slots(screens: 1)[0].captureID,
                                            encodingID: video.id))
        }
        if let audio = participant.audioEncodings.first {
            implicit.append(CaptureEncoding(id: "main-audio", captureID: SwitchedCaptures.mixedAudioID,
                                            encodingID: audio.id))
        }
        return implicit
    }

    /// Participants in speaker order: those in `speakerOrder` (most recent talker first, as `SpeakerTracker.order`
    /// gives it) that are here, then everyone else in join order.
    public func ranked(_ speakerOrder: [String]) -> [String] {
        let present = Set(participants.map(\.id))
        var seen = Set<String>()
        let talkers = speakerOrder.filter { present.contains($0) && seen.insert($0).inserted }
        return talkers + participants.map(\.id).filter { !seen.contains($0) }
    }

    /// The routing plan (RFC 8845 sections 7.2.1.2 and 12.3.3): for every receiver and every capture encoding it
    /// configured, what feeds it.
    ///
    /// - SoundLevel:N (one and two screens): the center camera of the N-th site in speaker order, the receiver
    ///   itself left out (a talker sees the previous talker).
    /// - The synchronized three- and four-screen views: filled as one group by `SwitchedCaptures.fill`, so a
    ///   three-camera site's cameras land left to right together.
    /// - RoundRobin:0: site `roundRobinTurn` modulo the candidates (the receiver's chosen subset, if any).
    /// - AC0: the mix without the receiver; a site's own capture: that capture.
    public func routingPlan(speakerOrder: [String], roundRobinTurn: Int) -> RoutingPlan {
        let sources = allSources()
        let bySite = Dictionary(sources.map { ($0.participant, $0) }, uniquingKeysWith: { a, _ in a })
        let order = ranked(speakerOrder).compactMap { bySite[$0] }
        var routes: [Route] = []
        for receiver in participants {
            let ranked = order.filter { $0.participant != receiver.id }
            var fills: [Int: [(site: String, capture: String)?]] = [:]
            for encoding in effectiveConfigure(of: receiver) {
                let source = self.source(of: encoding, for: receiver.id, ranked: ranked, fills: &fills,
                                         roundRobinTurn: roundRobinTurn)
                routes.append(Route(receiver: receiver.id, captureEncodingID: encoding.id,
                                    bridgeCaptureID: encoding.captureID, encodingID: encoding.encodingID,
                                    source: source))
            }
        }
        return RoutingPlan(routes: routes)
    }

    private func source(of encoding: CaptureEncoding, for receiver: String, ranked: [SiteSources],
                        fills: inout [Int: [(site: String, capture: String)?]], roundRobinTurn: Int) -> RouteSource {
        let id = encoding.captureID
        if id == SwitchedCaptures.mixedAudioID { return .mix(excluding: receiver) }
        if let slot = SwitchedCaptures.slot(id) {
            if let rank = slot.rank {
                guard rank < ranked.count, let center = ranked[rank].centerVideo else { return .nothing }
                return .capture(SourceCapture(participant: ranked[rank].participant, captureID: center))
            }
            if fills[slot.screens] == nil { fills[slot.screens] = SwitchedCaptures.fill(screens: slot.screens, from: ranked) }
            guard let filled = fills[slot.screens]?[slot.position] else { return .nothing }
            return .capture(SourceCapture(participant: filled.site, captureID: filled.capture))
        }
        if id == SwitchedCaptures.composedID {
            let shown = ranked.prefix(SwitchedCaptures.composedTiles).compactMap { sources in
                sources.centerVideo.map { SourceCapture(participant: sources.participant, captureID: $0) }
            }
            return shown.isEmpty ? .nothing : .composed(shown)
        }
        if id == SwitchedCaptures.roundRobinID {
            var candidates = ranked.sorted { $0.site.number < $1.site.number }.compactMap { sources in
                sources.centerVideo.map { (sources, $0) }
            }
            if let subset = encoding.configuredContent {
                let chosen = Set(subset.mediaCaptureIDs)
                candidates = candidates.filter { sources, capture in
                    sources.site.bridgeID(.videoCapture, capture).map(chosen.contains) ?? false
                }
            }
            guard !candidates.isEmpty else { return .nothing }
            let turn = ((roundRobinTurn % candidates.count) + candidates.count) % candidates.count
            let (sources, capture) = candidates[turn]
            return .capture(SourceCapture(participant: sources.participant, captureID: capture))
        }
        for sources in ranked {
            if let capture = sources.sourceCapture(forBridgeID: id) {
                return .capture(SourceCapture(participant: sources.participant, captureID: capture))
            }
        }
        return .nothing
    }
}
