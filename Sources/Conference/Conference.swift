import CLUEModel

/// One encoding the bridge can send a participant: the `a=label` of one of its sendonly CLUE-controlled m-lines
/// towards that participant (RFC 8848 section 4), with the bandwidth that m-line allows.
public struct BridgeEncoding: Sendable, Hashable {
    /// The encoding ID, i.e. the m-line's `a=label`.
    public var id: String
    /// Bits per second.
    public var maxBandwidth: UInt64

    public init(id: String, maxBandwidth: UInt64) {
        self.id = id
        self.maxBandwidth = maxBandwidth
    }
}

/// A participant of the conference, as the bridge knows it.
public struct Participant: Sendable, Hashable {
    public var id: String
    /// Shown to others only when the room's policy passes descriptions on.
    public var displayName: String
    /// The latest advertisement the bridge acknowledged from it; nil for a plain SIP endpoint (one camera, one
    /// microphone on its ordinary m-lines, see `Conference.plainVideoCaptureID`).
    public var advertisement: Advertisement?
    /// What the bridge can send it: its video and audio encodings (RFC 8845 section 8). The composer puts exactly
    /// these IDs in the participant's encoding groups.
    public var videoEncodings: [BridgeEncoding]
    public var audioEncodings: [BridgeEncoding]
    /// The configure it sent the bridge and the bridge accepted (see `Conference.check`); nil before any.
    public var configure: [CaptureEncoding]?

    public init(id: String, displayName: String, advertisement: Advertisement? = nil,
                videoEncodings: [BridgeEncoding] = [], audioEncodings: [BridgeEncoding] = [],
                configure: [CaptureEncoding]? = nil) {
        self.id = id
        self.displayName = displayName
        self.advertisement = advertisement
        self.videoEncodings = videoEncodings
        self.audioEncodings = audioEncodings
        self.configure = configure
    }
}

/// What a room lets the bridge pass between sites, and how much switched video it offers.
public struct RoomPolicy: Sendable, Hashable {
    /// False (the default) minimizes: no xCard, no person information, no free-text description of another site
    /// leaves the bridge; sites are "site N" (RFC 8845 section 15 and RFC 8846 section 25 privacy considerations).
    public var passDescriptions: Bool
    /// The largest switched scene view offered (RFC 8845 Table 8 goes to four screens), further limited per
    /// participant by the number of video encodings the bridge has towards it.
    public var maxSwitchedScreens: Int

    public init(passDescriptions: Bool = false, maxSwitchedScreens: Int = 4) {
        self.passDescriptions = passDescriptions
        self.maxSwitchedScreens = maxSwitchedScreens
    }
}

/// The conference: who is in it and what each said. A value; the room's serial queue owns one and feeds it events.
///
/// Capture IDs the bridge advertises are stable: a site keeps its number for as long as it stays, and a source
/// capture, scene or scene view keeps its number within the site for as long as the site advertises it under the
/// same ID, so configures survive re-advertisements (RFC 8847 section 4.4).
public struct Conference: Sendable, Hashable {
    /// The capture IDs standing for a plain SIP endpoint's main video and audio (it has no advertisement).
    public static let plainVideoCaptureID = "main-video"
    public static let plainAudioCaptureID = "main-audio"

    public var policy: RoomPolicy
    /// In the order they joined.
    public private(set) var participants: [Participant] = []
    var sites: [String: Site] = [:]
    private var nextSiteNumber = 1

    public init(policy: RoomPolicy = RoomPolicy()) {
        self.policy = policy
    }

    public func participant(_ id: String) -> Participant? {
        participants.first { $0.id == id }
    }

    /// The number the participant's site has in every advertisement ("site N", capture IDs `S<N>...`).
    public func siteNumber(of participant: String) -> Int? {
        sites[participant]?.number
    }

    /// Admits a participant, or replaces its state if it is already in (keeping its site number and IDs).
    public mutating func join(_ participant: Participant) {
        if let index = participants.firstIndex(where: { $0.id == participant.id }) {
            participants[index] = participant
        } else {
            participants.append(participant)
            sites[participant.id] = Site(number: nextSiteNumber)
            nextSiteNumber += 1
        }
        sites[participant.id]!.learn(effectiveAdvertisement(of: participant))
    }

    /// Removes a participant; its site number is never reused in this conference.
    public mutating func leave(_ participant: String) {
        participants.removeAll { $0.id == participant }
        sites[participant] = nil
    }

    /// Records the advertisement the bridge just acknowledged from `participant` (RFC 8847 section 5.3).
    public mutating func acknowledge(_ advertisement: Advertisement, from participant: String) {
        update(participant) { $0.advertisement = advertisement }
    }

    /// Records the bridge's encodings towards `participant` (its CLUE-controlled m-lines, after an offer/answer).
    public mutating func setBridgeEncodings(video: [BridgeEncoding], audio: [BridgeEncoding],
                                            for participant: String) {
        update(participant) {
            $0.videoEncodings = video
            $0.audioEncodings = audio
        }
    }

    /// Records a configure of the bridge's captures that `check` accepted; nil releases everything.
    public mutating func setConfigure(_ configure: [CaptureEncoding]?, of participant: String) {
        update(participant) { $0.configure = configure }
    }

    private mutating func update(_ id: String, _ change: (inout Participant) -> Void) {
        guard let index = participants.firstIndex(where: { $0.id == id }) else { return }
        change(&participants[index])
        sites[id]!.learn(effectiveAdvertisement(of: participants[index]))
    }

    /// What the participant sends, as an advertisement: its own, or for a plain SIP endpoint one video and one
    /// audio capture standing for its ordinary m-lines.
    func effectiveAdvertisement(of participant: Participant) -> Advertisement {
        if let advertisement = participant.advertisement { return advertisement }
        return Advertisement(
            mediaCaptures: [
                MediaCapture(captureID: Self.plainVideoCaptureID, kind: .video, captureSceneID: "main"),
                MediaCapture(captureID: Self.plainAudioCaptureID, kind: .audio(sensitivityPattern: nil),
                             captureSceneID: "main"),
            ],
            encodingGroups: [],
            captureScenes: [CaptureScene(sceneID: "main", scale: .noScale, sceneViews: [
                SceneView(sceneViewID: "main-video-view", mediaCaptureIDs: [Self.plainVideoCaptureID]),
                SceneView(sceneViewID: "main-audio-view", mediaCaptureIDs: [Self.plainAudioCaptureID]),
            ])])
    }
}

/// The bridge's numbering of one site: its number and, per kind of source identifier, the ordinal each source ID
/// got when first seen. Ordinals are never reused while the site stays, so the bridge's IDs stay stable.
struct Site: Sendable, Hashable {
    enum Kind: String, Sendable, Hashable {
        case videoCapture = "VC"
        case audioCapture = "AC"
        case scene = "CS"
        case sceneView = "SV"
        case person = "P"
    }

    struct Key: Sendable, Hashable {
        var kind: Kind
        var sourceID: String
    }

    let number: Int
    private(set) var ordinals: [Key: Int] = [:]
    private var next: [Kind: Int] = [:]

    init(number: Int) {
        self.number = number
    }

    /// Gives every identifier of `advertisement` an ordinal, in document order.
    mutating func learn(_ advertisement: Advertisement) {
        for capture in advertisement.mediaCaptures {
            switch capture.kind {
            case .video: assign(.videoCapture, capture.captureID)
            case .audio: assign(.audioCapture, capture.captureID)
            case .text, .other: break
            }
        }
        for scene in advertisement.captureScenes {
            assign(.scene, scene.sceneID)
            for view in scene.sceneViews { assign(.sceneView, view.sceneViewID) }
        }
        for person in advertisement.people ?? [] { assign(.person, person.personID) }
    }

    private mutating func assign(_ kind: Kind, _ id: String) {
        let key = Key(kind: kind, sourceID: id)
        guard ordinals[key] == nil else { return }
        let ordinal = next[kind, default: 1]
        ordinals[key] = ordinal
        next[kind] = ordinal + 1
    }

    /// The bridge's ID for a source identifier: `S<site><kind><ordinal>`, e.g. `S2VC1`.
    func bridgeID(_ kind: Kind, _ sourceID: String) -> String? {
        ordinals[Key(kind: kind, sourceID: sourceID)].map { "S\(number)\(kind.rawValue)\($0)" }
    }
}
