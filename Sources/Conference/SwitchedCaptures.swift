import CLUEModel

/// The bridge's own captures, the same in every participant's advertisement (RFC 8845 section 12.1.3, Table 8):
/// switched video MCCs for one to four screens, a round-robin MCC and the mix of everyone else's audio.
enum SwitchedCaptures {
    /// The scene holding them.
    static let sceneID = "CS0"
    static let videoGroupID = "EGV"
    static let audioGroupID = "EGA"
    /// Table 8's AC0: everyone but you.
    static let mixedAudioID = "AC0"
    static let mixedAudioViewID = "SV6"
    static let roundRobinID = "MCC10"
    static let roundRobinViewID = "SV5"
    /// The latest speakers' sites composed into one picture (RFC 8845 section 7.2: switched and composed, MaxCaptures
    /// above one), for a consumer with one screen that wants to see several sites at once.
    static let composedID = "MCC11"
    static let composedViewID = "SV7"
    /// How many sites the composed capture shows at most (a 2x2 layout).
    static let composedTiles = 4

    /// One switched video capture: its place in its scene view and how it picks its content.
    struct Slot: Sendable, Hashable {
        var captureID: String
        /// The number of screens of the scene view it belongs to (1 to 4).
        var screens: Int
        /// Left to right within the view.
        var position: Int
        /// For views of one and two screens: the center capture of the `rank`-th site in speaker order
        /// (SoundLevel:rank). For three and four screens, nil: the view is filled as one synchronized group.
        var rank: Int?

        var policy: CapturePolicy { .soundLevel(rank ?? 0) }
    }

    /// Table 8's MCC0 ... MCC9.
    static func slots(screens: Int) -> [Slot] {
        switch screens {
        case 1: [Slot(captureID: "MCC0", screens: 1, position: 0, rank: 0)]
        case 2: [Slot(captureID: "MCC1", screens: 2, position: 0, rank: 0),
                 Slot(captureID: "MCC2", screens: 2, position: 1, rank: 1)]
        case 3: (0..<3).map { Slot(captureID: "MCC\(3 + $0)", screens: 3, position: $0, rank: nil) }
        case 4: (0..<4).map { Slot(captureID: "MCC\(6 + $0)", screens: 4, position: $0, rank: nil) }
        default: []
        }
    }

    static func viewID(screens: Int) -> String { "SV\(screens)" }

    static let allSlots: [Slot] = (1...4).flatMap { slots(screens: $0) }

    static func slot(_ captureID: String) -> Slot? { allSlots.first { $0.captureID == captureID } }

    /// Fills a synchronized group of `screens` switched captures from the sites in speaker order (RFC 8845
    /// section 12.3.3): the talker's site takes as many screens as it has cameras, in their spatial order, and
    /// the previous talkers' sites fill the rest; a site with more cameras than screens left shows its center one.
    /// Returns the (site, source capture) per position; nil where nothing is left to show.
    static func fill(screens: Int, from ranked: [SiteSources]) -> [(site: String, capture: String)?] {
        var positions: [(site: String, capture: String)?] = []
        for sources in ranked where positions.count < screens {
            let remaining = screens - positions.count
            let captures = sources.videoFilling(screens: remaining)
            positions += captures.map { (sources.participant, $0) }
        }
        return positions + Array(repeating: nil, count: screens - positions.count)
    }

    /// The source captures of one site a slot can show, whoever talks.
    static func candidates(for slot: Slot, in sources: SiteSources) -> [String] {
        if slot.rank != nil { return sources.centerVideo.map { [$0] } ?? [] }
        return sources.videoFilling(screens: slot.screens)
    }
}
