import CLUEModel

// The MP-MC messages (RFC 8847 sections 5.3-5.6):
//
//   advertisementMessageType:      mediaCaptures encodingGroups captureScenes simultaneousSets? globalViews?
//                                  people? ##other?
//   advAcknowledgementMessageType: (response) advSequenceNr ##other?
//   configureMessageType:          advSequenceNr ack? captureEncodings? ##other?
//   configureResponseMessageType:  (response) confSequenceNr ##other?

extension AdvertisementMessage {
    init(element: XMLElement) throws(CLUEDecodingError) {
        var reader = try MessageReader(element)
        let advertisement = try Advertisement(reading: &reader.cursor)
        let extensions = try reader.finish()
        self.init(header: reader.header, advertisement: advertisement, extensions: extensions)
    }

    func element() -> XMLElement {
        var writer = MessageWriter("advertisement", header: header, extensions: extensions)
        for list in advertisement.listElements(containerNamespace: XMLNamespace.clueProtocol) { writer.append(list) }
        return writer.finish(extensions)
    }
}

extension AckMessage {
    init(element: XMLElement) throws(CLUEDecodingError) {
        var reader = try MessageReader(element)
        let status = try reader.status()
        let advertisement = try MessageReader.positiveInteger(reader.cursor.required("advSequenceNr"),
                                                              in: reader.cursor.context)
        let extensions = try reader.finish()
        self.init(header: reader.header, status: status, advertisementSequenceNumber: advertisement,
                  extensions: extensions)
    }

    func element() -> XMLElement {
        var writer = MessageWriter("ack", header: header, extensions: extensions)
        writer.status(status)
        writer.text("advSequenceNr", String(advertisementSequenceNumber))
        return writer.finish(extensions)
    }
}

extension ConfigureMessage {
    init(element: XMLElement) throws(CLUEDecodingError) {
        var reader = try MessageReader(element)
        let context = reader.cursor.context
        let advertisement = try MessageReader.positiveInteger(reader.cursor.required("advSequenceNr"), in: context)
        let ack = try reader.cursor.optional("ack").map { e throws(CLUEDecodingError) in
            try SimpleContent.token(e, in: context, expected: "a success code (2[0-9][0-9])") {
                MessageReader.threeDigitCode($0, firstDigits: "2"..."2")
            }
        }
        let encodings = try reader.cursor.optional("captureEncodings").map { e throws(CLUEDecodingError) in
            try [CaptureEncoding](captureEncodings: e)
        }
        let extensions = try reader.finish()
        self.init(header: reader.header, advertisementSequenceNumber: advertisement, ack: ack,
                  captureEncodings: encodings, extensions: extensions)
    }

    func element() -> XMLElement {
        var writer = MessageWriter("configure", header: header, extensions: extensions)
        writer.text("advSequenceNr", String(advertisementSequenceNumber))
        if let ack { writer.text("ack", String(ack)) }
        if let captureEncodings, !captureEncodings.isEmpty {
            writer.append(.parent(CLUEName.message("captureEncodings"), captureEncodings.map { $0.element() }))
        }
        return writer.finish(extensions)
    }
}

extension ConfigureResponseMessage {
    init(element: XMLElement) throws(CLUEDecodingError) {
        var reader = try MessageReader(element)
        let status = try reader.status()
        let configure = try MessageReader.positiveInteger(reader.cursor.required("confSequenceNr"),
                                                          in: reader.cursor.context)
        let extensions = try reader.finish()
        self.init(header: reader.header, status: status, configureSequenceNumber: configure, extensions: extensions)
    }

    func element() -> XMLElement {
        var writer = MessageWriter("configureResponse", header: header, extensions: extensions)
        writer.status(status)
        writer.text("confSequenceNr", String(configureSequenceNumber))
        return writer.finish(extensions)
    }
}
