import Testing

@testable import CLUEModel

@Suite struct CodecExtensionTests {
    /// Foreign elements and attributes are kept in order wherever the schema has xs:any / xs:anyAttribute, and
    /// survive writing and reading.
    @Test func keptEverywhere() throws {
        let text = """
            <clueInfo xmlns="urn:ietf:params:xml:ns:clue-info" xmlns:e="urn:e" xmlns:f="urn:f" clueInfoID="doc" e:root="1">
            <mediaCaptures>
            <mediaCapture xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="audioCaptureType" captureID="AC0" mediaType="audio" e:gain="3">
            <captureSceneIDREF>CS1</captureSceneIDREF>
            <spatialInformation e:s="1"><captureOrigin e:o="1" free="2"><capturePoint><x>0</x><y>0</y><z>0</z></capturePoint></captureOrigin><e:lens/></spatialInformation>
            <content e:c="1"><mediaCaptureIDREF>AC0</mediaCaptureIDREF><e:weight>2</e:weight></content>
            <sensitivityPattern>omni</sensitivityPattern>
            <e:first a="1">one</e:first><f:second><f:inner>two</f:inner></f:second>
            </mediaCapture>
            </mediaCaptures>
            <encodingGroups><encodingGroup encodingGroupID="EG0" note="unqualified" e:g="1"><maxGroupBandwidth>0</maxGroupBandwidth>
            <encodingIDList><encodingID>ENC1</encodingID></encodingIDList><e:codec>H264</e:codec></encodingGroup></encodingGroups>
            <captureScenes><captureScene sceneID="CS1" scale="mm" e:floor="2"><e:room/></captureScene></captureScenes>
            <simultaneousSets><simultaneousSet setID="SS1" plain="x"><mediaCaptureIDREF>AC0</mediaCaptureIDREF><e:s/></simultaneousSet></simultaneousSets>
            <globalViews><globalView plain="y"><sceneViewIDREF>CS1</sceneViewIDREF><e:g/></globalView></globalViews>
            <people><person personID="p1" xml:lang="it"><personType>presenter</personType><e:p/></person></people>
            <e:tail1/><f:tail2/><e:tail3/>
            </clueInfo>
            """
        let info = try ClueInfo(element: parse(text))
        let capture = info.advertisement.mediaCaptures[0]
        #expect(capture.extensionAttributes == [XMLAttribute(XMLName("gain", namespace: "urn:e"), "3")])
        #expect(capture.extensions.map(\.name.local) == ["first", "second"])
        #expect(capture.extensions[1].childElements.first?.text == "two")
        guard case .spatial(let spatial) = capture.spatiality else { Issue.record("spatial"); return }
        #expect(spatial.extensionAttributes.map(\.name.local) == ["s"])
        #expect(spatial.extensions.map(\.name.local) == ["lens"])
        #expect(spatial.captureOrigin?.extensionAttributes.map(\.name.local) == ["o", "free"])
        #expect(capture.multipleContent?.content?.extensions.map(\.name.local) == ["weight"])
        #expect(capture.multipleContent?.content?.extensionAttributes.map(\.name.local) == ["c"])
        let group = info.advertisement.encodingGroups[0]
        #expect(group.extensionAttributes == [XMLAttribute(XMLName("note"), "unqualified"),
                                              XMLAttribute(XMLName("g", namespace: "urn:e"), "1")])
        #expect(group.extensions.map(\.name.local) == ["codec"])
        #expect(info.advertisement.captureScenes[0].extensions.map(\.name.local) == ["room"])
        #expect(info.advertisement.simultaneousSets?[0].extensionAttributes.map(\.name.local) == ["plain"])
        #expect(info.advertisement.globalViews?[0].extensions.map(\.name.local) == ["g"])
        #expect(info.advertisement.people?[0].extensionAttributes == [XMLAttribute(XMLName("lang", namespace: XMLNamespace.xml), "it")])
        #expect(info.extensions.map(\.name.local) == ["tail1", "tail2", "tail3"])
        #expect(info.extensionAttributes.map(\.name.local) == ["root"])
        #expect(try throughText(info) == info)
    }

    /// Elements inside an extension that look like CLUE elements are kept as they are, never read as CLUE.
    @Test func lookAlikesStayOpaque() throws {
        let element = try parse("""
            <captureScene xmlns="urn:ietf:params:xml:ns:clue-info" sceneID="CS1" scale="mm">
            <e:wrap xmlns:e="urn:e" xmlns="urn:e"><mediaCapture captureID="fake"/>
              <x:sequenceNr xmlns:x="urn:ietf:params:xml:ns:clue-protocol">1</x:sequenceNr>
            </e:wrap>
            </captureScene>
            """)
        let scene = try CaptureScene(element: element)
        let wrap = try #require(scene.extensions.first)
        #expect(wrap.childElements.map(\.name) == [XMLName("mediaCapture", namespace: "urn:e"),
                                                  XMLName("sequenceNr", namespace: XMLNamespace.clueProtocol)])
        // Indentation between the children is not content.
        #expect(wrap.children.count == 2)
    }

    /// Whitespace that only indents extension content is dropped for trees built in code too, so they compare
    /// equal to what the reader gives back; text in leaves is kept.
    @Test func normalizesIndentation() throws {
        let built = XMLElement(XMLName("wrap", namespace: "urn:e"), children: [
            .text("\n  "), .element(XMLElement(XMLName("a", namespace: "urn:e"), children: [.text("  keep  ")])),
            .text("\n"),
        ])
        let scene = try CaptureScene(element: .parent(CLUEName.info("captureScene"),
                                                      attributes: [.plain("sceneID", "S"), .plain("scale", "mm")],
                                                      [built]))
        #expect(scene.extensions[0].children == [.element(XMLElement(XMLName("a", namespace: "urn:e"),
                                                                     children: [.text("  keep  ")]))])
    }

    /// ##other refuses unqualified unknown attributes where ##any accepts them.
    @Test func wildcardKinds() throws {
        let scene = try parse(#"<captureScene xmlns="urn:ietf:params:xml:ns:clue-info" sceneID="S" scale="mm" note="x"/>"#)
        guard case .unexpectedAttribute = try #require(decodingError { try CaptureScene(element: scene) }) else {
            Issue.record("captureScene takes only qualified extension attributes")
            return
        }
        let set = try parse(#"<simultaneousSet xmlns="urn:ietf:params:xml:ns:clue-info" setID="S" note="x"/>"#)
        #expect(try SimultaneousSet(element: set).extensionAttributes == [XMLAttribute(XMLName("note"), "x")])
    }

    /// The xCard content of sceneInformation and personInfo is kept as it came, attributes included.
    @Test func xCardKept() throws {
        let element = try parse("""
            <person xmlns="urn:ietf:params:xml:ns:clue-info" xmlns:v="urn:ietf:params:xml:ns:vcard-4.0" personID="p">
            <personInfo any="1" v:x="2">
              <v:fn><v:text>Alice</v:text></v:fn>
              <v:note>  spaced  </v:note>
            </personInfo>
            </person>
            """)
        let person = try Person(element: element)
        let card = try #require(person.personInfo)
        #expect(card.attributes.count == 2)
        #expect(card.children.count == 2)
        #expect(Person(personID: "p", personInfo: card) == person)
        guard case .element(let note) = card.children[1] else { Issue.record("note"); return }
        #expect(note.text == "  spaced  ")
    }
}
