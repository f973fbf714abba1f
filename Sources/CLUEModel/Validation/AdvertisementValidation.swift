extension Advertisement {
    /// Everything wrong with this advertisement beyond one element's structure: xs:ID uniqueness and IDREF targets
    /// (schema), references of the right kind, MCCs that contain themselves, media types that RFC 8845 wants equal,
    /// required lists, and the value checks the encoder needs.
    public func semanticIssues() -> [SemanticIssue] {
        var validator = DocumentValidator()
        validator.declareIdentifiers(of: self)
        validator.check(self)
        return validator.issues
    }
}

extension ClueInfo {
    /// The advertisement's issues plus those of the `<clueInfo>` element (its ID shares the document's ID space).
    public func semanticIssues() -> [SemanticIssue] {
        var validator = DocumentValidator()
        let location = CLUEElementContext.named("clueInfo", "clueInfoID", clueInfoID)
        validator.declare(clueInfoID, as: .clueInfo, attribute: "clueInfoID", at: location)
        validator.declareIdentifiers(of: advertisement)
        validator.check(advertisement)
        validator.checkExtensions(extensions, at: location)
        validator.checkExtensionAttributes(extensionAttributes,
                                           wildcard: .other(targetNamespace: XMLNamespace.clueInfo),
                                           own: ["clueInfoID"], at: location)
        return validator.issues
    }
}

/// Lookups over one advertisement, shared by its validation and by checking a configure against it.
package struct AdvertisementIndex {
    package let captures: [String: MediaCapture]
    package let sceneViews: [String: SceneView]
    package let scenes: [String: CaptureScene]
    private let capturesByScene: [String: [String]]

    package init(_ advertisement: Advertisement) {
        var captures: [String: MediaCapture] = [:]
        var byScene: [String: [String]] = [:]
        for capture in advertisement.mediaCaptures where captures[capture.captureID] == nil {
            captures[capture.captureID] = capture
            byScene[capture.captureSceneID, default: []].append(capture.captureID)
        }
        var views: [String: SceneView] = [:]
        var scenes: [String: CaptureScene] = [:]
        for scene in advertisement.captureScenes {
            if scenes[scene.sceneID] == nil { scenes[scene.sceneID] = scene }
            for view in scene.sceneViews where views[view.sceneViewID] == nil { views[view.sceneViewID] = view }
        }
        self.captures = captures
        self.sceneViews = views
        self.scenes = scenes
        self.capturesByScene = byScene
    }

    /// The media type used to compare captures: `mediaType`, without case or surrounding whitespace.
    package static func mediaTypeKey(_ mediaType: String) -> String {
        mediaType.trimmingXMLWhitespace().lowercased()
    }

    package func mediaType(ofCapture id: String) -> String? {
        captures[id].map { Self.mediaTypeKey($0.mediaType) }
    }

    /// The captures a scene view lists (those that exist).
    package func captures(inView id: String) -> [String] {
        (sceneViews[id]?.mediaCaptureIDs ?? []).filter { captures[$0] != nil }
    }

    /// The captures defined in a scene, of one media type if given.
    package func captures(inScene id: String, mediaType: String?) -> [String] {
        let all = capturesByScene[id] ?? []
        guard let mediaType else { return all }
        let key = Self.mediaTypeKey(mediaType)
        return all.filter { self.mediaType(ofCapture: $0) == key }
    }

    /// Content (an MCC's, or a configured subset) as the captures it stands for, scene views expanded, in order
    /// and without repeats.
    package func captures(in content: CaptureContent) -> [String] {
        var seen = Set<String>()
        var result: [String] = []
        for id in content.mediaCaptureIDs + content.sceneViewIDs.flatMap({ captures(inView: $0) })
            where captures[id] != nil && seen.insert(id).inserted {
            result.append(id)
        }
        return result
    }

    /// All captures of a simultaneous set, its scene views and scenes expanded (RFC 8845 section 8).
    package func captures(in set: SimultaneousSet) -> Set<String> {
        var result = Set(set.mediaCaptureIDs.filter { captures[$0] != nil })
        for view in set.sceneViewIDs { result.formUnion(captures(inView: view)) }
        for scene in set.captureSceneIDs { result.formUnion(captures(inScene: scene, mediaType: set.mediaType)) }
        return result
    }
}

extension DocumentValidator {
    /// Declares every xs:ID of the advertisement.
    package mutating func declareIdentifiers(of advertisement: Advertisement) {
        for capture in advertisement.mediaCaptures {
            let location = CLUEElementContext.named("mediaCapture", "captureID", capture.captureID)
            declare(capture.captureID, as: .capture, attribute: "captureID", at: location)
            if let synchronizationID = capture.multipleContent?.synchronizationID {
                declare(synchronizationID, as: .synchronization, attribute: "<synchronizationID>", at: location)
            }
        }
        for group in advertisement.encodingGroups {
            declare(group.encodingGroupID, as: .encodingGroup, attribute: "encodingGroupID",
                    at: .named("encodingGroup", "encodingGroupID", group.encodingGroupID))
        }
        for scene in advertisement.captureScenes {
            declare(scene.sceneID, as: .scene, attribute: "sceneID", at: .named("captureScene", "sceneID", scene.sceneID))
            for view in scene.sceneViews {
                declare(view.sceneViewID, as: .sceneView, attribute: "sceneViewID",
                        at: .named("sceneView", "sceneViewID", view.sceneViewID))
            }
        }
        for set in advertisement.simultaneousSets ?? [] {
            declare(set.setID, as: .simultaneousSet, attribute: "setID", at: .named("simultaneousSet", "setID", set.setID))
        }
        for view in advertisement.globalViews ?? [] {
            if let id = view.globalViewID {
                declare(id, as: .globalView, attribute: "globalViewID", at: .named("globalView", "globalViewID", id))
            }
        }
        for person in advertisement.people ?? [] {
            declare(person.personID, as: .person, attribute: "personID", at: .named("person", "personID", person.personID))
        }
    }

    /// Checks the advertisement; call after `declareIdentifiers(of:)` (and after declaring any other IDs of the
    /// document).
    package mutating func check(_ advertisement: Advertisement) {
        requireItems(advertisement.mediaCaptures.count, of: "<mediaCaptures>", at: .named("mediaCaptures"))
        requireItems(advertisement.encodingGroups.count, of: "<encodingGroups>", at: .named("encodingGroups"))
        requireItems(advertisement.captureScenes.count, of: "<captureScenes>", at: .named("captureScenes"))
        let index = AdvertisementIndex(advertisement)
        for capture in advertisement.mediaCaptures { check(capture, index: index) }
        checkSelfContainment(advertisement, index: index)
        for group in advertisement.encodingGroups { check(group) }
        for scene in advertisement.captureScenes { check(scene, index: index) }
        for set in advertisement.simultaneousSets ?? [] { check(set, index: index) }
        for view in advertisement.globalViews ?? [] { check(view, index: index) }
        for person in advertisement.people ?? [] { check(person) }
    }

    // MARK: Captures

    private mutating func check(_ capture: MediaCapture, index: AdvertisementIndex) {
        let at = CLUEElementContext.named("mediaCapture", "captureID", capture.captureID)
        checkString(capture.mediaType, field: "mediaType", at: at)
        reference(capture.captureSceneID, field: "<captureSceneIDREF>", expecting: .scene, at: at)
        if let group = capture.encodingGroupID {
            reference(group, field: "<encGroupIDREF>", expecting: .encodingGroup, at: at)
        }
        checkDescriptions(capture.descriptions, at: at)
        for language in capture.languages { checkLanguage(language, field: "<lang>", at: at) }
        if let presentation = capture.presentation { checkString(presentation, field: "<presentation>", at: at) }
        if let lang = capture.embeddedText?.lang { checkLanguage(lang, field: "<embeddedText lang>", at: at) }
        if let view = capture.view { checkString(view, field: "<view>", at: at) }
        for person in capture.capturedPeople { reference(person, field: "<personIDREF>", expecting: .person, at: at) }
        if let related = capture.relatedTo { reference(related, field: "<relatedTo>", expecting: .capture, at: at) }
        if case .audio(let pattern?) = capture.kind { checkString(pattern, field: "<sensitivityPattern>", at: at) }
        checkExtensions(capture.extensions, at: at)
        checkExtensionAttributes(capture.extensionAttributes, wildcard: .other(targetNamespace: XMLNamespace.clueInfo),
                                 own: ["captureID", "mediaType"], at: at)

        let mediaType = AdvertisementIndex.mediaTypeKey(capture.mediaType)
        let standard = ["audio", "video", "text"]
        if capture.kind == .other ? standard.contains(mediaType) : mediaType != capture.kind.defaultMediaType {
            report(.mediaTypeMismatch, .warning, schema: false, .semantic, at: at,
                   "mediaType \(quoted(capture.mediaType)) does not match xsi:type \(capture.schemaType.rawValue)")
        }

        if case .spatial(let information) = capture.spatiality {
            check(information, of: capture, at: at)
        }
        if let mcc = capture.multipleContent { check(mcc, of: capture, index: index, at: at) }
    }

    private mutating func check(_ information: SpatialInformation, of capture: MediaCapture,
                                at: CLUEElementContext) {
        checkExtensions(information.extensions, at: at)
        checkExtensionAttributes(information.extensionAttributes,
                                 wildcard: .other(targetNamespace: XMLNamespace.clueInfo), at: at)
        if let origin = information.captureOrigin {
            checkExtensionAttributes(origin.extensionAttributes, wildcard: .any, at: at)
            if origin.lineOfCapturePoint == origin.capturePoint {
                report(.spatialInformation, .warning, schema: false, .semantic, at: at,
                       "the point on the line of capture equals the capture point (RFC 8846 section 11.5.1: "
                           + "MUST NOT)")
            }
        }
        switch capture.kind {
        case .audio:
            if information.captureOrigin == nil {
                report(.spatialInformation, .warning, schema: false, .semantic, at: at,
                       "a spatially definable audio capture needs <captureOrigin> (RFC 8846 section 11.5.1)")
            }
            if information.captureArea != nil {
                report(.spatialInformation, .warning, schema: false, .semantic, at: at,
                       "an audio capture has no <captureArea> (RFC 8846 section 11.5.2)")
            }
        case .video:
            if information.captureArea == nil {
                report(.spatialInformation, .warning, schema: false, .semantic, at: at,
                       "a spatially definable video capture needs <captureArea> (RFC 8846 section 11.5.2)")
            }
        case .text:
            report(.spatialInformation, .warning, schema: false, .semantic, at: at,
                   "a text capture must be non spatially definable (RFC 8846 section 14)")
        case .other:
            break
        }
    }

    private mutating func check(_ mcc: MultipleContentCapture, of capture: MediaCapture, index: AdvertisementIndex,
                                at: CLUEElementContext) {
        if let policy = mcc.policy, XSDValue.policy(policy.description) != policy {
            report(.invalidPattern, schema: true, .invalidValue, at: at,
                   "<policy> \(quoted(policy.description)) does not match name:index ([a-zA-Z0-9]+:[0-9]+)")
        }
        if let maxCaptures = mcc.maxCaptures, maxCaptures.value == 0 {
            report(.valueOutOfRange, schema: true, .invalidValue, at: at, "<maxCaptures> must be at least 1")
        }
        guard let content = mcc.content else { return }
        for id in content.mediaCaptureIDs {
            looseReference(id, field: "<content> <mediaCaptureIDREF>", expecting: .capture, at: at)
        }
        for id in content.sceneViewIDs {
            looseReference(id, field: "<content> <sceneViewIDREF>", expecting: .sceneView, at: at)
        }
        checkExtensions(content.extensions, at: at)
        checkExtensionAttributes(content.extensionAttributes,
                                 wildcard: .other(targetNamespace: XMLNamespace.clueInfo), at: at)

        let members = index.captures(in: content)
        let ownType = AdvertisementIndex.mediaTypeKey(capture.mediaType)
        let foreign = members.filter { index.mediaType(ofCapture: $0) != ownType }
        if !foreign.isEmpty {
            report(.mixedMediaTypes, schema: false, .semantic, at: at,
                   "the MCC is \(quoted(capture.mediaType)) but its content includes "
                       + foreign.map { "\($0) (\(index.captures[$0]!.mediaType))" }.joined(separator: ", ")
                       + "; RFC 8845 section 7.2 allows one media type per MCC")
        }
        if let maxCaptures = mcc.maxCaptures, !members.isEmpty, Int(maxCaptures.value) > members.count {
            report(.inconsistentMultipleContentCapture, .warning, schema: false, .semantic, at: at,
                   "<maxCaptures> \(maxCaptures.value) exceeds the \(members.count) captures of its content "
                       + "(RFC 8845 section 7.2.1.1)")
        }
    }

    /// An MCC may contain other MCCs (RFC 8845 section 7.2), but never, through any chain, itself.
    private mutating func checkSelfContainment(_ advertisement: Advertisement, index: AdvertisementIndex) {
        for capture in advertisement.mediaCaptures {
            guard let content = capture.multipleContent?.content else { continue }
            var cameFrom: [String: String] = [:]
            var queue = index.captures(in: content)
            for member in queue { cameFrom[member] = capture.captureID }
            var head = 0
            while head < queue.count {
                let current = queue[head]
                head += 1
                if current == capture.captureID {
                    var path = [current]
                    var step = cameFrom[current]!
                    while step != capture.captureID {
                        path.append(step)
                        step = cameFrom[step]!
                    }
                    path.append(capture.captureID)
                    report(.selfContainingCapture, schema: false, .semantic,
                           at: .named("mediaCapture", "captureID", capture.captureID),
                           "the MCC contains itself: " + path.reversed().joined(separator: " contains "))
                    break
                }
                guard let inner = index.captures[current]?.multipleContent?.content else { continue }
                for next in index.captures(in: inner) where cameFrom[next] == nil {
                    cameFrom[next] = current
                    queue.append(next)
                }
            }
        }
    }

    // MARK: Scenes, groups, sets, views, people

    private mutating func check(_ scene: CaptureScene, index: AdvertisementIndex) {
        let at = CLUEElementContext.named("captureScene", "sceneID", scene.sceneID)
        checkDescriptions(scene.descriptions, at: at)
        if let information = scene.sceneInformation { checkXCard(information, field: "sceneInformation", at: at) }
        checkExtensions(scene.extensions, at: at)
        checkExtensionAttributes(scene.extensionAttributes, wildcard: .other(targetNamespace: XMLNamespace.clueInfo),
                                 own: ["sceneID", "scale"], at: at)
        for view in scene.sceneViews {
            let viewAt = CLUEElementContext.named("sceneView", "sceneViewID", view.sceneViewID)
            checkDescriptions(view.descriptions, at: viewAt)
            requireItems(view.mediaCaptureIDs.count, of: "<mediaCaptureIDs>", at: viewAt)
            for id in view.mediaCaptureIDs {
                reference(id, field: "<mediaCaptureIDREF>", expecting: .capture, at: viewAt)
            }
            // RFC 8845 section 7.3 says MUST, but it binds the provider; a consumer loses nothing by taking the
            // captures per media type anyway, and refusing the whole advertisement would break the call. A
            // warning, then (an MCC mixing types, below, is an error: its one stream cannot be of two types).
            let types = Set(view.mediaCaptureIDs.compactMap { index.mediaType(ofCapture: $0) })
            if types.count > 1 {
                report(.mixedMediaTypes, .warning, schema: false, .semantic, at: viewAt,
                       "the scene view mixes media types (\(types.sorted().joined(separator: ", "))); RFC 8845 "
                           + "section 7.3: captures within the same CSV MUST be of the same media type")
            }
        }
    }

    private mutating func check(_ group: EncodingGroup) {
        let at = CLUEElementContext.named("encodingGroup", "encodingGroupID", group.encodingGroupID)
        requireItems(group.encodingIDs.count, of: "<encodingIDList>", at: at)
        for id in group.encodingIDs { checkString(id, field: "<encodingID>", at: at) }
        checkExtensions(group.extensions, at: at)
        checkExtensionAttributes(group.extensionAttributes, wildcard: .any, own: ["encodingGroupID"], at: at)
    }

    private mutating func check(_ set: SimultaneousSet, index: AdvertisementIndex) {
        let at = CLUEElementContext.named("simultaneousSet", "setID", set.setID)
        if let mediaType = set.mediaType { checkString(mediaType, field: "mediaType", at: at) }
        for id in set.mediaCaptureIDs { reference(id, field: "<mediaCaptureIDREF>", expecting: .capture, at: at) }
        for id in set.sceneViewIDs { reference(id, field: "<sceneViewIDREF>", expecting: .sceneView, at: at) }
        for id in set.captureSceneIDs { reference(id, field: "<captureSceneIDREF>", expecting: .scene, at: at) }
        checkExtensions(set.extensions, at: at)
        checkExtensionAttributes(set.extensionAttributes, wildcard: .any, own: ["setID", "mediaType"], at: at)

        // A MUST on the provider; read liberally, such a set means every capture of its scenes (which is how
        // `AdvertisementIndex` expands it), so this warns.
        if set.mediaType == nil && set.mediaCaptureIDs.isEmpty && set.sceneViewIDs.isEmpty
            && !set.captureSceneIDs.isEmpty {
            report(.simultaneousSetWithoutMediaType, .warning, schema: false, .semantic, at: at,
                   "a set listing only capture scenes MUST have a mediaType (RFC 8846 section 19.2); read as all "
                       + "captures of those scenes")
        }
        let listed = set.mediaCaptureIDs + set.sceneViewIDs.flatMap { index.captures(inView: $0) }
        let types = Set(listed.compactMap { index.mediaType(ofCapture: $0) })
        if let mediaType = set.mediaType {
            let others = types.subtracting([AdvertisementIndex.mediaTypeKey(mediaType)])
            if !others.isEmpty {
                report(.mixedMediaTypes, .warning, schema: false, .semantic, at: at,
                       "the set is \(quoted(mediaType)) but lists \(others.sorted().joined(separator: ", ")) "
                           + "captures (RFC 8846 section 19)")
            }
        } else if types.count > 1 {
            report(.mixedMediaTypes, .warning, schema: false, .semantic, at: at,
                   "the set mixes media types (\(types.sorted().joined(separator: ", "))); RFC 8845 section 8 "
                       + "has one set per media type")
        }
    }

    private mutating func check(_ view: GlobalView, index: AdvertisementIndex) {
        let at = CLUEElementContext.named("globalView", "globalViewID", view.globalViewID)
        requireItems(view.sceneViewIDs.count, of: "<globalView>", at: at)
        for id in view.sceneViewIDs { reference(id, field: "<sceneViewIDREF>", expecting: .sceneView, at: at) }
        checkExtensions(view.extensions, at: at)
        checkExtensionAttributes(view.extensionAttributes, wildcard: .any, own: ["globalViewID"], at: at)
        let types = Set(view.sceneViewIDs.flatMap { index.captures(inView: $0) }.compactMap {
            index.mediaType(ofCapture: $0)
        })
        if types.count > 1 {
            report(.mixedMediaTypes, .warning, schema: false, .semantic, at: at,
                   "the global view mixes media types (\(types.sorted().joined(separator: ", "))); RFC 8846 "
                       + "section 20 describes one media type per global view")
        }
    }

    private mutating func check(_ person: Person) {
        let at = CLUEElementContext.named("person", "personID", person.personID)
        if let info = person.personInfo { checkXCard(info, field: "personInfo", at: at) }
        for type in person.personTypes { checkString(type, field: "<personType>", at: at) }
        checkExtensions(person.extensions, at: at)
        checkExtensionAttributes(person.extensionAttributes, wildcard: .other(targetNamespace: XMLNamespace.clueInfo),
                                 own: ["personID"], at: at)
    }
}
