import CLUEModel
import Testing
@testable import Conference

@Suite struct RoutingPlanTests {
    static func source(_ participant: String, _ capture: String) -> RouteSource {
        .capture(SourceCapture(participant: participant, captureID: capture))
    }

    /// The conference of ConfigureTests plus delta's four-screen view.
    static func conference() throws -> Conference {
        var conference = try ConfigureTests.configured()
        conference.join(Cast.delta)
        let delta = try #require(conference.participant("delta"))
        conference.setConfigure(Cast.configure(["MCC6", "MCC7", "MCC8", "MCC9"], of: delta), of: "delta")
        return conference
    }

    /// The speaker's site on SoundLevel:0, the previous on SoundLevel:1, a talker sees the previous talker, and
    /// AC0 is everyone but the receiver.
    @Test func soundLevelRoutes() throws {
        let conference = try Self.conference()
        let plan = conference.routingPlan(speakerOrder: ["bravo", "alpha"], roundRobinTurn: 0)
        // Charlie's one screen shows bravo's center camera (of two, the left one).
        #expect(plan.source(for: "charlie", bridgeCapture: "MCC0") == Self.source("bravo", "left"))
        // Bravo talks: it sees alpha (center, VC1) then charlie, the next in order.
        #expect(plan.source(for: "bravo", bridgeCapture: "MCC1") == Self.source("alpha", "VC1"))
        #expect(plan.source(for: "bravo", bridgeCapture: "MCC2") == Self.source("charlie", "VC0"))
        #expect(plan.source(for: "bravo", bridgeCapture: "AC0") == .mix(excluding: "bravo"))
        // Alpha's three screens: bravo's two cameras left to right, then charlie.
        #expect(["MCC3", "MCC4", "MCC5"].map { plan.source(for: "alpha", bridgeCapture: $0) }
                    == [Self.source("bravo", "left"), Self.source("bravo", "right"), Self.source("charlie", "VC0")])
        #expect(plan == conference.routingPlan(speakerOrder: ["bravo", "alpha"], roundRobinTurn: 0))
    }

    /// A three-camera site fills a synchronized view in spatial order (listed center, right, left; shown left,
    /// center, right), and the fourth screen takes the next site.
    @Test func threeCameraSiteFillsSynchronizedView() throws {
        let conference = try Self.conference()
        let plan = conference.routingPlan(speakerOrder: ["alpha", "charlie"], roundRobinTurn: 0)
        #expect(["MCC6", "MCC7", "MCC8", "MCC9"].map { plan.source(for: "delta", bridgeCapture: $0) }
                    == [Self.source("alpha", "VC0"), Self.source("alpha", "VC1"), Self.source("alpha", "VC2"),
                        Self.source("charlie", "VC0")])
        // Alpha itself sees bravo and charlie filling its three screens.
        #expect(plan.source(for: "alpha", bridgeCapture: "MCC3") == Self.source("charlie", "VC0"))
        // With one site left to show, the rest of a view is empty rather than repeated.
        var two = try ConfigureTests.configured()
        two.leave("bravo")
        let sparse = two.routingPlan(speakerOrder: ["charlie"], roundRobinTurn: 0)
        #expect(sparse.source(for: "alpha", bridgeCapture: "MCC4") == .nothing)
    }

    /// A speaker switch changes exactly the switched streams; keyframes are asked of the new sources only.
    @Test func planChangesOnSwitch() throws {
        let conference = try Self.conference()
        let before = conference.routingPlan(speakerOrder: ["bravo", "alpha"], roundRobinTurn: 0)
        #expect(before.changes(since: before).isEmpty)
        let after = conference.routingPlan(speakerOrder: ["alpha", "bravo"], roundRobinTurn: 0)
        let changes = after.changes(since: before)
        #expect(changes.started.isEmpty && changes.stopped.isEmpty)
        #expect(changes.switched.allSatisfy { $0.from.bridgeCaptureID.hasPrefix("MCC") })
        #expect(changes.switched.contains { $0.to.receiver == "charlie" && $0.to.source == Self.source("alpha", "VC1") })
        #expect(!changes.switched.contains { $0.to.bridgeCaptureID == "AC0" })
        #expect(Set(changes.keyframeRequests.map(\.participant)).isSubset(of: ["alpha", "bravo", "charlie"]))
        #expect(changes.keyframeRequests.contains(SourceCapture(participant: "alpha", captureID: "VC1")))

        var left = conference
        left.leave("charlie")
        let gone = left.routingPlan(speakerOrder: ["alpha", "bravo"], roundRobinTurn: 0).changes(since: after)
        #expect(Set(gone.stopped.map(\.receiver)) == ["charlie"])
    }

    /// RoundRobin rotates over the sites, or over the subset the receiver chose.
    @Test func roundRobin() throws {
        var conference = Cast.conference()
        let charlie = try #require(conference.participant("charlie"))
        conference.setConfigure([CaptureEncoding(id: "rr", captureID: "MCC10", encodingID: charlie.videoEncodings[0].id)],
                                of: "charlie")
        let turns = (0..<3).map {
            conference.routingPlan(speakerOrder: [], roundRobinTurn: $0).source(for: "charlie", bridgeCapture: "MCC10")
        }
        #expect(turns == [Self.source("alpha", "VC1"), Self.source("bravo", "left"), Self.source("alpha", "VC1")])
        conference.setConfigure([CaptureEncoding(id: "rr", captureID: "MCC10", encodingID: charlie.videoEncodings[0].id,
                                                 configuredContent: CaptureContent(mediaCaptureIDs: ["S2VC1"]))],
                                of: "charlie")
        #expect(conference.routingPlan(speakerOrder: [], roundRobinTurn: 1).source(for: "charlie", bridgeCapture: "MCC10")
                    == Self.source("bravo", "left"))
        // Only bravo's camera is needed for it; alpha's is not.
        #expect(conference.configure(of: "alpha") == nil)
        #expect(conference.configure(of: "bravo")?.map(\.captureID) == ["left"])
    }

    /// A plain SIP endpoint receives the current speaker and the mix on its first encodings without a configure.
    @Test func plainEndpointRoutes() {
        var conference = Cast.conference()
        conference.join(Cast.participant("sip", nil, screens: 1))
        let plan = conference.routingPlan(speakerOrder: ["sip", "alpha"], roundRobinTurn: 0)
        #expect(plan.source(for: "sip", bridgeCapture: "MCC0") == Self.source("alpha", "VC1"))
        #expect(plan.source(for: "sip", bridgeCapture: "AC0") == .mix(excluding: "sip"))
        #expect(conference.configure(of: "alpha")?.map(\.captureID) == ["AC0", "VC1"])
    }
}

extension RoutingPlanTests {
    /// The composed capture shows the other sites' center cameras, the latest speaker first, and makes the bridge
    /// configure those cameras; a site that leaves drops out of it.
    @Test func composedCaptureFollowsTheSpeakers() throws {
        var conference = Cast.conference()
        let charlie = try #require(conference.participant("charlie"))
        conference.setConfigure([CaptureEncoding(id: "grid", captureID: "MCC11",
                                                 encodingID: charlie.videoEncodings[0].id)], of: "charlie")
        let alpha = SourceCapture(participant: "alpha", captureID: "VC1")
        let bravo = SourceCapture(participant: "bravo", captureID: "left")
        #expect(conference.routingPlan(speakerOrder: ["bravo"], roundRobinTurn: 0)
                    .source(for: "charlie", bridgeCapture: "MCC11") == .composed([bravo, alpha]))
        #expect(conference.routingPlan(speakerOrder: ["alpha", "bravo"], roundRobinTurn: 0)
                    .source(for: "charlie", bridgeCapture: "MCC11") == .composed([alpha, bravo]))
        #expect(conference.configure(of: "alpha")?.map(\.captureID) == ["VC1"])
        #expect(conference.configure(of: "bravo")?.map(\.captureID) == ["left"])
        let advertised = conference.advertisement(for: "charlie").mediaCaptures.first { $0.captureID == "MCC11" }
        guard case .multipleContent(let mcc) = advertised?.composition else {
            Issue.record("MCC11 not advertised as an MCC: \(String(describing: advertised))")
            return
        }
        #expect(mcc.maxCaptures == MaxCaptures(2) && mcc.policy == .soundLevel(0))
        conference.leave("bravo")
        #expect(conference.routingPlan(speakerOrder: ["bravo"], roundRobinTurn: 0)
                    .source(for: "charlie", bridgeCapture: "MCC11") == .composed([alpha]))
    }
}
