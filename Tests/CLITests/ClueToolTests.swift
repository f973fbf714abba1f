import CLUEModel
import CLUEProtocol
import Foundation
import Testing

/// Runs the built `clue-mcu` binary the way an operator does.
struct Tool {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized
    static let fixtures = repository.appendingPathComponent("Tests/CLUEModelTests/Fixtures")
    /// Prefer the RFC schemas shipped beside the project (../shared/specs/xsd); fall back to the copies the binary
    /// embeds, which a test keeps identical.
    static let schemas: URL = {
        let shared = repository.appendingPathComponent("../shared/specs/xsd").standardized
        if FileManager.default.fileExists(atPath: shared.appendingPathComponent("clue-protocol.xsd").path) {
            return shared
        }
        return repository.appendingPathComponent("Sources/CLUEModel/Schemas")
    }()

    /// The test runner sits in the build products folder next to the executables.
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("clue-mcu")

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ executable: URL, _ arguments: [String]) throws -> Result {
        // Output goes to files, not pipes: a large output can then never block the child while we wait.
        let directory = FileManager.default.temporaryDirectory
        let outURL = directory.appendingPathComponent("out-\(UUID().uuidString)")
        let errURL = directory.appendingPathComponent("err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    static func clueMCU(_ arguments: String...) throws -> Result {
        try run(binary, arguments)
    }

    static func files(_ folder: String) throws -> [String] {
        let directory = fixtures.appendingPathComponent(folder)
        return try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".xml") }.sorted()
            .map { directory.appendingPathComponent($0).path }
    }

    /// `xmllint --schema` on a temporary copy of `text`; returns xmllint's verdict and output.
    static func xmllint(_ text: String, schema: String) throws -> Result {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("clue-\(UUID().uuidString).xml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try run(URL(fileURLWithPath: "/usr/bin/xmllint"),
                       ["--noout", "--nonet", "--schema", schemas.appendingPathComponent(schema).path, file.path])
    }
}

extension Tool {
    struct Fixture: CustomTestStringConvertible, Sendable {
        let path: String
        var testDescription: String { URL(fileURLWithPath: path).lastPathComponent }
    }

    static func fixtureList(_ folders: String...) -> [Fixture] {
        folders.flatMap { (try? files($0)) ?? [] }.map(Fixture.init)
    }
}

@Suite struct RoundtripToolTests {
    /// Every RFC example and every never-seen-style document round-trips into XML that xmllint validates against
    /// the RFC schemas and that decodes to the same document as the original.
    @Test(arguments: Tool.fixtureList("rfc", "unseen"))
    func roundTripsIntoSchemaValidEquivalentXML(fixture: Tool.Fixture) throws {
        let result = try Tool.clueMCU("clue", "roundtrip", fixture.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        let original = try CLUEDocument(xml: Array(try Data(contentsOf: URL(fileURLWithPath: fixture.path))))
        let written = try CLUEDocument(xml: Array(result.stdout.utf8))
        #expect(written == original)
        let schema = original.rootNamespace == XMLNamespace.clueInfo ? "clue-info.xsd" : "clue-protocol.xsd"
        let lint = try Tool.xmllint(result.stdout, schema: schema)
        #expect(lint.status == 0, "\(lint.stderr)")
        // Writing again gives the same text: the output is a fixed point.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("rt-\(UUID().uuidString).xml")
        try result.stdout.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try Tool.clueMCU("clue", "roundtrip", file.path).stdout == result.stdout)
    }

    /// Hostile documents are refused with one line on stderr, a non-zero status, and nothing on stdout; no
    /// content of the local file they point at ever shows.
    @Test(arguments: Tool.fixtureList("hostile"))
    func refusesHostileDocuments(fixture: Tool.Fixture) throws {
        let hostname = (try? String(contentsOfFile: "/etc/hostname", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let result = try Tool.clueMCU("clue", "roundtrip", fixture.path)
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        if hostname.count >= 4 {
            #expect(!result.stderr.contains(hostname))
        }
    }

    /// Documents of pathological shape generated on the fly are refused: deep nesting and a 10 MB text node.
    @Test func refusesGeneratedMonsters() throws {
        let directory = FileManager.default.temporaryDirectory
        let deep = directory.appendingPathComponent("deep-\(UUID().uuidString).xml")
        try (String(repeating: "<a>", count: 20_000) + String(repeating: "</a>", count: 20_000))
            .write(to: deep, atomically: true, encoding: .utf8)
        let huge = directory.appendingPathComponent("huge-\(UUID().uuidString).xml")
        try ("<ack xmlns=\"urn:ietf:params:xml:ns:clue-protocol\" protocol=\"CLUE\" v=\"1.0\"><reasonString>"
            + String(repeating: "A", count: 10_000_000) + "</reasonString></ack>")
            .write(to: huge, atomically: true, encoding: .utf8)
        defer {
            try? FileManager.default.removeItem(at: deep)
            try? FileManager.default.removeItem(at: huge)
        }
        let deepResult = try Tool.clueMCU("clue", "roundtrip", deep.path)
        #expect(deepResult.status == 1)
        #expect(deepResult.stderr.contains("nesting deeper than 64"))
        let hugeResult = try Tool.clueMCU("clue", "roundtrip", huge.path)
        #expect(hugeResult.status == 1)
        #expect(hugeResult.stderr.contains("exceeds the limit"))
    }
}

@Suite struct ValidateToolTests {
    /// The schema-valid RFC examples and fixtures are reported valid.
    @Test func validDocumentsPass() throws {
        let files = try Tool.files("rfc").filter { !$0.contains("msg3-advertisement.xml") && !$0.contains("msg6-advertisement.xml") }
        let result = try Tool.run(Tool.binary, ["clue", "validate"] + files)
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.components(separatedBy: ": valid").count - 1 == files.count)
    }

    /// A dangling reference and a schema violation are reported with their line numbers and exit status 1.
    @Test func invalidDocumentsFailWithLines() throws {
        let text = """
            <?xml version="1.0"?>
            <configure xmlns="urn:ietf:params:xml:ns:clue-protocol" protocol="CLUE" v="1.0">
              <sequenceNr>3</sequenceNr>
              <advSequenceNr>0</advSequenceNr>
            </configure>
            """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).xml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try Tool.clueMCU("clue", "validate", file.path)
        #expect(result.status == 1)
        #expect(result.stdout.contains("line 4"), "\(result.stdout)")
    }
}
