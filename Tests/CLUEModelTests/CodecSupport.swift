import Foundation
import Testing

@testable import CLUEModel

// Shared by the Codec* and Semantic* tests: a tiny tree builder, sample models that use every field, and the
// read/write round trip.

let dataModelNS = XMLNamespace.clueInfo
let protocolNS = XMLNamespace.clueProtocol
let extensionNS = "https://example.com/clue-ext"

/// Builds an element in code: `node("mediaCapture", attributes: [("captureID", "AC0")], [...])`.
func node(_ local: String, _ namespace: String? = dataModelNS, attributes: [(String, String)] = [],
          type: XMLName? = nil, _ children: [XMLNode] = []) -> XMLElement {
    XMLElement(XMLName(local, namespace: namespace),
               attributes: attributes.map { XMLAttribute(XMLName($0.0), $0.1) }, children: children,
               schemaType: type)
}

/// A child element node holding only text.
func leaf(_ local: String, _ value: String, _ namespace: String? = dataModelNS) -> XMLNode {
    .element(XMLElement(XMLName(local, namespace: namespace), children: value.isEmpty ? [] : [.text(value)]))
}

func child(_ element: XMLElement) -> XMLNode { .element(element) }

/// An extension element in `extensionNS`.
func extensionElement(_ local: String, _ text: String = "x") -> XMLElement {
    XMLElement(XMLName(local, namespace: extensionNS), children: [.text(text)])
}

func extensionAttribute(_ local: String, _ value: String = "v") -> XMLAttribute {
    XMLAttribute(XMLName(local, namespace: extensionNS), value)
}

/// Parses XML text; the fixture-free way to get real line numbers.
func parse(_ text: String) throws -> XMLElement {
    try XMLReader.parse(text)
}

/// The error a decode throws, or nil.
func decodingError<T>(_ body: () throws -> T) -> CLUEDecodingError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error as? CLUEDecodingError
    }
}

enum CodecFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// The fixture files of `folder` (rfc, unseen) whose names satisfy `filter`.
    static func files(in folder: String, where filter: (String) -> Bool = { _ in true }) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent(folder).path))
            ?? []
        return names.filter { $0.hasSuffix(".xml") && filter($0) }.sorted().map { "\(folder)/\($0)" }
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(path)))
    }
}

/// Encode, write, read back, decode: what a peer would see.
func throughText(_ info: ClueInfo) throws -> ClueInfo {
    let bytes = try XMLWriter().bytes(info.element())
    return try ClueInfo(element: XMLReader.parse(bytes))
}

enum Samples {
    static let vcard = XCard(
        attributes: [XMLAttribute(XMLName("note", namespace: extensionNS), "kept")],
        children: [.element(XMLElement(XMLName("fn", namespace: XMLNamespace.xCard),
                                       children: [.element(XMLElement(XMLName("text", namespace: XMLNamespace.xCard),
                                                                      children: [.text("Alice Rossi")]))]))])

    static func point(_ x: XMLDecimal, _ y: XMLDecimal, _ z: XMLDecimal) -> Point { Point(x: x, y: y, z: z) }

    static let area = CaptureArea(bottomLeft: point(-1, 20, 9), bottomRight: point(1, 20, 9),
                                  topLeft: point(-1, 20, 11), topRight: point(XMLDecimal("1.5")!, 20, 11))

    static let audio = MediaCapture(
        captureID: "AC0", kind: .audio(sensitivityPattern: "cardioid"), captureSceneID: "CS1",
        spatiality: .spatial(SpatialInformation(
            captureOrigin: CaptureOrigin(capturePoint: point(0, 0, 10), lineOfCapturePoint: point(0, 1, 10),
                                         extensionAttributes: [XMLAttribute(XMLName("calibrated"), "yes")]))),
        encodingGroupID: "EG1",
        descriptions: [LocalizedText("main audio from the room\n   ", lang: "en"), LocalizedText("audio", lang: "it"),
                       LocalizedText(" no language ")],
        priority: 1, languages: ["it", "en-US"], mobility: .static, view: "room", capturedPeople: ["alice", "bob"],
        extensions: [extensionElement("newAudioFeature", "value")],
        extensionAttributes: [extensionAttribute("gain", "3")])

    static let video = MediaCapture(
        captureID: "VC0", kind: .video, captureSceneID: "CS1",
        spatiality: .spatial(SpatialInformation(
            captureOrigin: CaptureOrigin(capturePoint: point(XMLDecimal("-2.25")!, 0, 10)), captureArea: area,
            extensions: [extensionElement("lens", "wide")], extensionAttributes: [extensionAttribute("fov")])),
        encodingGroupID: "EG0", descriptions: [LocalizedText("left camera", lang: "en")], priority: 4_294_967_295,
        mobility: .highlyDynamic, embeddedText: EmbeddedText(true, lang: "en"), view: "individual",
        capturedPeople: ["alice"], relatedTo: "AC0")

    static let switched = MediaCapture(
        captureID: "VC3", kind: .video, captureSceneID: "CS1",
        composition: .multipleContent(MultipleContentCapture(
            synchronizationID: "sync1",
            content: CaptureContent(mediaCaptureIDs: ["VC0"], sceneViewIDs: ["SV1"],
                                    extensions: [extensionElement("hint")],
                                    extensionAttributes: [extensionAttribute("mode", "switch")]),
            policy: .soundLevel(0), maxCaptures: MaxCaptures(1, exactNumber: true), allowSubsetChoice: true)),
        encodingGroupID: "EG0", presentation: "slides", embeddedText: EmbeddedText(false))

    /// An MCC that claims none of the MCC fields (RFC 8846 section 24.1's `OMC0`).
    static let bareMCC = MediaCapture(captureID: "VC4", kind: .video, captureSceneID: "CS2",
                                      composition: .multipleContent(MultipleContentCapture()), mobility: .dynamic)

    static let text = MediaCapture(captureID: "TC0", kind: .text, captureSceneID: "CS2", languages: ["es-419"])

    static let other = MediaCapture(
        captureID: "OC0", kind: .other, mediaType: "application/x-whiteboard", captureSceneID: "CS2",
        composition: .multipleContent(MultipleContentCapture(maxCaptures: MaxCaptures(65535))),
        extensions: [extensionElement("whiteboard")])

    static let advertisement = Advertisement(
        mediaCaptures: [audio, video, switched, bareMCC, text, other],
        encodingGroups: [
            EncodingGroup(encodingGroupID: "EG0", maxGroupBandwidth: 4_000_000, encodingIDs: ["ENC1", "ENC2", " ENC 3 "],
                          extensions: [extensionElement("codec", "H264")],
                          extensionAttributes: [XMLAttribute(XMLName("note"), "unqualified is fine here"),
                                                extensionAttribute("pool")]),
            EncodingGroup(encodingGroupID: "EG1", maxGroupBandwidth: UInt64.max, encodingIDs: ["ENC4"]),
        ],
        captureScenes: [
            CaptureScene(sceneID: "CS1", scale: .millimeters,
                         descriptions: [LocalizedText("main room", lang: "en")], sceneInformation: vcard,
                         sceneViews: [
                             SceneView(sceneViewID: "SV1", descriptions: [LocalizedText("cameras")],
                                       mediaCaptureIDs: ["VC0"]),
                             SceneView(sceneViewID: "SV2", mediaCaptureIDs: ["AC0"]),
                         ],
                         extensions: [extensionElement("room", "Napoli")],
                         extensionAttributes: [extensionAttribute("floor", "2")]),
            CaptureScene(sceneID: "CS2", scale: .noScale),
            CaptureScene(sceneID: "CS3", scale: .unknown),
        ],
        simultaneousSets: [
            SimultaneousSet(setID: "SS1", mediaType: "video", mediaCaptureIDs: ["VC0", "VC3"], sceneViewIDs: ["SV1"],
                            captureSceneIDs: ["CS1"], extensions: [extensionElement("budget")],
                            extensionAttributes: [XMLAttribute(XMLName("hint"), "plain")]),
            SimultaneousSet(setID: "SS2", mediaCaptureIDs: ["AC0"]),
        ],
        globalViews: [
            GlobalView(globalViewID: "GV1", sceneViewIDs: ["SV1"], extensions: [extensionElement("layout")],
                       extensionAttributes: [extensionAttribute("rank", "1")]),
            GlobalView(globalViewID: nil, sceneViewIDs: ["SV2"]),
        ],
        people: [
            Person(personID: "alice", personInfo: vcard, personTypes: ["presenter", "minute taker"],
                   extensions: [extensionElement("badge", "42")],
                   extensionAttributes: [XMLAttribute(XMLName("lang", namespace: XMLNamespace.xml), "it")]),
            Person(personID: "bob"),
        ])

    static let clueInfo = ClueInfo(clueInfoID: "NapoliRoom", advertisement: advertisement,
                                   extensions: [extensionElement("first"), extensionElement("second")],
                                   extensionAttributes: [extensionAttribute("origin", "test")])

    /// The smallest schema-valid advertisement.
    static let minimal = Advertisement(
        mediaCaptures: [MediaCapture(captureID: "VC0", kind: .video, captureSceneID: "CS1")],
        encodingGroups: [EncodingGroup(encodingGroupID: "EG0", maxGroupBandwidth: 0, encodingIDs: ["ENC1"])],
        captureScenes: [CaptureScene(sceneID: "CS1", scale: .unknown)])

    /// `minimal` with its one capture replaced.
    static func minimal(with capture: MediaCapture) -> ClueInfo {
        var advertisement = minimal
        var capture = capture
        capture.captureSceneID = "CS1"
        capture.encodingGroupID = capture.encodingGroupID.map { _ in "EG0" }
        capture.capturedPeople = []
        capture.relatedTo = nil
        if var mcc = capture.multipleContent {
            mcc.content = mcc.content.map { _ in CaptureContent() }
            capture.composition = .multipleContent(mcc)
        }
        advertisement.mediaCaptures = [capture]
        return ClueInfo(clueInfoID: "doc", advertisement: advertisement)
    }
}
