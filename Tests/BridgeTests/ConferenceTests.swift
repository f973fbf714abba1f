import Foundation
import Testing

extension LiveBridgeTests {
/// Several independent endpoints (aiortc) in one room, each sending its own tone and colour: what each one gets
/// back from the bridge is decoded and analysed by the peer itself.
@Suite struct ConferenceMediaTests {
    struct Site: Sendable {
        let user: String
        let tone: Int
        let colour: String
        var extra: [String] = []
    }

    static let sites = [Site(user: "alice", tone: 440, colour: "red"), Site(user: "bob", tone: 660, colour: "green"),
                        Site(user: "carol", tone: 880, colour: "blue")]

    static func bridge() throws -> BridgeProcess {
        try BridgeProcess(extraYAML: "", usersYAML: "{ alice: secret, bob: secret, carol: secret }")
    }

    /// Runs the sites' peers at once (started 300 ms apart) and returns their results in order; `during`, if
    /// given, runs `at` seconds after the last one started (while the calls are up).
    static func run(_ sites: [Site], on bridge: BridgeProcess, duration: Int, at: Double = 0,
                    during: (() throws -> Void)? = nil) throws -> [CLUEPeer] {
        var running: [CLUEPeer.Running] = []
        for (index, site) in sites.enumerated() {
            if index > 0 { Thread.sleep(forTimeInterval: 0.3) }
            running.append(try CLUEPeer.launch(bridge, [
                "--user", site.user, "--tone", String(site.tone), "--video-color", site.colour,
                "--duration", String(duration), "--probe-tones", "440,660,880,1000",
            ] + site.extra, timeout: duration + 30))
        }
        if let during {
            Thread.sleep(forTimeInterval: at)
            try during()
        }
        return try running.map { try $0.finish(bridge) }
    }

    /// Everyone hears everyone else and not themselves (N-1 mix), sees another site's video (never its own), and
    /// the switched video carries the CaptID of the capture the bridge advertised.
    @Test func everyoneHearsAndSeesTheOthers() throws {
        let bridge = try Self.bridge()
        let peers = try Self.run(Self.sites, on: bridge, duration: 8)
        for (site, peer) in zip(Self.sites, peers) {
            let context = "\(site.user): \(peer["received"] ?? "nothing")\nbridge:\n\(bridge.log.suffix(3000))"
            #expect(peer["clue.complete"] as? Bool == true, "\(context)")
            // The middle of the call, when all three are in the room (they join 300 ms apart and leave likewise).
            let seconds = (peer["received.audio.per_second"] as? [[String: Any]] ?? []).filter {
                (2...4).contains($0["t_s"] as? Int ?? -1)
            }
            #expect(seconds.count == 3, "\(context)")
            // Each other site is heard, well above the listener's own tone, in at least two of those seconds (a
            // second can hold a gap when the machine is starved); the own tone is never near the others'.
            for other in Self.sites where other.user != site.user {
                let heard = seconds.filter { second in
                    let probes = (second["probes_db"] as? [String: Double]) ?? [:]
                    let level = probes[String(other.tone)] ?? -200
                    return level > -40 && level - (probes[String(site.tone)] ?? 0) >= 20
                }
                #expect(heard.count >= 2, "\(site.user) does not hear \(other.user): \(seconds)")
            }
            for second in seconds {
                let probes = (second["probes_db"] as? [String: Double]) ?? [:]
                let own = probes[String(site.tone)] ?? 0
                let loudestOther = Self.sites.filter { $0.user != site.user }
                    .map { probes[String($0.tone)] ?? -200 }.max() ?? -200
                #expect(loudestOther - own >= 20, "\(site.user) hears itself: \(second)")
            }
            // Frame by frame: never its own colour; nearly all frames another site's (a frame decoded across a
            // switch may blend two colours).
            var frames: [String: Int] = [:]
            for second in peer["received.video.per_second"] as? [[String: Any]] ?? [] {
                for (colour, count) in second["frame_colours"] as? [String: Int] ?? [:] { frames[colour, default: 0] += count }
            }
            let total = frames.values.reduce(0, +)
            let others = Self.sites.filter { $0.user != site.user }.map { frames[$0.colour] ?? 0 }.reduce(0, +)
            #expect(total > 60, "\(site.user) got \(frames)")
            #expect(frames[site.colour] == nil, "\(site.user) was shown its own video: \(frames)")
            #expect(Double(others) >= 0.9 * Double(total), "\(site.user) got \(frames)")
            #expect((peer["received.captid_values"] as? [String])?.contains("VC0") == true, "\(context)")
            // The bridge as Media Consumer configured the captures the room needs of this site, and it accepted.
            let answered = (peer["clue.configure_responses_sent"] as? [Int]) ?? []
            #expect(answered.contains(200) && answered.allSatisfy { $0 == 200 || $0 == 404 }, "\(site.user): \(answered)")
            // RTCP sender reports: the bridge's own on the mixed audio, and each video source's translated into the
            // receiver's output stream (SSRC, timeline, counts), as aiortc reads them.
            let audioReports = (peer["media.rtp.audio.remote_outbound"] as? [[String: Any]]) ?? []
            #expect(audioReports.contains { ($0["packets_sent"] as? Int ?? 0) > 50 }, "\(peer["media.rtp"] ?? "")")
            let videoReports = (peer["media.rtp.video.remote_outbound"] as? [[String: Any]]) ?? []
            #expect(videoReports.contains { ($0["packets_sent"] as? Int ?? 0) > 20 }, "\(peer["media.rtp"] ?? "")")
            // RFC 8848: the bridge re-INVITEd to add its CLUE encodings (sendonly, labelled); the site configured a
            // capture on one of them and receives it there, with CaptID naming that capture (RFC 8849).
            #expect((peer["sdp.reinvites"] as? [[String: Any]])?.first?["status"] as? Int == 200, "\(context)")
            let choice = (peer["clue.configure_choices"] as? [[String]])?.first ?? []
            #expect(choice.count == 2 && choice[1].hasPrefix("bridge-video-"), "\(site.user) configured \(choice)")
            // Accepted (the last configure may still be in flight when the first site's leaving re-advertises).
            let responses = ((peer["clue.received"] as? [[String: Any]]) ?? []).filter {
                $0["type"] as? String == "configureResponse"
            }
            #expect(responses.contains { $0["response_code"] as? Int == 200 }, "\(site.user): \(responses)")
            let sections = (peer["received.rtp.by_mid"] as? [String: [String: Any]]) ?? [:]
            let encoded = sections.values.first { section in
                let values = (section["extensions"] as? [String: [String: Any]] ?? [:]).values.flatMap {
                    ($0["values"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
                }
                return section["kind"] as? String == "video" && choice.first.map(values.contains) == true
                    && ((section["packets"] as? Int) ?? 0) > 30
            }
            #expect(encoded != nil, "\(site.user) got nothing on its configured encoding: \(sections)")
        }
        #expect(!bridge.log.contains("Fatal error"))
    }

    /// Carol starts all but silent (below the activity threshold) and becomes the loudest after 3 s: from then on the others
    /// switched video (SoundLevel:0) shows her colour, and she keeps seeing someone else.
    @Test func videoFollowsTheLoudestSpeaker() throws {
        let bridge = try Self.bridge()
        var sites = Self.sites
        sites[0].extra = ["--tone-gain-db", "-20"]
        sites[1].extra = ["--tone-gain-db", "-20"]
        sites[2].extra = ["--tone-gain-db", "-70", "--loud-after", "3", "--loud-gain-db", "0"]
        let peers = try Self.run(sites, on: bridge, duration: 11)
        for (site, peer) in zip(sites, peers) {
            let seconds = (peer["received.video.per_second"] as? [[String: Any]] ?? [])
            let colours = seconds.compactMap { $0["colour"] as? String }
            let context = "\(site.user) saw \(colours)\nbridge:\n\(bridge.log.suffix(3000))"
            #expect(colours.count >= 6, "\(context)")
            if site.user == "carol" {
                #expect(!colours.contains("blue"), "\(context)")
            } else {
                // After carol got loud (4 s, plus the tracker's 1 s hold and a keyframe), the last seconds are hers.
                // (A starved machine can delay the switch or a keyframe by a second: the last three seconds must show
                // her, most of that time.)
                #expect(colours.suffix(3).filter { $0 == "blue" }.count >= 2, "\(context)")
                #expect(colours.prefix(3).contains { $0 != "blue" }, "carol was shown before she spoke: \(context)")
            }
        }
    }

    /// Joins and a departure re-advertise the room to those who stay: new advertisements with higher sequence
    /// numbers, each schema-valid, carrying the other sites' captures while they are there and not after.
    @Test func joinsAndLeavesAreReadvertised() throws {
        let bridge = try Self.bridge()
        var sites = Self.sites
        sites[2].extra = ["--duration", "3"]
        let peers = try Self.run(sites, on: bridge, duration: 8)
        for (site, peer) in zip(sites.prefix(2), peers) {
            let advertisements = peer.receivedCLUE.filter { $0["type"] as? String == "advertisement" }
            let context = "\(site.user): \(advertisements.map { ($0["sequence"] ?? "", $0["captures"] ?? "") })"
            #expect(advertisements.count >= 3, "\(context)")
            let sequences = advertisements.compactMap { $0["sequence"] as? Int }
            #expect(sequences == sequences.sorted() && Set(sequences).count == sequences.count, "\(context)")
            #expect(advertisements.allSatisfy { $0["schema_valid"] as? Bool == true }, "\(context)")
            let sizes = advertisements.map { ($0["captures"] as? [String])?.count ?? 0 }
            #expect((sizes.max() ?? 0) > (sizes.last ?? 0), "carol's captures never went away: \(context)")
            #expect(peer.receivedCLUE.filter { $0["type"] as? String == "ack" }.allSatisfy {
                $0["response_code"] as? Int == 200
            })
        }
    }

    /// A heterogeneous room (RFC 8845 section 12.3.3 in small): two CLUE sites and a plain SIP endpoint without
    /// CLUE. The plain one hears and sees the others on its ordinary sections; the CLUE sites hear it, can be
    /// switched to it, and are advertised it as a site of its own.
    ///
    /// Run twice: with Opus everywhere, and with G.711 phones (the plain endpoint on PCMU, bob on PCMA), which the
    /// mixer decodes, mixes with Opus and encodes for each in its own codec.
    @Test(arguments: [nil, "PCMU"] as [String?])
    func plainSIPEndpointJoinsTheConference(phoneCodec: String?) throws {
        let bridge = try Self.bridge()
        var sites = Self.sites
        sites[2].extra = ["--no-clue"]
        if let phoneCodec {
            sites[2].extra += ["--audio-codec", phoneCodec]
            sites[1].extra += ["--audio-codec", "PCMA"]
        }
        let peers = try Self.run(sites, on: bridge, duration: 8)
        let plain = peers[2]
        let context = "\(plain.json)\nbridge:\n\(bridge.log.suffix(3000))"
        #expect(plain["sip.final_status"] as? Int == 200, "\(context)")
        if let phoneCodec {
            // The answers name only the phones' codecs (so the bridge really sends them G.711).
            for (peer, codec) in [(plain, phoneCodec), (peers[1], "PCMA")] {
                let audio = (peer["sdp.answer_summary.media"] as? [[String: Any]])?.first { $0["kind"] as? String == "audio" }
                let rtpmap = (audio?["rtpmap"] as? [String]) ?? []
                #expect(!rtpmap.isEmpty && rtpmap.allSatisfy { $0.contains("\(codec)/8000") }, "\(rtpmap)")
            }
        }
        #expect(plain["transport.data_channel_opened"] as? Bool != true)
        #expect(plain.receivedCLUE.isEmpty)
        let heard = (plain["received.audio.per_second"] as? [[String: Any]] ?? []).filter {
            (2...4).contains($0["t_s"] as? Int ?? -1)
        }.map { Set(($0["present_hz"] as? [Double] ?? []).map(Int.init)) }
        #expect(heard.filter { $0.isSuperset(of: [440, 660]) && !$0.contains(880) }.count >= 2, "\(heard)")
        var frames: [String: Int] = [:]
        for second in plain["received.video.per_second"] as? [[String: Any]] ?? [] {
            for (colour, count) in second["frame_colours"] as? [String: Int] ?? [:] { frames[colour, default: 0] += count }
        }
        #expect(frames["blue"] == nil && (frames["red"] ?? 0) + (frames["green"] ?? 0) > 60, "\(frames)")
        for (site, peer) in zip(sites.prefix(2), peers) {
            let middle = (peer["received.audio.per_second"] as? [[String: Any]] ?? []).filter {
                (2...4).contains($0["t_s"] as? Int ?? -1)
            }
            let withPlain = middle.filter { ($0["present_hz"] as? [Double] ?? []).contains(880) }
            #expect(withPlain.count >= 2, "\(site.user) does not hear the plain endpoint: \(middle)")
            // Some advertisement names two other sites (S<n>...), one of them the plain endpoint's.
            let advertised = peer.receivedCLUE.filter { $0["type"] as? String == "advertisement" }.map { message in
                Set(((message["captures"] as? [String]) ?? []).filter { $0.hasPrefix("S") }.map { $0.prefix(2) })
            }
            #expect(advertised.contains { $0.count >= 2 }, "\(site.user) was advertised \(advertised)")
        }
    }
}
}

extension LiveBridgeTests {
/// The composed capture (MCC11): the bridge decodes the latest speakers' video, lays it out 2x2 and encodes it once
/// for everyone who shows the same sites in the same codec.
@Suite struct ComposedCaptureTests {
    /// Alice talks (red), bob (green) and carol (blue) are quiet; dave configures MCC11 and sees one picture: alice
    /// top left (the speaker first), bob and carol in the next tiles, the fourth tile black; CaptID says MCC11.
    @Test func composedCaptureShowsTheLatestSpeakers() throws {
        let bridge = try BridgeProcess(extraYAML: "", usersYAML: "{ alice: secret, bob: secret, carol: secret, dave: secret }")
        typealias Site = ConferenceMediaTests.Site
        let sites = [
            Site(user: "alice", tone: 440, colour: "red"),
            Site(user: "bob", tone: 660, colour: "green", extra: ["--tone-gain-db", "-70"]),
            Site(user: "carol", tone: 880, colour: "blue", extra: ["--tone-gain-db", "-70"]),
            Site(user: "dave", tone: 1000, colour: "white", extra: ["--tone-gain-db", "-70", "--configure", "MCC11"]),
        ]
        let peers = try ConferenceMediaTests.run(sites, on: bridge, duration: 9)
        let dave = peers[3]
        let tail = "\nbridge:\n\(bridge.log.suffix(3000))"
        let choices = (dave["clue.configure_choices"] as? [[String]]) ?? []
        #expect(choices.map { $0[0] } == ["MCC11"], "\(choices)\(tail)")
        guard let label = choices.first?[1],
              let mid = (dave["media.bridge_labels"] as? [String: String])?[label] else {
            Issue.record("dave configured nothing: \(dave.json)")
            return
        }
        let seconds = ((dave["received.video_by_mid.\(mid).per_second"] as? [[String: Any]]) ?? []).filter {
            (3...6).contains($0["t_s"] as? Int ?? -1)
        }
        let layouts = seconds.compactMap { $0["quadrants"] as? [String] }
        let expected = layouts.filter { layout in
            layout.count == 4 && layout[0] == "red" && Set(layout[1...2]) == ["green", "blue"] && layout[3] == "black"
        }
        #expect(layouts.count >= 3 && expected.count >= layouts.count - 1, "dave saw \(layouts)\(tail)")
        let extensions = (dave["received.rtp.by_mid.\(mid).extensions"] as? [String: [String: Any]]) ?? [:]
        let captIDs = extensions.values.filter { ($0["uri"] as? String)?.hasSuffix("sdes:CaptId") == true }
            .flatMap { ($0["values"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String } }
        #expect(captIDs == ["MCC11"], "\(captIDs)")
        // The operator sees the transcoding: frames composed, and no composition left once everyone has gone.
        let metrics = try OperationsTests.parseMetrics(bridge)
        #expect((metrics["cluemcu_composed_frames_total"] ?? 0) > 30, "\(metrics)")
        #expect(metrics["cluemcu_video_compositions"] == 0, "\(metrics)")
        #expect(bridge.log.contains("video compositions"))
        #expect(!bridge.log.contains("Fatal error"))
    }

    /// A room with `video_layout: composed`: a plain SIP endpoint (one video stream, no CLUE) sees the latest
    /// speakers side by side on its ordinary video; a CLUE site that configured its view still gets exactly that.
    @Test func plainEndpointInAComposedRoom() throws {
        let bridge = try BridgeProcess(extraYAML: "", rooms: "  - id: demo\n    video_layout: composed",
                                       usersYAML: "{ alice: secret, bob: secret, carol: secret }")
        typealias Site = ConferenceMediaTests.Site
        let sites = [
            Site(user: "alice", tone: 440, colour: "red"),
            Site(user: "bob", tone: 660, colour: "green", extra: ["--tone-gain-db", "-70", "--screens", "1"]),
            Site(user: "carol", tone: 880, colour: "blue", extra: ["--tone-gain-db", "-70", "--no-clue"]),
        ]
        let peers = try ConferenceMediaTests.run(sites, on: bridge, duration: 8)
        let tail = "\nbridge:\n\(bridge.log.suffix(3000))"
        let layouts = ((peers[2]["received.video.per_second"] as? [[String: Any]]) ?? []).filter {
            (3...6).contains($0["t_s"] as? Int ?? -1)
        }.compactMap { $0["quadrants"] as? [String] }
        // Alice talks: two sites side by side, alice (left) first, then bob.
        let expected = layouts.filter { $0 == ["red", "green", "red", "green"] }
        #expect(layouts.count >= 3 && expected.count >= layouts.count - 1, "carol saw \(layouts)\(tail)")
        // Bob configured the one-screen switched view: alice, whole frame.
        let choices = (peers[1]["clue.configure_choices"] as? [[String]]) ?? []
        if let label = choices.first?[1], let mid = (peers[1]["media.bridge_labels"] as? [String: String])?[label] {
            let colours = ((peers[1]["received.video_by_mid.\(mid).per_second"] as? [[String: Any]]) ?? []).filter {
                (3...6).contains($0["t_s"] as? Int ?? -1)
            }.compactMap { $0["majority"] as? String }
            #expect(colours.count >= 3 && colours.filter { $0 == "red" }.count >= colours.count - 1, "\(colours)")
        } else {
            Issue.record("bob configured nothing: \(choices)")
        }
        #expect(!bridge.log.contains("Fatal error"))
    }
}
}

extension LiveBridgeTests {
/// RFC 8845 section 12.3.3 with independent endpoints: a three-camera room, a three-screen room, a two-screen room
/// and a single-screen endpoint in one conference. The three-camera room sends each camera on its own CLUE encoding
/// (as the bridge configures them); each screen of the others shows what its configure chose.
@Suite struct MultiCameraConferenceTests {
    /// Alice's room has three cameras (red, green, blue, left to right) and talks; her ordinary video, which stands in
    /// for a camera whose stream is not flowing yet, is cyan, so that no screen passes on the stand-in. Bob (white,
    /// three screens), carol (yellow, one screen) and dave (magenta, two screens) are quiet, until carol talks louder
    /// than alice. Bob's three screens show alice's three cameras
    /// in their order; carol's one screen alice's center camera; dave's two screens alice's center camera and one
    /// of the quiet sites; alice's screens show the quiet sites and never her own cameras. CaptID names the
    /// bridge's capture on each stream, and every CLUE message is schema-valid. Alice adds her encodings' sections
    /// by re-INVITE once her advertisement is acknowledged (RFC 8848 section 5), or offers them at once (4.5.1).
    ///
    /// "glare": alice sends her re-INVITE just as the bridge sends its own and answers the bridge's with 491; both
    /// sides retry (RFC 3261 section 14) and both sets of encodings end up negotiated.
    @Test(arguments: ["reinvite", "offer", "glare"])
    func eachScreenShowsTheCameraItConfigured(encodingsIn: String) throws {
        let bridge = try BridgeProcess(extraYAML: "", usersYAML: "{ alice: secret, bob: secret, carol: secret, dave: secret }")
        typealias Site = ConferenceMediaTests.Site
        // Glare costs alice's encodings one wait of 2.1-4 s (her retry, as owner of the Call-ID, RFC 3261 section
        // 14.1): they flow about 4 s into the call at the latest, and each window below allows one second that differs.
        let (loudAt, duration, aliceTalks, carolTalks) = (6, 12, 3...5, 9...10)
        let sites = [
            Site(user: "alice", tone: 440, colour: "cyan",
                 extra: ["--cameras", "red,green,blue", "--screens", "3", "--tone-gain-db", "-15"]
                     + (encodingsIn == "glare" ? ["--glare"] : ["--encodings-in", encodingsIn])),
            Site(user: "bob", tone: 660, colour: "white", extra: ["--screens", "3", "--tone-gain-db", "-70"]),
            Site(user: "carol", tone: 880, colour: "yellow",
                 extra: ["--screens", "1", "--tone-gain-db", "-70", "--loud-after", "\(loudAt)", "--loud-gain-db", "0"]),
            Site(user: "dave", tone: 1000, colour: "magenta", extra: ["--screens", "2", "--tone-gain-db", "-70"]),
        ]
        // Mid-call, the admin API shows which of alice's cameras arrives on which of her encodings.
        var streams: [[String: Any]] = []
        let peers = try ConferenceMediaTests.run(sites, on: bridge, duration: duration, at: Double(loudAt) - 1) {
            let (_, text) = try bridge.api("GET", "/v1/rooms/demo/participants")
            let participants = (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?[
                "participants"] as? [[String: Any]] ?? []
            streams = participants.first { $0["user"] as? String == "alice" }?["streams"] as? [[String: Any]] ?? []
        }
        let streamOfCamera = Dictionary(streams.compactMap { stream -> (String, String)? in
            guard let capture = stream["capture"] as? String, let encoding = stream["encoding"] as? String else {
                return nil
            }
            return (capture, encoding)
        }, uniquingKeysWith: { a, _ in a })
        #expect(Set(streamOfCamera.keys) == ["VC0", "VC1", "VC2"] && Set(streamOfCamera.values).count == 3,
                "\(streams)")
        #expect(streams.contains { $0["kind"] as? String == "video" && $0["encoding"] == nil }, "\(streams)")
        let byUser = Dictionary(uniqueKeysWithValues: zip(sites.map(\.user), peers))
        let tail = "\nbridge:\n\(bridge.log.suffix(4000))"

        // Each peer's configured view: scene view SVn's captures on distinct bridge encodings, accepted.
        let views = ["alice": ["MCC3", "MCC4", "MCC5"], "bob": ["MCC3", "MCC4", "MCC5"], "carol": ["MCC0"],
                     "dave": ["MCC1", "MCC2"]]
        var encodingOf: [String: [String: String]] = [:]
        for (user, peer) in byUser {
            let choices = (peer["clue.configure_choices"] as? [[String]]) ?? []
            #expect(choices.map { $0[0] } == views[user], "\(user) configured \(choices)\(tail)")
            #expect(Set(choices.map { $0[1] }).count == choices.count, "\(user): \(choices)")
            encodingOf[user] = Dictionary(uniqueKeysWithValues: choices.map { ($0[0], $0[1]) })
            let received = (peer["clue.received"] as? [[String: Any]]) ?? []
            #expect(!received.isEmpty && received.allSatisfy { $0["schema_valid"] as? Bool == true },
                    "\(user): \(received)")
        }

        /// The colour a screen showed in most of each second of `window` (everyone is in the room from 2 s on).
        func screen(_ user: String, _ capture: String, _ window: ClosedRange<Int>) -> [String] {
            guard let peer = byUser[user], let label = encodingOf[user]?[capture],
                  let mid = (peer["media.bridge_labels"] as? [String: String])?[label] else { return [] }
            let seconds = (peer["received.video_by_mid.\(mid).per_second"] as? [[String: Any]]) ?? []
            return seconds.filter { window.contains($0["t_s"] as? Int ?? -1) }.compactMap { $0["majority"] as? String }
        }
        func shows(_ user: String, _ capture: String, _ colours: Set<String>, in window: ClosedRange<Int>) {
            let seen = screen(user, capture, window)
            #expect(seen.count >= window.count - 1 && seen.filter(colours.contains).count >= seen.count - 1,
                    "\(user)'s \(capture) showed \(seen) in seconds \(window), expected \(colours)\(tail)")
        }
        shows("bob", "MCC3", ["red"], in: aliceTalks)
        shows("bob", "MCC4", ["green"], in: aliceTalks)
        shows("bob", "MCC5", ["blue"], in: aliceTalks)
        shows("carol", "MCC0", ["green"], in: aliceTalks)
        shows("dave", "MCC1", ["green"], in: aliceTalks)
        shows("dave", "MCC2", ["white", "yellow"], in: aliceTalks)
        for capture in ["MCC3", "MCC4"] { shows("alice", capture, ["white", "yellow", "magenta"], in: aliceTalks) }
        // Carol talks from `loudAt` (switched after the tracker's hold and a keyframe): the three-screen room now shows
        // her on the left, then alice's center camera (three cameras no longer fit), then a quiet site; carol sees
        // alice, the previous speaker; dave's first screen is carol, his second alice's center camera.
        shows("bob", "MCC3", ["yellow"], in: carolTalks)
        shows("bob", "MCC4", ["green"], in: carolTalks)
        shows("bob", "MCC5", ["magenta"], in: carolTalks)
        shows("carol", "MCC0", ["green"], in: carolTalks)
        shows("dave", "MCC1", ["yellow"], in: carolTalks)
        shows("dave", "MCC2", ["green"], in: carolTalks)

        // CaptID (RFC 8849) on each of bob's streams names the capture it carries.
        if let bob = byUser["bob"], let labels = bob["media.bridge_labels"] as? [String: String] {
            for capture in ["MCC3", "MCC4", "MCC5"] {
                guard let label = encodingOf["bob"]?[capture], let mid = labels[label] else { continue }
                let extensions = (bob["received.rtp.by_mid.\(mid).extensions"] as? [String: [String: Any]]) ?? [:]
                let values = extensions.values.filter { ($0["uri"] as? String)?.hasSuffix("sdes:CaptId") == true }
                    .flatMap { ($0["values"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String } }
                #expect(values == [capture], "bob's \(label) carried CaptID \(values)")
            }
        }
        // The bridge, as Media Consumer, configured each of alice's cameras on an encoding of its own.
        let configured = ((byUser["alice"]?["media.configured"] as? [[String: Any]])?.last?["choices"] as? [[String]]) ?? []
        let cameras = configured.filter { $0[0].hasPrefix("VC") }
        #expect(Set(cameras.map { $0[0] }) == ["VC0", "VC1", "VC2"] && Set(cameras.map { $0[1] }).count == 3,
                "alice was configured \(configured)\(tail)")
        if encodingsIn != "offer" {
            let reinvite = byUser["alice"]?["media.encodings_reinvite"] as? [String: Any]
            let statuses = (reinvite?["statuses"] as? [Int]) ?? []
            #expect(statuses.last == 200 && reinvite?["error"] is NSNull, "\(reinvite ?? [:])")
            if encodingsIn == "glare" {
                // Ours got 491 first, and the bridge's first re-INVITE got 491 from alice; the bridge's retry (0-2 s)
                // got 200, then ours (2.1-4 s): one round of glare, as a second would cost alice's cameras 2.1-4 s more.
                let bridgeOffers = ((byUser["alice"]?["sdp.reinvites"] as? [[String: Any]]) ?? []).compactMap {
                    $0["status"] as? Int
                }
                #expect(statuses == [491, 200] && bridgeOffers == [491, 200],
                        "ours \(statuses), the bridge's \(bridgeOffers)\(tail)")
            }
        }
        #expect(!bridge.log.contains("Fatal error"))
    }
}
}
