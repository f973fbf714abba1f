// swift-tools-version: 6.1
import PackageDescription

// Built only by scripts/fuzz.sh, with -sanitize=fuzzer: libFuzzer supplies main(), so this executable cannot be
// part of the main package's normal build.
let package = Package(
    name: "clue-mcu-fuzz",
    dependencies: [.package(name: "clue-mcu", path: "..")],
    targets: [
        .executableTarget(
            name: "clue-fuzz",
            dependencies: [.product(name: "CLUEFuzzing", package: "clue-mcu")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
    ]
)
