import Testing

@testable import CLUEModel

/// The rules of the encoding error a model throws, or [] if it encodes.
private func refusal(_ info: ClueInfo) -> [SemanticIssue.Rule] {
    do {
        _ = try info.element()
        return []
    } catch {
        #expect(error.issues.allSatisfy { $0.violatesSchema })
        return error.issues.map(\.rule)
    }
}

private func withFirstCapture(_ change: (inout MediaCapture) -> Void) -> ClueInfo {
    var info = Samples.clueInfo
    change(&info.advertisement.mediaCaptures[0])
    return info
}

@Suite struct CodecEncodingRefusalTests {
    /// The encoder writes nothing for a model the schema would reject, and says why.
    @Test func refusesWithReasons() throws {
        let info = withFirstCapture { $0.captureID = "1AC" }
        do {
            _ = try info.element()
            Issue.record("encoded an invalid ID")
        } catch {
            #expect(error.issues.first?.rule == .invalidIdentifier)
            #expect(error.description.contains("captureID '1AC' is not an XML identifier (xs:NCName)"))
        }
    }

    /// Each schema-level problem is refused.
    @Test func refusesSchemaViolations() {
        #expect(refusal(withFirstCapture { $0.captureID = "VC0" }).contains(.duplicateIdentifier))
        #expect(refusal(withFirstCapture { $0.captureSceneID = "nowhere" }) == [.unresolvedReference])
        #expect(refusal(withFirstCapture { $0.encodingGroupID = "a b" }) == [.invalidIdentifier])
        #expect(refusal(withFirstCapture { $0.languages = ["en_GB"] }) == [.invalidLanguageTag])
        #expect(refusal(withFirstCapture { $0.descriptions = [LocalizedText("bell \u{7}")] }) == [.invalidCharacters])
        #expect(refusal(withFirstCapture { $0.view = "\u{FFFE}" }) == [.invalidCharacters])
        #expect(refusal(withFirstCapture {
            $0.composition = .multipleContent(MultipleContentCapture(maxCaptures: MaxCaptures(0)))
        }) == [.valueOutOfRange])
        #expect(refusal(withFirstCapture {
            $0.composition = .multipleContent(MultipleContentCapture(policy: CapturePolicy(name: "Sound Level",
                                                                                           index: "1")))
        }) == [.invalidPattern])
        var noLists = Samples.clueInfo
        noLists.advertisement.mediaCaptures = []
        noLists.advertisement.simultaneousSets = nil
        noLists.advertisement.captureScenes[0].sceneViews = []
        noLists.advertisement.globalViews = nil
        noLists.advertisement.encodingGroups[1].encodingIDs = []
        let rules = refusal(noLists)
        #expect(rules.filter { $0 == .emptyList }.count == 2)
        var emptyView = Samples.clueInfo
        emptyView.advertisement.globalViews?[0].sceneViewIDs = []
        #expect(refusal(emptyView) == [.emptyList])
    }

    /// Extensions that the schema forbids where they are, or that would read back as CLUE, are refused.
    @Test func refusesBadExtensions() {
        #expect(refusal(withFirstCapture { $0.extensions = [XMLElement(CLUEName.info("relatedTo"))] })
            == [.invalidExtension])
        #expect(refusal(withFirstCapture { $0.extensions = [XMLElement(XMLName("bare"))] }) == [.invalidExtension])
        #expect(refusal(withFirstCapture { $0.extensionAttributes = [XMLAttribute(XMLName("plain"), "x")] })
            == [.invalidExtension])
        #expect(refusal(withFirstCapture {
            $0.extensionAttributes = [XMLAttribute(XMLName("x", namespace: XMLNamespace.clueInfo), "x")]
        }) == [.invalidExtension])
        #expect(refusal(withFirstCapture {
            $0.extensionAttributes = [XMLAttribute(XMLName("schemaLocation", namespace: XMLNamespace.schemaInstance),
                                                   "x")]
        }) == [.invalidExtension])
        #expect(refusal(withFirstCapture {
            $0.extensionAttributes = [extensionAttribute("a"), extensionAttribute("a")]
        }) == [.invalidExtension])
        #expect(refusal(withFirstCapture {
            $0.extensions = [XMLElement(XMLName("1bad", namespace: extensionNS))]
        }) == [.invalidExtension])
        var group = Samples.clueInfo
        group.advertisement.encodingGroups[0].extensionAttributes = [XMLAttribute(XMLName("encodingGroupID"), "x")]
        #expect(refusal(group) == [.invalidExtension])
        var card = Samples.clueInfo
        card.advertisement.people?[0].personInfo = XCard(children: [.text("loose text")])
        #expect(refusal(card) == [.invalidExtension])
    }

    /// What the schema allows but CLUE does not (a reference to the wrong kind of thing) is still written:
    /// `semanticIssues()` is where it shows.
    @Test func writesSchemaValidButWrong() throws {
        let info = withFirstCapture { $0.captureSceneID = "EG0" }
        _ = try info.element()
        #expect(info.semanticIssues().map(\.rule) == [.wrongReferenceKind])
    }
}
