import Foundation
import SDP
import Testing

/// Replays the committed fuzz corpus (Fuzz/corpus/sdp) through the same properties as
/// `FuzzTargets.sessionDescription`, so that the corpus is exercised by `swift test --filter SDPTests` too.
@Suite struct CorpusReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fuzz/corpus/sdp").standardized

    static func inputs() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: corpus.path).filter { !$0.hasPrefix(".") }.sorted()
    }

    static let unlimited = SDPLimits(maxBytes: 1 << 24, maxLines: 1 << 20, maxLineLength: 1 << 20,
                                     maxMediaDescriptions: 1 << 12)

    static func roundTrips(_ description: SessionDescription) throws -> Bool {
        try SessionDescription(parsing: description.text, limits: unlimited) == description
    }

    /// The corpus is there, with CLUE offers, browser offers, phone offers, malformed and huge inputs.
    @Test func corpusIsPresent() throws {
        let names = try Self.inputs()
        #expect(names.count >= 25)
        for prefix in ["rfc8848-", "aiortc-", "chrome-", "phone-", "mal-", "huge-"] {
            #expect(names.contains { $0.hasPrefix(prefix) }, "\(prefix)")
        }
    }

    /// Each input parses and round-trips, or is refused with a typed error; answering it, re-offering from the
    /// answer and reading an unfit answer never trap, and everything the bridge writes round-trips.
    @Test(arguments: try inputs())
    func replay(name: String) throws {
        let data = try Data(contentsOf: Self.corpus.appendingPathComponent(name))
        let description: SessionDescription
        do {
            description = try SessionDescription(parsing: Array(data))
        } catch {
            #expect(error.sipRejection.statusCode == 400 || error.sipRejection.statusCode == 488)
            #expect(name.hasPrefix("mal-") || name.hasPrefix("huge-"), "refused: \(error)")
            return
        }
        #expect(!name.hasPrefix("mal-"), "a malformed input parsed")
        #expect(try Self.roundTrips(description))
        let configurations = [Fixture.configuration(),
                              Fixture.configuration(allowPlainRTP: true, clueEnabled: false,
                                                    codecs: [.pcmu, .telephoneEvent, .vp8])]
        for configuration in configurations {
            guard let session = try? OfferAnswer.answer(
                to: description, configuration: configuration, sessionID: 1,
                localEncodings: [LocalEncoding(label: "enc1", kind: .video, ssrc: 1)]) else { continue }
            #expect(try Self.roundTrips(session.local))
            let pending = session.offer(adding: [.clueEncoding(LocalEncoding(label: "enc2", kind: .video)),
                                                 .clueReceiver(kind: .audio)],
                                        configuration: configuration)
            #expect(try Self.roundTrips(pending.description))
            _ = try? pending.applying(answer: description)
        }
    }
}
