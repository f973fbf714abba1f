import CLUEModel

/// Any document the project reads or writes: one of the six protocol messages (RFC 8847) or an RFC 8846
/// `<clueInfo>`. The root element's local name decides which.
public enum CLUEDocument: Sendable, Hashable {
    case message(ClueMessage)
    case clueInfo(ClueInfo)

    public init(element: XMLElement) throws(CLUEDecodingError) {
        if element.name.local == "clueInfo" {
            self = .clueInfo(try ClueInfo(element: element))
        } else {
            self = .message(try ClueMessage(element: element))
        }
    }

    /// The document's tree; throws, writing nothing, when it would not be schema-valid.
    public func element() throws(CLUEEncodingError) -> XMLElement {
        switch self {
        case .message(let message): try message.element()
        case .clueInfo(let info): try info.element()
        }
    }

    public func semanticIssues() -> [SemanticIssue] {
        switch self {
        case .message(let message): message.semanticIssues()
        case .clueInfo(let info): info.semanticIssues()
        }
    }

    /// The namespace the encoder puts the root element in, which picks the schema that validates the document.
    public var rootNamespace: String {
        switch self {
        case .message: XMLNamespace.clueProtocol
        case .clueInfo: XMLNamespace.clueInfo
        }
    }
}
