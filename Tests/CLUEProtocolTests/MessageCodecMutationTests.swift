import Testing

@testable import CLUEModel
@testable import CLUEProtocol
import TestSupport

private let interestingTexts = [
    "", " ", "0", "-0", "+1", "1", "-1", "65536", "4294967296", "18446744073709551616", "true", "1.5", ".5", "1e3",
    "abc", "a b", "x:y", "_ok", "VC0", "AC0", "CS1", "SE1", "EG0", "alice", "en", "en_US", "SoundLevel:0", "2.7",
    "200", "099", "static", "mm", "カメラ", "x⁰", "%zz", "urn:x",
]

private let namespaces: [String?] = [nil, XMLNamespace.clueInfo, XMLNamespace.clueProtocol, "urn:mutant",
                                     XMLNamespace.xCard]

/// Applies one random structural or value change somewhere in the tree.
private func mutate(_ element: inout XMLElement, using random: inout SplitMix64, depth: Int = 0) {
    let childIndices = element.children.indices.filter { if case .element = element.children[$0] { true } else { false } }
    if !childIndices.isEmpty && Int.random(in: 0..<4, using: &random) != 0 && depth < 12 {
        let index = childIndices.randomElement(using: &random)!
        guard case .element(var child) = element.children[index] else { return }
        mutate(&child, using: &random, depth: depth + 1)
        element.children[index] = .element(child)
        return
    }
    switch Int.random(in: 0..<9, using: &random) {
    case 0 where !childIndices.isEmpty:
        element.children.remove(at: childIndices.randomElement(using: &random)!)
    case 1 where !childIndices.isEmpty:
        let index = childIndices.randomElement(using: &random)!
        element.children.insert(element.children[index], at: index)
    case 2 where childIndices.count > 1:
        let a = childIndices.randomElement(using: &random)!
        let b = childIndices.randomElement(using: &random)!
        element.children.swapAt(a, b)
    case 3:
        element.children = [.text(interestingTexts.randomElement(using: &random)!)]
    case 4 where !element.attributes.isEmpty:
        let index = element.attributes.indices.randomElement(using: &random)!
        element.attributes[index].value = interestingTexts.randomElement(using: &random)!
    case 5 where !element.attributes.isEmpty:
        element.attributes.remove(at: element.attributes.indices.randomElement(using: &random)!)
    case 6:
        element.name.namespace = namespaces.randomElement(using: &random)!
    case 7:
        element.schemaType = [nil, XMLName("videoCaptureType"), XMLName("audioCaptureType", namespace: "urn:mutant"),
                              XMLName("otherCaptureType", namespace: XMLNamespace.clueInfo)]
            .randomElement(using: &random)!
    default:
        element.attributes.append(XMLAttribute(XMLName(["a", "captureID", "lang"].randomElement(using: &random)!,
                                                       namespace: namespaces.randomElement(using: &random)!),
                                               interestingTexts.randomElement(using: &random)!))
    }
}

@Suite struct MessageCodecMutationTests {
    /// Thousands of mutated fixture trees: whatever decodes either is refused by the encoder or writes text that
    /// reads back to the same value and is schema-valid. Nothing crashes.
    @Test func mutatedFixturesKeepTheRoundTripProperty() throws {
        let fixtures = MessageCodecFixtures.messages + MessageCodecFixtures.files(in: "rfc") { $0.hasPrefix("rfc8846") }
            + MessageCodecFixtures.files(in: "unseen") { $0.hasPrefix("clueInfo") }
        let trees = try fixtures.map { try XMLReader.parse(MessageCodecFixtures.bytes($0)) }
        var random = SplitMix64(seed: 0xC1E0)
        var decoded = 0
        var written = 0
        for round in 0..<2000 {
            var tree = trees[round % trees.count]
            for _ in 0..<Int.random(in: 1...3, using: &random) { mutate(&tree, using: &random) }
            guard let document = try? CLUEDocument(element: tree) else { continue }
            decoded += 1
            guard let element = try? document.element() else { continue }
            written += 1
            let text = try CLUEDocument.writer(rootNamespace: document.rootNamespace).string(element)
            let again = try CLUEDocument(element: XMLReader.parse(text))
            #expect(again == document, "round \(round)\n\(text)")
            let validator = try #require(SchemaValidator.forRootNamespace(document.rootNamespace))
            let violations = try validator.validate(text)
            #expect(violations.isEmpty, "round \(round): \(violations)\n\(text)")
            if again != document || !violations.isEmpty { break }
        }
        // The mutations must leave enough documents decodable for the property to mean something.
        #expect(decoded > 200 && written > 150, "decoded \(decoded), written \(written)")
    }
}
