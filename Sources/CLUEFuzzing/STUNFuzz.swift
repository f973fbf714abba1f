import ICE

extension FuzzTargets {
    /// The credentials the fuzzed agent runs with; the seed corpus signs its valid checks with them.
    static let stunConfiguration = ICELiteConfiguration(
        localUsernameFragment: "fuzz", localPassword: "fuzzpasswordfuzzpassword",
        remoteUsernameFragment: "peer", remotePassword: "peerpasswordpeerpassword", consentTimeout: .seconds(30))

    /// Arbitrary bytes read as one STUN datagram. Whatever parses must serialize, parse back to an equal message
    /// and serialize to the same bytes again; re-signed it must verify; the zero-copy USERNAME lookup must agree
    /// with the parsed message. An ICE-lite agent fed the bytes must not trap, and whatever it sends must be a
    /// well-formed response to the same transaction with a valid FINGERPRINT (and valid integrity on success).
    public static func stunMessage(_ bytes: UnsafeBufferPointer<UInt8>) {
        let raw = UnsafeRawBufferPointer(bytes)
        if let message = try? STUNMessage(parsing: raw) {
            checkRoundTrip(message)
            // RFC 7983 leaves STUN only the first bytes 0-3, which every method below 0x400 (Binding) fits.
            if message.type.method == .binding, MediaDemultiplexer.classify(raw) != .stun {
                fatalError("parsed Binding message not classified as STUN")
            }
            if message.type == .bindingRequest,
               STUNMessage.localUsernameFragment(in: raw) != message.localUsernameFragment {
                fatalError("USERNAME lookup disagrees with the parsed message")
            }
        }
        _ = STUNIntegrity.verifyFingerprint(raw)
        _ = STUNIntegrity.verifyMessageIntegritySHA256(raw, key: Array("fuzz".utf8))
        checkAgent(raw)
    }

    private static func checkRoundTrip(_ message: STUNMessage) {
        let written = message.serialized()
        let again: STUNMessage
        do {
            again = try STUNMessage(parsing: written)
        } catch {
            fatalError("written STUN message does not parse: \(error)\n\(written)")
        }
        guard again == message else { fatalError("STUN round trip changed the message:\n\(message)\n\(again)") }
        guard again.serialized() == written else { fatalError("STUN serialization is not stable") }
        let key = Array(stunConfiguration.localPassword.utf8)
        let signed = message.serialized(integrityKey: key, fingerprint: true)
        signed.withUnsafeBytes { buffer in
            guard (try? STUNMessage(parsing: buffer)) != nil,
                  STUNIntegrity.verifyMessageIntegrity(buffer, key: key) == .valid,
                  STUNIntegrity.verifyFingerprint(buffer) == .valid else {
                fatalError("a message signed here does not verify:\n\(message)")
            }
        }
    }

    private static func checkAgent(_ raw: UnsafeRawBufferPointer) {
        let start = ContinuousClock.Instant.now
        let source = TransportAddress(ip: .v4(192, 0, 2, 9), port: 40_000)
        var agent = ICELiteAgent(configuration: stunConfiguration, now: start)
        for round in 0..<2 {
            let now = start.advanced(by: .seconds(round * 10))
            for action in agent.receive(raw, from: source, now: now) {
                guard case .send(let datagram, let destination) = action else { continue }
                guard destination == source else { fatalError("agent answered another address") }
                checkResponse(datagram, to: raw)
            }
        }
        _ = agent.timeout(now: start.advanced(by: .seconds(31)))
        guard agent.nextDeadline == nil || !agent.consentExpired else { fatalError("expired agent still has a deadline") }
    }

    private static func checkResponse(_ datagram: [UInt8], to request: UnsafeRawBufferPointer) {
        datagram.withUnsafeBytes { buffer in
            guard let response = try? STUNMessage(parsing: buffer),
                  response.type.messageClass == .successResponse || response.type.messageClass == .errorResponse,
                  STUNIntegrity.verifyFingerprint(buffer) == .valid else {
                fatalError("agent sent a malformed response: \(datagram)")
            }
            guard response.serialized() == datagram else { fatalError("agent response does not re-encode") }
            if response.type.messageClass == .successResponse,
               STUNIntegrity.verifyMessageIntegrity(buffer, key: Array(stunConfiguration.localPassword.utf8))
                != .valid {
                fatalError("agent success response fails its own integrity")
            }
            let requestID = Array(UnsafeRawBufferPointer(rebasing: request[8..<20]))
            guard response.transactionID.bytes == requestID else { fatalError("response to another transaction") }
        }
    }
}
