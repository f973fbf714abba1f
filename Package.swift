// swift-tools-version: 6.1
import PackageDescription

// C libraries come from Debian's -dev packages through pkg-config (see Makefile `deps`).
let package = Package(
    name: "clue-mcu",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "clue-mcu", targets: ["clue-mcu"]),
        .library(name: "CLUEModel", targets: ["CLUEModel"]),
        .library(name: "CLUEProtocol", targets: ["CLUEProtocol"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries. Each module map includes only what its wrapper needs.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0",
                       providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSRTP", pkgConfig: "libsrtp2",
                       providers: [.apt(["libsrtp2-dev"])]),
        // usrsctp's .pc only adds -DINET -DINET6, which SwiftPM refuses; the shim defines them.
        .systemLibrary(name: "CUsrsctp", providers: [.apt(["libusrsctp-dev"])]),
        .systemLibrary(name: "CFFmpeg", pkgConfig: "libavcodec",
                       providers: [.apt(["libavcodec-dev", "libswscale-dev", "libavutil-dev"])]),

        // Proves at build time that every C library links, and reports their versions.
        .target(name: "NativeLibraries",
                dependencies: ["CLibXML2", "COpenSSL", "CSRTP", "CUsrsctp", "CFFmpeg"]),

        .target(name: "CLUEModel", dependencies: ["CLibXML2"],
                exclude: ["Schemas/README.md", "Schemas/clue-info.xsd",
                          "Schemas/clue-protocol.xsd", "Schemas/vcard-4.0.xsd"]),
        .target(name: "CLUEProtocol", dependencies: ["CLUEModel"]),

        .executableTarget(name: "clue-mcu", dependencies: [
            "CLUEModel", "CLUEProtocol", "NativeLibraries",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "CLUEModelTests", dependencies: ["CLUEModel"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "CLUEProtocolTests", dependencies: ["CLUEProtocol", "CLUEModel"]),
        .testTarget(name: "CLITests", dependencies: ["CLUEModel"]),
    ],
    swiftLanguageModes: [.v6]
)
