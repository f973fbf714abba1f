import CLUEModel
import CLUEProtocol
import CLibXML2
import Foundation

// Measures the CLUE XML pipeline on the largest RFC example against libxml2's bare parse of the same bytes,
// measured in the same run: the ratios say what our hardening, tree copy, decoding and writing cost on top of
// the parser we cannot avoid. Run: `make bench` (release build).

struct Measurement {
    let name: String
    let nanosecondsPerOperation: Double
}

func measure(_ name: String, iterations: Int, _ body: () throws -> Void) rethrows -> Measurement {
    for _ in 0..<max(1, iterations / 10) { try body() }  // warm-up
    var best = Double.infinity
    for _ in 0..<5 {
        let start = ContinuousClock.now
        for _ in 0..<iterations { try body() }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        best = min(best, seconds * 1e9 / Double(iterations))
    }
    return Measurement(name: name, nanosecondsPerOperation: best)
}

let arguments = CommandLine.arguments.dropFirst()
let path = arguments.first ?? "Tests/CLUEModelTests/Fixtures/rfc/rfc8847-msg6-advertisement.xml"
let iterations = arguments.dropFirst().first.flatMap(Int.init) ?? 2000
let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
let document = try CLUEDocument(xml: bytes)
let tree = try XMLReader.parse(bytes)
let text = try document.xml()

xmlInitParser()
let baseline = measure("libxml2 xmlReadMemory + xmlFreeDoc (baseline)", iterations: iterations) {
    bytes.withUnsafeBufferPointer { buffer in
        buffer.withMemoryRebound(to: CChar.self) { chars in
            let doc = xmlReadMemory(chars.baseAddress, Int32(chars.count), nil, "UTF-8",
                                    Int32(XML_PARSE_NONET.rawValue))
            xmlFreeDoc(doc)
        }
    }
}
let results = [
    baseline,
    try measure("XMLReader.parse (hardened parse + tree)", iterations: iterations) {
        _ = try XMLReader.parse(bytes)
    },
    try measure("CLUEDocument(element:) (decode tree)", iterations: iterations) {
        _ = try CLUEDocument(element: tree)
    },
    try measure("CLUEDocument(xml:) (read + decode)", iterations: iterations) {
        _ = try CLUEDocument(xml: bytes)
    },
    try measure("CLUEDocument.xml() (encode + write)", iterations: iterations) {
        _ = try document.xml()
    },
    try measure("SchemaValidator.validate (written text)", iterations: max(1, iterations / 4)) {
        _ = try SchemaValidator.clueProtocol.validate(text)
    },
]

print("document: \(path) (\(bytes.count) bytes), \(iterations) iterations, best of 5")
for result in results {
    let micro = String(format: "%9.1f", result.nanosecondsPerOperation / 1000)
    let ratio = String(format: "%6.2f", result.nanosecondsPerOperation / baseline.nanosecondsPerOperation)
    print("\(micro) µs/op  \(ratio)x baseline  \(result.name)")
}
