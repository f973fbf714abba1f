/// `a=group:<semantics> *(SP <identification-tag>)` (RFC 5888 section 5): BUNDLE (RFC 8843), CLUE (RFC 8848
/// section 4), lip sync, flow identification, and any other semantics.
public struct Group: Sendable, Hashable {
    public var semantics: GroupSemantics
    /// The `a=mid` values of the grouped media sections, in order. For BUNDLE the first is the BUNDLE-tag.
    public var mids: [String]

    public init(semantics: GroupSemantics, mids: [String]) {
        self.semantics = semantics
        self.mids = mids
    }

    init(sdpValue: ArraySlice<UInt8>) throws(ValueSyntaxError) {
        let fields = ByteText.fields(sdpValue)
        guard let first = fields.first, ByteText.isToken(first) else {
            throw ValueSyntaxError("expected a group semantics token")
        }
        semantics = GroupSemantics(token: ByteText.string(first))
        mids = fields.dropFirst().map(ByteText.string)
    }

    public var sdpValue: String { ([semantics.description] + mids).joined(separator: " ") }
}

/// Group semantics. The registered names are matched without regard to case (ABNF literals, RFC 5234 section 2.3)
/// and written in their registered spelling.
public enum GroupSemantics: Sendable, Hashable, CustomStringConvertible {
    /// RFC 8843.
    case bundle
    /// RFC 8848 section 4: the CLUE data channel and the media it controls.
    case clue
    /// Lip synchronization (RFC 5888 section 7).
    case lipSync
    /// Flow identification (RFC 5888 section 8).
    case flowIdentification
    case other(String)

    init(token: String) {
        switch token.uppercased() {
        case "BUNDLE": self = .bundle
        case "CLUE": self = .clue
        case "LS": self = .lipSync
        case "FID": self = .flowIdentification
        default: self = .other(token)
        }
    }

    public var description: String {
        switch self {
        case .bundle: "BUNDLE"
        case .clue: "CLUE"
        case .lipSync: "LS"
        case .flowIdentification: "FID"
        case .other(let token): token
        }
    }
}
