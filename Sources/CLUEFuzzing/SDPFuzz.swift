import SDP

extension FuzzTargets {
    /// Configurations the answerer runs with on fuzzed offers: a strict CLUE room, and a lenient room without
    /// CLUE that takes plain RTP.
    static let sdpConfigurations: [OfferAnswerConfiguration] = {
        let fingerprint = Fingerprint(hashFunction: .sha256, digest: Array(0..<32))
        let ice = ICECredentials(usernameFragment: "fuzz", password: "fuzzpasswordfuzzpassword")
        return [
            OfferAnswerConfiguration(mediaAddress: "192.0.2.1", mediaPort: 10000, ice: ice, fingerprint: fingerprint),
            OfferAnswerConfiguration(mediaAddress: "2001:db8::1", mediaPort: 10000, ice: ice, fingerprint: fingerprint,
                                codecs: [.pcmu, .telephoneEvent, .vp8], h264MaxLevel: .level1b, allowPlainRTP: true,
                                clueEnabled: false),
        ]
    }()

    /// Arbitrary bytes read as an SDP body. Whatever parses must write and parse back to an equal value.
    /// Answering it must not trap, and whatever the bridge writes (its answer, its next offer) must itself parse
    /// back to what it wrote; an answer that does not fit the bridge's offer must be refused, not trap.
    public static func sessionDescription(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let description = try? SessionDescription(parsing: bytes) else { return }
        requireRoundTrip(description, "parsed description")
        for configuration in sdpConfigurations {
            guard let session = try? OfferAnswer.answer(
                to: description, configuration: configuration, sessionID: 1,
                localEncodings: [LocalEncoding(label: "enc1", kind: .video, ssrc: 1)]) else { continue }
            requireRoundTrip(session.local, "answer")
            let pending = session.offer(adding: [.clueEncoding(LocalEncoding(label: "enc2", kind: .video)),
                                                 .clueReceiver(kind: .audio)],
                                        removing: Set(session.media.prefix(1).compactMap(\.mid)),
                                        configuration: configuration)
            requireRoundTrip(pending.description, "re-offer")
            // The peer's own offer standing in for an answer: usually unfit, never a crash.
            _ = try? pending.applying(answer: description)
            // A re-offer of the same description answers without trapping too.
            _ = try? OfferAnswer.answer(to: description, configuration: configuration, sessionID: 1,
                                        previous: session)
        }
    }

    /// The bridge's own output is read back without the limits it applies to peers: a re-offer may grow past
    /// them, and that is for the conference to avoid, not for this property to flag.
    static let unlimited = SDPLimits(maxBytes: 1 << 24, maxLines: 1 << 20, maxLineLength: 1 << 20,
                                     maxMediaDescriptions: 1 << 12)

    static func requireRoundTrip(_ description: SessionDescription, _ what: String) {
        let text = description.text
        let again: SessionDescription
        do {
            again = try SessionDescription(parsing: Array(text.utf8), limits: unlimited)
        } catch {
            fatalError("\(what) does not parse back: \(error)\n\(text)")
        }
        guard again == description else {
            fatalError("\(what) changed in a round trip:\n\(text)")
        }
    }
}
