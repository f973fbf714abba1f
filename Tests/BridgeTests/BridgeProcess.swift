import Foundation
import Testing

/// A `clue-mcu serve` process started by a test on loopback with its own configuration, ports and state folder.
final class BridgeProcess: @unchecked Sendable {
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("clue-mcu")
    static let sippScenarios = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("sipp")

    let directory: URL
    let sipPort: UInt16
    let tlsPort: UInt16
    let mediaPort: UInt16
    let adminPort: UInt16
    static let adminToken = "test-admin-token"
    let process = Process()
    let logURL: URL

    /// `extraYAML` is appended to a configuration with SIP on UDP+TCP (sipPort) and TLS (tlsPort), user alice/secret
    /// and the room `demo`.
    init(extraYAML: String = "", rooms: String? = nil, mediaYAML: String = "") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("clue-mcu-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        sipPort = try Self.freePort()
        tlsPort = try Self.freePort()
        mediaPort = try Self.freePort()
        adminPort = try Self.freePort()
        let config = """
            sip:
              listen: ["udp://127.0.0.1:\(sipPort)", "tcp://127.0.0.1:\(sipPort)", "tls://127.0.0.1:\(tlsPort)"]
              domain: bridge.test
            media:
              address: 127.0.0.1
              port: \(mediaPort)
              \(mediaYAML)
            auth:
              realm: bridge.test
              users: { alice: secret }
              # sipp answers only the first challenge and only with MD5.
              algorithms: [MD5, SHA-256]
            rooms:
            \(rooms ?? "  - id: demo")
            admin:
              listen: 127.0.0.1:\(adminPort)
              token: \(Self.adminToken)
            state: \(directory.path)/state.sqlite
            \(extraYAML)
            """
        let configURL = directory.appendingPathComponent("config.yaml")
        try config.write(to: configURL, atomically: true, encoding: .utf8)
        logURL = directory.appendingPathComponent("bridge.log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process.executableURL = Self.binary
        process.arguments = ["serve", "--config", configURL.path]
        process.standardError = try FileHandle(forWritingTo: logURL)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        try waitForLog(containing: "listening tls://", timeout: 20)
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    func waitForLog(containing text: String, timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if log.contains(text) { return }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw BridgeTestError("bridge log never showed '\(text)':\n\(log)")
    }

    /// SIGTERM, then waits for the exit status.
    func stop() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Runs one sipp scenario against the bridge; returns sipp's exit status and its error log.
    func sipp(_ scenario: String, transport: String = "u1", service: String = "demo", user: String = "alice",
              password: String = "secret", calls: Int = 1, rate: Int = 1, timeout: Int = 20) throws -> (Int32, String) {
        try startSipp(scenario, transport: transport, service: service, user: user, password: password, calls: calls,
                      rate: rate, timeout: timeout)()
    }

    /// Starts sipp and returns a function that waits for it and gives its exit status and error log.
    func startSipp(_ scenario: String, transport: String = "u1", service: String = "demo", user: String = "alice",
                   password: String = "secret", calls: Int = 1, rate: Int = 1,
                   timeout: Int = 20) throws -> () throws -> (Int32, String) {
        let sippProcess = Process()
        sippProcess.executableURL = URL(fileURLWithPath: "/usr/bin/sipp")
        let errorFile = directory.appendingPathComponent("sipp-\(UUID().uuidString).err")
        sippProcess.arguments = [
            "-sf", Self.sippScenarios.appendingPathComponent(scenario).path,
            "-s", service, "-au", user, "-ap", password,
            // sipp's digest uri defaults to remote_ip:port without the user part; the bridge checks it against the
            // Request-URI (RFC 7616 section 3.4.6), so give it the real one.
            "-auth_uri", "\(service)@127.0.0.1:\(sipPort)",
            "-m", String(calls), "-r", String(rate), "-l", String(max(1, rate)),
            "-t", transport, "-i", "127.0.0.1", "-p", String(try Self.freePort()), "-mi", "127.0.0.1",
            "-mp", String(try Self.freePort()), "-timeout", "\(timeout)s", "-timeout_error", "-nostdin",
            "-trace_err", "-error_file", errorFile.path, "-nd",
            "127.0.0.1:\(sipPort)",
        ]
        sippProcess.standardOutput = FileHandle.nullDevice
        sippProcess.standardError = FileHandle.nullDevice
        sippProcess.currentDirectoryURL = directory
        try sippProcess.run()
        // A scenario stuck on a message that never comes must fail the test, not hang it.
        let watchdog = DispatchWorkItem { if sippProcess.isRunning { sippProcess.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(timeout + 15), execute: watchdog)
        return {
            sippProcess.waitUntilExit()
            watchdog.cancel()
            let errors = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
            return (sippProcess.terminationStatus, errors)
        }
    }

    static func freePort() throws -> UInt16 {
        for _ in 0..<50 {
            let port = UInt16.random(in: 20_000...50_000)
            if canBind(port, type: SOCK_STREAM) && canBind(port, type: SOCK_DGRAM) { return port }
        }
        throw BridgeTestError("no free port")
    }

    private static func canBind(_ port: UInt16, type: __socket_type) -> Bool {
        let fd = socket(AF_INET, Int32(type.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

struct BridgeTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
