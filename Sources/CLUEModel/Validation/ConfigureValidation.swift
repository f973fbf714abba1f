extension DocumentValidator {
    /// Declares the capture encodings' IDs and checks what the schema requires of them.
    package mutating func check(_ encodings: [CaptureEncoding]) {
        for encoding in encodings {
            declare(encoding.id, as: .captureEncoding, attribute: "ID", at: .named("captureEncoding", "ID", encoding.id))
        }
        for encoding in encodings {
            let at = CLUEElementContext.named("captureEncoding", "ID", encoding.id)
            checkString(encoding.captureID, field: "<captureID>", at: at)
            checkString(encoding.encodingID, field: "<encodingID>", at: at)
            if let content = encoding.configuredContent {
                for id in content.mediaCaptureIDs + content.sceneViewIDs {
                    checkString(id, field: "<configuredContent> reference", at: at)
                }
                checkExtensions(content.extensions, at: at)
                checkExtensionAttributes(content.extensionAttributes,
                                         wildcard: .other(targetNamespace: XMLNamespace.clueInfo), at: at)
            }
            checkExtensions(encoding.extensions, at: at)
            checkExtensionAttributes(encoding.extensionAttributes, wildcard: .any, own: ["ID"], at: at)
        }
    }
}

extension Advertisement {
    /// What is wrong with a consumer asking for `encodings` from this advertisement:
    ///
    /// - each names an advertised capture with an encoding group, and an encoding of that group
    ///   (RFC 8846 section 22, RFC 8845 section 9.3);
    /// - no capture and no individual encoding is used twice (RFC 8845 sections 7.1 and 9.1);
    /// - a configured subset only for an MCC that allows it (`subsetChoiceNotAllowed`, RFC 8847 code 405), within
    ///   its content and at most `maxCaptures` captures (RFC 8846 sections 11.9 and 22.3);
    /// - for each media type, the chosen captures lie within one simultaneous set, if the advertisement has sets
    ///   for that type (RFC 8845 section 8).
    ///
    /// Encoding group bandwidth cannot be checked here: the bitrates are in SDP.
    public func issues(configuring encodings: [CaptureEncoding]) -> [SemanticIssue] {
        var validator = DocumentValidator()
        validator.check(encodings)
        validator.check(encodings, against: self)
        return validator.issues
    }
}

extension DocumentValidator {
    package mutating func check(_ encodings: [CaptureEncoding], against advertisement: Advertisement) {
        let index = AdvertisementIndex(advertisement)
        let groups = Dictionary(advertisement.encodingGroups.map { ($0.encodingGroupID, $0) },
                                uniquingKeysWith: { first, _ in first })
        var captureUsers: [String: String] = [:]
        var encodingUsers: [String: String] = [:]
        var chosen: [String] = []

        for encoding in encodings {
            let at = CLUEElementContext.named("captureEncoding", "ID", encoding.id)
            guard let capture = index.captures[encoding.captureID] else {
                report(.unknownCapture, schema: false, .semantic, at: at,
                       "<captureID> \(quoted(encoding.captureID)) names no capture of the advertisement")
                continue
            }
            if let other = captureUsers.updateValue(encoding.id, forKey: capture.captureID) {
                report(.captureConfiguredTwice, schema: false, .semantic, at: at,
                       "capture \(quoted(capture.captureID)) is already configured by capture encoding "
                           + "\(quoted(other)); a capture is the source of at most one capture encoding "
                           + "(RFC 8845 section 7.1)")
            } else {
                chosen.append(capture.captureID)
            }
            if let other = encodingUsers.updateValue(encoding.id, forKey: encoding.encodingID) {
                report(.encodingUsedTwice, schema: false, .semantic, at: at,
                       "encoding \(quoted(encoding.encodingID)) is already used by capture encoding \(quoted(other)); "
                           + "an individual encoding serves at most one capture encoding (RFC 8845 section 9.1)")
            }
            if let groupID = capture.encodingGroupID, let group = groups[groupID] {
                if !group.encodingIDs.contains(encoding.encodingID) {
                    report(.encodingNotAvailable, schema: false, .semantic, at: at,
                           "encoding \(quoted(encoding.encodingID)) is not in encoding group \(quoted(groupID)) of "
                               + "capture \(quoted(capture.captureID))")
                }
            } else {
                report(.encodingNotAvailable, schema: false, .semantic, at: at,
                       "capture \(quoted(capture.captureID)) has no encoding group, so it cannot be configured "
                           + "(RFC 8845 section 9.3)")
            }
            if let subset = encoding.configuredContent {
                checkSubset(subset, of: capture, index: index, at: at)
            }
        }
        checkSimultaneity(chosen, advertisement: advertisement, index: index)
    }

    private mutating func checkSubset(_ subset: CaptureContent, of capture: MediaCapture,
                                      index: AdvertisementIndex, at: CLUEElementContext) {
        guard let mcc = capture.multipleContent else {
            report(.subsetChoiceNotAllowed, schema: false, .semantic, at: at,
                   "<configuredContent> for \(quoted(capture.captureID)), which is not a Multiple Content Capture")
            return
        }
        guard mcc.allowSubsetChoice == true else {
            report(.subsetChoiceNotAllowed, schema: false, .semantic, at: at,
                   "MCC \(quoted(capture.captureID)) does not allow a subset choice (RFC 8846 section 11.9)")
            return
        }
        let allowed = Set(mcc.content.map { index.captures(in: $0) } ?? [])
        for id in subset.mediaCaptureIDs where !allowed.contains(id) {
            report(.invalidSubset, schema: false, .semantic, at: at,
                   "capture \(quoted(id)) is not in the content of MCC \(quoted(capture.captureID))")
        }
        for id in subset.sceneViewIDs {
            if index.sceneViews[id] == nil {
                report(.invalidSubset, schema: false, .semantic, at: at, "scene view \(quoted(id)) does not exist")
            } else if !Set(index.captures(inView: id)).isSubset(of: allowed) {
                report(.invalidSubset, schema: false, .semantic, at: at,
                       "scene view \(quoted(id)) has captures outside the content of MCC "
                           + quoted(capture.captureID))
            }
        }
        let count = index.captures(in: subset).count
        if let maxCaptures = mcc.maxCaptures, count > Int(maxCaptures.value) {
            report(.invalidSubset, schema: false, .semantic, at: at,
                   "the subset has \(count) captures, more than <maxCaptures> \(maxCaptures.value) of MCC "
                       + "\(quoted(capture.captureID)) (RFC 8846 section 22.3)")
        }
    }

    /// RFC 8845 section 8: with simultaneous sets advertised, the captures chosen of each media type lie wholly
    /// within one set. Media types no set mentions are not constrained.
    private mutating func checkSimultaneity(_ chosen: [String], advertisement: Advertisement,
                                            index: AdvertisementIndex) {
        guard let sets = advertisement.simultaneousSets, !sets.isEmpty else { return }
        let expanded = sets.map { index.captures(in: $0) }
        var byType: [String: [String]] = [:]
        for id in chosen {
            guard let type = index.mediaType(ofCapture: id) else { continue }
            byType[type, default: []].append(id)
        }
        for (type, captures) in byType.sorted(by: { $0.key < $1.key }) {
            let relevant = zip(sets, expanded).filter { set, members in
                set.mediaType.map { AdvertisementIndex.mediaTypeKey($0) == type }
                    ?? members.contains { index.mediaType(ofCapture: $0) == type }
            }
            guard !relevant.isEmpty else { continue }
            if !relevant.contains(where: { _, members in members.isSuperset(of: captures) }) {
                report(.notSimultaneous, schema: false, .semantic, at: .named("captureEncodings"),
                       "the \(type) captures \(captures.joined(separator: ", ")) are not all in one simultaneous "
                           + "set (RFC 8845 section 8)")
            }
        }
    }
}
