import Foundation
import Testing

@testable import CLUEModel

/// The `<clueInfo>` fixtures (the messages are covered in CLUEProtocolTests).
let clueInfoFixtures = CodecFixtures.files(in: "rfc") { $0.hasPrefix("rfc8846") }
    + CodecFixtures.files(in: "unseen") { $0.hasPrefix("clueInfo") }

@Suite struct CodecFixtureTests {
    /// The fixture list is not empty (a moved folder would otherwise make the suite pass vacuously).
    @Test func fixturesExist() {
        #expect(clueInfoFixtures.count >= 4)
    }

    /// Each clueInfo fixture reads, decodes, encodes, writes, reads and decodes again to an equal value, the
    /// written text is schema-valid, and the document has no semantic errors.
    @Test(arguments: clueInfoFixtures)
    func roundTrip(_ path: String) throws {
        let original = try ClueInfo(element: XMLReader.parse(CodecFixtures.bytes(path)))
        let bytes = try XMLWriter().bytes(original.element())
        let again = try ClueInfo(element: XMLReader.parse(bytes))
        #expect(again == original)
        let violations = try SchemaValidator.clueInfo.validate(bytes)
        #expect(violations.isEmpty, "\(violations)")
        let errors = original.semanticIssues().filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(errors)")
    }

    /// RFC 8846 section 27's sample decodes to the values its text shows.
    @Test func rfcSampleValues() throws {
        let info = try ClueInfo(element: XMLReader.parse(CodecFixtures.bytes("rfc/rfc8846-sample.xml")))
        #expect(info.clueInfoID == "NapoliRoom")
        let advertisement = info.advertisement
        #expect(advertisement.mediaCaptures.map(\.captureID) == ["AC0", "VC0", "VC1", "VC2", "VC3", "VC4"])
        let audio = advertisement.mediaCaptures[0]
        #expect(audio.kind == .audio(sensitivityPattern: nil))
        #expect(audio.descriptions.first?.lang == "en")
        #expect(audio.descriptions.first?.text.hasPrefix("main audio from the room\n") == true)
        #expect(audio.capturedPeople == ["alice", "bob", "ciccio"])
        guard case .spatial(let spatial) = audio.spatiality else { Issue.record("AC0 is spatial"); return }
        #expect(spatial.captureOrigin?.lineOfCapturePoint == Point(x: 0, y: 1, z: 10))
        let switched = try #require(advertisement.mediaCaptures.first { $0.captureID == "VC3" })
        #expect(switched.multipleContent?.policy == .soundLevel(0))
        #expect(advertisement.people?.map(\.personID) == ["bob", "alice", "ciccio"])
        #expect(info.semanticIssues().filter { $0.severity == .error } == [])
    }

    /// The hand-written clueInfo puts a text and an other capture in one scene view, which RFC 8845 section 7.3
    /// forbids the provider: validation warns, and finds no error.
    @Test func mixedSceneViewFixture() throws {
        let info = try ClueInfo(element: XMLReader.parse(
            CodecFixtures.bytes("unseen/clueInfo-all-capture-types-ext.xml")))
        let issues = info.semanticIssues()
        #expect(!issues.containsErrors)
        let mixed = issues.filter { $0.rule == .mixedMediaTypes && $0.location.name == "sceneView" }
        #expect(mixed.map(\.location.identity) == ["sceneViewID='_SV.other'"])
    }

    /// RFC 8846 section 24.1's extension example keeps its foreign elements and reads the otherCaptureType that
    /// claims neither individual nor MCC fields.
    @Test func rfcExtensionExample() throws {
        let info = try ClueInfo(element: XMLReader.parse(CodecFixtures.bytes("rfc/rfc8846-extension.xml")))
        let captures = info.advertisement.mediaCaptures
        #expect(captures[0].extensions.map(\.name.local) == ["newAudioFeature"])
        #expect(captures[1].kind == .other)
        #expect(captures[1].mediaType == "other media type")
        #expect(captures[1].composition == .multipleContent(MultipleContentCapture()))
        #expect(captures[1].extensions.first?.text == "OtherValue\n            ")
    }
}
