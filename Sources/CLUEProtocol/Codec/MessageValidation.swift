import CLUEModel

extension ClueMessage {
    /// Everything wrong with this message beyond one element's structure: the schema's document-wide constraints
    /// (xs:ID uniqueness and IDREF targets in an advertisement or configure), the values the encoder needs
    /// (sequence numbers from 1, three-digit codes, versions, XML characters, extension namespaces), and RFC rules.
    ///
    /// A configure is not checked against the advertisement it answers here; see
    /// `ConfigureMessage.semanticIssues(against:)`.
    public func semanticIssues() -> [SemanticIssue] {
        var validator = DocumentValidator()
        let at = CLUEElementContext.named(elementName)
        validator.checkHeader(header, at: at)
        switch self {
        case .options(let message):
            if let versions = message.supportedVersions {
                for version in versions { validator.checkVersion(version, field: "<version>", at: at) }
            }
            for item in message.supportedExtensions ?? [] { validator.check(item) }
            validator.checkMessageExtensions(message.extensions, at: at)
        case .optionsResponse(let message):
            validator.checkStatus(message.status, at: at)
            if let version = message.version { validator.checkVersion(version, field: "<version>", at: at) }
            for item in message.commonExtensions ?? [] { validator.check(item) }
            if message.status.isSuccess {
                var missing: [String] = []
                if message.mediaProvider == nil { missing.append("<mediaProvider>") }
                if message.mediaConsumer == nil { missing.append("<mediaConsumer>") }
                if message.version == nil { missing.append("<version>") }
                if !missing.isEmpty {
                    validator.report(.incompleteResponse, schema: false, .semantic, at: at,
                                     "a successful optionsResponse must include " + missing.joined(separator: ", ")
                                         + " (RFC 8847 section 5.2)")
                }
            }
            validator.checkMessageExtensions(message.extensions, at: at)
        case .advertisement(let message):
            validator.declareIdentifiers(of: message.advertisement)
            validator.check(message.advertisement)
            validator.checkMessageExtensions(message.extensions, at: at)
        case .ack(let message):
            validator.checkStatus(message.status, at: at)
            validator.checkSequenceNumber(message.advertisementSequenceNumber, field: "<advSequenceNr>", at: at)
            validator.checkMessageExtensions(message.extensions, at: at)
        case .configure(let message):
            validator.checkSequenceNumber(message.advertisementSequenceNumber, field: "<advSequenceNr>", at: at)
            if let ack = message.ack, !(200...299).contains(ack) {
                validator.report(.valueOutOfRange, schema: true, .invalidValue, at: at,
                                 "<ack> \(ack) is not a success code (2[0-9][0-9])")
            }
            validator.check(message.captureEncodings ?? [])
            validator.checkMessageExtensions(message.extensions, at: at)
        case .configureResponse(let message):
            validator.checkStatus(message.status, at: at)
            validator.checkSequenceNumber(message.configureSequenceNumber, field: "<confSequenceNr>", at: at)
            validator.checkMessageExtensions(message.extensions, at: at)
        }
        return validator.issues
    }
}

extension ConfigureMessage {
    /// What is wrong with this configure as an answer to `advertisement` (the one `advertisementSequenceNumber`
    /// names): unknown captures, encodings outside the capture's group, reused encodings, subset choices an MCC
    /// does not allow (`.subsetChoiceNotAllowed`, response code 405), and simultaneity (RFC 8845 section 8).
    public func semanticIssues(against advertisement: Advertisement) -> [SemanticIssue] {
        advertisement.issues(configuring: captureEncodings ?? [])
    }
}

extension DocumentValidator {
    mutating func checkHeader(_ header: MessageHeader, at location: CLUEElementContext) {
        if let clueID = header.clueID { checkString(clueID, field: "<clueId>", at: location) }
        checkSequenceNumber(header.sequenceNumber, field: "<sequenceNr>", at: location)
        checkVersion(header.version, field: "attribute v", at: location)
    }

    mutating func checkSequenceNumber(_ number: UInt64, field: String, at location: CLUEElementContext) {
        if number == 0 {
            report(.valueOutOfRange, schema: true, .invalidValue, at: location,
                   "\(field) is an xs:positiveInteger and cannot be 0")
        }
    }

    mutating func checkVersion(_ version: ProtocolVersion, field: String, at location: CLUEElementContext) {
        if version.major == 0 {
            report(.invalidPattern, schema: true, .invalidValue, at: location,
                   "\(field) \(version) has major version 0 ([1-9][0-9]*\\.[0-9]+)")
        }
    }

    mutating func checkStatus(_ status: ResponseStatus, at location: CLUEElementContext) {
        if !(100...999).contains(status.code) {
            report(.valueOutOfRange, schema: true, .invalidValue, at: location,
                   "<responseCode> \(status.code) is not three digits ([1-9][0-9][0-9])")
        }
        if let reason = status.reason { checkString(reason, field: "<reasonString>", at: location) }
    }

    mutating func check(_ item: ProtocolExtension) {
        let at = CLUEElementContext.named("extension")
        checkString(item.name, field: "<name>", at: at)
        checkString(item.schemaRef, field: "<schemaRef>", at: at)
        if !XSDValue.isAnyURI(item.schemaRef) {
            report(.invalidPattern, schema: true, .invalidValue, at: at,
                   "<schemaRef> \(quoted(item.schemaRef)) is not a URI reference (xs:anyURI)")
        }
        checkVersion(item.version, field: "<version>", at: at)
        if let extra = item.extensionElement { checkExtensions([extra], at: at) }
        checkExtensionAttributes(item.extensionAttributes,
                                 wildcard: .other(targetNamespace: XMLNamespace.clueProtocol), at: at)
    }

    mutating func checkMessageExtensions(_ extensions: MessageExtensions, at location: CLUEElementContext) {
        if let element = extensions.element { checkExtensions([element], at: location) }
        checkExtensionAttributes(extensions.attributes, wildcard: .other(targetNamespace: XMLNamespace.clueProtocol),
                                 own: ["protocol", "v"], at: location)
    }
}
