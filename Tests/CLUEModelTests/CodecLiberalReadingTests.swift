import Testing

@testable import CLUEModel

/// A clueInfo document around one capture, with the namespace declarations given.
private func document(root: String, capture: String) -> String {
    """
    <\(root) clueInfoID="doc">
    <mediaCaptures>\(capture)</mediaCaptures>
    <encodingGroups><encodingGroup encodingGroupID="EG0"><maxGroupBandwidth>0</maxGroupBandwidth>
    <encodingIDList><encodingID>ENC1</encodingID></encodingIDList></encodingGroup></encodingGroups>
    <captureScenes><captureScene sceneID="CS1" scale="unknown"/></captureScenes>
    </\(root.split(separator: " ")[0])>
    """
}

private let plainCapture = """
    <mediaCapture captureID="VC0" mediaType="video" xsi:type="videoCaptureType">
    <captureSceneIDREF>CS1</captureSceneIDREF><nonSpatiallyDefinable>true</nonSpatiallyDefinable>
    <individual>true</individual></mediaCapture>
    """

private let expected = ClueInfo(clueInfoID: "doc", advertisement: Samples.minimal)

@Suite struct CodecLiberalReadingTests {
    /// The same document reads the same whether its elements are in the data-model namespace, the protocol
    /// namespace, no namespace, or behind odd prefixes, with xsi under http:// or https://.
    @Test(arguments: [
        #"clueInfo xmlns="urn:ietf:params:xml:ns:clue-info" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance""#,
        #"clueInfo xmlns="urn:ietf:params:xml:ns:clue-protocol" xmlns:xsi="https://www.w3.org/2001/XMLSchema-instance""#,
        #"clueInfo xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance""#,
    ])
    func namespaces(_ root: String) throws {
        let info = try ClueInfo(element: parse(document(root: root, capture: plainCapture)))
        #expect(info == expected)
    }

    /// Odd prefixes, and CLUE elements mixing the two namespaces within one document.
    @Test func oddPrefixes() throws {
        let text = """
            <q:clueInfo xmlns:q="urn:ietf:params:xml:ns:clue-info" xmlns:p="urn:ietf:params:xml:ns:clue-protocol" xmlns:t="https://www.w3.org/2001/XMLSchema-instance" clueInfoID="doc">
            <p:mediaCaptures><q:mediaCapture captureID="VC0" mediaType="video" t:type="p:videoCaptureType">
            <captureSceneIDREF xmlns="">CS1</captureSceneIDREF><q:nonSpatiallyDefinable>true</q:nonSpatiallyDefinable>
            <p:individual>true</p:individual></q:mediaCapture></p:mediaCaptures>
            <q:encodingGroups><q:encodingGroup encodingGroupID="EG0"><p:maxGroupBandwidth>0</p:maxGroupBandwidth>
            <q:encodingIDList><q:encodingID>ENC1</q:encodingID></q:encodingIDList></q:encodingGroup></q:encodingGroups>
            <q:captureScenes><q:captureScene sceneID="CS1" scale="unknown"/></q:captureScenes>
            </q:clueInfo>
            """
        #expect(try ClueInfo(element: parse(text)) == expected)
    }

    /// A tree built in code with no namespaces at all and xsi:type in no namespace decodes too.
    @Test func codeBuiltTreeWithoutNamespaces() throws {
        let tree = node("clueInfo", nil, attributes: [("clueInfoID", "doc")], [
            child(node("mediaCaptures", nil, [
                child(node("mediaCapture", nil, attributes: [("captureID", "VC0"), ("mediaType", "video")],
                           type: XMLName("videoCaptureType"), [
                               leaf("captureSceneIDREF", "CS1", nil), leaf("nonSpatiallyDefinable", "true", nil),
                               leaf("individual", "true", nil),
                           ])),
            ])),
            child(node("encodingGroups", nil, [child(node("encodingGroup", nil, attributes: [("encodingGroupID", "EG0")], [
                leaf("maxGroupBandwidth", "0", nil),
                child(node("encodingIDList", nil, [leaf("encodingID", "ENC1", nil)])),
            ]))])),
            child(node("captureScenes", nil, [child(node("captureScene", nil,
                                                         attributes: [("sceneID", "CS1"), ("scale", "unknown")]))])),
        ])
        #expect(try ClueInfo(element: tree) == expected)
    }

    /// Without xsi:type the kind comes from mediaType: audio, video, text (any case), anything else is other.
    @Test(arguments: [
        ("audio", MediaCapture.Kind.audio(sensitivityPattern: nil)), ("Video", .video), (" text ", .text),
        ("application", .other), ("", .other),
    ])
    func kindFromMediaType(_ mediaType: String, _ kind: MediaCapture.Kind) throws {
        let element = try parse("""
            <mediaCapture xmlns="urn:ietf:params:xml:ns:clue-info" captureID="C" mediaType="\(mediaType)">
            <captureSceneIDREF>CS1</captureSceneIDREF><nonSpatiallyDefinable>true</nonSpatiallyDefinable>
            </mediaCapture>
            """)
        let capture = try MediaCapture(element: element)
        #expect(capture.kind == kind)
        #expect(capture.mediaType == mediaType)
        // The encoder always states the type.
        #expect(capture.element().schemaType != nil)
    }

    /// Whitespace collapses where XML Schema says so (integers, booleans, IDs, languages, decimals), and
    /// enumerations and patterns are read without surrounding whitespace; xs:string values are kept exactly.
    @Test func valueSpaces() throws {
        let element = try parse("""
            <mediaCapture xmlns="urn:ietf:params:xml:ns:clue-info" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
              xsi:type="audioCaptureType" captureID="  AC0 " mediaType=" audio ">
            <captureSceneIDREF>
              CS1
            </captureSceneIDREF>
            <spatialInformation><captureOrigin><capturePoint><x> +0.50 </x><y>.5</y><z>-0</z></capturePoint></captureOrigin></spatialInformation>
            <synchronizationID> s1 </synchronizationID>
            <content><mediaCaptureIDREF> VC1 </mediaCaptureIDREF></content>
            <policy> RoundRobin:007 </policy>
            <maxCaptures exactNumber=" 1 "> +0002 </maxCaptures>
            <allowSubsetChoice> 0 </allowSubsetChoice>
            <encGroupIDREF> EG1</encGroupIDREF>
            <description lang=" en ">  kept  as  is  </description>
            <priority>  007  </priority>
            <lang> it-CH </lang>
            <mobility> highly-dynamic </mobility>
            <presentation> slides </presentation>
            <embeddedText lang="de">1</embeddedText>
            <view> room </view>
            <capturedPeople><personIDREF> alice </personIDREF></capturedPeople>
            <relatedTo>VC1 </relatedTo>
            <sensitivityPattern> omni </sensitivityPattern>
            </mediaCapture>
            """)
        let capture = try MediaCapture(element: element)
        #expect(capture.captureID == "AC0")
        #expect(capture.mediaType == " audio ")
        #expect(capture.captureSceneID == "CS1")
        #expect(capture.spatiality == .spatial(SpatialInformation(captureOrigin: CaptureOrigin(
            capturePoint: Point(x: XMLDecimal("0.5")!, y: XMLDecimal("0.5")!, z: 0)))))
        #expect(capture.multipleContent == MultipleContentCapture(
            synchronizationID: "s1", content: CaptureContent(mediaCaptureIDs: ["VC1"]),
            policy: CapturePolicy(name: "RoundRobin", index: "007"), maxCaptures: MaxCaptures(2, exactNumber: true),
            allowSubsetChoice: false))
        #expect(capture.encodingGroupID == "EG1")
        #expect(capture.descriptions == [LocalizedText("  kept  as  is  ", lang: "en")])
        #expect(capture.priority == 7)
        #expect(capture.languages == ["it-CH"])
        #expect(capture.mobility == .highlyDynamic)
        #expect(capture.presentation == " slides ")
        #expect(capture.embeddedText == EmbeddedText(true, lang: "de"))
        #expect(capture.view == " room ")
        #expect(capture.capturedPeople == ["alice"])
        #expect(capture.relatedTo == "VC1")
        #expect(capture.kind == .audio(sensitivityPattern: " omni "))
    }

    /// The fixed booleans accept any true form and an empty element (which takes the fixed value).
    @Test(arguments: ["<individual/>", "<individual>1</individual>", "<individual> true </individual>"])
    func fixedBooleans(_ individual: String) throws {
        let element = try parse("""
            <mediaCapture xmlns="urn:ietf:params:xml:ns:clue-info" captureID="C" mediaType="video">
            <captureSceneIDREF>CS1</captureSceneIDREF><nonSpatiallyDefinable/>\(individual)
            </mediaCapture>
            """)
        let capture = try MediaCapture(element: element)
        #expect(capture.composition == .individual && capture.spatiality == .nonSpatiallyDefinable)
    }

    /// Integers take a sign and leading zeros ("-0" included); xsi:schemaLocation and the like are ignored.
    @Test func integersAndSchemaInstanceAttributes() throws {
        let group = try parse("""
            <encodingGroup xmlns="urn:ietf:params:xml:ns:clue-info" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
              xsi:schemaLocation="urn:ietf:params:xml:ns:clue-info clue-info.xsd" encodingGroupID="EG">
            <maxGroupBandwidth>-0</maxGroupBandwidth>
            <encodingIDList><encodingID> ENC 1 </encodingID></encodingIDList></encodingGroup>
            """)
        let decoded = try EncodingGroup(element: group)
        #expect(decoded == EncodingGroup(encodingGroupID: "EG", maxGroupBandwidth: 0, encodingIDs: [" ENC 1 "]))
        #expect(XSDValue.unsigned("+18446744073709551615", as: UInt64.self) == .success(UInt64.max))
        #expect(XSDValue.unsigned("000000000000000000000000001", as: UInt8.self) == .success(1))
        #expect(XSDValue.unsigned("-1", as: UInt8.self) == .failure(.negative))
    }

    /// Comments, CDATA and split text nodes read as one value.
    @Test func mergedText() throws {
        let element = try parse("""
            <description xmlns="urn:ietf:params:xml:ns:clue-info">a<!-- c --><![CDATA[ <b> ]]>&amp;c</description>
            """)
        #expect(try LocalizedText(element: element) == LocalizedText("a <b> &c"))
    }
}
