import ArgumentParser
import CLUEModel
import CLUEProtocol
import Foundation

/// `clue-mcu clue ...`: tools for operators whose endpoint will not interoperate.
struct Clue: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check and normalise CLUE documents (RFC 8846 clueInfo, RFC 8847 messages).",
        subcommands: [Validate.self, Roundtrip.self])
}

struct ReaderOptions: ParsableArguments {
    @Option(help: "Largest document accepted, in bytes.")
    var maxBytes: Int = XMLReaderLimits.default.maxDocumentBytes

    @Option(help: "Deepest element nesting accepted.")
    var maxDepth: Int = XMLReaderLimits.default.maxDepth

    var limits: XMLReaderLimits { XMLReaderLimits(maxDocumentBytes: maxBytes, maxDepth: maxDepth) }

    /// Reads a file without reading more than the limit allows.
    func read(_ path: String) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ValidationError("cannot open \(path)")
        }
        defer { try? handle.close() }
        return Array(try handle.read(upToCount: maxBytes + 1) ?? Data())
    }
}

extension Clue {
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check documents against the CLUE schemas and the data model's rules.",
            discussion: """
                Each FILE is read with the bridge's hardened reader, validated against the embedded RFC 8846/8847 \
                schemas, decoded, and checked for broken references, duplicate IDs and other rules the schema \
                cannot express. Problems are printed with line numbers. Exit status 0 when every file is valid, \
                1 otherwise.
                """)

        @OptionGroup var reader: ReaderOptions

        @Argument(help: "Documents to check.")
        var files: [String]

        func run() throws {
            var allValid = true
            for file in files {
                let problems = check(file)
                if problems.errors.isEmpty {
                    print("\(file): valid")
                } else {
                    allValid = false
                }
                for line in problems.errors + problems.warnings { print("\(file): \(line)") }
            }
            if !allValid { throw ExitCode(1) }
        }

        private func check(_ file: String) -> (errors: [String], warnings: [String]) {
            let bytes: [UInt8]
            do {
                bytes = try reader.read(file)
            } catch {
                return (["error: \(error)"], [])
            }
            let tree: XMLElement
            do {
                tree = try XMLReader.parse(bytes, limits: reader.limits)
            } catch {
                return (["error: \(error)"], [])
            }
            var errors: [String] = []
            if let validator = SchemaValidator.forRootNamespace(tree.name.namespace) {
                do {
                    errors += try validator.validate(bytes, limits: reader.limits).map { "error: schema: \($0)" }
                } catch {
                    errors.append("error: \(error)")
                }
            } else {
                errors.append("error: schema: line \(tree.line): root element \(tree.name) is not in the CLUE protocol "
                    + "or data-model namespace")
            }
            let document: CLUEDocument
            do {
                document = try CLUEDocument(element: tree)
            } catch {
                return (errors + ["error: \(error)"], [])
            }
            var warnings: [String] = []
            for issue in document.semanticIssues() {
                if issue.severity == .error { errors.append("\(issue)") } else { warnings.append("\(issue)") }
            }
            return (errors, warnings)
        }
    }

    struct Roundtrip: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a document and write it back, normalised, to standard output.",
            discussion: """
                Reads FILE liberally (any namespace prefixes, the data-model or protocol namespace as default or \
                none, xsi:type under http:// or https://) and writes it the way the bridge sends documents: \
                schema-valid, with the bridge's own prefixes. Anything invalid or hostile is refused with a \
                one-line reason on standard error and exit status 1.
                """)

        @OptionGroup var reader: ReaderOptions

        @Flag(help: "Write everything on one line.")
        var compact = false

        @Argument(help: "The document to read.")
        var file: String

        func run() throws {
            let bytes = try reader.read(file)
            do {
                let document = try CLUEDocument(xml: bytes, limits: reader.limits)
                if let issue = document.semanticIssues().first(where: { $0.severity == .error }) {
                    fail("\(issue)")
                }
                let text = try document.xml(indentation: compact ? nil : "  ")
                // The writer is built to produce schema-valid output; check anyway rather than emit a bad document.
                let validator = SchemaValidator.forRootNamespace(document.rootNamespace)!
                if let violation = try validator.validate(text).first {
                    fail("internal error: written document is not schema-valid: \(violation)", status: 2)
                }
                FileHandle.standardOutput.write(Data(text.utf8))
            } catch let error as CLUEReadError {
                fail("\(error)")
            } catch let error as CLUEWriteError {
                fail("cannot be written schema-valid: \(error)")
            }
        }

        private func fail(_ reason: String, status: Int32 = 1) -> Never {
            let line = reason.split(separator: "\n").joined(separator: "; ")
            FileHandle.standardError.write(Data("clue-mcu: \(file): \(line)\n".utf8))
            Foundation.exit(status)
        }
    }
}
