import CLUEFuzzing
import Foundation
import Testing

/// Replays every committed fuzz input (seeds and past crash reproducers) through its fuzz property, so a finding
/// stays fixed. A violated property stops the test process.
@Suite struct FuzzCorpusTests {
    static let corpora = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fuzz/corpus").standardized

    struct Input: CustomTestStringConvertible, Sendable {
        let target: String
        let file: String
        var testDescription: String { "\(target)/\(file)" }
    }

    static func inputs() -> [Input] {
        let manager = FileManager.default
        let targets = ((try? manager.contentsOfDirectory(atPath: corpora.path)) ?? []).sorted()
        return targets.flatMap { target in
            ((try? manager.contentsOfDirectory(atPath: corpora.appendingPathComponent(target).path)) ?? [])
                .filter { !$0.hasPrefix(".") }.sorted().map { Input(target: target, file: $0) }
        }
    }

    /// Every corpus folder belongs to a fuzz property, and every property has a corpus of some size.
    @Test func corporaMatchProperties() throws {
        let folders = Set(try FileManager.default.contentsOfDirectory(atPath: Self.corpora.path))
        #expect(folders == Set(FuzzTargets.all.keys))
        for name in FuzzTargets.all.keys {
            #expect(Self.inputs().filter { $0.target == name }.count >= 20, "corpus \(name) is too small")
        }
    }

    /// Each corpus input satisfies its property (refused or accepted without a crash; whatever is accepted
    /// round-trips).
    @Test(arguments: inputs())
    func replay(input: Input) throws {
        let property = try #require(FuzzTargets.all[input.target])
        let data = try Data(contentsOf: Self.corpora.appendingPathComponent(input.target)
            .appendingPathComponent(input.file))
        data.withUnsafeBytes { raw in property(raw.bindMemory(to: UInt8.self)) }
    }
}
