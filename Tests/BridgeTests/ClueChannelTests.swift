import CLUEModel
import CLUEProtocol
import Testing
@testable import Bridge

/// The bridge's CLUE channel driver against the same engine playing the endpoint, in one process: bytes in, bytes
/// out, a hand-advanced clock.
@Suite struct ClueChannelTests {
    let start = ContinuousClock.now

    func endpoint() -> ParticipantStateMachine {
        var generator = SystemRandomNumberGenerator()
        return ParticipantStateMachine(configuration: .init(
            channelRole: .initiator,
            capabilities: ClueCapabilities(roles: ClueRoles(mediaProvider: true, mediaConsumer: true)),
            clueID: "EP", initialSequenceNumbers: .random(using: &generator)))
    }

    func bridge() -> ClueChannel {
        ClueChannel(role: .receiver, clueID: nil, limits: .default) { RoomAdvertisement.make(otherParticipants: 2) }
    }

    static func messages(_ output: ClueChannel.Output) throws -> [ClueMessage] {
        try output.messages.map { bytes in
            guard case .message(let message) = try CLUEDocument(xml: bytes) else { throw BridgeTestError("clueInfo") }
            return message
        }
    }

    static func bytes(_ message: ClueMessage) throws -> [UInt8] { Array(try message.xml().utf8) }

    /// The endpoint opens the channel and sends options; returns both ends and what the bridge answered.
    func negotiate() throws -> (ParticipantStateMachine, ClueChannel, [ClueMessage]) {
        var peer = endpoint()
        var channel = bridge()
        _ = channel.opened(now: start)
        _ = peer.startChannel()
        let options = try #require(peer.channelEstablished(now: start).compactMap { action -> ClueMessage? in
            if case .send(let message) = action { message } else { nil }
        }.first)
        let answer = try Self.messages(channel.receive(try Self.bytes(options), now: start))
        return (peer, channel, answer)
    }

    /// options -> optionsResponse 200 and the room's advertisement; a configure naming an unknown capture gets the
    /// configureResponse code for its family, and a valid one then gets 200.
    @Test func negotiatesAdvertisesAndAnswersConfigures() throws {
        var (peer, channel, answer) = try negotiate()
        #expect(answer.map(\.elementName) == ["optionsResponse", "advertisement"])
        guard case .advertisement(let advertisement) = answer[1] else { return }
        #expect(advertisement.advertisement.mediaCaptures.map(\.captureID) == ["VC0", "AC0"])
        #expect(advertisement.advertisement.semanticIssues().filter { $0.severity == .error }.isEmpty)
        for message in answer { _ = peer.receive(message) }
        // The endpoint configures VC0 with a made-up capture next to it: refused as a whole.
        let bad = try #require(peer.consumer).nextSequenceNumber
        let badConfigure = ConfigureMessage(
            header: MessageHeader(clueID: "EP", sequenceNumber: bad, version: .v1_0),
            advertisementSequenceNumber: advertisement.header.sequenceNumber, ack: 200,
            captureEncodings: [CaptureEncoding(id: "ce1", captureID: "VC9", encodingID: RoomAdvertisement.videoEncoding)])
        let refused = try Self.messages(channel.receive(try Self.bytes(.configure(badConfigure)), now: start))
        guard case .configureResponse(let response) = refused.first else {
            Issue.record("no configureResponse: \(refused)")
            return
        }
        #expect(response.status.code == 302 || response.status.code == 400, "\(response.status)")
        #expect(response.configureSequenceNumber == bad)
        #expect(channel.configured.isEmpty)
        let good = ConfigureMessage(
            header: MessageHeader(clueID: "EP", sequenceNumber: bad + 1, version: .v1_0),
            advertisementSequenceNumber: advertisement.header.sequenceNumber,
            captureEncodings: [CaptureEncoding(id: "ce1", captureID: "VC0", encodingID: RoomAdvertisement.videoEncoding)])
        let accepted = try Self.messages(channel.receive(try Self.bytes(.configure(good)), now: start))
        guard case .configureResponse(let success) = accepted.first else {
            Issue.record("no configureResponse: \(accepted)")
            return
        }
        #expect(success.status.code == 200 && success.configureSequenceNumber == bad + 1)
        #expect(channel.configured.map(\.captureID) == ["VC0"])
    }

    /// The bridge as Media Consumer releases captures the room stopped needing only when they stay unneeded for
    /// `ClueChannel.releaseDelay`: a need that comes back in time (a site between advertising and configuring)
    /// sends nothing; one that does not is released with an empty configure.
    @Test func releasesCapturesOnlyAfterTheDelay() throws {
        final class Needs: @unchecked Sendable { var value: [CaptureEncoding] = [] }
        let needs = Needs()
        let camera = CaptureEncoding(id: "ce-VC0", captureID: "VC0", encodingID: RoomAdvertisement.videoEncoding)
        needs.value = [camera]
        var channel = ClueChannel(role: .receiver, clueID: nil, limits: .default,
                                  advertisement: { RoomAdvertisement.make(otherParticipants: 2) },
                                  captureNeeds: { _ in needs.value })
        var peer = endpoint()
        _ = channel.opened(now: start)
        _ = peer.startChannel()
        func sent(_ actions: [ClueAction]) -> [ClueMessage] {
            actions.compactMap { if case .send(let message) = $0 { message } else { nil } }
        }
        func exchange(_ messages: [ClueMessage], at now: ContinuousClock.Instant) throws -> [ClueMessage] {
            var back: [ClueMessage] = []
            for message in messages {
                back += try Self.messages(channel.receive(try Self.bytes(message), now: now))
            }
            return back
        }
        // Options, then the peer advertises its room; the bridge acks and configures VC0; the peer accepts.
        for message in try exchange(sent(peer.channelEstablished(now: start)), at: start) { _ = peer.receive(message) }
        let fromBridge = try exchange(sent(try peer.sendAdvertisement(RoomAdvertisement.make(otherParticipants: 2))),
                                      at: start)
        #expect(fromBridge.map(\.elementName).contains("configure"), "\(fromBridge.map(\.elementName))")
        for message in fromBridge { _ = peer.receive(message) }
        let response = sent(try peer.acceptConfigure())
        let accepted = channel.receive(try Self.bytes(try #require(response.first)), now: start)
        #expect(accepted.peerAcceptedConfigure == [camera])

        // Not needed for a second, then needed again: nothing is sent, then or at the release time.
        needs.value = []
        #expect(channel.reconfigure(now: start + .seconds(1)).messages.isEmpty)
        #expect(channel.deadline == start + .seconds(1) + ClueChannel.releaseDelay)
        needs.value = [camera]
        #expect(channel.reconfigure(now: start + .milliseconds(1500)).messages.isEmpty)
        #expect(channel.timerFired(now: start + .seconds(4)).messages.isEmpty)

        // Not needed and staying so: released when the delay has passed, not before.
        needs.value = []
        #expect(channel.reconfigure(now: start + .seconds(5)).messages.isEmpty)
        #expect(channel.timerFired(now: start + .seconds(6)).messages.isEmpty)
        let released = try Self.messages(channel.timerFired(now: start + .seconds(7)))
        guard case .configure(let configure) = released.first else {
            Issue.record("no releasing configure: \(released)")
            return
        }
        #expect(configure.captureEncodings == nil || configure.captureEncodings?.isEmpty == true)
    }

    /// Unreadable documents: a configure that is not XML is answered 301 on the provider's stream when its
    /// sequence number can be read; garbage without one is dropped, never crashes, never answered out of stream.
    @Test func unreadableMessagesGetBadSyntax() throws {
        var (_, channel, answer) = try negotiate()
        guard case .advertisement(let advertisement) = answer.last else { return }
        let broken = Array("""
            <configure xmlns="urn:ietf:params:xml:ns:clue-protocol" protocol="CLUE" v="1.0">\
            <clueId>EP</clueId><sequenceNr>77</sequenceNr><advSequenceNr>1</advSequenceNr><unclosed>
            """.utf8)
        let responses = try Self.messages(channel.receive(broken, now: start))
        guard case .configureResponse(let response) = responses.first else {
            Issue.record("no configureResponse: \(responses)")
            return
        }
        #expect(response.status.code == 301)
        #expect(response.configureSequenceNumber == 77)
        #expect(response.header.sequenceNumber == advertisement.header.sequenceNumber + 1)
        // An advertisement whose content is invalid is NACKed (ack with the error) under its own number.
        let badAdvertisement = Array("""
            <advertisement xmlns="urn:ietf:params:xml:ns:clue-protocol" protocol="CLUE" v="1.0">\
            <clueId>EP</clueId><sequenceNr>500</sequenceNr><mediaCaptures/></advertisement>
            """.utf8)
        let nack = try Self.messages(channel.receive(badAdvertisement, now: start))
        guard case .ack(let ack) = nack.first else {
            Issue.record("no ack: \(nack)")
            return
        }
        #expect(ack.advertisementSequenceNumber == 500 && (300...399).contains(ack.status.code), "\(ack.status)")
        for garbage in [[UInt8](), Array("not xml at all".utf8), Array("<!DOCTYPE x><x/>".utf8),
                        [UInt8](repeating: 0xFF, count: 300)] {
            let output = channel.receive(garbage, now: start)
            #expect(output.messages.isEmpty)
            #expect(output.notes.contains { if case .refused = $0 { true } else { false } })
        }
    }

    /// The sniffers read the root's local name and the first sequenceNr, and nothing from other elements.
    @Test func sniffsRootAndSequenceNumber() {
        let text = Array("<?xml version=\"1.0\"?><!-- x --><p:advertisement><advSequenceNr>5</advSequenceNr>"
            .utf8) + Array("<p:sequenceNr>12</p:sequenceNr>".utf8)
        #expect(ClueChannel.rootName(of: text) == "advertisement")
        #expect(ClueChannel.sequenceNumber(in: text) == 12)
        #expect(ClueChannel.sequenceNumber(in: Array("<a><sequenceNr>x</sequenceNr>".utf8)) == nil)
        #expect(ClueChannel.rootName(of: Array("<".utf8)) == nil)
        #expect(ClueChannel.rootName(of: Array("no markup".utf8)) == nil)
    }
}
