// swift-tools-version: 6.1
import PackageDescription

// C libraries come from Debian's -dev packages through pkg-config (see Makefile `deps`).

/// The media hot path (Bridge, MediaSecurity, RTP) leaves out Swift's run-time exclusivity checks in release builds:
/// on the forwarding path they cost about a tenth of the bridge's own (user-space) time per packet. The compiler
/// still checks exclusivity statically, and debug builds, which every test runs, keep the run-time checks.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "clue-mcu",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "clue-mcu", targets: ["clue-mcu"]),
        .library(name: "CLUEModel", targets: ["CLUEModel"]),
        .library(name: "CLUEProtocol", targets: ["CLUEProtocol"]),
        .library(name: "CLUEFuzzing", targets: ["CLUEFuzzing"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
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
                exclude: ["README.md", "Schemas/README.md", "Schemas/clue-info.xsd",
                          "Schemas/clue-protocol.xsd", "Schemas/vcard-4.0.xsd"]),
        .target(name: "CLUEProtocol", dependencies: ["CLUEModel"], exclude: ["README.md"]),

        // Signaling (sans-IO cores).
        .target(name: "SIP", exclude: ["README.md"]),
        .target(name: "SDP", exclude: ["README.md"]),
        // TLS/DTLS over OpenSSL memory BIOs, the bridge's certificate and fingerprints.
        .target(name: "SecureTransport", dependencies: ["COpenSSL"], exclude: ["README.md"]),

        // STUN (RFC 8489), the ICE-lite agent and consent freshness, the RFC 7983 demultiplexer.
        .target(name: "ICE", dependencies: ["COpenSSL"], exclude: ["README.md"]),
        // AES-NI rounds and GHASH for SRTP's AES-GCM and AES-CM; libcrypto for OPENSSL_cleanse and CRYPTO_memcmp.
        .target(name: "CSRTPCipher", linkerSettings: [.linkedLibrary("crypto")]),
        // SRTP/SRTCP over OpenSSL's libcrypto; libsrtp2 only as the reference the tests check it against.
        .target(name: "MediaSecurity", dependencies: ["COpenSSL", "CSRTPCipher", "CSRTP", "SecureTransport"],
                exclude: ["README.md"], swiftSettings: hotPath),

        // SCTP over DTLS with usrsctp in AF_CONN mode; the CLUE data channel (RFC 8850).
        .target(name: "DataChannel", dependencies: ["CUsrsctp"]),

        // RTP/RTCP headers read in place, reception statistics (RFC 3550).
        .target(name: "RTP", swiftSettings: hotPath),

        // The conference as a function of what participants said (RFC 8845 sections 12.1.3, 12.3): per-participant
        // advertisements, the configures the bridge sends, switching policies and the routing plan. Pure.
        .target(name: "Conference", dependencies: ["CLUEModel", "CLUEProtocol"], exclude: ["README.md"]),

        // Media processing over libavcodec/libswscale: the audio mixer, later the video compositor.
        .target(name: "Media", dependencies: ["CFFmpeg", "RTP"], exclude: ["README.md"]),

        // recvmmsg/sendmmsg need _GNU_SOURCE, which Swift's Glibc module does not define.
        .target(name: "CSocketBatch"),

        // The Dispatch driver: sockets, timers, configuration, session wiring.
        .target(name: "Bridge", dependencies: [
            "CSocketBatch",
            "SIP", "SDP", "SecureTransport", "ICE", "MediaSecurity", "DataChannel", "RTP", "Media", "Conference", "CLUEProtocol", "CLUEModel",
            .product(name: "Yams", package: "Yams"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "FlyingFox", package: "FlyingFox"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], exclude: ["README.md", "Admin/openapi.yaml"], swiftSettings: hotPath),

        // Properties checked by the fuzzers (Fuzz/) and replayed over the committed corpora by the tests.
        .target(name: "CLUEFuzzing", dependencies: ["CLUEModel", "CLUEProtocol", "SIP", "SDP", "ICE", "RTP", "DataChannel",
                                                   "Media"]),

        .executableTarget(name: "clue-mcu", dependencies: [
            "CLUEModel", "CLUEProtocol", "NativeLibraries", "Bridge",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // What several test targets share (a seeded generator).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "CLUEModelTests", dependencies: ["CLUEModel"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "CLUEProtocolTests", dependencies: ["CLUEProtocol", "CLUEModel", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["CLUEModel", "CLUEProtocol"]),
        .testTarget(name: "FuzzCorpusTests", dependencies: ["CLUEFuzzing"]),
        .testTarget(name: "SIPTests", dependencies: ["SIP"]),
        .testTarget(name: "SDPTests", dependencies: ["SDP"]),
        .testTarget(name: "SecureTransportTests", dependencies: ["SecureTransport"]),
        .testTarget(name: "BridgeTests", dependencies: ["Bridge"], exclude: ["sipp", "peers"]),
        .testTarget(name: "ICETests", dependencies: ["ICE"]),
        .testTarget(name: "MediaSecurityTests",
                    dependencies: ["MediaSecurity", "CSRTPCipher", "COpenSSL", "TestSupport"]),
        .testTarget(name: "RTPTests", dependencies: ["RTP", "TestSupport"]),
        .testTarget(name: "MediaTests", dependencies: ["Media", "TestSupport"]),
        .testTarget(name: "ConferenceTests", dependencies: ["Conference", "CLUEModel", "CLUEProtocol"]),
        .testTarget(name: "DataChannelTests", dependencies: ["DataChannel", "TestSupport"]),
        .testTarget(name: "TransportStackTests", dependencies: ["ICE", "SecureTransport", "MediaSecurity",
                                                                "DataChannel", "CLUEProtocol", "CLUEModel"]),

        // Benchmarks/: `make bench`.
        .executableTarget(name: "clue-bench", dependencies: ["CLUEModel", "CLUEProtocol", "CLibXML2"],
                          path: "Benchmarks/clue-bench"),
        .executableTarget(name: "session-bench",
                          dependencies: ["ICE", "SecureTransport", "MediaSecurity", "DataChannel", "CLUEProtocol",
                                         "CLUEModel"],
                          path: "Benchmarks/session-memory"),
        // The media plane's forwarding against a C relay built by the benchmark (relay.c, loadgen.c: gcc).
        .executableTarget(name: "forward-bench", dependencies: ["Bridge", "MediaSecurity", "SecureTransport"],
                          path: "Benchmarks/forward-bench", exclude: ["relay.c", "loadgen.c", "README.md"]),
        // SRTP protect/unprotect per packet, OpenSSL EVP against the AES-NI code.
        .executableTarget(name: "srtp-bench", dependencies: ["MediaSecurity", "SecureTransport"],
                          path: "Benchmarks/srtp-bench"),
        .executableTarget(name: "mixer-bench", dependencies: ["Media"], path: "Benchmarks/mixer-bench"),
        .executableTarget(name: "compose-bench", dependencies: ["Media"], path: "Benchmarks/compose-bench"),
    ],
    swiftLanguageModes: [.v6]
)
