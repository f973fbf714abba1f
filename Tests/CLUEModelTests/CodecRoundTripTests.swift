import Foundation
import Testing

@testable import CLUEModel

@Suite struct CodecRoundTripTests {
    /// A clueInfo using every field of every type decodes back to itself from its own tree.
    @Test func fullDocumentThroughTree() throws {
        let element = try Samples.clueInfo.element()
        #expect(try ClueInfo(element: element) == Samples.clueInfo)
    }

    /// The same document survives the writer and the reader, and the written text is schema-valid.
    @Test func fullDocumentThroughText() throws {
        let bytes = try XMLWriter().bytes(Samples.clueInfo.element())
        #expect(try ClueInfo(element: XMLReader.parse(bytes)) == Samples.clueInfo)
        let violations = try SchemaValidator.clueInfo.validate(bytes)
        #expect(violations.isEmpty, "\(violations)\n\(String(decoding: bytes, as: UTF8.self))")
    }

    /// The sample is free of semantic issues, so the round trip tests exercise valid documents.
    @Test func sampleHasNoIssues() {
        #expect(Samples.clueInfo.semanticIssues() == [])
    }

    /// Each capture kind and composition, with and without its optional fields, round-trips on its own.
    @Test(arguments: Samples.advertisement.mediaCaptures + [
        MediaCapture(captureID: "X", kind: .audio(sensitivityPattern: nil), captureSceneID: "CS1"),
        MediaCapture(captureID: "X", kind: .audio(sensitivityPattern: ""), captureSceneID: "CS1"),
        MediaCapture(captureID: "X", kind: .video, captureSceneID: "CS1",
                     spatiality: .spatial(SpatialInformation())),
        MediaCapture(captureID: "X", kind: .video, captureSceneID: "CS1",
                     composition: .multipleContent(MultipleContentCapture(content: CaptureContent()))),
        MediaCapture(captureID: "X", kind: .video, captureSceneID: "CS1",
                     composition: .multipleContent(MultipleContentCapture(allowSubsetChoice: false))),
        MediaCapture(captureID: "X", kind: .video, captureSceneID: "CS1",
                     composition: .multipleContent(MultipleContentCapture(policy: CapturePolicy(name: "Vendor7",
                                                                                                 index: "007")))),
        MediaCapture(captureID: "X", kind: .video, captureSceneID: "CS1",
                     composition: .multipleContent(MultipleContentCapture(maxCaptures: MaxCaptures(3,
                                                                                               exactNumber: false)))),
        MediaCapture(captureID: "X", kind: .other, mediaType: "haptics", captureSceneID: "CS1"),
        MediaCapture(captureID: "X", kind: .video, captureSceneID: "CS1", encodingGroupID: "EG0", priority: 0),
    ])
    func capture(_ capture: MediaCapture) throws {
        let info = Samples.minimal(with: capture)
        #expect(try ClueInfo(element: info.element()) == info)
        #expect(try throughText(info) == info)
    }

    /// Each type decodes back from the element its encoder makes.
    @Test func eachTypeOnItsOwn() throws {
        let advertisement = Samples.advertisement
        for capture in advertisement.mediaCaptures {
            #expect(try MediaCapture(element: capture.element()) == capture)
        }
        for group in advertisement.encodingGroups {
            #expect(try EncodingGroup(element: group.element()) == group)
        }
        for scene in advertisement.captureScenes {
            #expect(try CaptureScene(element: scene.element()) == scene)
            for view in scene.sceneViews { #expect(try SceneView(element: view.element()) == view) }
        }
        for set in advertisement.simultaneousSets! { #expect(try SimultaneousSet(element: set.element()) == set) }
        for view in advertisement.globalViews! { #expect(try GlobalView(element: view.element()) == view) }
        for person in advertisement.people! { #expect(try Person(element: person.element()) == person) }
        let encodings = [
            CaptureEncoding(id: "ce1", captureID: "VC0", encodingID: "ENC1"),
            CaptureEncoding(id: "ce2", captureID: "VC3", encodingID: " ENC 3 ",
                            configuredContent: CaptureContent(mediaCaptureIDs: ["VC0"], sceneViewIDs: ["SV1"]),
                            extensions: [extensionElement("rate")],
                            extensionAttributes: [XMLAttribute(XMLName("free"), "1"), extensionAttribute("q")]),
        ]
        for encoding in encodings { #expect(try CaptureEncoding(element: encoding.element()) == encoding) }
        let wrapper = XMLElement.parent(CLUEName.message("captureEncodings"), encodings.map { $0.element() })
        #expect(try [CaptureEncoding](captureEncodings: wrapper) == encodings)
    }

    /// The optional lists are written only when present and non-empty; an empty one reads back as absent.
    @Test func optionalListsOmittedWhenEmpty() throws {
        var advertisement = Samples.minimal
        advertisement.simultaneousSets = []
        advertisement.globalViews = []
        advertisement.people = []
        let element = try ClueInfo(clueInfoID: "doc", advertisement: advertisement).element()
        #expect(element.childElements.map(\.name.local) == ["mediaCaptures", "encodingGroups", "captureScenes"])
        let decoded = try ClueInfo(element: element).advertisement
        #expect(decoded.simultaneousSets == nil && decoded.globalViews == nil && decoded.people == nil)
    }

    /// A clueInfo tree is entirely in the data-model namespace, with xsi:type on every capture and booleans as
    /// true/false.
    @Test func encodesInDataModelNamespace() throws {
        let element = try Samples.clueInfo.element()
        func visit(_ element: XMLElement, depth: Int) {
            if depth <= 3 { #expect(element.name.namespace == dataModelNS, "\(element.name)") }
            for case .element(let inner) in element.children where inner.name.namespace != extensionNS
                && inner.name.namespace != XMLNamespace.xCard {
                visit(inner, depth: depth + 1)
            }
        }
        visit(element, depth: 0)
        let captures = element.childElements[0].childElements
        #expect(captures.map { $0.schemaType?.local } == ["audioCaptureType", "videoCaptureType", "videoCaptureType",
                                                          "videoCaptureType", "textCaptureType", "otherCaptureType"])
        #expect(captures.allSatisfy { $0.schemaType?.namespace == dataModelNS })
        let individual = captures[0].childElements.first { $0.name.local == "individual" }
        #expect(individual?.text == "true")
        let subset = captures[2].childElements.first { $0.name.local == "allowSubsetChoice" }
        #expect(subset?.text == "true")
    }

    /// The written text validates with xmllint as well as with the embedded validator.
    @Test func writtenTextValidatesWithXmllint() throws {
        let xmllint = URL(fileURLWithPath: "/usr/bin/xmllint")
        guard FileManager.default.isExecutableFile(atPath: xmllint.path) else { return }
        let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/CLUEModel/Schemas/clue-info.xsd").standardized
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("codec-\(UUID().uuidString).xml")
        try Data(XMLWriter().bytes(Samples.clueInfo.element())).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = xmllint
        process.arguments = ["--noout", "--nonet", "--schema", schema.path, file.path]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(output)")
    }
}
