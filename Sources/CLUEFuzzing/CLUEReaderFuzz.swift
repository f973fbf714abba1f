import CLUEModel
import CLUEProtocol

/// Properties checked on arbitrary input, shared by the libFuzzer driver (Fuzz/) and the corpus replay in the tests.
///
/// A violated property stops the process (`fatalError`): that is what libFuzzer records as a finding.
public enum FuzzTargets {
    /// Arbitrary bytes read as a CLUE document. Whatever the reader and decoder accept must encode, write, read
    /// and decode back to an equal value, and the written text must be schema-valid. Anything refused must be
    /// refused with an error, never a crash.
    public static func clueDocument(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let document = try? CLUEDocument(xml: bytes) else { return }
        // Decoding is liberal, encoding is not: a document that decodes but could not be written schema-valid
        // (an ID that is no NCName, say) is refused by the encoder, which is correct.
        guard let text = try? document.xml() else { return }
        let written = Array(text.utf8)
        let again: CLUEDocument
        do {
            again = try CLUEDocument(xml: written)
        } catch {
            fatalError("written document does not read back: \(error)\n\(text)")
        }
        guard again == document else {
            fatalError("round trip changed the document:\n\(text)")
        }
        guard let validator = SchemaValidator.forRootNamespace(document.rootNamespace) else {
            fatalError("no schema for \(document.rootNamespace)")
        }
        do {
            let violations = try validator.validate(written)
            guard violations.isEmpty else {
                fatalError("written document is not schema-valid: \(violations)\n\(text)")
            }
        } catch {
            fatalError("written document is not readable XML: \(error)")
        }
    }
}
