import Testing

@testable import CLUEModel

private func issues(_ change: (inout Advertisement) -> Void) -> [SemanticIssue] {
    var advertisement = Samples.advertisement
    change(&advertisement)
    return advertisement.semanticIssues()
}

private func rules(_ change: (inout Advertisement) -> Void) -> [SemanticIssue.Rule] {
    issues(change).map(\.rule)
}

/// Index of a capture in `Samples.advertisement`.
private func at(_ id: String) -> Int {
    Samples.advertisement.mediaCaptures.firstIndex { $0.captureID == id }!
}

private func mcc(_ content: CaptureContent, maxCaptures: MaxCaptures? = nil,
                 allowSubsetChoice: Bool? = nil) -> MediaCapture.Composition {
    .multipleContent(MultipleContentCapture(content: content, maxCaptures: maxCaptures,
                                            allowSubsetChoice: allowSubsetChoice))
}

@Suite struct SemanticIssueTests {
    /// Every xs:ID is an NCName.
    @Test func invalidIdentifier() {
        let found = issues { $0.encodingGroups[1].encodingGroupID = "E G" }
        #expect(found.first?.rule == .invalidIdentifier)
        #expect(found.first?.violatesSchema == true)
        #expect(found.first?.category == .invalidValue)
    }

    /// IDs are unique across the whole document, whatever they identify; clueInfoID shares the space.
    @Test func duplicateIdentifiers() {
        let found = issues { $0.captureScenes[2].sceneID = "VC0" }
        #expect(found.first?.rule == .duplicateIdentifier)
        #expect(found.first?.message == "sceneID 'VC0' is already the ID of a media capture; xs:ID values are unique "
            + "across the whole document")
        #expect(found.first?.category == .conflictingValues)
        // bob is gone, so capturedPeople no longer resolves either.
        #expect(rules { $0.people?[1].personID = "SV2" } == [.duplicateIdentifier, .unresolvedReference])
        #expect(rules { $0.simultaneousSets?[1].setID = "GV1" } == [.duplicateIdentifier])
        var info = Samples.clueInfo
        info.clueInfoID = "alice"
        // The first declaration wins, so references to alice now name the document.
        #expect(info.semanticIssues().map(\.rule) == [.duplicateIdentifier, .wrongReferenceKind, .wrongReferenceKind])
    }

    /// synchronizationID is an xs:ID too, so two MCCs sharing one break the schema (noted in the message).
    @Test func sharedSynchronizationID() {
        let found = issues {
            $0.mediaCaptures[at("OC0")].composition = .multipleContent(MultipleContentCapture(synchronizationID: "sync1"))
        }
        #expect(found.map(\.rule) == [.duplicateIdentifier])
        #expect(found.first?.message.contains("RFC 8846 section 11.8") == true)
    }

    /// IDREFs must name an ID of the document (schema); content references should (RFC).
    @Test func unresolvedReferences() {
        let schema = issues { $0.mediaCaptures[0].capturedPeople = ["carol"] }
        #expect(schema.map(\.rule) == [.unresolvedReference])
        #expect(schema.first?.violatesSchema == true)
        #expect(schema.first?.description == "error: <mediaCapture captureID='AC0'>: <personIDREF> 'carol' names no "
            + "person (no element in the document has this ID)")
        let loose = issues {
            $0.mediaCaptures[at("VC3")].composition = mcc(CaptureContent(mediaCaptureIDs: ["VC9"]))
        }
        #expect(loose.map(\.rule) == [.unresolvedReference])
        #expect(loose.first?.violatesSchema == false)
        #expect(loose.first?.category == .semantic)
        #expect(rules { $0.globalViews?[0].sceneViewIDs = ["SV9"] } == [.unresolvedReference])
        #expect(rules { $0.simultaneousSets?[0].captureSceneIDs = ["CS9"] } == [.unresolvedReference])
    }

    /// Every IDREF names the right kind of thing.
    @Test func wrongReferenceKinds() {
        let cases: [(String, (inout Advertisement) -> Void)] = [
            ("captureSceneIDREF -> encoding group", { $0.mediaCaptures[0].captureSceneID = "EG0" }),
            ("encGroupIDREF -> scene", { $0.mediaCaptures[0].encodingGroupID = "CS1" }),
            ("relatedTo -> person", { $0.mediaCaptures[0].relatedTo = "alice" }),
            ("capturedPeople -> capture", { $0.mediaCaptures[0].capturedPeople = ["VC0"] }),
            ("scene view -> scene", { $0.captureScenes[0].sceneViews[0].mediaCaptureIDs = ["CS2"] }),
            ("content capture -> scene view", {
                $0.mediaCaptures[at("VC3")].composition = mcc(CaptureContent(mediaCaptureIDs: ["SV1"]))
            }),
            ("content view -> capture", {
                $0.mediaCaptures[at("VC3")].composition = mcc(CaptureContent(sceneViewIDs: ["TC0"]))
            }),
            ("set capture -> global view", { $0.simultaneousSets?[1].mediaCaptureIDs = ["GV1"] }),
            ("set view -> set", { $0.simultaneousSets?[1].sceneViewIDs = ["SS1"] }),
            ("set scene -> capture", { $0.simultaneousSets?[1].captureSceneIDs = ["AC0"] }),
            ("global view -> scene", { $0.globalViews?[1].sceneViewIDs = ["CS1"] }),
        ]
        for (name, change) in cases {
            let found = issues(change)
            #expect(found.contains { $0.rule == .wrongReferenceKind && $0.severity == .error && !$0.violatesSchema },
                    "\(name): \(found)")
        }
    }

    /// An MCC must not contain itself: directly, through a scene view, or through another MCC.
    @Test func selfContainingCaptures() {
        let direct = issues { $0.mediaCaptures[at("VC3")].composition = mcc(CaptureContent(mediaCaptureIDs: ["VC3"])) }
        #expect(direct.map(\.rule) == [.selfContainingCapture])
        #expect(direct.first?.message == "the MCC contains itself: VC3 contains VC3")
        let viaView = issues {
            $0.captureScenes[0].sceneViews[0].mediaCaptureIDs = ["VC0", "VC3"]
        }
        #expect(viaView.map(\.rule) == [.selfContainingCapture])
        let chain = issues {
            $0.mediaCaptures[at("VC4")].composition = mcc(CaptureContent(mediaCaptureIDs: ["VC3"]))
            $0.mediaCaptures[at("VC3")].composition = mcc(CaptureContent(mediaCaptureIDs: ["VC4"]))
        }
        #expect(chain.map(\.rule) == [.selfContainingCapture, .selfContainingCapture])
        #expect(chain.first?.message == "the MCC contains itself: VC3 contains VC4 contains VC3")
        // Containing another MCC is fine (RFC 8845 section 7.2).
        #expect(rules { $0.mediaCaptures[at("VC4")].composition = mcc(CaptureContent(mediaCaptureIDs: ["VC3"])) } == [])
    }

    /// An MCC keeps to one media type (error); scene views, sets and global views should (warnings).
    @Test func mixedMediaTypes() {
        let view = issues { $0.captureScenes[0].sceneViews[1].mediaCaptureIDs = ["AC0", "TC0"] }
            .filter { $0.location.name == "sceneView" }
        #expect(view.map(\.rule) == [.mixedMediaTypes])
        #expect(view.first?.severity == .warning)
        #expect(view.first?.message.contains("RFC 8845 section 7.3") == true)
        let content = issues { $0.mediaCaptures[at("VC3")].composition = mcc(CaptureContent(mediaCaptureIDs: ["AC0"])) }
        #expect(content.map(\.rule) == [.mixedMediaTypes])
        #expect(content.first?.severity == .error)
        let set = issues { $0.simultaneousSets?[0].mediaCaptureIDs = ["VC0", "AC0"] }
        #expect(set.map(\.rule) == [.mixedMediaTypes] && set.first?.severity == .warning)
        let untyped = issues { $0.simultaneousSets?[1].mediaCaptureIDs = ["VC0", "AC0"] }
        #expect(untyped.map(\.rule) == [.mixedMediaTypes] && untyped.first?.severity == .warning)
        let global = issues { $0.globalViews?[0].sceneViewIDs = ["SV1", "SV2"] }
        #expect(global.map(\.rule) == [.mixedMediaTypes] && global.first?.severity == .warning)
    }

    /// xsi:type and mediaType should agree.
    @Test func mediaTypeMismatch() {
        let found = issues { $0.mediaCaptures[at("TC0")].mediaType = "video" }
        #expect(found.map(\.rule) == [.mediaTypeMismatch])
        #expect(found.first?.severity == .warning)
        #expect(rules { $0.mediaCaptures[at("OC0")].mediaType = "audio" } == [.mediaTypeMismatch])
    }

    /// Required lists must have items; maxCaptures is at least 1; the policy matches its pattern.
    @Test func schemaValueRules() {
        let noScenes = rules { $0.captureScenes = [] }
        #expect(noScenes.contains(.emptyList))
        #expect(rules { $0.encodingGroups[0].encodingIDs = [] } == [.emptyList])
        #expect(rules { $0.captureScenes[0].sceneViews[1].mediaCaptureIDs = [] } == [.emptyList])
        #expect(rules { $0.mediaCaptures[at("OC0")].composition = .multipleContent(MultipleContentCapture(
            maxCaptures: MaxCaptures(0))) } == [.valueOutOfRange])
        #expect(rules { $0.mediaCaptures[at("OC0")].composition = .multipleContent(MultipleContentCapture(
            policy: CapturePolicy(name: "RoundRobin", index: "x"))) } == [.invalidPattern])
    }

    /// Strings carry only XML characters; language tags are xs:language.
    @Test func charactersAndLanguages() {
        #expect(rules { $0.encodingGroups[0].encodingIDs = ["ENC\u{0}"] } == [.invalidCharacters])
        #expect(rules { $0.people?[0].personTypes = ["\u{1F}"] } == [.invalidCharacters])
        let setRules = rules { $0.simultaneousSets?[0].mediaType = "vid\u{FFFF}" }
        #expect(setRules.contains(.invalidCharacters))
        #expect(rules { $0.captureScenes[0].descriptions = [LocalizedText("x", lang: "english language")] }
            == [.invalidLanguageTag])
        #expect(rules { $0.mediaCaptures[1].embeddedText = EmbeddedText(true, lang: "") } == [.invalidLanguageTag])
        #expect(XSDValue.isLanguage("x-klingon") && XSDValue.isLanguage("es-419") && !XSDValue.isLanguage("419"))
        #expect(XSDValue.isNCName("カメラ1") && XSDValue.isNCName("_a.b-c") && !XSDValue.isNCName("a:b")
            && !XSDValue.isNCName("-a") && !XSDValue.isNCName(""))
    }

    /// Extension elements and attributes are checked where they are.
    @Test func extensionRules() {
        #expect(rules { $0.captureScenes[0].extensions = [XMLElement(CLUEName.message("sceneViews"))] }
            == [.invalidExtension])
        #expect(rules { $0.people?[0].extensionAttributes = [XMLAttribute(XMLName("plain"), "x")] }
            == [.invalidExtension])
        #expect(rules { $0.encodingGroups[0].extensions = [XMLElement(XMLName("x", namespace: extensionNS),
            attributes: [XMLAttribute(XMLName("type", namespace: XMLNamespace.schemaInstance), "t")])] }
            == [.invalidExtension])
    }

    /// RFC 8846 sections 11.5 and 14: where spatial information must and must not be.
    @Test func spatialRules() {
        let audioArea = issues {
            $0.mediaCaptures[0].spatiality = .spatial(SpatialInformation(captureArea: Samples.area))
        }
        #expect(audioArea.map(\.rule) == [.spatialInformation, .spatialInformation])
        #expect(audioArea.allSatisfy { $0.severity == .warning })
        #expect(rules { $0.mediaCaptures[1].spatiality = .spatial(SpatialInformation()) } == [.spatialInformation])
        #expect(rules {
            $0.mediaCaptures[at("TC0")].spatiality = .spatial(SpatialInformation())
        } == [.spatialInformation])
        let point = Samples.point(1, 2, 3)
        #expect(rules {
            $0.mediaCaptures[0].spatiality = .spatial(SpatialInformation(captureOrigin: CaptureOrigin(
                capturePoint: point, lineOfCapturePoint: point)))
        } == [.spatialInformation])
    }

    /// A set of only scene references needs a mediaType (RFC 8846 section 19.2); maxCaptures should not exceed
    /// the content.
    @Test func setAndMultipleContentRules() {
        let set = issues { $0.simultaneousSets?[1] = SimultaneousSet(setID: "SS2", captureSceneIDs: ["CS2"]) }
        #expect(set.map(\.rule) == [.simultaneousSetWithoutMediaType])
        #expect(set.first?.severity == .warning)
        let max = issues {
            $0.mediaCaptures[at("VC3")].composition = mcc(CaptureContent(mediaCaptureIDs: ["VC0"]),
                                                         maxCaptures: MaxCaptures(3))
        }
        #expect(max.map(\.rule) == [.inconsistentMultipleContentCapture])
        #expect(max.first?.severity == .warning)
    }

    /// The issue text names the element and says what is wrong.
    @Test func description() {
        let issue = SemanticIssue(rule: .emptyList, severity: .warning, violatesSchema: false, category: .semantic,
                                  location: CLUEElementContext(name: "x", identity: "id='1'", line: 7),
                                  message: "m")
        #expect(issue.description == "line 7: warning: <x id='1'>: m")
    }
}

@Suite struct SemanticConfigureTests {
    private let advertisement = Samples.advertisement

    private func configure(_ encodings: [CaptureEncoding]) -> [SemanticIssue.Rule] {
        advertisement.issues(configuring: encodings).map(\.rule)
    }

    /// A configure that picks advertised captures with their groups' encodings, within one set, is fine.
    @Test func validConfigure() {
        #expect(configure([
            CaptureEncoding(id: "ce1", captureID: "VC0", encodingID: "ENC1"),
            CaptureEncoding(id: "ce2", captureID: "VC3", encodingID: "ENC2",
                            configuredContent: CaptureContent(mediaCaptureIDs: ["VC0"])),
            CaptureEncoding(id: "ce3", captureID: "AC0", encodingID: "ENC4"),
        ]) == [])
    }

    /// Unknown captures, captures without a group, and encodings outside the group are refused.
    @Test func unknownOrUnavailable() {
        #expect(configure([CaptureEncoding(id: "c", captureID: "VC9", encodingID: "ENC1")]) == [.unknownCapture])
        #expect(configure([CaptureEncoding(id: "c", captureID: "TC0", encodingID: "ENC1")]) == [.encodingNotAvailable])
        #expect(configure([CaptureEncoding(id: "c", captureID: "VC0", encodingID: "ENC4")]) == [.encodingNotAvailable])
    }

    /// One capture and one encoding serve at most one capture encoding; capture encoding IDs are xs:IDs.
    @Test func usedTwice() {
        #expect(configure([CaptureEncoding(id: "a", captureID: "VC0", encodingID: "ENC1"),
                           CaptureEncoding(id: "b", captureID: "VC0", encodingID: "ENC2")]) == [.captureConfiguredTwice])
        #expect(configure([CaptureEncoding(id: "a", captureID: "VC0", encodingID: "ENC1"),
                           CaptureEncoding(id: "b", captureID: "VC3", encodingID: "ENC1")]) == [.encodingUsedTwice])
        #expect(configure([CaptureEncoding(id: "a", captureID: "VC0", encodingID: "ENC1"),
                           CaptureEncoding(id: "a", captureID: "AC0", encodingID: "ENC4")]) == [.duplicateIdentifier])
    }

    /// A subset only for an MCC that allows one, within its content, no larger than maxCaptures.
    @Test func subsets() {
        let content = CaptureContent(mediaCaptureIDs: ["VC0"])
        #expect(configure([CaptureEncoding(id: "c", captureID: "VC0", encodingID: "ENC1", configuredContent: content)])
            == [.subsetChoiceNotAllowed])
        var noSubsets = advertisement
        noSubsets.mediaCaptures[at("VC3")].composition = mcc(CaptureContent(mediaCaptureIDs: ["VC0"]))
        #expect(noSubsets.issues(configuring: [
            CaptureEncoding(id: "c", captureID: "VC3", encodingID: "ENC1", configuredContent: content),
        ]).map(\.rule) == [.subsetChoiceNotAllowed])
        #expect(configure([CaptureEncoding(id: "c", captureID: "VC3", encodingID: "ENC1",
                                           configuredContent: CaptureContent(mediaCaptureIDs: ["AC0"]))])
            == [.invalidSubset])
        #expect(configure([CaptureEncoding(id: "c", captureID: "VC3", encodingID: "ENC1",
                                           configuredContent: CaptureContent(sceneViewIDs: ["SV2"]))])
            == [.invalidSubset])
        var wide = advertisement
        wide.mediaCaptures[at("VC3")].composition = mcc(CaptureContent(mediaCaptureIDs: ["VC0", "VC4"]),
                                                       maxCaptures: MaxCaptures(1), allowSubsetChoice: true)
        #expect(wide.issues(configuring: [
            CaptureEncoding(id: "c", captureID: "VC3", encodingID: "ENC1",
                            configuredContent: CaptureContent(mediaCaptureIDs: ["VC0", "VC4"])),
        ]).map(\.rule) == [.invalidSubset])
    }

    /// With simultaneous sets for a media type, the chosen captures of that type lie within one set.
    @Test func simultaneity() {
        var sets = advertisement
        sets.simultaneousSets = [SimultaneousSet(setID: "A", mediaCaptureIDs: ["VC0"]),
                                 SimultaneousSet(setID: "B", mediaCaptureIDs: ["VC3"])]
        let found = sets.issues(configuring: [CaptureEncoding(id: "a", captureID: "VC0", encodingID: "ENC1"),
                                              CaptureEncoding(id: "b", captureID: "VC3", encodingID: "ENC2")])
        #expect(found.map(\.rule) == [.notSimultaneous])
        #expect(found.first?.message == "the video captures VC0, VC3 are not all in one simultaneous set (RFC 8845 "
            + "section 8)")
        // Audio is in no set, so it is not constrained.
        #expect(sets.issues(configuring: [CaptureEncoding(id: "a", captureID: "VC0", encodingID: "ENC1"),
                                          CaptureEncoding(id: "b", captureID: "AC0", encodingID: "ENC4")]) == [])
    }
}
