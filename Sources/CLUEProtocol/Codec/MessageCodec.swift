import CLUEModel

// The CLUE messages (RFC 8847 section 5, schema in section 9). Every message is a clueMessageType:
//
//   clueId? sequenceNr                                        @protocol="CLUE" @v
//   responses (clueResponseType) add: responseCode reasonString?
//   then the message's own elements, then at most one ##other element; @##other
//
// Elements the protocol schema declares (the message, clueId, sequenceNr, mediaCaptures, captureEncodings, ...) are
// written in the protocol namespace; the data-model elements inside them (mediaCapture, captureEncoding, ...) in the
// data-model namespace. Reading accepts either namespace, or none, anywhere.

extension ClueMessage {
    /// Decodes a message; the root element's name picks the type.
    ///
    /// This checks each element's structure and values; call `semanticIssues()` for what needs the whole message.
    public init(element: XMLElement) throws(CLUEDecodingError) {
        guard XSDValue.isCLUENamespace(element.name.namespace) else {
            throw .unknownDocument(element.name, line: element.line)
        }
        switch element.name.local {
        case "options": self = .options(try OptionsMessage(element: element))
        case "optionsResponse": self = .optionsResponse(try OptionsResponseMessage(element: element))
        case "advertisement": self = .advertisement(try AdvertisementMessage(element: element))
        case "ack": self = .ack(try AckMessage(element: element))
        case "configure": self = .configure(try ConfigureMessage(element: element))
        case "configureResponse": self = .configureResponse(try ConfigureResponseMessage(element: element))
        default: throw .unknownDocument(element.name, line: element.line)
        }
    }

    /// The message's tree. Throws, writing nothing, when the message would not be schema-valid.
    public func element() throws(CLUEEncodingError) -> XMLElement {
        let violations = semanticIssues().schemaViolations
        guard violations.isEmpty else { throw CLUEEncodingError(issues: violations) }
        var root: XMLElement
        switch self {
        case .options(let message): root = message.element()
        case .optionsResponse(let message): root = message.element()
        case .advertisement(let message): root = message.element()
        case .ack(let message): root = message.element()
        case .configure(let message): root = message.element()
        case .configureResponse(let message): root = message.element()
        }
        root.namespaceDeclarations = [XMLNamespaceDeclaration(prefix: nil, uri: XMLNamespace.clueProtocol),
                                      XMLNamespaceDeclaration(prefix: "dm", uri: XMLNamespace.clueInfo)]
        return root
    }
}

/// Reads the parts every message shares, then hands the cursor on for the message's own elements.
struct MessageReader {
    var cursor: ChildCursor
    let attributes: AttributeReader
    let header: MessageHeader

    init(_ element: XMLElement) throws(CLUEDecodingError) {
        attributes = try AttributeReader(element, allowed: ["protocol", "v"],
                                         wildcard: .other(targetNamespace: XMLNamespace.clueProtocol))
        let context = attributes.context
        let protocolName = try attributes.requiredString("protocol")
        guard protocolName.trimmingXMLWhitespace() == "CLUE" else {
            throw .invalidValue(field: "protocol", value: protocolName, line: element.line, in: context,
                                reason: "must be CLUE")
        }
        let rawVersion = try attributes.requiredString("v")
        guard let version = ProtocolVersion(rawVersion.trimmingXMLWhitespace()) else {
            throw .invalidValue(field: "v", value: rawVersion, line: element.line, in: context,
                                reason: "is not a protocol version major.minor ([1-9][0-9]*\\.[0-9]+)")
        }
        cursor = try ChildCursor(element)
        let clueID = try cursor.optional("clueId").map { e throws(CLUEDecodingError) in try SimpleContent.string(e) }
        let sequenceNumber = try Self.positiveInteger(cursor.required("sequenceNr"), in: cursor.context)
        header = MessageHeader(clueID: clueID, sequenceNumber: sequenceNumber, version: version)
    }

    /// `responseCode reasonString?` of clueResponseType.
    mutating func status() throws(CLUEDecodingError) -> ResponseStatus {
        let context = cursor.context
        let code = try SimpleContent.token(cursor.required("responseCode"), in: context,
                                           expected: "a three-digit response code ([1-9][0-9][0-9])") {
            Self.threeDigitCode($0, firstDigits: "1"..."9")
        }
        let reason = try cursor.optional("reasonString").map { e throws(CLUEDecodingError) in
            try SimpleContent.string(e)
        }
        return ResponseStatus(code: code, reason: reason)
    }

    /// The trailing extension element and the extension attributes; refuses anything else left.
    mutating func finish() throws(CLUEDecodingError) -> MessageExtensions {
        let element = try cursor.singleExtension()
        try cursor.finish()
        return MessageExtensions(element: element, attributes: attributes.extensions)
    }

    /// `xs:positiveInteger`, limited to UInt64: the schema sets no maximum, so a larger value is refused as beyond
    /// this implementation rather than as invalid XML Schema.
    static func positiveInteger(_ element: XMLElement, in context: CLUEElementContext) throws(CLUEDecodingError)
        -> UInt64
    {
        let raw = try SimpleContent.text(element)
        switch XSDValue.unsigned(raw, as: UInt64.self, minimum: 1) {
        case .success(let value):
            return value
        case .failure(.aboveMaximum):
            throw SimpleContent.invalid(element, raw, in: context,
                                        "is larger than this implementation supports (18446744073709551615)")
        case .failure(let problem):
            throw SimpleContent.invalid(element, raw, in: context, problem.reason)
        }
    }

    /// `[1-9][0-9][0-9]` (responseCodeType) or `2[0-9][0-9]` (successResponseCodeType), after collapsing.
    static func threeDigitCode(_ text: String, firstDigits: ClosedRange<Character>) -> UInt16? {
        let characters = Array(text)
        guard characters.count == 3, firstDigits.contains(characters[0]),
              characters.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        return UInt16(text)
    }

    static func boolean(_ element: XMLElement, in context: CLUEElementContext) throws(CLUEDecodingError) -> Bool {
        try SimpleContent.boolean(element, in: context)
    }

    static func version(_ element: XMLElement, in context: CLUEElementContext) throws(CLUEDecodingError)
        -> ProtocolVersion
    {
        try SimpleContent.token(element, in: context, expected: "a protocol version major.minor") {
            ProtocolVersion($0)
        }
    }
}

/// Builds a message tree in schema order.
struct MessageWriter {
    private(set) var element: XMLElement

    init(_ local: String, header: MessageHeader, extensions: MessageExtensions) {
        element = XMLElement(CLUEName.message(local),
                             attributes: [.plain("protocol", "CLUE"), .plain("v", header.version.description)]
                                 + extensions.attributes)
        if let clueID = header.clueID { text("clueId", clueID) }
        text("sequenceNr", String(header.sequenceNumber))
    }

    /// Appends a protocol-namespace element holding `value`.
    mutating func text(_ local: String, _ value: String) {
        append(.text(CLUEName.message(local), value))
    }

    mutating func append(_ child: XMLElement) {
        element.children.append(.element(child))
    }

    mutating func status(_ status: ResponseStatus) {
        text("responseCode", String(status.code))
        if let reason = status.reason { text("reasonString", reason) }
    }

    /// Appends the trailing extension element and returns the finished tree.
    func finish(_ extensions: MessageExtensions) -> XMLElement {
        var result = element
        if let extra = extensions.element { result.children.append(.element(extra)) }
        return result
    }
}
