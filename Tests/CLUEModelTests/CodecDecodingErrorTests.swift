import Testing

@testable import CLUEModel

/// Decodes `<mediaCapture>` around `body` (which starts on line 2).
private func decodeCapture(_ body: String, attributes: String = #"captureID="AC0" mediaType="audio""#,
                           type: String? = "audioCaptureType") throws -> MediaCapture {
    let typeAttribute = type.map { #" xsi:type="\#($0)""# } ?? ""
    let element = try parse("""
        <mediaCapture xmlns="urn:ietf:params:xml:ns:clue-info" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"\(typeAttribute) \(attributes)>
        \(body)
        </mediaCapture>
        """)
    return try MediaCapture(element: element)
}

private func captureError(_ body: String, attributes: String = #"captureID="AC0" mediaType="audio""#,
                          type: String? = "audioCaptureType") throws -> CLUEDecodingError {
    do {
        _ = try decodeCapture(body, attributes: attributes, type: type)
    } catch let error as CLUEDecodingError {
        return error
    }
    Issue.record("decoded without error")
    throw CLUEDecodingError.unknownDocument(XMLName("none"), line: 0)
}

private let required = "<captureSceneIDREF>CS1</captureSceneIDREF><nonSpatiallyDefinable>true</nonSpatiallyDefinable>"

@Suite struct CodecDecodingErrorTests {
    /// A missing required child names the element, its ID and the line, in words an operator understands.
    @Test func missingElementMessage() throws {
        let error = try captureError("<nonSpatiallyDefinable>true</nonSpatiallyDefinable>")
        #expect(error == .missingElement("captureSceneIDREF",
                                         in: CLUEElementContext(name: "mediaCapture", identity: "captureID='AC0'",
                                                                line: 1)))
        #expect(error.description == "line 1: <mediaCapture captureID='AC0'>: missing <captureSceneIDREF>")
        #expect(error.category == .syntax)
    }

    /// Neither branch of the spatial choice is a missing element too.
    @Test func missingSpatialChoice() throws {
        let error = try captureError("<captureSceneIDREF>CS1</captureSceneIDREF>\n<individual>true</individual>")
        #expect(error.description.hasSuffix("missing <spatialInformation> or <nonSpatiallyDefinable>"))
    }

    /// Required attributes are checked.
    @Test(arguments: [#"mediaType="audio""#, #"captureID="AC0""#])
    func missingAttribute(_ attributes: String) throws {
        let error = try captureError(required, attributes: attributes)
        guard case .missingAttribute(let name, _) = error else { Issue.record("\(error)"); return }
        #expect(name == (attributes.hasPrefix("mediaType") ? "captureID" : "mediaType"))
        #expect(error.category == .syntax)
    }

    /// Unknown unqualified attributes, and foreign ones where the type has no xs:anyAttribute, are refused.
    @Test func unexpectedAttributes() throws {
        let unknown = try captureError(required, attributes: #"captureID="AC0" mediaType="audio" colour="red""#)
        #expect(unknown == .unexpectedAttribute(XMLName("colour"), in: CLUEElementContext(
            name: "mediaCapture", identity: "captureID='AC0'", line: 1)))
        let onSimple = try captureError(#"<captureSceneIDREF note="x">CS1</captureSceneIDREF>"#)
        guard case .unexpectedAttribute(let name, let context) = onSimple else { Issue.record("\(onSimple)"); return }
        #expect(name.local == "note" && context.name == "captureSceneIDREF" && context.line == 2)
        // The data-model namespace is the schema's own target: ##other excludes it.
        let own = try captureError(required, attributes: #"captureID="AC0" mediaType="audio" xmlns:dm="urn:ietf:params:xml:ns:clue-info" dm:x="1""#)
        guard case .unexpectedAttribute = own else { Issue.record("\(own)"); return }
        let view = try parse("""
            <sceneView xmlns="urn:ietf:params:xml:ns:clue-info" xmlns:e="urn:e" sceneViewID="SV1" e:x="1">
            <mediaCaptureIDs><mediaCaptureIDREF>VC1</mediaCaptureIDREF></mediaCaptureIDs></sceneView>
            """)
        #expect(decodingError { try SceneView(element: view) } == .unexpectedAttribute(
            XMLName("x", namespace: "urn:e"), in: CLUEElementContext(name: "sceneView", identity: "sceneViewID='SV1'",
                                                                   line: 1)))
    }

    /// An unknown CLUE element, a misplaced one and a repeated one are reported with their own line.
    @Test func unexpectedElements() throws {
        let unknown = try captureError("\(required)\n<individual>true</individual>\n<colour>red</colour>")
        #expect(unknown.description == "line 4: <mediaCapture captureID='AC0'>: unexpected <colour>: not an element of <mediaCapture>")
        let misplaced = try captureError("\(required)<individual>true</individual>\n<priority>1</priority>\n<description>late</description>")
        #expect(misplaced.description == "line 4: <mediaCapture captureID='AC0'>: unexpected <description>: out of order or repeated")
        let repeated = try captureError("\(required)<individual>true</individual><priority>1</priority>\n<priority>2</priority>")
        #expect(repeated.line == 3)
        #expect(repeated.category == .syntax)
    }

    /// Foreign elements are refused where the schema has no xs:any, and in the middle of a sequence.
    @Test func misplacedExtensions() throws {
        let middle = try captureError("<captureSceneIDREF>CS1</captureSceneIDREF>\n<e:x xmlns:e=\"urn:e\"/>\n<nonSpatiallyDefinable>true</nonSpatiallyDefinable>")
        guard case .missingElement = middle else { Issue.record("\(middle)"); return }
        let afterExtension = try captureError("\(required)<individual>true</individual>\n<e:x xmlns:e=\"urn:e\"/>\n<view>room</view>")
        #expect(afterExtension.description.contains("unexpected <view>: out of order or repeated"))
        let area = try parse("""
            <captureArea xmlns="urn:ietf:params:xml:ns:clue-info">
            <e:x xmlns:e="urn:e"/></captureArea>
            """)
        let error = try #require(decodingError { try CaptureArea(element: area) })
        #expect(error == .missingElement("bottomLeft", in: CLUEElementContext(name: "captureArea", line: 1)))
        let list = try parse("""
            <mediaCaptureIDs xmlns="urn:ietf:params:xml:ns:clue-info"><mediaCaptureIDREF>A</mediaCaptureIDREF>
            <e:x xmlns:e="urn:e"/></mediaCaptureIDs>
            """)
        let wrapped = XMLElement.parent(CLUEName.info("sceneView"), attributes: [.plain("sceneViewID", "S")], [list])
        let listError = try #require(decodingError { try SceneView(element: wrapped) })
        #expect(listError.description.contains("extension elements are not allowed at this place in <mediaCaptureIDs>"))
    }

    /// sensitivityPattern belongs to audio captures only.
    @Test func sensitivityPatternOnVideo() throws {
        let error = try captureError("\(required)<individual>true</individual>\n<sensitivityPattern>uni</sensitivityPattern>",
                                     attributes: #"captureID="VC0" mediaType="video""#, type: "videoCaptureType")
        #expect(error.description == "line 3: <mediaCapture captureID='VC0'>: unexpected <sensitivityPattern>: only audio captures (audioCaptureType) have a sensitivity pattern")
    }

    /// Text in element-only content, and elements in text-only content, are refused.
    @Test func textAndElementContent() throws {
        let text = try captureError("\(required)\nstray words")
        guard case .unexpectedText(let words, _) = text else { Issue.record("\(text)"); return }
        #expect(words.contains("stray words"))
        let nested = try captureError("<captureSceneIDREF>CS<b>1</b></captureSceneIDREF>")
        guard case .unexpectedElement(let name, _, let context, _) = nested else { Issue.record("\(nested)"); return }
        #expect(name.local == "b" && context.name == "captureSceneIDREF")
        let card = try parse(#"<sceneInformation xmlns="urn:ietf:params:xml:ns:clue-info">loose</sceneInformation>"#)
        guard case .unexpectedText = try #require(decodingError { try XCard(element: card) }) else {
            Issue.record("text in an xCard")
            return
        }
    }

    /// The two xs:choice pairs refuse both branches at once, as conflicting values.
    @Test func conflictingChoices() throws {
        let both = try captureError("<captureSceneIDREF>CS1</captureSceneIDREF><spatialInformation/>\n<nonSpatiallyDefinable>true</nonSpatiallyDefinable>")
        #expect(both.description == "line 3: <mediaCapture captureID='AC0'>: <nonSpatiallyDefinable> cannot be used together with <spatialInformation>")
        #expect(both.category == .conflictingValues)
        let mcc = try captureError("\(required)<individual>true</individual>\n<maxCaptures>1</maxCaptures>")
        guard case .conflictingElements(let name, 3, "<individual>", _) = mcc else { Issue.record("\(mcc)"); return }
        #expect(name.local == "maxCaptures")
        let late = try captureError("\(required)<policy>SoundLevel:0</policy>\n<individual>true</individual>")
        #expect(late.category == .conflictingValues)
    }

    /// Values outside their type are invalid values, with the field, the value and why.
    @Test(arguments: [
        ("<priority>-1</priority>", "must not be negative"),
        ("<priority>4294967296</priority>", "exceeds the maximum of 4294967295"),
        ("<priority>1 2</priority>", "is not an integer"),
        ("<priority></priority>", "is not an integer"),
        ("<lang>en_US</lang>", "is not a language tag (xs:language)"),
        ("<lang>toolonglanguage</lang>", "is not a language tag (xs:language)"),
        ("<mobility>moving</mobility>", "is not static, dynamic or highly-dynamic"),
        (#"<embeddedText>yes</embeddedText>"#, "is not a boolean (true, false, 1 or 0)"),
        (#"<encGroupIDREF>1EG</encGroupIDREF>"#, "is not an XML identifier (xs:NCName)"),
        (#"<encGroupIDREF>E G</encGroupIDREF>"#, "is not an XML identifier (xs:NCName)"),
    ])
    func invalidOptionalValues(_ field: String, _ reason: String) throws {
        let error = try captureError("\(required)<individual>true</individual>\n\(field)")
        guard case .invalidValue(_, _, 3, let context, let why) = error else { Issue.record("\(error)"); return }
        #expect(why == reason)
        #expect(context.identity == "captureID='AC0'")
        #expect(error.category == .invalidValue)
    }

    /// The MCC fields' value spaces: maxCaptures 1...65535, the policy pattern, booleans.
    @Test(arguments: [
        ("<maxCaptures>0</maxCaptures>", "must be at least 1"),
        ("<maxCaptures>65536</maxCaptures>", "exceeds the maximum of 65535"),
        ("<policy>Sound Level:1</policy>", "is not a policy of the form name:index (SoundLevel:0)"),
        ("<policy>SoundLevel:</policy>", "is not a policy of the form name:index (SoundLevel:0)"),
        ("<policy>SoundLevel:-1</policy>", "is not a policy of the form name:index (SoundLevel:0)"),
        ("<allowSubsetChoice>True</allowSubsetChoice>", "is not a boolean (true, false, 1 or 0)"),
        ("<synchronizationID>42</synchronizationID>", "is not an XML identifier (xs:NCName)"),
    ])
    func invalidMultipleContentValues(_ field: String, _ reason: String) throws {
        let error = try captureError("\(required)\n\(field)")
        guard case .invalidValue(_, _, 3, _, let why) = error else { Issue.record("\(error)"); return }
        #expect(why == reason)
    }

    /// The fixed booleans refuse false; the exactNumber attribute must be a boolean.
    @Test func fixedAndAttributeValues() throws {
        let fixed = try captureError("<captureSceneIDREF>CS1</captureSceneIDREF>\n<nonSpatiallyDefinable>false</nonSpatiallyDefinable>")
        #expect(fixed.description == "line 3: <mediaCapture captureID='AC0'>: <nonSpatiallyDefinable> 'false' must be true (the schema fixes it)")
        let individual = try captureError("\(required)\n<individual>0</individual>")
        guard case .invalidValue(field: "<individual>", _, 3, _, _) = individual else { Issue.record("\(individual)"); return }
        let exact = try captureError("\(required)\n<maxCaptures exactNumber=\"maybe\">2</maxCaptures>")
        guard case .invalidValue(field: "exactNumber", value: "maybe", 3, _, _) = exact else { Issue.record("\(exact)"); return }
        let lang = try captureError("\(required)<individual>true</individual>\n<description lang=\"e n\">x</description>")
        guard case .invalidValue(field: "lang", _, 3, _, _) = lang else { Issue.record("\(lang)"); return }
        let id = try captureError(required, attributes: #"captureID="A:C" mediaType="audio""#)
        guard case .invalidValue(field: "captureID", value: "A:C", 1, _, _) = id else { Issue.record("\(id)"); return }
    }

    /// xsi:type must name one of the four concrete capture types of a CLUE namespace.
    @Test(arguments: [
        ("mediaCaptureType", "is abstract"),
        ("audioCapture", "is not a CLUE media capture type"),
        ("e:audioCaptureType\" xmlns:e=\"urn:e", "is not a CLUE media capture type"),
        ("undeclared:audioCaptureType", "is not a CLUE media capture type"),
    ])
    func invalidSchemaType(_ type: String, _ reason: String) throws {
        let error = try captureError(required, type: type)
        guard case .invalidValue(field: "xsi:type", _, 1, _, let why) = error else { Issue.record("\(error)"); return }
        #expect(why.hasPrefix(reason))
    }

    /// Decimals, scales and unsignedLong overflow in the other types.
    @Test func otherTypesValues() throws {
        let point = try parse("""
            <capturePoint xmlns="urn:ietf:params:xml:ns:clue-info"><x>1e3</x><y>0</y><z>0</z></capturePoint>
            """)
        guard case .invalidValue(field: "<x>", value: "1e3", _, _, "is not a decimal") =
                try #require(decodingError { try Point(element: point) })
        else { Issue.record("decimal"); return }
        let scene = try parse(#"<captureScene xmlns="urn:ietf:params:xml:ns:clue-info" sceneID="S" scale="km"/>"#)
        guard case .invalidValue(field: "scale", value: "km", _, _, _) =
                try #require(decodingError { try CaptureScene(element: scene) })
        else { Issue.record("scale"); return }
        let group = try parse("""
            <encodingGroup xmlns="urn:ietf:params:xml:ns:clue-info" encodingGroupID="EG">
            <maxGroupBandwidth>18446744073709551616</maxGroupBandwidth>
            <encodingIDList><encodingID>E</encodingID></encodingIDList></encodingGroup>
            """)
        let overflow = try #require(decodingError { try EncodingGroup(element: group) })
        #expect(overflow.description == "line 2: <encodingGroup encodingGroupID='EG'>: <maxGroupBandwidth> '18446744073709551616' exceeds the maximum of 18446744073709551615")
    }

    /// Lists the schema requires non-empty refuse an empty wrapper.
    @Test func emptyLists() throws {
        let views = try parse("""
            <captureScene xmlns="urn:ietf:params:xml:ns:clue-info" sceneID="S" scale="mm"><sceneViews/></captureScene>
            """)
        #expect(decodingError { try CaptureScene(element: views) } == .missingElement(
            "sceneView", in: CLUEElementContext(name: "sceneViews", line: 1)))
        let group = try parse("""
            <encodingGroup xmlns="urn:ietf:params:xml:ns:clue-info" encodingGroupID="EG">
            <maxGroupBandwidth>1</maxGroupBandwidth><encodingIDList/></encodingGroup>
            """)
        #expect(decodingError { try EncodingGroup(element: group) } == .missingElement(
            "encodingID", in: CLUEElementContext(name: "encodingIDList", line: 2)))
        let global = try parse(#"<globalView xmlns="urn:ietf:params:xml:ns:clue-info"/>"#)
        guard case .missingElement("sceneViewIDREF", _) = try #require(decodingError { try GlobalView(element: global) })
        else { Issue.record("global view"); return }
        let people = XMLElement.parent(CLUEName.info("capturedPeople"), [])
        var capture = try decodeCapture("\(required)<individual>true</individual>").element()
        capture.children.append(.element(people))
        guard case .missingElement("personIDREF", _) = try #require(decodingError { try MediaCapture(element: capture) })
        else { Issue.record("captured people"); return }
    }

    /// The document level: the root must be clueInfo, its lists in order.
    @Test func documentLevel() throws {
        let foreign = try parse(#"<clueInfo xmlns="urn:example" clueInfoID="X"/>"#)
        #expect(decodingError { try ClueInfo(element: foreign) } == .unknownDocument(
            XMLName("clueInfo", namespace: "urn:example"), line: 1))
        #expect(CLUEDecodingError.unknownDocument(XMLName("clueInfo", namespace: "urn:example"), line: 1).description
            == "line 1: <clueInfo> (namespace urn:example) is not a CLUE message or <clueInfo> document")
        let noID = try parse(#"<clueInfo xmlns="urn:ietf:params:xml:ns:clue-info"/>"#)
        #expect(decodingError { try ClueInfo(element: noID) } == .missingAttribute(
            "clueInfoID", in: CLUEElementContext(name: "clueInfo", line: 1)))
        let swapped = try parse("""
            <clueInfo xmlns="urn:ietf:params:xml:ns:clue-info" clueInfoID="X">
            <encodingGroups/>
            <mediaCaptures/>
            </clueInfo>
            """)
        #expect(decodingError { try ClueInfo(element: swapped) } == .missingElement(
            "mediaCaptures", in: CLUEElementContext(name: "clueInfo", identity: "clueInfoID='X'", line: 1)))
    }

    /// Values from the network are quoted short and with control characters escaped in messages.
    @Test func quotesHostileValues() throws {
        let long = String(repeating: "x", count: 100)
        let error = try captureError("\(required)<individual>true</individual><priority>\(long)</priority>")
        #expect(error.description.contains("'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'"))
        #expect(quoted("a'b\n\u{1B}") == "'a\\'b\\n\\u{1b}'")
    }
}
