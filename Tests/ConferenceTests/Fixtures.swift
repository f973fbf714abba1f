import CLUEModel
import CLUEProtocol
@testable import Conference

/// The RFC 8845 section 12.3.3 cast, shortened: a three-camera room, a two-camera room, a laptop, and (for the
/// four-screen view) a single-camera endpoint with four screens.
enum Cast {
    static let privateWords = ["Rossi", "Boardroom Alpha", "Bravo huddle", "Charlie laptop", "alice@example.com"]

    static func point(_ x: Int, _ y: Int, _ z: Int) -> Point {
        Point(x: XMLDecimal(integerLiteral: x), y: XMLDecimal(integerLiteral: y), z: XMLDecimal(integerLiteral: z))
    }

    /// A camera covering x from `left` to `left + 1000` mm, 3 m away.
    static func camera(_ id: String, left: Int, group: String = "EG0", people: [String] = [],
                       description: String) -> MediaCapture {
        MediaCapture(
            captureID: id, kind: .video, captureSceneID: "CS1",
            spatiality: .spatial(SpatialInformation(
                captureOrigin: CaptureOrigin(capturePoint: point(left + 500, 0, 1200)),
                captureArea: CaptureArea(bottomLeft: point(left, 3000, 800), bottomRight: point(left + 1000, 3000, 800),
                                         topLeft: point(left, 3000, 1600), topRight: point(left + 1000, 3000, 1600)))),
            encodingGroupID: group, descriptions: [LocalizedText(description, lang: "en")], capturedPeople: people)
    }

    static func microphone(_ id: String, description: String) -> MediaCapture {
        MediaCapture(captureID: id, kind: .audio(sensitivityPattern: "omni"), captureSceneID: "CS1",
                     spatiality: .spatial(SpatialInformation(
                        captureOrigin: CaptureOrigin(capturePoint: point(0, 1000, 1000)))),
                     encodingGroupID: "EG1", descriptions: [LocalizedText(description, lang: "en")])
    }

    static let xCard = XCard(children: [.element(XMLElement(
        XMLName("fn", namespace: XMLNamespace.xCard),
        children: [.element(XMLElement(XMLName("text", namespace: XMLNamespace.xCard),
                                       children: [.text("Alice Rossi alice@example.com")]))]))])

    /// Three cameras listed out of spatial order (center, right, left) to show the bridge sorts by capture area.
    static let alpha = Advertisement(
        mediaCaptures: [
            camera("VC1", left: -500, people: ["alice"], description: "Boardroom Alpha center"),
            camera("VC2", left: 500, description: "Boardroom Alpha right"),
            camera("VC0", left: -1500, description: "Boardroom Alpha left"),
            microphone("AC0", description: "Boardroom Alpha ceiling microphones"),
        ],
        encodingGroups: [
            EncodingGroup(encodingGroupID: "EG0", maxGroupBandwidth: 6_000_000, encodingIDs: ["av0", "av1", "av2"]),
            EncodingGroup(encodingGroupID: "EG1", maxGroupBandwidth: 128_000, encodingIDs: ["aa0"]),
        ],
        captureScenes: [CaptureScene(
            sceneID: "CS1", scale: .millimeters, descriptions: [LocalizedText("Boardroom Alpha, Rossi & Co")],
            sceneInformation: xCard,
            sceneViews: [SceneView(sceneViewID: "SV0", mediaCaptureIDs: ["VC2", "VC0", "VC1"]),
                         SceneView(sceneViewID: "SV1", mediaCaptureIDs: ["AC0"])])],
        simultaneousSets: [SimultaneousSet(setID: "SS1", mediaCaptureIDs: ["VC0", "VC1", "VC2", "AC0"])],
        people: [Person(personID: "alice", personInfo: xCard, personTypes: ["chairman"])])

    static let bravo = Advertisement(
        mediaCaptures: [
            camera("left", left: -1000, description: "Bravo huddle left"),
            camera("right", left: 0, description: "Bravo huddle right"),
            microphone("mic", description: "Bravo huddle microphone"),
        ],
        encodingGroups: [
            EncodingGroup(encodingGroupID: "EG0", maxGroupBandwidth: 4_000_000, encodingIDs: ["bv0", "bv1"]),
            EncodingGroup(encodingGroupID: "EG1", maxGroupBandwidth: 64_000, encodingIDs: ["ba0"]),
        ],
        captureScenes: [CaptureScene(
            sceneID: "CS1", scale: .millimeters, descriptions: [LocalizedText("Bravo huddle room")],
            sceneViews: [SceneView(sceneViewID: "SV0", mediaCaptureIDs: ["left", "right"]),
                         SceneView(sceneViewID: "SV1", mediaCaptureIDs: ["mic"])])])

    static func single(description: String) -> Advertisement {
        Advertisement(
            mediaCaptures: [camera("VC0", left: 0, description: description), microphone("AC0", description: description)],
            encodingGroups: [
                EncodingGroup(encodingGroupID: "EG0", maxGroupBandwidth: 2_000_000, encodingIDs: ["v0"]),
                EncodingGroup(encodingGroupID: "EG1", maxGroupBandwidth: 64_000, encodingIDs: ["a0"]),
            ],
            captureScenes: [CaptureScene(
                sceneID: "CS1", scale: .millimeters, descriptions: [LocalizedText(description)],
                sceneViews: [SceneView(sceneViewID: "SV0", mediaCaptureIDs: ["VC0"]),
                             SceneView(sceneViewID: "SV1", mediaCaptureIDs: ["AC0"])])])
    }

    static func encodings(_ prefix: String, video: Int) -> (video: [BridgeEncoding], audio: [BridgeEncoding]) {
        ((0..<video).map { BridgeEncoding(id: "\(prefix)-video-\($0)", maxBandwidth: 2_000_000) },
         [BridgeEncoding(id: "\(prefix)-audio-0", maxBandwidth: 64_000)])
    }

    static func participant(_ id: String, _ advertisement: Advertisement?, screens: Int) -> Participant {
        let (video, audio) = encodings(id, video: screens)
        return Participant(id: id, displayName: "\(id) display name", advertisement: advertisement,
                           videoEncodings: video, audioEncodings: audio)
    }

    /// alpha (3 screens), bravo (2), charlie (1), in that order: sites 1, 2, 3.
    static func conference(policy: RoomPolicy = RoomPolicy()) -> Conference {
        var conference = Conference(policy: policy)
        conference.join(participant("alpha", alpha, screens: 3))
        conference.join(participant("bravo", bravo, screens: 2))
        conference.join(participant("charlie", single(description: "Charlie laptop"), screens: 1))
        return conference
    }

    static let delta = participant("delta", single(description: "Delta four-screen wall"), screens: 4)

    /// A configure of the bridge's captures, one encoding each, in the receiver's encodings.
    static func configure(_ captures: [String], audio: [String] = ["AC0"], of participant: Participant)
        -> [CaptureEncoding] {
        zip(captures, participant.videoEncodings).map { capture, encoding in
            CaptureEncoding(id: "ce-\(capture)", captureID: capture, encodingID: encoding.id)
        } + zip(audio, participant.audioEncodings).map { capture, encoding in
            CaptureEncoding(id: "ce-\(capture)", captureID: capture, encodingID: encoding.id)
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Advertisement {
    /// Written as a `<clueInfo>` document the way the bridge writes documents, validated against the schema, and
    /// read back.
    func throughSchema() throws -> (xml: String, readBack: Advertisement) {
        let xml = try CLUEDocument.clueInfo(ClueInfo(clueInfoID: "conference", advertisement: self)).xml()
        let violations = try SchemaValidator.clueInfo.validate(xml)
        guard violations.isEmpty else { throw TestFailure("schema violations: \(violations)") }
        guard case .clueInfo(let info) = try CLUEDocument(xml: Array(xml.utf8)) else { throw TestFailure("not clueInfo") }
        return (xml, info.advertisement)
    }

    var errors: [SemanticIssue] { semanticIssues().filter { $0.severity == .error } }

    func capture(_ id: String) -> MediaCapture? { mediaCaptures.first { $0.captureID == id } }
    var sceneViewIDs: [String] { captureScenes.flatMap(\.sceneViews).map(\.sceneViewID) }
}
