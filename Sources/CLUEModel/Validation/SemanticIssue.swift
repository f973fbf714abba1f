/// A problem with a CLUE model that one element alone cannot show: identifiers, references across the document,
/// and the rules RFC 8845/8846/8847 add to the schema. Also what the encoders refuse to write (`violatesSchema`).
public struct SemanticIssue: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: Sendable, Hashable {
        /// The document is wrong: a receiver should refuse it.
        case error
        /// Against the RFCs (some are a provider's MUST) but still usable: a liberal receiver carries on.
        case warning
    }

    public enum Rule: String, Sendable, Hashable, CaseIterable {
        /// An xs:ID or xs:IDREF that is not an NCName.
        case invalidIdentifier
        /// The same xs:ID twice in one document (IDs are document-wide, whatever they identify).
        case duplicateIdentifier
        /// A reference that names nothing in the document.
        case unresolvedReference
        /// A reference that names the wrong kind of thing (a scene where a capture is expected).
        case wrongReferenceKind
        /// A Multiple Content Capture whose content includes itself, directly or through other MCCs or views.
        case selfContainingCapture
        /// Captures of different media types where RFC 8845 wants one (scene views, MCCs, sets, global views).
        case mixedMediaTypes
        /// `xsi:type` and `mediaType` disagree (an audioCaptureType with mediaType "video").
        case mediaTypeMismatch
        /// A list the schema requires to have at least one item.
        case emptyList
        /// A number outside its type's range (maxCaptures 0, sequence number 0, response code 99).
        case valueOutOfRange
        /// A value that does not match its type's pattern (policy, version).
        case invalidPattern
        /// Characters XML 1.0 cannot carry.
        case invalidCharacters
        /// A language tag that is not an xs:language.
        case invalidLanguageTag
        /// An extension element or attribute that the schema does not allow where it is, or that would not read
        /// back as an extension.
        case invalidExtension
        /// RFC 8846 section 11.5 and 14 rules on spatial information.
        case spatialInformation
        /// A simultaneous set with only capture scene references and no mediaType (RFC 8846 section 19.2).
        case simultaneousSetWithoutMediaType
        /// MCC settings that do not fit together (maxCaptures larger than the content).
        case inconsistentMultipleContentCapture
        /// A successful optionsResponse without the elements RFC 8847 section 5.2 requires on success.
        case incompleteResponse
        /// A configure names a capture the advertisement does not have.
        case unknownCapture
        /// A configure picks an encoding the capture's encoding group does not have, or the capture has no group.
        case encodingNotAvailable
        /// A configure uses one individual encoding, or one capture, for two capture encodings (RFC 8845 7.1, 9.1).
        case encodingUsedTwice
        case captureConfiguredTwice
        /// A configure chooses a subset of an MCC that does not allow it (RFC 8846 11.9; RFC 8847 code 405).
        case subsetChoiceNotAllowed
        /// A configure's subset is not within the MCC's content, or larger than maxCaptures (RFC 8846 22.3).
        case invalidSubset
        /// A configure picks captures of one media type that lie in no single simultaneous set (RFC 8845 8).
        case notSimultaneous
    }

    public var rule: Rule
    public var severity: Severity
    /// True when the XML schemas themselves forbid this. Encoders refuse such models; a decoded document shows
    /// these only for document-wide constraints (xs:ID uniqueness, IDREF targets).
    public var violatesSchema: Bool
    /// The RFC 8847 response family this calls for.
    public var category: CLUEErrorCategory
    /// The element the issue belongs to.
    public var location: CLUEElementContext
    public var message: String

    public init(rule: Rule, severity: Severity, violatesSchema: Bool, category: CLUEErrorCategory,
                location: CLUEElementContext, message: String) {
        self.rule = rule
        self.severity = severity
        self.violatesSchema = violatesSchema
        self.category = category
        self.location = location
        self.message = message
    }

    public var description: String {
        let level = severity == .error ? "error" : "warning"
        let line = location.line > 0 ? "line \(location.line): " : ""
        return "\(line)\(level): \(location): \(message)"
    }
}

/// Why an encoder refused a model: writing it would give a document the schemas reject.
public struct CLUEEncodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The schema violations found, all with `violatesSchema` set.
    public var issues: [SemanticIssue]

    public init(issues: [SemanticIssue]) {
        self.issues = issues
    }

    public var description: String {
        "the model is not schema-valid:\n" + issues.map { "  \($0)" }.joined(separator: "\n")
    }
}

extension Array where Element == SemanticIssue {
    /// True when at least one issue is an error.
    public var containsErrors: Bool { contains { $0.severity == .error } }

    /// The issues that make the document schema-invalid.
    public var schemaViolations: [SemanticIssue] { filter(\.violatesSchema) }
}
