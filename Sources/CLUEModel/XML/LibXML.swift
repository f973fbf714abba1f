import CLibXML2

/// Process-wide libxml2 set-up, done once before any parse or schema compilation.
enum LibXML {
    private static let once: Void = {
        xmlInitParser()
        // libxml2 asks this loader for every external resource: DTDs, entities, imported schemas. It serves the
        // embedded CLUE schemas by file name and refuses everything else, so no file or network resource is ever
        // read on behalf of a document.
        xmlSetExternalEntityLoader { url, _, context in
            guard let url, let name = String(cString: url).split(separator: "/").last,
                  let text = EmbeddedSchemas.cString(named: String(name))
            else { return nil }
            return xmlNewStringInputStream(context, text)
        }
    }()

    static func initialize() {
        _ = once
    }
}
