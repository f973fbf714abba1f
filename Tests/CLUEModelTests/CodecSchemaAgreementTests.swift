import Testing

@testable import CLUEModel

/// `Samples.minimal` as a clueInfo whose document ID is `id`, written as text without checks.
private func documentText(clueInfoID id: String, extra: [XMLElement] = []) throws -> String {
    var root = try ClueInfo(clueInfoID: "placeholder", advertisement: Samples.minimal).element()
    root.attributes = [.plain("clueInfoID", id)]
    root.children += extra.map { .element($0) }
    return try XMLWriter().string(root)
}

/// Whether the embedded schema validator accepts `text`.
private func schemaAccepts(_ text: String) throws -> Bool {
    try SchemaValidator.clueInfo.validate(text).isEmpty
}

@Suite struct CodecSchemaAgreementTests {
    /// xs:NCName is XML Schema 1.0's (the narrower pre-fifth-edition letters), exactly as the validator sees it.
    @Test(arguments: ["x", "_a.b-c", "カメラ1", "x·", "x̀", "x⁰", "⁰x", "xʰ", "Ⰰ", "a:b", "1a", "-a", "a b"])
    func ncNameMatchesValidator(_ id: String) throws {
        #expect(XSDValue.isNCName(id) == (try schemaAccepts(documentText(clueInfoID: id))), "\(id)")
    }

    /// xs:anyURI as the validator checks it.
    @Test(arguments: ["", "urn:x", "http://example.com:8080/a/b?c=d#e[1]", "a b", "é", "a<b", "%41", "//h", "/p",
                      "rel/p:x", "mailto:a@b", "http://[::1]/", "%zz", "http://[::1", "#a#b", "::", "a%", "[",
                      "http://a:/", "?q#f"])
    func anyURIMatchesValidator(_ uri: String) throws {
        let message = """
            <options xmlns="urn:ietf:params:xml:ns:clue-protocol" protocol="CLUE" v="1.0"><sequenceNr>1</sequenceNr>
            <mediaProvider>true</mediaProvider><mediaConsumer>true</mediaConsumer><supportedExtensions><extension>
            <name>n</name><schemaRef>\(uri.replacingOccurrences(of: "<", with: "&lt;"))</schemaRef><version>1.0</version>
            </extension></supportedExtensions></options>
            """
        let valid = try SchemaValidator.clueProtocol.validate(message).isEmpty
        #expect(XSDValue.isAnyURI(uri) == valid, "\(uri)")
    }

    /// Extension content the schema's lax processing would reject is refused by the encoder, and what the encoder
    /// accepts validates. (xsi:nil is refused too, conservatively: on a declared element it would be checked.)
    @Test(arguments: [
        (XMLElement(XMLName("x", namespace: extensionNS), children: [.element(XMLElement(CLUEName.info("people")))]),
         false),
        (XMLElement(XMLName("x", namespace: extensionNS), schemaType: XMLName("foo", namespace: extensionNS)), false),
        (XMLElement(XMLName("vcard", namespace: XMLNamespace.xCard), children: [.text("t")]), false),
        (XMLElement(XMLName("x", namespace: extensionNS), children: [.element(XMLElement(CLUEName.info("mediaCapture")))]),
         true),
        (XMLElement(XMLName("x", namespace: extensionNS),
                    attributes: [XMLAttribute(XMLName("nil", namespace: XMLNamespace.schemaInstance), "true")]), false),
        (XMLElement(XMLName("x", namespace: extensionNS), children: [.text("mixed "),
            .element(XMLElement(XMLName("y", namespace: "urn:other"), children: [.text("content")]))]), true),
    ])
    func laxContent(_ extensionElement: XMLElement, _ accepted: Bool) throws {
        let info = ClueInfo(clueInfoID: "doc", advertisement: Samples.minimal, extensions: [extensionElement])
        let refused = info.semanticIssues().schemaViolations
        #expect(refused.isEmpty == accepted, "\(refused)")
        if accepted {
            #expect(try schemaAccepts(XMLWriter().string(info.element())))
            #expect(try throughText(info) == info)
        } else if extensionElement.attributes.isEmpty {
            #expect(try !schemaAccepts(documentText(clueInfoID: "doc", extra: [extensionElement])))
        }
    }
}
