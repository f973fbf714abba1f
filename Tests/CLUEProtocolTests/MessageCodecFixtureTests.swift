import Foundation
import Testing

@testable import CLUEModel
@testable import CLUEProtocol

/// The message fixtures of CLUEModelTests (RFC 8847 section 10 and the hand-written unseen ones).
enum MessageCodecFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../CLUEModelTests/Fixtures").standardized

    static func files(in folder: String, where filter: (String) -> Bool) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent(folder).path))
            ?? []
        return names.filter { $0.hasSuffix(".xml") && filter($0) }.sorted().map { "\(folder)/\($0)" }
    }

    static let messages = files(in: "rfc") { $0.hasPrefix("rfc8847") }
        + files(in: "unseen") { !$0.hasPrefix("clueInfo") }

    static func bytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(path)))
    }

    static func message(_ path: String) throws -> ClueMessage {
        try ClueMessage(element: XMLReader.parse(bytes(path)))
    }
}

@Suite struct MessageCodecFixtureTests {
    /// Every RFC 8847 example and every hand-written message is found.
    @Test func fixturesExist() {
        #expect(MessageCodecFixtures.messages.count >= 19)
    }

    /// Each message fixture reads, decodes, encodes, writes, reads and decodes again to an equal value; the
    /// written text is valid against clue-protocol.xsd and the message has no semantic errors.
    @Test(arguments: MessageCodecFixtures.messages)
    func roundTrip(_ path: String) throws {
        let original = try MessageCodecFixtures.message(path)
        let bytes = try XMLWriter().bytes(original.element())
        let again = try ClueMessage(element: XMLReader.parse(bytes))
        #expect(again == original)
        let violations = try SchemaValidator.clueProtocol.validate(bytes)
        #expect(violations.isEmpty, "\(violations)\n\(String(decoding: bytes, as: UTF8.self))")
        #expect(original.semanticIssues().filter { $0.severity == .error } == [])
    }

    /// The same fixtures through the document dispatcher.
    @Test(arguments: MessageCodecFixtures.messages)
    func throughDocument(_ path: String) throws {
        let document = try CLUEDocument(element: XMLReader.parse(MessageCodecFixtures.bytes(path)))
        guard case .message = document else { Issue.record("\(path) is a message"); return }
        #expect(try CLUEDocument(element: document.element()) == document)
        #expect(document.rootNamespace == XMLNamespace.clueProtocol)
    }

    /// RFC 8847's 'options' example decodes to the values its text shows.
    @Test func rfcOptions() throws {
        let message = try MessageCodecFixtures.message("rfc/rfc8847-msg1-options.xml")
        guard case .options(let options) = message else { Issue.record("not options"); return }
        #expect(options.header == MessageHeader(clueID: "CP1", sequenceNumber: 51, version: ProtocolVersion(1, 4)))
        #expect(options.mediaProvider && options.mediaConsumer)
        #expect(options.supportedVersions == [ProtocolVersion(1, 4), ProtocolVersion(2, 7)])
        #expect(options.supportedExtensions?.map(\.name) == ["E1", "E2", "E3", "E4", "E5"])
        #expect(options.supportedExtensions?.last?.schemaRef == "URL_E5")
    }

    /// RFC 8847's advertisement, whose xsi is bound to https://, still reads its capture types.
    @Test func rfcAdvertisementWithHTTPSSchemaInstance() throws {
        let message = try MessageCodecFixtures.message("rfc/rfc8847-msg3-advertisement.xml")
        guard case .advertisement(let advertisement) = message else { Issue.record("not an advertisement"); return }
        let captures = advertisement.advertisement.mediaCaptures
        #expect(captures.first?.kind == .audio(sensitivityPattern: nil))
        #expect(captures.dropFirst().allSatisfy { $0.kind == .video })
        #expect(advertisement.header.clueID == "CP1")
        #expect(try MessageCodecFixtures.message("rfc/rfc8847-msg3-advertisement.http.xml") == message)
    }

    /// RFC 8847's configure+ack keeps its ack code and the configured subset.
    @Test func rfcConfigure() throws {
        let message = try MessageCodecFixtures.message("rfc/rfc8847-msg4-configure.xml")
        guard case .configure(let configure) = message else { Issue.record("not a configure"); return }
        #expect(configure.advertisementSequenceNumber == 11)
        #expect(configure.ack == 200)
        #expect(configure.captureEncodings == [
            CaptureEncoding(id: "ce123", captureID: "AC0", encodingID: "ENC4"),
            CaptureEncoding(id: "ce223", captureID: "VC3", encodingID: "ENC1",
                            configuredContent: CaptureContent(sceneViewIDs: ["SE1"])),
        ])
    }

    /// RFC 8847's configure asks for a subset of an MCC that does not allow one (the RFC's own slip, see the
    /// fixtures README): checked against its advertisement, that is the 405 rule.
    @Test func rfcConfigureAgainstAdvertisement() throws {
        guard case .advertisement(let advertisement) = try MessageCodecFixtures.message(
                  "rfc/rfc8847-msg3-advertisement.http.xml"),
              case .configure(let configure) = try MessageCodecFixtures.message("rfc/rfc8847-msg4-configure.xml")
        else { Issue.record("fixtures changed"); return }
        let issues = configure.semanticIssues(against: advertisement.advertisement)
        #expect(issues.map(\.rule) == [.subsetChoiceNotAllowed])
    }

    /// The hand-written configure fits the hand-written advertisement it answers.
    @Test func unseenConfigureAgainstAdvertisement() throws {
        guard case .advertisement(let advertisement) = try MessageCodecFixtures.message(
                  "unseen/advertisement-protocol-default-ns-mcc.xml"),
              case .configure(let configure) = try MessageCodecFixtures.message(
                  "unseen/configure-capture-encodings-ext.xml")
        else { Issue.record("fixtures changed"); return }
        #expect(configure.advertisementSequenceNumber == advertisement.header.sequenceNumber)
        let errors = configure.semanticIssues(against: advertisement.advertisement).filter { $0.severity == .error }
        #expect(errors == [], "\(errors)")
    }

    /// The hand-written messages decode to the values their README promises.
    @Test func unseenValues() throws {
        guard case .ack(let ack) = try MessageCodecFixtures.message("unseen/ack-crlf-mixed-prefixes-comments.xml")
        else { Issue.record("not an ack"); return }
        #expect(ack.status.code == 200)
        #expect(ack.advertisementSequenceNumber == 4_000_000_000_000)
        guard case .configureResponse(let response) = try MessageCodecFixtures.message(
                  "unseen/configureResponse-reason-string-escapes.xml")
        else { Issue.record("not a configureResponse"); return }
        #expect(response.status.code == 405)
        #expect(response.status.reason == "Subset choice not allowed for \"VC.composed\" & ENC-2 <> 5€/min — <raw> & ]]> العربية 日本語 🙂")
        guard case .options(let options) = try MessageCodecFixtures.message(
                  "unseen/options-versions-extensions-no-xmldecl.xml")
        else { Issue.record("not options"); return }
        #expect(options.mediaProvider == true && options.mediaConsumer == false)
        #expect(options.supportedVersions == [ProtocolVersion(1, 0), ProtocolVersion(1, 1), ProtocolVersion(10, 25)])
        guard case .advertisement(let i18n) = try MessageCodecFixtures.message(
                  "unseen/advertisement-datamodel-default-ns-i18n-ext.xml")
        else { Issue.record("not an advertisement"); return }
        #expect(i18n.header.sequenceNumber == 42)
        #expect(i18n.extensions.element != nil)
        #expect(i18n.advertisement.mediaCaptures.contains { $0.captureID == "カメラ1" })
    }
}
