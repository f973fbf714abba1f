import Foundation
import Testing

@testable import CLUEModel

@Suite struct XMLWriterTests {
    private let writer = XMLWriter(rootNamespaces: [
        XMLNamespaceDeclaration(prefix: nil, uri: XMLNamespace.clueProtocol),
        XMLNamespaceDeclaration(prefix: "dm", uri: XMLNamespace.clueInfo),
        XMLNamespaceDeclaration(prefix: "xsi", uri: XMLNamespace.schemaInstance),
    ])

    /// Written text reads back to an equal tree: namespaces, escapes, xsi:type and foreign attributes included.
    @Test func roundTrip() throws {
        let ext = "https://example.com/ext"
        let tree = XMLElement(
            XMLName("advertisement", namespace: XMLNamespace.clueProtocol),
            attributes: [XMLAttribute(XMLName("protocol"), "CLUE"), XMLAttribute(XMLName("v"), "1.0"),
                         XMLAttribute(XMLName("note", namespace: ext), "tab\there \"quoted\" & <x>\n")],
            children: [
                .element(XMLElement(XMLName("mediaCapture", namespace: XMLNamespace.clueInfo),
                                    children: [.text("a < b & c > d ]]> €\r\n日本 🎥")],
                                    schemaType: XMLName("videoCaptureType", namespace: XMLNamespace.clueInfo))),
                .element(XMLElement(XMLName("plain"))),
                .element(XMLElement(XMLName("thing", namespace: ext), children: [.text(" x ")])),
            ])
        let text = try writer.string(tree)
        #expect(text.contains("xmlns=\"urn:ietf:params:xml:ns:clue-protocol\""))
        #expect(text.contains("<dm:mediaCapture xsi:type=\"dm:videoCaptureType\">"))
        #expect(text.contains("<plain xmlns=\"\"/>"))
        let back = try XMLReader.parse(text)
        #expect(back == tree)
    }

    /// Namespaces listed for the root are declared only when the tree uses them.
    @Test func declaresOnlyUsedNamespaces() throws {
        let text = try writer.string(XMLElement(XMLName("ack", namespace: XMLNamespace.clueProtocol)))
        #expect(!text.contains("xmlns:dm"))
        #expect(!text.contains("xmlns:xsi"))
    }

    /// A prefix already bound to another namespace is never reused for a different one.
    @Test func avoidsPrefixClashes() throws {
        let tree = XMLElement(
            XMLName("a", namespace: "urn:one"), children: [
                .element(XMLElement(XMLName("b", namespace: "urn:two"),
                                    namespaceDeclarations: [XMLNamespaceDeclaration(prefix: "p", uri: "urn:two")])),
                .element(XMLElement(XMLName("c", namespace: "urn:three"),
                                    namespaceDeclarations: [XMLNamespaceDeclaration(prefix: "p", uri: "urn:three")])),
            ], namespaceDeclarations: [XMLNamespaceDeclaration(prefix: "p", uri: "urn:one")])
        let text = try XMLWriter().string(tree)
        #expect(try XMLReader.parse(text) == tree)
    }

    /// Characters XML cannot carry are refused instead of producing a document no peer can read.
    @Test func refusesInvalidCharacters() {
        let tree = XMLElement(XMLName("description"), children: [.text("bell \u{7}")])
        #expect(throws: XMLWriteError.invalidCharacter(7, in: "description")) { try XMLWriter().string(tree) }
        let badName = XMLElement(XMLName("1abc"))
        #expect(throws: XMLWriteError.invalidName("1abc")) { try XMLWriter().string(badName) }
    }
}

@Suite struct SchemaValidatorTests {
    /// The embedded schemas are byte-for-byte the files in Sources/CLUEModel/Schemas (run `make schemas` after edits).
    @Test func embeddedSchemasMatchFiles() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/CLUEModel/Schemas").standardized
        for (name, text) in EmbeddedSchemas.files {
            let file = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            #expect(file == text, "\(name) differs from its embedded copy")
        }
        #expect(EmbeddedSchemas.files.count == 3)
    }

    /// A minimal valid message passes; a message missing its sequence number fails with a line number.
    @Test func validatesProtocolMessages() throws {
        let valid = """
            <ack xmlns="urn:ietf:params:xml:ns:clue-protocol" protocol="CLUE" v="1.0">
              <sequenceNr>7</sequenceNr><responseCode>200</responseCode><advSequenceNr>3</advSequenceNr>
            </ack>
            """
        #expect(try SchemaValidator.clueProtocol.validate(valid).isEmpty)
        let invalid = valid.replacingOccurrences(of: "<sequenceNr>7</sequenceNr>", with: "")
        let violations = try SchemaValidator.clueProtocol.validate(invalid)
        #expect(!violations.isEmpty)
        #expect(violations.first?.line == 2)
    }

    /// xsi:type under RFC 8847's https:// XSI namespace validates like the http:// one.
    @Test func acceptsHTTPSSchemaInstance() throws {
        let document = """
            <mediaCaptures xmlns="urn:ietf:params:xml:ns:clue-info" xmlns:xsi="https://www.w3.org/2001/XMLSchema-instance">
              <mediaCapture xsi:type="audioCaptureType" captureID="AC0" mediaType="audio">
                <captureSceneIDREF>CS1</captureSceneIDREF><nonSpatiallyDefinable>true</nonSpatiallyDefinable>
                <individual>true</individual>
              </mediaCapture>
            </mediaCaptures>
            """
        let violations = try SchemaValidator.clueInfo.validate(document)
        // The IDREF does not resolve in this fragment; everything else must be valid.
        #expect(violations.allSatisfy { $0.message.contains("IDREF") || $0.message.contains("CS1") }, "\(violations)")
    }
}
