import CLUEModel

/// What the bridge, as Media Provider, offers a participant today: the room's switched video (the current speaker's
/// site, RFC 8845 section 6.1 "SoundLevel") and the mix of everyone else's audio (Table 8's AC0), each in its own
/// encoding group whose encoding IDs are the labels the bridge puts on its sendonly CLUE-controlled m-lines.
///
/// Honest and minimal: it names only what a room can carry now, and nothing about other participants beyond what
/// the room's policy passes on (no xCard, no description text from other sites).
enum RoomAdvertisement {
    static let videoCapture = "VC0"
    static let audioCapture = "AC0"
    static let videoEncoding = "bridge-video-0"
    static let audioEncoding = "bridge-audio-0"

    static func make(otherParticipants: Int) -> Advertisement {
        let video = MediaCapture(
            captureID: videoCapture, kind: .video, captureSceneID: "CS1",
            composition: .multipleContent(MultipleContentCapture(
                policy: CapturePolicy(name: "SoundLevel", index: 0), maxCaptures: MaxCaptures(1))),
            encodingGroupID: "EG0", descriptions: [LocalizedText("current speaker", lang: "en")])
        let audio = MediaCapture(
            captureID: audioCapture, kind: .audio(sensitivityPattern: nil), captureSceneID: "CS1", encodingGroupID: "EG1",
            descriptions: [LocalizedText("conference audio, without your own", lang: "en")])
        return Advertisement(
            mediaCaptures: [video, audio],
            encodingGroups: [
                EncodingGroup(encodingGroupID: "EG0", maxGroupBandwidth: 4_000_000, encodingIDs: [videoEncoding]),
                EncodingGroup(encodingGroupID: "EG1", maxGroupBandwidth: 128_000, encodingIDs: [audioEncoding]),
            ],
            captureScenes: [
                CaptureScene(sceneID: "CS1", scale: .noScale,
                             descriptions: [LocalizedText("conference (\(otherParticipants) other sites)", lang: "en")],
                             sceneViews: [
                                 SceneView(sceneViewID: "SV1", mediaCaptureIDs: [videoCapture, audioCapture]),
                             ]),
            ],
            simultaneousSets: [SimultaneousSet(setID: "SS1", mediaCaptureIDs: [videoCapture, audioCapture])])
    }
}
