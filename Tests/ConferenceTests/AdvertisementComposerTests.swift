import CLUEModel
import CLUEProtocol
import Testing
@testable import Conference

@Suite struct AdvertisementComposerTests {
    /// Each site's advertisement is schema-valid, reads back identical, has no semantic error, and names none of
    /// its own captures.
    @Test(arguments: ["alpha", "bravo", "charlie"])
    func validAndWithoutOwnCaptures(_ id: String) throws {
        let conference = Cast.conference()
        let advertisement = conference.advertisement(for: id)
        let (_, readBack) = try advertisement.throughSchema()
        #expect(readBack == advertisement)
        #expect(advertisement.semanticIssues().isEmpty, "\(advertisement.semanticIssues())")
        let own = "S\(try #require(conference.siteNumber(of: id)))"
        let ids = advertisement.mediaCaptures.map(\.captureID) + advertisement.sceneViewIDs
            + advertisement.captureScenes.map(\.sceneID)
        #expect(!ids.contains { $0.hasPrefix(own) })
        // The other sites' cameras and microphones are all there: 3 + 2 + 1 video, 1 audio each.
        let siteVideo = advertisement.mediaCaptures.filter { $0.captureID.hasPrefix("S") && $0.mediaType == "video" }
        let expected = ["alpha": 3, "bravo": 2, "charlie": 1].filter { $0.key != id }.values.reduce(0, +)
        #expect(siteVideo.count == expected)
    }

    /// Scene views for as many screens as the bridge has video encodings towards the participant (Table 8), plus
    /// round robin and AC0; encoding groups are exactly its encodings with the summed bandwidth.
    @Test func sceneViewsFitScreensAndGroupsAreHonest() throws {
        let conference = Cast.conference()
        let views = { (id: String) in
            conference.advertisement(for: id).captureScenes.first { $0.sceneID == "CS0" }!.sceneViews
                .map { "\($0.sceneViewID)=\($0.mediaCaptureIDs.joined(separator: ","))" }
        }
        #expect(views("alpha") == ["SV1=MCC0", "SV2=MCC1,MCC2", "SV3=MCC3,MCC4,MCC5", "SV5=MCC10", "SV7=MCC11", "SV6=AC0"])
        #expect(views("bravo") == ["SV1=MCC0", "SV2=MCC1,MCC2", "SV5=MCC10", "SV7=MCC11", "SV6=AC0"])
        #expect(views("charlie") == ["SV1=MCC0", "SV5=MCC10", "SV7=MCC11", "SV6=AC0"])

        let alpha = conference.advertisement(for: "alpha")
        #expect(alpha.encodingGroups.map(\.encodingIDs) == [["alpha-video-0", "alpha-video-1", "alpha-video-2"],
                                                            ["alpha-audio-0"]])
        #expect(alpha.encodingGroups.map(\.maxGroupBandwidth) == [6_000_000, 64_000])
        let mcc0 = try #require(alpha.capture("MCC0")?.multipleContent)
        #expect(mcc0.policy == .soundLevel(0) && mcc0.maxCaptures == MaxCaptures(1) && mcc0.allowSubsetChoice == false)
        #expect(alpha.capture("MCC2")?.multipleContent?.policy == .soundLevel(1))
        #expect(alpha.capture("MCC10")?.multipleContent?.policy == .roundRobin(0))
        #expect(alpha.capture("MCC10")?.multipleContent?.allowSubsetChoice == true)
        // AC0 mixes every other site's microphone.
        #expect(alpha.capture("AC0")?.multipleContent?.content?.mediaCaptureIDs == ["S2AC1", "S3AC1"])
        // The three-screen MCCs can show any of bravo's two cameras and charlie's one.
        #expect(alpha.capture("MCC4")?.multipleContent?.content?.mediaCaptureIDs == ["S2VC1", "S2VC2", "S3VC1"])
        // One set per media type, everything in it.
        #expect(alpha.simultaneousSets?.map(\.mediaType) == ["video", "audio"])
    }

    /// Sites sit side by side along x in their own slots, and a site's cameras keep their left-to-right order.
    @Test func spatialInformationInOneConferenceSpace() throws {
        let conference = Cast.conference()
        let charlie = conference.advertisement(for: "charlie")
        func centerX(_ id: String) throws -> Double {
            guard case .spatial(let info) = try #require(charlie.capture(id)).spatiality,
                  let area = info.captureArea else { throw TestFailure("no area for \(id)") }
            return (area.bottomLeft.x.value + area.bottomRight.x.value) / 2
        }
        // Alpha's VC0 (left), VC1 (center), VC2 (right) were first seen as VC1, VC2, VC0: S1VC3, S1VC1, S1VC2.
        #expect(try centerX("S1VC3") < centerX("S1VC1"))
        #expect(try centerX("S1VC1") < centerX("S1VC2"))
        #expect(try centerX("S1VC2") <= 1000)
        #expect(try centerX("S2VC1") >= 1000 && centerX("S2VC2") <= 2000)
        #expect(charlie.captureScenes.first { $0.sceneID == "S1CS1" }?.scale == .unknown)
    }

    /// With the default policy no xCard, person or description text of another site appears anywhere in the
    /// document; with `passDescriptions` it does (so the search can fail).
    @Test func descriptionsMinimized() throws {
        for id in ["alpha", "bravo", "charlie"] {
            let minimized = try Cast.conference().advertisement(for: id).throughSchema().xml
            for word in Cast.privateWords {
                #expect(!minimized.contains(word), "\(id)'s advertisement leaks \(word)")
            }
            #expect(!minimized.contains("display name"))
            #expect(minimized.contains("site "))
        }
        let charlie = Cast.conference().advertisement(for: "charlie")
        #expect(charlie.people == nil && charlie.captureScenes.allSatisfy { $0.sceneInformation == nil })

        let open = Cast.conference(policy: RoomPolicy(passDescriptions: true)).advertisement(for: "charlie")
        let xml = try open.throughSchema().xml
        #expect(xml.contains("Boardroom Alpha, Rossi &amp; Co") && xml.contains("alice@example.com"))
        #expect(open.errors.isEmpty, "\(open.errors)")
        #expect(open.people?.map(\.personID) == ["S1P1"])
        #expect(open.capture("S1VC1")?.capturedPeople == ["S1P1"])
    }

    /// Same state, same document; a join adds without renumbering, a leave restores the earlier document exactly,
    /// and a re-advertisement keeps the IDs of the captures it still has.
    @Test func deterministicAndStableAcrossJoinLeaveAndReadvertise() throws {
        var conference = Cast.conference()
        let before = conference.advertisement(for: "charlie")
        #expect(Cast.conference().advertisement(for: "charlie") == before)

        conference.join(Cast.delta)
        let joined = conference.advertisement(for: "charlie")
        #expect(joined.errors.isEmpty)
        let old = Set(before.mediaCaptures.map(\.captureID))
        #expect(old.isSubset(of: Set(joined.mediaCaptures.map(\.captureID))))
        #expect(joined.capture("S4VC1") != nil)
        for id in old where id.hasPrefix("S") { #expect(joined.capture(id) == before.capture(id)) }

        conference.leave("delta")
        #expect(conference.advertisement(for: "charlie") == before)

        // Bravo re-advertises: its right camera first and a new wide shot; the IDs of left and right stay.
        var bravo = Cast.bravo
        bravo.mediaCaptures = [bravo.mediaCaptures[1], Cast.camera("wide", left: -1000, description: "wide"),
                               bravo.mediaCaptures[0], bravo.mediaCaptures[2]]
        conference.acknowledge(bravo, from: "bravo")
        let readvertised = conference.advertisement(for: "charlie")
        #expect(readvertised.capture("S2VC1")?.spatiality == before.capture("S2VC1")?.spatiality)
        #expect(readvertised.capture("S2VC2")?.spatiality == before.capture("S2VC2")?.spatiality)
        #expect(readvertised.capture("S2VC3") != nil)
        #expect(try readvertised.throughSchema().readBack == readvertised)
    }

    /// A plain SIP endpoint is a site with one camera and one microphone, and sees the conference too.
    @Test func plainEndpointIsASite() throws {
        var conference = Cast.conference()
        conference.join(Cast.participant("sip", nil, screens: 1))
        let charlie = conference.advertisement(for: "charlie")
        #expect(charlie.capture("S4VC1")?.mediaType == "video" && charlie.capture("S4AC1") != nil)
        #expect(charlie.errors.isEmpty)
        #expect(try conference.advertisement(for: "sip").throughSchema().readBack.errors.isEmpty)
        #expect(conference.configure(of: "sip") == nil)
    }
}
