import CLUEModel
import CLUEProtocol
import DataChannel
import Foundation
import SecureTransport
import Testing

/// The whole CLUE transport stack in one process: DTLS (bridge as server, bound to fingerprints), SCTP over the
/// DTLS records, and the RFC 8847 initiation and advertisement exchange on the dcmap stream, with the bridge's cores
/// on one side and the same cores playing the endpoint on the other, over a network that loses datagrams.
@Suite(.serialized) struct ClueOverDTLSTests {
    /// One end: DTLS session, SCTP association, CLUE participant machine.
    final class End: @unchecked Sendable {
        let dtls: DTLSSession
        let sctp: SCTPAssociation
        var clue: ParticipantStateMachine
        var received: [ClueMessage] = []
        var sctpConnected = false
        let timerOutput = LockedPackets()

        init(dtls: DTLSSession, role: ParticipantStateMachine.ChannelRole) throws {
            self.dtls = dtls
            sctp = try SCTPAssociation(configuration: SCTPConfiguration(clueStream: 3))
            var generator = SystemRandomNumberGenerator()
            clue = ParticipantStateMachine(configuration: .init(
                channelRole: role,
                capabilities: ClueCapabilities(roles: ClueRoles(mediaProvider: true, mediaConsumer: true)),
                initialSequenceNumbers: .random(using: &generator)))
            sctp.asynchronousOutput = { [timerOutput] output in timerOutput.append(output) }
        }
    }

    final class LockedPackets: @unchecked Sendable {
        private let lock = NSLock()
        private var outputs: [SCTPOutput] = []
        func append(_ output: SCTPOutput) { lock.withLock { outputs.append(output) } }
        func take() -> [SCTPOutput] { lock.withLock { defer { outputs = [] }; return outputs } }
    }

    static let advertisement = Advertisement(
        mediaCaptures: [MediaCapture(captureID: "VC0", kind: .video, captureSceneID: "CS1", encodingGroupID: "EG0")],
        encodingGroups: [EncodingGroup(encodingGroupID: "EG0", maxGroupBandwidth: 4_000_000, encodingIDs: ["ENC0"])],
        captureScenes: [CaptureScene(sceneID: "CS1", scale: .noScale)])

    /// Every 6th datagram is lost in both directions; the handshake, the association and the CLUE exchange all
    /// complete anyway, and every message arrives once, in order, schema-valid.
    @Test func clueExchangeSurvivesLoss() throws {
        let bridgeCertificate = try Certificate.generateSelfSigned(commonName: "bridge")
        let endpointCertificate = try Certificate.generateSelfSigned(commonName: "endpoint")
        let bridge = try End(dtls: DTLSSession(
            context: DTLSContext(configuration: DTLSConfiguration(certificate: bridgeCertificate)), role: .server,
            expectedPeerFingerprints: [endpointCertificate.fingerprint(.sha256)]), role: .receiver)
        let endpoint = try End(dtls: DTLSSession(
            context: DTLSContext(configuration: DTLSConfiguration(certificate: endpointCertificate)), role: .client,
            expectedPeerFingerprints: [bridgeCertificate.fingerprint(.sha256)]), role: .initiator)

        var now = ContinuousClock.now
        var wire: [(bytes: [UInt8], toBridge: Bool, at: ContinuousClock.Instant)] = []
        var sent = 0
        var dropped = 0
        func put(_ datagrams: [[UInt8]], toBridge: Bool) {
            for datagram in datagrams {
                sent += 1
                if sent % 6 == 0 {
                    dropped += 1
                    continue
                }
                wire.append((datagram, toBridge, now + .milliseconds(15)))
            }
        }
        func carry(_ output: SCTPOutput, from end: End) throws {
            for packet in output.packets { put(try end.dtls.send(packet, now: now).datagrams, toBridge: end === endpoint) }
            for event in output.events {
                switch event {
                case .connected:
                    end.sctpConnected = true
                    _ = end.clue.startChannel()
                    try carry(end.clue.channelEstablished(now: now), from: end)
                case .message(let stream, let ppid, let data):
                    #expect(stream == 3 && ppid == PayloadProtocolIdentifier.string)
                    guard case .message(let message) = try CLUEDocument(xml: data) else { continue }
                    end.received.append(message)
                    try carry(end.clue.receive(message), from: end)
                default:
                    break
                }
            }
        }
        func carry(_ actions: [ClueAction], from end: End) throws {
            for action in actions {
                switch action {
                case .send(let message):
                    try carry(end.sctp.send(Array(message.xml().utf8), stream: 3, ppid: PayloadProtocolIdentifier.string),
                              from: end)
                case .deliver(.negotiated(let negotiated)) where negotiated.runsMediaProvider:
                    try carry(end.clue.sendAdvertisement(Self.advertisement), from: end)
                case .deliver(.advertisementReceived):
                    try carry(end.clue.sendAck(), from: end)
                default:
                    break
                }
            }
        }
        func absorb(_ output: DTLSOutput, at end: End) throws {
            put(output.datagrams, toBridge: end === endpoint)
            if output.events.contains(where: { if case .connected = $0 { true } else { false } }) {
                try carry(end.sctp.start(), from: end)
            }
            for record in output.applicationData { try carry(end.sctp.receive(record), from: end) }
        }

        try absorb(endpoint.dtls.start(now: now), at: endpoint)
        let done = { bridge.received.count >= 3 && endpoint.received.count >= 3 }
        let deadline = now + .seconds(120)
        var lastTick = now
        while !done() && now < deadline {
            let next = [wire.map(\.at).min(), bridge.dtls.nextTimeout(now: now), endpoint.dtls.nextTimeout(now: now),
                        lastTick + .milliseconds(10)].compactMap { $0 }.min()!
            now = max(now, next)
            let due = wire.filter { $0.at <= now }
            wire.removeAll { $0.at <= now }
            for datagram in due {
                let end = datagram.toBridge ? bridge : endpoint
                try absorb(end.dtls.handleDatagram(datagram.bytes, now: now), at: end)
            }
            for end in [bridge, endpoint] {
                if let timeout = end.dtls.nextTimeout(now: now), timeout <= now {
                    try absorb(end.dtls.handleTimeout(now: now), at: end)
                }
            }
            if now - lastTick >= .milliseconds(10) {
                SCTPStack.handleTimers(elapsedMilliseconds: UInt32((now - lastTick) / .milliseconds(1)))
                lastTick = now
                usleep(200)  // usrsctp compares retransmission age with wall-clock RTT
                for end in [bridge, endpoint] { for output in end.timerOutput.take() { try carry(output, from: end) } }
            }
        }
        #expect(done(), "bridge got \(bridge.received.map(\.elementName)), endpoint \(endpoint.received.map(\.elementName))")
        #expect(dropped > 0, "the network lost nothing: the test proves nothing about loss")
        #expect(bridge.received.map(\.elementName).prefix(3) == ["options", "advertisement", "ack"])
        #expect(endpoint.received.map(\.elementName).prefix(3) == ["optionsResponse", "advertisement", "ack"])
        #expect(bridge.clue.state == .active && endpoint.clue.state == .active)
        #expect(bridge.clue.provider?.state == .waitForConf)
    }
}
