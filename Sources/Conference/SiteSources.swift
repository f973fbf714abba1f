import CLUEModel

/// What one participant can send, read from its advertisement once: which of its captures fill the bridge's
/// switched captures and which one feeds the mixer. Decisions use only structure and spatial information, never
/// descriptions or xCards.
struct SiteSources: Sendable, Hashable {
    let participant: String
    let site: Site
    let advertisement: Advertisement
    /// The video captures that show the site across the bridge's synchronized switched views, left to right
    /// (RFC 8845 section 7.1.1.1: spatial order from the capture areas): the individual captures of its largest
    /// video scene view that fits the room's screens.
    let mainVideo: [String]
    /// The audio capture(s) the mixer and the speaker detection take: its smallest audio scene view.
    let mixerAudio: [String]

    /// The one capture that stands for the site in a single switched stream: the middle of `mainVideo`.
    var centerVideo: String? {
        mainVideo.isEmpty ? nil : mainVideo[(mainVideo.count - 1) / 2]
    }

    /// The captures the site contributes to a synchronized group of `screens` switched captures: all of its main
    /// video if it fits, else the center one.
    func videoFilling(screens: Int) -> [String] {
        mainVideo.count <= screens ? mainVideo : centerVideo.map { [$0] } ?? []
    }

    init(participant: String, site: Site, advertisement: Advertisement, maxScreens: Int) {
        self.participant = participant
        self.site = site
        self.advertisement = advertisement
        let captures = Dictionary(advertisement.mediaCaptures.map { ($0.captureID, $0) }, uniquingKeysWith: { a, _ in a })
        let views = advertisement.captureScenes.flatMap(\.sceneViews)

        func isIndividualVideo(_ id: String) -> Bool {
            guard let capture = captures[id] else { return false }
            return capture.kind == .video && capture.multipleContent == nil
        }
        let videoViews = views.map(\.mediaCaptureIDs).filter { !$0.isEmpty && $0.allSatisfy(isIndividualVideo) }
        let fitting = videoViews.filter { $0.count <= max(1, maxScreens) }
        // The largest view that fits; the first of equals (the provider lists its preferred view first).
        var main = fitting.reduce([String]()) { best, view in view.count > best.count ? view : best }
        if main.isEmpty {
            let individual = advertisement.mediaCaptures.filter { $0.kind == .video && $0.multipleContent == nil }
            let any = advertisement.mediaCaptures.filter { $0.kind == .video }
            main = Array((individual.isEmpty ? any : individual).prefix(1).map(\.captureID))
        }
        mainVideo = Self.leftToRight(main, captures: captures)

        let audioViews = views.map(\.mediaCaptureIDs).filter { ids in
            !ids.isEmpty && ids.allSatisfy { if case .audio = captures[$0]?.kind { true } else { false } }
        }
        if let smallest = audioViews.min(by: { $0.count < $1.count }),
           let first = audioViews.first(where: { $0.count == smallest.count }) {
            mixerAudio = first
        } else {
            mixerAudio = advertisement.mediaCaptures.first { if case .audio = $0.kind { true } else { false } }
                .map { [$0.captureID] } ?? []
        }
    }

    /// Sorts by the centre of the capture area along x when every capture has one; otherwise keeps the view's
    /// order (the provider's own listing is the best order there is).
    private static func leftToRight(_ ids: [String], captures: [String: MediaCapture]) -> [String] {
        let centers = ids.map { id -> Double? in
            guard case .spatial(let info) = captures[id]?.spatiality, let area = info.captureArea else { return nil }
            return (area.bottomLeft.x.value + area.bottomRight.x.value + area.topLeft.x.value
                + area.topRight.x.value) / 4
        }
        guard centers.allSatisfy({ $0 != nil }) else { return ids }
        return zip(ids, centers).enumerated()
            .sorted { ($0.element.1!, $0.offset) < ($1.element.1!, $1.offset) }
            .map(\.element.0)
    }

    /// The source capture a bridge capture ID of this site stands for, if any.
    func sourceCapture(forBridgeID id: String) -> String? {
        for capture in advertisement.mediaCaptures {
            let kind: Site.Kind
            switch capture.kind {
            case .video: kind = .videoCapture
            case .audio: kind = .audioCapture
            case .text, .other: continue
            }
            if site.bridgeID(kind, capture.captureID) == id { return capture.captureID }
        }
        return nil
    }
}

extension XMLDecimal {
    /// The value as a Double, for geometry only (never written back without rounding).
    var value: Double { Double(canonical) ?? 0 }
}

extension Conference {
    /// The sources of every participant, in join order.
    func allSources() -> [SiteSources] {
        participants.compactMap { sources(of: $0.id) }
    }

    func sources(of id: String) -> SiteSources? {
        guard let participant = participant(id), let site = sites[id] else { return nil }
        return SiteSources(participant: id, site: site, advertisement: effectiveAdvertisement(of: participant),
                           maxScreens: policy.maxSwitchedScreens)
    }
}
