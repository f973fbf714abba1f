import Testing

@testable import CLUEModel
@testable import CLUEProtocol

private let protocolNamespace = XMLNamespace.clueProtocol
private let dataModelNamespace = XMLNamespace.clueInfo
private let foreign = "https://example.com/clue-ext"

private func foreignElement(_ local: String) -> XMLElement {
    XMLElement(XMLName(local, namespace: foreign), children: [.text(local)])
}

private let messageExtensions = MessageExtensions(
    element: foreignElement("trailer"), attributes: [XMLAttribute(XMLName("flag", namespace: foreign), "1")])

private let sampleAdvertisement = Advertisement(
    mediaCaptures: [
        MediaCapture(captureID: "VC0", kind: .video, captureSceneID: "CS1", encodingGroupID: "EG0"),
        MediaCapture(captureID: "VC1", kind: .video, captureSceneID: "CS1",
                     composition: .multipleContent(MultipleContentCapture(
                         content: CaptureContent(mediaCaptureIDs: ["VC0"]), policy: .soundLevel(0),
                         maxCaptures: MaxCaptures(1), allowSubsetChoice: true)),
                     encodingGroupID: "EG0"),
        MediaCapture(captureID: "AC0", kind: .audio(sensitivityPattern: "omni"), captureSceneID: "CS1",
                     encodingGroupID: "EG1"),
    ],
    encodingGroups: [EncodingGroup(encodingGroupID: "EG0", maxGroupBandwidth: 2_000_000, encodingIDs: ["V1", "V2"]),
                     EncodingGroup(encodingGroupID: "EG1", maxGroupBandwidth: 64000, encodingIDs: ["A1"])],
    captureScenes: [CaptureScene(sceneID: "CS1", scale: .unknown,
                                 sceneViews: [SceneView(sceneViewID: "SV1", mediaCaptureIDs: ["VC0"])])],
    simultaneousSets: [SimultaneousSet(setID: "SS1", mediaCaptureIDs: ["VC0", "VC1"])],
    globalViews: [GlobalView(globalViewID: "GV1", sceneViewIDs: ["SV1"])],
    people: [Person(personID: "p1", personTypes: ["presenter"])])

private let fullHeader = MessageHeader(clueID: "CP1", sequenceNumber: UInt64.max, version: ProtocolVersion(1, 0))
private let bareHeader = MessageHeader(sequenceNumber: 1, version: ProtocolVersion(2, 7))
private let codecExtension = ProtocolExtension(
    name: "E1", schemaRef: "urn:example:e1", version: ProtocolVersion(1, 0), extensionElement: foreignElement("more"),
    extensionAttributes: [XMLAttribute(XMLName("level", namespace: foreign), "2")])

/// Each message type with every optional field, and with none.
private let sampleMessages: [ClueMessage] = [
    .options(OptionsMessage(header: fullHeader, mediaProvider: true, mediaConsumer: false,
                            supportedVersions: [ProtocolVersion(1, 0), ProtocolVersion(2, 3)],
                            supportedExtensions: [codecExtension, ProtocolExtension(name: "E2", schemaRef: "x",
                                                                                   version: ProtocolVersion(1, 1))],
                            extensions: messageExtensions)),
    .options(OptionsMessage(header: bareHeader, mediaProvider: false, mediaConsumer: true)),
    .optionsResponse(OptionsResponseMessage(header: fullHeader, status: ResponseStatus(code: 200, reason: "Success"),
                                            mediaProvider: true, mediaConsumer: true, version: ProtocolVersion(1, 0),
                                            commonExtensions: [codecExtension], extensions: messageExtensions)),
    .optionsResponse(OptionsResponseMessage(header: bareHeader, status: ResponseStatus(code: 401))),
    .advertisement(AdvertisementMessage(header: fullHeader, advertisement: sampleAdvertisement,
                                        extensions: messageExtensions)),
    .advertisement(AdvertisementMessage(header: bareHeader, advertisement: Advertisement(
        mediaCaptures: [MediaCapture(captureID: "C", kind: .text, captureSceneID: "S")],
        encodingGroups: [EncodingGroup(encodingGroupID: "G", maxGroupBandwidth: 0, encodingIDs: [""])],
        captureScenes: [CaptureScene(sceneID: "S", scale: .noScale)]))),
    .ack(AckMessage(header: fullHeader, status: ResponseStatus(code: 200, reason: "  spaced  "),
                    advertisementSequenceNumber: 7, extensions: messageExtensions)),
    .ack(AckMessage(header: bareHeader, status: ResponseStatus(code: 302), advertisementSequenceNumber: UInt64.max)),
    .configure(ConfigureMessage(header: fullHeader, advertisementSequenceNumber: 7, ack: 200, captureEncodings: [
        CaptureEncoding(id: "ce1", captureID: "VC0", encodingID: "V1"),
        CaptureEncoding(id: "ce2", captureID: "VC1", encodingID: "V2",
                        configuredContent: CaptureContent(mediaCaptureIDs: ["VC0"]),
                        extensions: [foreignElement("rate")],
                        extensionAttributes: [XMLAttribute(XMLName("free"), "1")]),
    ], extensions: messageExtensions)),
    .configure(ConfigureMessage(header: bareHeader, advertisementSequenceNumber: 1)),
    .configureResponse(ConfigureResponseMessage(header: fullHeader, status: ResponseStatus(code: 405, reason: "no"),
                                                configureSequenceNumber: 9, extensions: messageExtensions)),
    .configureResponse(ConfigureResponseMessage(header: bareHeader, status: ResponseStatus(code: 200),
                                                configureSequenceNumber: 1)),
]

private func decode(_ text: String) throws -> ClueMessage {
    try ClueMessage(element: XMLReader.parse(text))
}

private func messageError(_ text: String) throws -> CLUEDecodingError? {
    let element = try XMLReader.parse(text)
    do {
        _ = try ClueMessage(element: element)
        return nil
    } catch {
        return error
    }
}

private func refused(_ message: ClueMessage) -> [SemanticIssue.Rule] {
    do {
        _ = try message.element()
        return []
    } catch {
        return error.issues.map(\.rule)
    }
}

@Suite struct MessageCodecTests {
    /// Every message decodes back from its own tree, and from written text; the text is schema-valid.
    @Test(arguments: sampleMessages)
    func roundTrip(_ message: ClueMessage) throws {
        let element = try message.element()
        #expect(try ClueMessage(element: element) == message)
        let bytes = try XMLWriter().bytes(element)
        #expect(try ClueMessage(element: XMLReader.parse(bytes)) == message)
        let violations = try SchemaValidator.clueProtocol.validate(bytes)
        #expect(violations.isEmpty, "\(violations)\n\(String(decoding: bytes, as: UTF8.self))")
        #expect(message.semanticIssues().filter { $0.severity == .error } == [])
    }

    /// Elements the protocol schema declares are written in the protocol namespace, the data-model elements
    /// inside them in the data-model namespace; the root carries protocol="CLUE" and v.
    @Test func advertisementNamespaces() throws {
        let element = try sampleMessages[4].element()
        #expect(element.name == XMLName("advertisement", namespace: protocolNamespace))
        #expect(element.attributes.prefix(2) == [XMLAttribute(XMLName("protocol"), "CLUE"),
                                                 XMLAttribute(XMLName("v"), "1.0")])
        let children = element.childElements
        #expect(children.map(\.name.local) == ["clueId", "sequenceNr", "mediaCaptures", "encodingGroups",
                                               "captureScenes", "simultaneousSets", "globalViews", "people",
                                               "trailer"])
        #expect(children.dropLast().allSatisfy { $0.name.namespace == protocolNamespace })
        for wrapper in children[2...7] {
            #expect(wrapper.childElements.allSatisfy { $0.name.namespace == dataModelNamespace })
        }
        let capture = children[2].childElements[0]
        #expect(capture.schemaType == XMLName("videoCaptureType", namespace: dataModelNamespace))
        #expect(capture.childElements.allSatisfy { $0.name.namespace == dataModelNamespace })
    }

    /// In a configure, captureEncodings is protocol, captureEncoding data model; options are protocol throughout.
    @Test func configureAndOptionsNamespaces() throws {
        let configure = try sampleMessages[8].element()
        let wrapper = try #require(configure.childElements.first { $0.name.local == "captureEncodings" })
        #expect(wrapper.name.namespace == protocolNamespace)
        #expect(wrapper.childElements.allSatisfy { $0.name == XMLName("captureEncoding", namespace: dataModelNamespace) })
        #expect(wrapper.childElements[0].childElements.allSatisfy { $0.name.namespace == dataModelNamespace })
        #expect(configure.childElements.map(\.name.local) == ["clueId", "sequenceNr", "advSequenceNr", "ack",
                                                              "captureEncodings", "trailer"])
        let options = try sampleMessages[0].element()
        func allProtocol(_ element: XMLElement) -> Bool {
            element.name.namespace == foreign
                || (element.name.namespace == protocolNamespace && element.childElements.allSatisfy(allProtocol))
        }
        #expect(allProtocol(options))
        #expect(options.childElements.map(\.name.local) == ["clueId", "sequenceNr", "mediaProvider", "mediaConsumer",
                                                            "supportedVersions", "supportedExtensions", "trailer"])
    }

    /// Empty optional lists are left out rather than written as empty wrappers.
    @Test func emptyListsOmitted() throws {
        let options = ClueMessage.options(OptionsMessage(header: bareHeader, mediaProvider: true, mediaConsumer: true,
                                                         supportedVersions: [], supportedExtensions: []))
        #expect(try options.element().childElements.map(\.name.local) == ["sequenceNr", "mediaProvider",
                                                                          "mediaConsumer"])
        let configure = ClueMessage.configure(ConfigureMessage(header: bareHeader, advertisementSequenceNumber: 3,
                                                               captureEncodings: []))
        #expect(try configure.element().childElements.map(\.name.local) == ["sequenceNr", "advSequenceNr"])
    }

    /// A message written with no namespace at all, or in the data-model namespace, still reads.
    @Test func liberalNamespaces() throws {
        let bare = try decode("""
            <ack protocol="CLUE" v="1.0"><sequenceNr>2</sequenceNr><responseCode>200</responseCode>
            <advSequenceNr>1</advSequenceNr></ack>
            """)
        let dataModel = try decode("""
            <ack xmlns="urn:ietf:params:xml:ns:clue-info" protocol=" CLUE " v=" 1.0 "><sequenceNr> 2 </sequenceNr>
            <responseCode> 200 </responseCode><advSequenceNr>+01</advSequenceNr></ack>
            """)
        let expected = ClueMessage.ack(AckMessage(header: MessageHeader(sequenceNumber: 2),
                                                  status: ResponseStatus(code: 200), advertisementSequenceNumber: 1))
        #expect(bare == expected)
        #expect(dataModel == expected)
    }

    /// Foreign content where the model has no place for it (inside the version and extension lists) is accepted
    /// and dropped; elsewhere it is kept.
    @Test func listExtensionsDropped() throws {
        let message = try decode("""
            <options xmlns="urn:ietf:params:xml:ns:clue-protocol" xmlns:e="urn:e" protocol="CLUE" v="1.0" e:a="1">
            <sequenceNr>1</sequenceNr><mediaProvider>1</mediaProvider><mediaConsumer>0</mediaConsumer>
            <supportedVersions e:x="1"><version>1.0</version><e:v/></supportedVersions>
            <supportedExtensions e:y="2"><extension e:z="3"><name>n</name><schemaRef> urn:x </schemaRef><version>1.0</version><e:inner/></extension><e:w/></supportedExtensions>
            <e:tail/>
            </options>
            """)
        guard case .options(let options) = message else { Issue.record("options"); return }
        #expect(options.supportedVersions == [ProtocolVersion(1, 0)])
        #expect(options.supportedExtensions == [ProtocolExtension(
            name: "n", schemaRef: "urn:x", version: ProtocolVersion(1, 0),
            extensionElement: XMLElement(XMLName("inner", namespace: "urn:e")),
            extensionAttributes: [XMLAttribute(XMLName("z", namespace: "urn:e"), "3")])])
        #expect(options.extensions.element?.name.local == "tail")
        #expect(options.extensions.attributes == [XMLAttribute(XMLName("a", namespace: "urn:e"), "1")])
    }

    /// The envelope's attributes and header fields are checked, with the category the response code needs.
    @Test(arguments: [
        (#"<ack v="1.0"><sequenceNr>1</sequenceNr><responseCode>200</responseCode><advSequenceNr>1</advSequenceNr></ack>"#,
         "line 1: <ack>: missing attribute protocol", CLUEErrorCategory.syntax),
        (#"<ack protocol="SIP" v="1.0"><sequenceNr>1</sequenceNr><responseCode>200</responseCode><advSequenceNr>1</advSequenceNr></ack>"#,
         "line 1: <ack>: protocol 'SIP' must be CLUE", .invalidValue),
        (#"<ack protocol="CLUE"><sequenceNr>1</sequenceNr><responseCode>200</responseCode><advSequenceNr>1</advSequenceNr></ack>"#,
         "line 1: <ack>: missing attribute v", .syntax),
        (#"<ack protocol="CLUE" v="0.1"><sequenceNr>1</sequenceNr><responseCode>200</responseCode><advSequenceNr>1</advSequenceNr></ack>"#,
         "line 1: <ack>: v '0.1' is not a protocol version major.minor ([1-9][0-9]*\\.[0-9]+)", .invalidValue),
        (#"<ack protocol="CLUE" v="1"><sequenceNr>1</sequenceNr><responseCode>200</responseCode><advSequenceNr>1</advSequenceNr></ack>"#,
         "line 1: <ack>: v '1' is not a protocol version major.minor ([1-9][0-9]*\\.[0-9]+)", .invalidValue),
        (#"<ack protocol="CLUE" v="1.0"><sequenceNr>0</sequenceNr><responseCode>200</responseCode><advSequenceNr>1</advSequenceNr></ack>"#,
         "line 1: <ack>: <sequenceNr> '0' must be at least 1", .invalidValue),
        (#"<ack protocol="CLUE" v="1.0"><sequenceNr>18446744073709551616</sequenceNr><responseCode>200</responseCode><advSequenceNr>1</advSequenceNr></ack>"#,
         "line 1: <ack>: <sequenceNr> '18446744073709551616' is larger than this implementation supports (18446744073709551615)", .invalidValue),
        (#"<ack protocol="CLUE" v="1.0"><responseCode>200</responseCode><advSequenceNr>1</advSequenceNr></ack>"#,
         "line 1: <ack>: missing <sequenceNr>", .syntax),
        (#"<ack protocol="CLUE" v="1.0"><sequenceNr>1</sequenceNr><responseCode>2000</responseCode><advSequenceNr>1</advSequenceNr></ack>"#,
         "line 1: <ack>: <responseCode> '2000' is not a three-digit response code ([1-9][0-9][0-9])", .invalidValue),
        (#"<ack protocol="CLUE" v="1.0"><sequenceNr>1</sequenceNr><responseCode>+200</responseCode><advSequenceNr>1</advSequenceNr></ack>"#,
         "line 1: <ack>: <responseCode> '+200' is not a three-digit response code ([1-9][0-9][0-9])", .invalidValue),
        (#"<ack protocol="CLUE" v="1.0"><sequenceNr>1</sequenceNr><responseCode>099</responseCode><advSequenceNr>1</advSequenceNr></ack>"#,
         "line 1: <ack>: <responseCode> '099' is not a three-digit response code ([1-9][0-9][0-9])", .invalidValue),
        (#"<ack protocol="CLUE" v="1.0" colour="red"><sequenceNr>1</sequenceNr><responseCode>200</responseCode><advSequenceNr>1</advSequenceNr></ack>"#,
         "line 1: <ack>: attribute colour is not allowed here", .syntax),
        (#"<configure protocol="CLUE" v="1.0"><sequenceNr>1</sequenceNr><advSequenceNr>1</advSequenceNr><ack>300</ack></configure>"#,
         "line 1: <configure>: <ack> '300' is not a success code (2[0-9][0-9])", .invalidValue),
        (#"<options protocol="CLUE" v="1.0"><sequenceNr>1</sequenceNr><mediaConsumer>true</mediaConsumer></options>"#,
         "line 1: <options>: missing <mediaProvider>", .syntax),
        (#"<options protocol="CLUE" v="1.0"><sequenceNr>1</sequenceNr><mediaProvider>yes</mediaProvider><mediaConsumer>true</mediaConsumer></options>"#,
         "line 1: <options>: <mediaProvider> 'yes' is not a boolean (true, false, 1 or 0)", .invalidValue),
        (#"<options protocol="CLUE" v="1.0"><sequenceNr>1</sequenceNr><mediaProvider>1</mediaProvider><mediaConsumer>1</mediaConsumer><supportedVersions/></options>"#,
         "line 1: <supportedVersions>: missing <version>", .syntax),
        (#"<configureResponse protocol="CLUE" v="1.0"><sequenceNr>1</sequenceNr><responseCode>200</responseCode></configureResponse>"#,
         "line 1: <configureResponse>: missing <confSequenceNr>", .syntax),
        (#"<optionsResponse protocol="CLUE" v="1.0"><sequenceNr>1</sequenceNr><responseCode>200</responseCode><version>x</version></optionsResponse>"#,
         "line 1: <optionsResponse>: <version> 'x' is not a protocol version major.minor", .invalidValue),
        (#"<ack xmlns:e="urn:e" protocol="CLUE" v="1.0"><sequenceNr>1</sequenceNr><responseCode>200</responseCode><advSequenceNr>1</advSequenceNr><e:a/><e:b/></ack>"#,
         "line 1: <ack>: unexpected <b> (namespace urn:e): only one extension element is allowed here", .syntax),
        (#"<ack protocol="CLUE" v="1.0"><sequenceNr>1</sequenceNr><clueId>x</clueId><responseCode>200</responseCode><advSequenceNr>1</advSequenceNr></ack>"#,
         "line 1: <ack>: unexpected <clueId>: out of order or repeated", .syntax),
    ])
    func envelopeErrors(_ text: String, _ message: String, _ category: CLUEErrorCategory) throws {
        let error = try #require(try messageError(text))
        #expect(error.description == message)
        #expect(error.category == category)
    }

    /// Only the six message names (and clueInfo, through CLUEDocument) are documents.
    @Test func unknownRoots() throws {
        #expect(try messageError(#"<hello protocol="CLUE" v="1.0"/>"#) == .unknownDocument(XMLName("hello"), line: 1))
        #expect(try messageError(#"<ack xmlns="urn:e" protocol="CLUE" v="1.0"/>"#)
            == .unknownDocument(XMLName("ack", namespace: "urn:e"), line: 1))
        let info = try XMLReader.parse("""
            <clueInfo xmlns="urn:ietf:params:xml:ns:clue-info" clueInfoID="x"><mediaCaptures>
            <mediaCapture captureID="C" mediaType="text"><captureSceneIDREF>S</captureSceneIDREF><nonSpatiallyDefinable>true</nonSpatiallyDefinable></mediaCapture>
            </mediaCaptures><encodingGroups><encodingGroup encodingGroupID="G"><maxGroupBandwidth>1</maxGroupBandwidth>
            <encodingIDList><encodingID>E</encodingID></encodingIDList></encodingGroup></encodingGroups>
            <captureScenes><captureScene sceneID="S" scale="mm"/></captureScenes></clueInfo>
            """)
        let document = try CLUEDocument(element: info)
        guard case .clueInfo(let decoded) = document else { Issue.record("clueInfo"); return }
        #expect(decoded.clueInfoID == "x")
        #expect(document.rootNamespace == dataModelNamespace)
        #expect(try CLUEDocument(element: document.element()) == document)
        #expect(document.semanticIssues().filter { $0.severity == .error } == [])
    }

    /// The encoder refuses messages the schema would reject.
    @Test func encoderRefusals() {
        #expect(refused(.ack(AckMessage(header: MessageHeader(sequenceNumber: 0), status: ResponseStatus(code: 200),
                                        advertisementSequenceNumber: 1))) == [.valueOutOfRange])
        #expect(refused(.ack(AckMessage(header: bareHeader, status: ResponseStatus(code: 42),
                                        advertisementSequenceNumber: 0))) == [.valueOutOfRange, .valueOutOfRange])
        #expect(refused(.configure(ConfigureMessage(header: bareHeader, advertisementSequenceNumber: 1, ack: 404)))
            == [.valueOutOfRange])
        #expect(refused(.options(OptionsMessage(header: MessageHeader(sequenceNumber: 1, version: ProtocolVersion(0, 1)),
                                                mediaProvider: true, mediaConsumer: true))) == [.invalidPattern])
        #expect(refused(.configureResponse(ConfigureResponseMessage(
            header: MessageHeader(clueID: "bad\u{0}", sequenceNumber: 1), status: ResponseStatus(code: 200, reason: "\u{1}"),
            configureSequenceNumber: 1))) == [.invalidCharacters, .invalidCharacters])
        #expect(refused(.ack(AckMessage(header: bareHeader, status: ResponseStatus(code: 200),
                                        advertisementSequenceNumber: 1,
                                        extensions: MessageExtensions(element: XMLElement(XMLName("x", namespace: protocolNamespace))))))
            == [.invalidExtension])
        #expect(refused(.ack(AckMessage(header: bareHeader, status: ResponseStatus(code: 200),
                                        advertisementSequenceNumber: 1,
                                        extensions: MessageExtensions(attributes: [XMLAttribute(XMLName("v"), "2.0")]))))
            == [.invalidExtension])
        var broken = sampleAdvertisement
        broken.mediaCaptures[0].captureSceneID = "nowhere"
        #expect(refused(.advertisement(AdvertisementMessage(header: bareHeader, advertisement: broken)))
            == [.unresolvedReference])
        #expect(refused(.configure(ConfigureMessage(header: bareHeader, advertisementSequenceNumber: 1, captureEncodings: [
            CaptureEncoding(id: "x", captureID: "a", encodingID: "b"), CaptureEncoding(id: "x", captureID: "c", encodingID: "d"),
        ]))) == [.duplicateIdentifier])
    }

    /// A successful optionsResponse should carry the roles and the version (RFC 8847 section 5.2).
    @Test func incompleteOptionsResponse() {
        let response = ClueMessage.optionsResponse(OptionsResponseMessage(header: bareHeader,
                                                                          status: ResponseStatus(code: 200),
                                                                          mediaProvider: true))
        let issues = response.semanticIssues()
        #expect(issues.map(\.rule) == [.incompleteResponse])
        #expect(issues.first?.message == "a successful optionsResponse must include <mediaConsumer>, <version> "
            + "(RFC 8847 section 5.2)")
    }

    /// A configure checked against the advertisement it answers.
    @Test func configureAgainstAdvertisement() {
        let good = ConfigureMessage(header: bareHeader, advertisementSequenceNumber: 1, captureEncodings: [
            CaptureEncoding(id: "a", captureID: "VC1", encodingID: "V1",
                            configuredContent: CaptureContent(mediaCaptureIDs: ["VC0"])),
            CaptureEncoding(id: "b", captureID: "AC0", encodingID: "A1"),
        ])
        #expect(good.semanticIssues(against: sampleAdvertisement) == [])
        let bad = ConfigureMessage(header: bareHeader, advertisementSequenceNumber: 1, captureEncodings: [
            CaptureEncoding(id: "a", captureID: "VC0", encodingID: "V1",
                            configuredContent: CaptureContent(mediaCaptureIDs: ["VC0"])),
        ])
        #expect(bad.semanticIssues(against: sampleAdvertisement).map(\.rule) == [.subsetChoiceNotAllowed])
        #expect(ConfigureMessage(header: bareHeader, advertisementSequenceNumber: 1)
            .semanticIssues(against: sampleAdvertisement) == [])
    }
}
