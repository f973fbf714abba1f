import CLUEModel
import CLUEProtocol
import Testing
@testable import Conference

@Suite struct ConfigureTests {
    /// Each site configured the bridge as its screens suggest.
    static func configured() throws -> Conference {
        var conference = Cast.conference()
        for (id, captures) in [("alpha", ["MCC3", "MCC4", "MCC5"]), ("bravo", ["MCC1", "MCC2"]), ("charlie", ["MCC0"])] {
            let participant = try #require(conference.participant(id))
            let configure = Cast.configure(captures, of: participant)
            let accepted = conference.check(configure, from: id, against: conference.advertisement(for: id))
            #expect((try? accepted.get()) == configure, "\(id): \(accepted)")
            conference.setConfigure(configure, of: id)
        }
        return conference
    }

    /// Nothing configured, nothing requested.
    @Test func nothingNeededNothingConfigured() {
        let conference = Cast.conference()
        #expect(conference.configure(of: "alpha") == nil)
        #expect(conference.configure(of: "charlie") == nil)
    }

    /// The bridge asks each site for its microphone and the cameras the others' switched views can show, and
    /// nothing else; each configure is valid against that site's own advertisement.
    @Test func requestsOnlyWhatIsNeeded() throws {
        var conference = try Self.configured()
        let alpha = try #require(conference.configure(of: "alpha"))
        // Bravo (two screens) and charlie (one) show one camera of a site at a time: alpha's center, VC1.
        #expect(alpha.map(\.captureID) == ["AC0", "VC1"])
        #expect(Cast.alpha.issues(configuring: alpha).isEmpty)
        // Alpha's three-screen view can show both of bravo's cameras at once.
        let bravo = try #require(conference.configure(of: "bravo"))
        #expect(bravo.map(\.captureID) == ["mic", "left", "right"])
        #expect(Cast.bravo.issues(configuring: bravo).isEmpty)
        let charlie = try #require(conference.configure(of: "charlie"))
        #expect(charlie.map(\.captureID) == ["AC0", "VC0"])

        // Delta joins with four screens and configures the four-screen view: now alpha's three cameras are needed.
        conference.join(Cast.delta)
        let delta = try #require(conference.participant("delta"))
        let deltaConfigure = Cast.configure(["MCC6", "MCC7", "MCC8", "MCC9"], of: delta)
        #expect(throws: Never.self) {
            try conference.check(deltaConfigure, from: "delta", against: conference.advertisement(for: "delta")).get()
        }
        conference.setConfigure(deltaConfigure, of: "delta")
        let all = try #require(conference.configure(of: "alpha"))
        #expect(all.map(\.captureID) == ["AC0", "VC1", "VC0", "VC2"])
        #expect(Set(all.map(\.encodingID)).count == 4)
        #expect(Cast.alpha.issues(configuring: all).isEmpty)

        // When the participant's encodings' bandwidths are known, the group's limit holds: 6 Mbit/s, 2.5 each.
        let limited = try #require(conference.configure(of: "alpha", encodingBandwidths:
            ["av0": 2_500_000, "av1": 2_500_000, "av2": 2_500_000, "aa0": 64_000]))
        #expect(limited.map(\.captureID) == ["AC0", "VC1", "VC0"])
    }

    /// A site's individual capture configured by another participant is requested exactly.
    @Test func individualCaptureRequested() throws {
        var conference = Cast.conference()
        let charlie = try #require(conference.participant("charlie"))
        // S1VC2 is alpha's right camera (first seen second: VC2).
        let configure = Cast.configure(["S1VC2"], audio: ["S2AC1"], of: charlie)
        _ = try conference.check(configure, from: "charlie", against: conference.advertisement(for: "charlie")).get()
        conference.setConfigure(configure, of: "charlie")
        #expect(conference.configure(of: "alpha")?.map(\.captureID) == ["VC2"])
        #expect(conference.configure(of: "bravo")?.map(\.captureID) == ["mic"])
        let plan = conference.routingPlan(speakerOrder: [], roundRobinTurn: 0)
        #expect(plan.source(for: "charlie", bridgeCapture: "S1VC2")
                    == .capture(SourceCapture(participant: "alpha", captureID: "VC2")))
    }

    /// Refusals carry the RFC 8847 Table 1 code of their family.
    @Test func refusals() throws {
        let conference = Cast.conference()
        let advertisement = conference.advertisement(for: "bravo")
        func code(_ encodings: [CaptureEncoding], from id: String = "bravo") -> UInt16? {
            if case .failure(let error) = conference.check(encodings, from: id, against: advertisement) {
                return error.responseCode.rawValue
            }
            return nil
        }
        let video = "bravo-video-0", audio = "bravo-audio-0"
        #expect(code([CaptureEncoding(id: "a", captureID: "VC99", encodingID: video)]) == 400)
        #expect(code([CaptureEncoding(id: "a", captureID: "MCC0", encodingID: audio)]) == 302)
        #expect(code([CaptureEncoding(id: "a", captureID: "MCC0", encodingID: video),
                      CaptureEncoding(id: "b", captureID: "MCC1", encodingID: video)]) == 303)
        #expect(code([CaptureEncoding(id: "a", captureID: "MCC0", encodingID: video),
                      CaptureEncoding(id: "a", captureID: "AC0", encodingID: audio)]) == 303)
        let subset = CaptureContent(mediaCaptureIDs: ["S1VC1"])
        let refused = conference.check([CaptureEncoding(id: "a", captureID: "MCC0", encodingID: video,
                                                        configuredContent: subset)],
                                       from: "bravo", against: advertisement)
        #expect(refused == .failure(.subsetChoiceNotAllowed(captureID: "MCC0")))
        #expect(code([CaptureEncoding(id: "a", captureID: "MCC10", encodingID: video,
                                      configuredContent: CaptureContent(mediaCaptureIDs: ["S2VC1"]))]) == 302)
        #expect(code([CaptureEncoding(id: "a", captureID: "MCC10", encodingID: video, configuredContent: subset)])
                    == nil)
        #expect(code([CaptureEncoding(id: "a", captureID: "MCC0", encodingID: video)], from: "nobody") == 400)
        // An encoding whose m-line has gone since the advertisement was sent.
        var shrunk = conference
        shrunk.setBridgeEncodings(video: [], audio: Cast.encodings("bravo", video: 0).audio, for: "bravo")
        let stale = shrunk.check([CaptureEncoding(id: "a", captureID: "MCC0", encodingID: video)],
                                 from: "bravo", against: advertisement)
        #expect((try? stale.get()) == nil)
        if case .failure(let error) = stale { #expect(error.responseCode == ResponseCode.invalidValue) }
    }
}
