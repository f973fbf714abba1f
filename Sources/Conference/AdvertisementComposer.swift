import CLUEModel
import Foundation

extension Conference {
    /// The conference as `participant` should see it (RFC 8845 sections 12.1.3 and 12.3.3): never its own captures;
    /// a scene `CS0` with Table 8's switched video MCCs for one to four screens (as many as the room allows and the
    /// bridge has video encodings towards it), a RoundRobin MCC whose subset the consumer may choose, and AC0, the
    /// mix of everyone else; then one scene per scene of every other site with that site's captures, renumbered
    /// (`S<site><kind><n>`), their spatial information placed side by side along x in one coordinate space, and
    /// descriptions minimized unless the room passes them on.
    ///
    /// The encoding groups list exactly the bridge's encodings towards the participant, with `maxGroupBandwidth`
    /// the sum of their bandwidths; one simultaneous set per media type holds every capture, because the bridge
    /// forwards any combination and the encodings bound how many at once (RFC 8845 section 8).
    ///
    /// Deterministic: the same state gives the same document. A participant towards whom the bridge has no
    /// encoding at all gets an advertisement without encoding groups, which is not valid: advertise after the
    /// CLUE-controlled m-lines exist. Unknown participants get the view of an outsider (every site).
    ///
    /// The synchronized three- and four-screen views do not carry `<synchronizationID>`: RFC 8846 types it xs:ID,
    /// so the schema forbids two MCCs sharing one. Their joint switching is stated by the scene view and its
    /// description, and carried out by `routingPlan`.
    public func advertisement(for participant: String) -> Advertisement {
        let receiver = self.participant(participant)
        let videoEncodings = receiver?.videoEncodings ?? []
        let audioEncodings = receiver?.audioEncodings ?? []
        let videoGroup = videoEncodings.isEmpty ? nil : SwitchedCaptures.videoGroupID
        let audioGroup = audioEncodings.isEmpty ? nil : SwitchedCaptures.audioGroupID
        let others = allSources().filter { $0.participant != participant }

        var captures: [MediaCapture] = []
        var scenes: [CaptureScene] = []
        var people: [Person] = []

        // Per-site captures first, so the switched MCCs can name them.
        var siteScenes: [CaptureScene] = []
        for sources in others {
            let mapped = SiteMapping(sources: sources, policy: policy,
                                     displayName: self.participant(sources.participant)?.displayName ?? "",
                                     videoGroup: videoGroup, audioGroup: audioGroup)
            captures += mapped.captures
            siteScenes += mapped.scenes
            people += mapped.people
        }

        let screens = max(1, min(policy.maxSwitchedScreens, 4, videoEncodings.count))
        var views: [SceneView] = []
        for count in 1...screens {
            let slots = SwitchedCaptures.slots(screens: count)
            for slot in slots {
                let content = others.flatMap { sources in
                    SwitchedCaptures.candidates(for: slot, in: sources).compactMap { sources.site.bridgeID(.videoCapture, $0) }
                }
                captures.append(MediaCapture(
                    captureID: slot.captureID, kind: .video, captureSceneID: SwitchedCaptures.sceneID,
                    spatiality: .spatial(Self.screenArea(position: slot.position, of: count)),
                    composition: .multipleContent(MultipleContentCapture(
                        content: content.isEmpty ? nil : CaptureContent(mediaCaptureIDs: content),
                        policy: slot.policy, maxCaptures: MaxCaptures(1), allowSubsetChoice: false)),
                    encodingGroupID: videoGroup,
                    descriptions: [LocalizedText(Self.slotDescription(slot), lang: "en")]))
            }
            views.append(SceneView(
                sceneViewID: SwitchedCaptures.viewID(screens: count),
                descriptions: [LocalizedText(Self.viewDescription(screens: count), lang: "en")],
                mediaCaptureIDs: slots.map(\.captureID)))
        }
        let roundRobinContent = others.compactMap { sources in
            sources.centerVideo.flatMap { sources.site.bridgeID(.videoCapture, $0) }
        }
        captures.append(MediaCapture(
            captureID: SwitchedCaptures.roundRobinID, kind: .video, captureSceneID: SwitchedCaptures.sceneID,
            spatiality: .spatial(Self.screenArea(position: 0, of: 1)),
            composition: .multipleContent(MultipleContentCapture(
                content: roundRobinContent.isEmpty ? nil : CaptureContent(mediaCaptureIDs: roundRobinContent),
                policy: .roundRobin(0), maxCaptures: MaxCaptures(1),
                allowSubsetChoice: roundRobinContent.count > 1)),
            encodingGroupID: videoGroup,
            descriptions: [LocalizedText("each site in turn", lang: "en")]))
        views.append(SceneView(sceneViewID: SwitchedCaptures.roundRobinViewID,
                               mediaCaptureIDs: [SwitchedCaptures.roundRobinID]))
        // The latest speakers composed (up to four, speaker first): MaxCaptures <= 4 over every site's center
        // camera is RFC 8845 section 7.2.1's "switched and composed" case.
        captures.append(MediaCapture(
            captureID: SwitchedCaptures.composedID, kind: .video, captureSceneID: SwitchedCaptures.sceneID,
            spatiality: .spatial(Self.screenArea(position: 0, of: 1)),
            composition: .multipleContent(MultipleContentCapture(
                content: roundRobinContent.isEmpty ? nil : CaptureContent(mediaCaptureIDs: roundRobinContent),
                policy: .soundLevel(0),
                maxCaptures: MaxCaptures(UInt16(max(1, min(SwitchedCaptures.composedTiles, roundRobinContent.count)))),
                allowSubsetChoice: false)),
            encodingGroupID: videoGroup,
            descriptions: [LocalizedText("the latest speakers side by side", lang: "en")]))
        views.append(SceneView(sceneViewID: SwitchedCaptures.composedViewID,
                               mediaCaptureIDs: [SwitchedCaptures.composedID]))

        let mixContent = others.flatMap { sources in
            sources.mixerAudio.compactMap { sources.site.bridgeID(.audioCapture, $0) }
        }
        captures.append(MediaCapture(
            captureID: SwitchedCaptures.mixedAudioID, kind: .audio(sensitivityPattern: nil),
            captureSceneID: SwitchedCaptures.sceneID,
            composition: mixContent.isEmpty
                ? .individual
                : .multipleContent(MultipleContentCapture(content: CaptureContent(mediaCaptureIDs: mixContent))),
            encodingGroupID: audioGroup,
            descriptions: [LocalizedText("everyone but you", lang: "en")]))
        views.append(SceneView(sceneViewID: SwitchedCaptures.mixedAudioViewID,
                               mediaCaptureIDs: [SwitchedCaptures.mixedAudioID]))

        scenes.append(CaptureScene(sceneID: SwitchedCaptures.sceneID, scale: .unknown,
                                   descriptions: [LocalizedText("conference", lang: "en")], sceneViews: views))
        scenes += siteScenes

        // The switched scene's captures lead the document, then the sites'.
        let switchedIDs = Set(SwitchedCaptures.allSlots.map(\.captureID)
            + [SwitchedCaptures.roundRobinID, SwitchedCaptures.composedID, SwitchedCaptures.mixedAudioID])
        captures = captures.filter { switchedIDs.contains($0.captureID) }
            + captures.filter { !switchedIDs.contains($0.captureID) }

        var groups: [EncodingGroup] = []
        if let videoGroup {
            groups.append(EncodingGroup(encodingGroupID: videoGroup,
                                        maxGroupBandwidth: videoEncodings.reduce(0) { $0 + $1.maxBandwidth },
                                        encodingIDs: videoEncodings.map(\.id)))
        }
        if let audioGroup {
            groups.append(EncodingGroup(encodingGroupID: audioGroup,
                                        maxGroupBandwidth: audioEncodings.reduce(0) { $0 + $1.maxBandwidth },
                                        encodingIDs: audioEncodings.map(\.id)))
        }
        let sets = [("SSV", "video"), ("SSA", "audio")].compactMap { setID, type -> SimultaneousSet? in
            let ids = captures.filter { $0.mediaType == type }.map(\.captureID)
            return ids.isEmpty ? nil : SimultaneousSet(setID: setID, mediaType: type, mediaCaptureIDs: ids)
        }
        return Advertisement(mediaCaptures: captures, encodingGroups: groups, captureScenes: scenes,
                             simultaneousSets: sets.isEmpty ? nil : sets,
                             people: people.isEmpty ? nil : people)
    }

    /// Screen `position` of a row of `count`, each 1000 wide and 562.5 high (16:9), 1000 away from the viewer.
    static func screenArea(position: Int, of count: Int) -> SpatialInformation {
        let left = XMLDecimal(integerLiteral: position * 1000)
        let right = XMLDecimal(integerLiteral: (position + 1) * 1000)
        let depth: XMLDecimal = 1000
        let top = XMLDecimal("562.5")!
        return SpatialInformation(captureArea: CaptureArea(
            bottomLeft: Point(x: left, y: depth, z: 0), bottomRight: Point(x: right, y: depth, z: 0),
            topLeft: Point(x: left, y: depth, z: top), topRight: Point(x: right, y: depth, z: top)))
    }

    static func slotDescription(_ slot: SwitchedCaptures.Slot) -> String {
        switch slot.rank {
        case 0: "current speaker"
        case 1: "previous speaker"
        case let rank?: "speaker \(rank)"
        case nil: "speaker's site, screen \(slot.position + 1) of \(slot.screens)"
        }
    }

    static func viewDescription(screens: Int) -> String {
        switch screens {
        case 1: "one screen: the current speaker"
        case 2: "two screens: the current and previous speakers"
        default: "\(screens) screens switched together: the speaker's site in its cameras' order, then previous speakers"
        }
    }
}

/// One other site's part of an advertisement: its captures, scenes, scene views and people under the bridge's
/// stable IDs, with spatial information moved into the conference's space and descriptions minimized.
struct SiteMapping {
    var captures: [MediaCapture] = []
    var scenes: [CaptureScene] = []
    var people: [Person] = []

    /// Each site gets a 1000-wide slot along x, by site number, so sites never overlap and keep their place.
    static let slotWidth = 1000.0

    init(sources: SiteSources, policy: RoomPolicy, displayName: String, videoGroup: String?, audioGroup: String?) {
        let site = sources.site
        let advertisement = sources.advertisement
        let passes = policy.passDescriptions
        let siteName = "site \(site.number)"

        func bridgeID(_ capture: MediaCapture) -> String? {
            switch capture.kind {
            case .video: site.bridgeID(.videoCapture, capture.captureID)
            case .audio: site.bridgeID(.audioCapture, capture.captureID)
            case .text, .other: nil
            }
        }
        var captureIDs: [String: String] = [:]
        for capture in advertisement.mediaCaptures {
            if let id = bridgeID(capture) { captureIDs[capture.captureID] = id }
        }
        var viewIDs: [String: String] = [:]
        for view in advertisement.captureScenes.flatMap(\.sceneViews) {
            if let id = site.bridgeID(.sceneView, view.sceneViewID) { viewIDs[view.sceneViewID] = id }
        }
        var personIDs: [String: String] = [:]
        if passes {
            for person in advertisement.people ?? [] {
                if let id = site.bridgeID(.person, person.personID) { personIDs[person.personID] = id }
            }
        }
        let transform = SpatialTransform(advertisement: advertisement, offsetX: Double(site.number - 1) * Self.slotWidth,
                                         width: Self.slotWidth)
        var usedScenes = Set<String>()
        for capture in advertisement.mediaCaptures {
            guard let id = captureIDs[capture.captureID],
                  let sceneID = site.bridgeID(.scene, capture.captureSceneID) else { continue }
            usedScenes.insert(capture.captureSceneID)
            var composition = MediaCapture.Composition.individual
            if let mcc = capture.multipleContent {
                // Kept an MCC, with its content renumbered; the bridge offers no subset choice of a site's MCC.
                let content = mcc.content.map { content in
                    CaptureContent(mediaCaptureIDs: content.mediaCaptureIDs.compactMap { captureIDs[$0] },
                                   sceneViewIDs: content.sceneViewIDs.compactMap { viewIDs[$0] })
                }.flatMap { $0.mediaCaptureIDs.isEmpty && $0.sceneViewIDs.isEmpty ? nil : $0 }
                composition = .multipleContent(MultipleContentCapture(
                    content: content, policy: mcc.policy, maxCaptures: mcc.maxCaptures))
            }
            var spatiality = MediaCapture.Spatiality.nonSpatiallyDefinable
            if case .spatial(let information) = capture.spatiality {
                spatiality = .spatial(transform.apply(information, isAudio: capture.mediaType == "audio"))
            }
            captures.append(MediaCapture(
                captureID: id, kind: capture.kind, mediaType: capture.mediaType, captureSceneID: sceneID,
                spatiality: spatiality, composition: composition,
                encodingGroupID: capture.kind == .video ? videoGroup : audioGroup,
                descriptions: passes ? capture.descriptions : [],
                priority: capture.priority, languages: capture.languages, mobility: capture.mobility,
                presentation: capture.presentation, embeddedText: capture.embeddedText, view: capture.view,
                capturedPeople: capture.capturedPeople.compactMap { personIDs[$0] },
                relatedTo: capture.relatedTo.flatMap { captureIDs[$0] }))
        }
        for scene in advertisement.captureScenes where usedScenes.contains(scene.sceneID) {
            guard let sceneID = site.bridgeID(.scene, scene.sceneID) else { continue }
            let views = scene.sceneViews.compactMap { view -> SceneView? in
                let ids = view.mediaCaptureIDs.compactMap { captureIDs[$0] }
                guard let viewID = viewIDs[view.sceneViewID], !ids.isEmpty else { return nil }
                return SceneView(sceneViewID: viewID, descriptions: passes ? view.descriptions : [],
                                 mediaCaptureIDs: ids)
            }
            var descriptions = [LocalizedText(siteName, lang: "en")]
            if passes {
                descriptions = scene.descriptions.isEmpty && !displayName.isEmpty
                    ? [LocalizedText(displayName)] : scene.descriptions
                if descriptions.isEmpty { descriptions = [LocalizedText(siteName, lang: "en")] }
            }
            scenes.append(CaptureScene(
                sceneID: sceneID, scale: scene.scale == .noScale ? .noScale : .unknown, descriptions: descriptions,
                sceneInformation: passes ? scene.sceneInformation : nil, sceneViews: views))
        }
        if passes {
            for person in advertisement.people ?? [] {
                guard let id = personIDs[person.personID] else { continue }
                people.append(Person(personID: id, personInfo: person.personInfo, personTypes: person.personTypes))
            }
        }
    }
}

/// Moves one site's coordinates into its slot of the conference space: translated so the site's points start at
/// the slot's left edge, and scaled uniformly so its largest extent fits the slot. Relative positions survive, the
/// physical scale does not (hence scale "unknown", RFC 8846 section 16.1).
struct SpatialTransform {
    let minimum: (x: Double, y: Double, z: Double)
    let factor: Double
    let offsetX: Double

    init(advertisement: Advertisement, offsetX: Double, width: Double) {
        var points: [Point] = []
        for capture in advertisement.mediaCaptures {
            guard case .spatial(let information) = capture.spatiality else { continue }
            if let origin = information.captureOrigin {
                points.append(origin.capturePoint)
                if let line = origin.lineOfCapturePoint { points.append(line) }
            }
            if let area = information.captureArea {
                points += [area.bottomLeft, area.bottomRight, area.topLeft, area.topRight]
            }
        }
        let xs = points.map(\.x.value), ys = points.map(\.y.value), zs = points.map(\.z.value)
        minimum = (xs.min() ?? 0, ys.min() ?? 0, zs.min() ?? 0)
        let span = max((xs.max() ?? 0) - minimum.x, (ys.max() ?? 0) - minimum.y, (zs.max() ?? 0) - minimum.z)
        factor = span > 0 ? width / span : 1
        self.offsetX = offsetX
    }

    func apply(_ point: Point) -> Point {
        Point(x: Self.decimal(offsetX + (point.x.value - minimum.x) * factor),
              y: Self.decimal((point.y.value - minimum.y) * factor),
              z: Self.decimal((point.z.value - minimum.z) * factor))
    }

    /// Audio keeps only its origin (RFC 8846 section 11.5.2: no area for audio).
    func apply(_ information: SpatialInformation, isAudio: Bool) -> SpatialInformation {
        SpatialInformation(
            captureOrigin: information.captureOrigin.map { origin in
                CaptureOrigin(capturePoint: apply(origin.capturePoint),
                              lineOfCapturePoint: origin.lineOfCapturePoint.map(apply))
            },
            captureArea: isAudio ? nil : information.captureArea.map { area in
                CaptureArea(bottomLeft: apply(area.bottomLeft), bottomRight: apply(area.bottomRight),
                            topLeft: apply(area.topLeft), topRight: apply(area.topRight))
            })
    }

    /// Three decimals, written the same way on every platform.
    static func decimal(_ value: Double) -> XMLDecimal {
        let thousandths = (value * 1000).rounded()
        let text = String(format: "%.3f", thousandths / 1000)
        return XMLDecimal(text) ?? 0
    }
}
