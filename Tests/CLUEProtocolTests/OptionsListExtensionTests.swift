import CLUEModel
import Testing

@testable import CLUEProtocol

@Suite struct OptionsListExtensionTests {
    /// Foreign elements and attributes on the version and extension lists survive reading and writing.
    @Test func listExtensionsRoundTrip() throws {
        let text = """
            <options xmlns="urn:ietf:params:xml:ns:clue-protocol" xmlns:x="https://example.com/x" protocol="CLUE" v="1.0">
              <sequenceNr>1</sequenceNr>
              <mediaProvider>true</mediaProvider>
              <mediaConsumer>false</mediaConsumer>
              <supportedVersions x:a="1"><version>1.0</version><x:note>v</x:note></supportedVersions>
              <supportedExtensions x:b="2">
                <extension><name>e</name><schemaRef>https://example.com/e.xsd</schemaRef><version>1.0</version></extension>
                <x:more>m</x:more>
              </supportedExtensions>
            </options>
            """
        let document = try CLUEDocument(xml: Array(text.utf8))
        guard case .message(.options(let options)) = document else {
            Issue.record("not options: \(document)")
            return
        }
        #expect(options.supportedVersionsExtensions.element?.name == XMLName("note", namespace: "https://example.com/x"))
        #expect(options.supportedVersionsExtensions.attributes.count == 1)
        #expect(options.supportedExtensionsExtensions.element?.text == "m")
        let written = try document.xml()
        #expect(try CLUEDocument(xml: Array(written.utf8)) == document)
        #expect(try SchemaValidator.clueProtocol.validate(written).isEmpty)
    }
}
