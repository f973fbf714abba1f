import Foundation
import Testing

@testable import CLUEModel

@Suite struct XMLReaderTests {
    /// Namespaces, prefixes, attributes, CDATA and character references come through as expanded names and text.
    @Test func readsNamespacedTree() throws {
        let root = try XMLReader.parse("""
            <?xml version="1.0" encoding="UTF-8"?>
            <p:ack xmlns:p="urn:ietf:params:xml:ns:clue-protocol" xmlns:x="https://example.com/x" protocol="CLUE" x:flag="1">
              <p:reasonString>a &amp; b <![CDATA[<c>]]> &#x20AC; 日本</p:reasonString>
              <!-- a comment -->
            </p:ack>
            """)
        #expect(root.name == XMLName("ack", namespace: XMLNamespace.clueProtocol))
        #expect(root.attribute(XMLName("protocol")) == "CLUE")
        #expect(root.attribute(XMLName("flag", namespace: "https://example.com/x")) == "1")
        #expect(root.childElements.count == 1)
        #expect(root.childElements[0].text == "a & b <c> € 日本")
        #expect(root.childElements[0].line == 3)
        #expect(root.namespaceDeclarations.contains(XMLNamespaceDeclaration(prefix: "p", uri: XMLNamespace.clueProtocol)))
    }

    /// xsi:type is resolved against the namespaces in scope, under the http:// and the https:// XSI namespace.
    @Test(arguments: [XMLNamespace.schemaInstance, XMLNamespace.schemaInstanceHTTPS])
    func resolvesSchemaType(xsi: String) throws {
        let root = try XMLReader.parse("""
            <mediaCaptures xmlns="urn:ietf:params:xml:ns:clue-info" xmlns:q="\(xsi)" xmlns:dm="urn:ietf:params:xml:ns:clue-info">
              <mediaCapture q:type="dm:videoCaptureType" captureID="VC0"/>
              <mediaCapture q:type="audioCaptureType" captureID="AC0"/>
            </mediaCaptures>
            """)
        let captures = root.childElements
        #expect(captures[0].schemaType == XMLName("videoCaptureType", namespace: XMLNamespace.clueInfo))
        #expect(captures[1].schemaType == XMLName("audioCaptureType", namespace: XMLNamespace.clueInfo))
        #expect(captures[0].attributes == [XMLAttribute(XMLName("captureID"), "VC0")])
    }

    /// Whitespace between elements is dropped; whitespace inside text-only elements is kept.
    @Test func dropsFormattingWhitespaceOnly() throws {
        let root = try XMLReader.parse("<a>\n  <b>  x  </b>\n  <c> </c>\n</a>")
        #expect(root.children.count == 2)
        #expect(root.childElements[0].text == "  x  ")
        #expect(root.childElements[1].text == " ")
    }

    /// Malformed documents are refused with the line of the error.
    @Test func refusesMalformed() {
        #expect(throws: XMLReadError.self) { try XMLReader.parse("<a>\n<b></a>") }
        do {
            _ = try XMLReader.parse("<a>\n<b></a>")
        } catch {
            guard case .malformed(let line, let message) = error else { Issue.record("\(error)"); return }
            #expect(line == 2)
            #expect(!message.isEmpty)
        }
    }
}

@Suite struct HostileDocumentTests {
    /// A billion-laughs entity bomb is refused at its DOCTYPE, before any entity exists.
    @Test func billionLaughs() {
        var dtd = "<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n"
        for level in 1...9 {
            dtd += "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level - 1 == 0 ? "" : String(level - 1));", count: 10) + "\">\n"
        }
        dtd += "]>\n<lolz>&lol9;</lolz>"
        #expect(throws: XMLReadError.doctypeForbidden(line: 1)) { try XMLReader.parse(dtd) }
    }

    /// An external entity naming a local file is refused, and nothing of the file appears in the error.
    @Test func externalEntityNeverReadsTheFile() throws {
        let secret = "SECRET-\(UInt64.random(in: 1...UInt64.max))"
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("xxe-\(secret).txt")
        try secret.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let document = """
            <?xml version="1.0"?>
            <!DOCTYPE d [<!ENTITY x SYSTEM "file://\(url.path)">]>
            <description>&x;</description>
            """
        do {
            _ = try XMLReader.parse(document)
            Issue.record("an external entity was accepted")
        } catch {
            #expect(error == .doctypeForbidden(line: 2))
            #expect(!"\(error)".contains(secret))
        }
    }

    /// With the byte pre-scan off, libxml2's internal-subset hook alone still refuses DTDs and entities.
    @Test(arguments: [
        "<!DOCTYPE a SYSTEM \"http://127.0.0.1:9/x.dtd\"><a/>",
        "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>",
        "<!DOCTYPE a [<!ENTITY % p SYSTEM \"file:///etc/hostname\"> %p;]><a/>",
    ])
    func doctypeRefusedByTheParserHook(document: String) {
        let bytes = Array(document.utf8)
        #expect(throws: XMLReadError.doctypeForbidden(line: 1)) {
            try bytes.withUnsafeBufferPointer { buffer in
                _ = try LibXMLDocument(buffer, limits: .default, prescan: false)
            }
        }
    }

    /// An external DTD is refused without any network access.
    @Test func externalDTD() {
        let document = "<?xml version=\"1.0\"?>\n<!DOCTYPE a SYSTEM \"http://127.0.0.1:9/evil.dtd\">\n<a/>"
        #expect(throws: XMLReadError.doctypeForbidden(line: 2)) { try XMLReader.parse(document) }
    }

    /// An undeclared namespace prefix makes the document unreadable, not a name in no namespace.
    @Test func undeclaredPrefix() {
        #expect(throws: XMLReadError.self) { try XMLReader.parse("<p:advertisement protocol=\"CLUE\"/>") }
    }

    /// An undeclared entity reference is a well-formedness error, not an empty string.
    @Test func undefinedEntity() {
        #expect(throws: XMLReadError.self) { try XMLReader.parse("<a>&foo;</a>") }
    }

    /// 20,000 levels of nesting are refused by the depth cap, long before libxml2's own limit matters.
    @Test func deepNesting() {
        let document = String(repeating: "<a>", count: 20_000) + String(repeating: "</a>", count: 20_000)
        #expect(throws: XMLReadError.tooDeep(limit: 64, line: 1)) { try XMLReader.parse(document) }
    }

    /// The depth cap is configurable, and a document exactly at the cap is accepted.
    @Test func depthCapBoundary() throws {
        let limits = XMLReaderLimits(maxDepth: 5)
        let five = String(repeating: "<a>", count: 5) + String(repeating: "</a>", count: 5)
        _ = try XMLReader.parse(five, limits: limits)
        let six = "<a>" + five + "</a>"
        #expect(throws: XMLReadError.tooDeep(limit: 5, line: 1)) { try XMLReader.parse(six, limits: limits) }
    }

    /// A 10 MB text node is refused by the size cap without being parsed.
    @Test func hugeTextNode() {
        let document = "<description>" + String(repeating: "A", count: 10_000_000) + "</description>"
        #expect(throws: XMLReadError.tooLarge(bytes: document.utf8.count, limit: 1 << 20)) {
            try XMLReader.parse(document)
        }
    }

    /// UTF-16 documents, and documents declaring another encoding, are refused: CLUE is UTF-8.
    @Test func nonUTF8() {
        let utf16: [UInt8] = [0xFF, 0xFE] + Array("<a/>".utf16.flatMap { [UInt8($0 & 0xff), UInt8($0 >> 8)] })
        #expect(throws: XMLReadError.notUTF8(detail: "UTF-16 byte order mark")) { try XMLReader.parse(utf16) }
        #expect(throws: XMLReadError.self) {
            try XMLReader.parse("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>")
        }
        #expect(throws: XMLReadError.self) { try XMLReader.parse([0x3C, 0x61, 0xFF, 0x2F, 0x3E]) }
    }
}
