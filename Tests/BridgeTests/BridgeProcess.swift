import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Every suite that runs `clue-mcu serve` processes and real peers nests in here, so that they run one at a time:
/// on a 2-core machine several bridges plus three aiortc endpoints at once starve each other and time out.
@Suite(.serialized) struct LiveBridgeTests {}

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
    /// `CLUE_TEST_LOG_LEVEL=debug`: every bridge a test starts logs at that level (unless its YAML sets one).
    static let logLevel = ProcessInfo.processInfo.environment["CLUE_TEST_LOG_LEVEL"]
    /// `CLUE_TEST_KEEP=/some/folder`: each bridge's folder (its log, configuration, the peers' JSON and stderr) is
    /// copied there when the test ends, instead of only being deleted: a live test's timeline can be read afterwards.
    static let keepFolder = ProcessInfo.processInfo.environment["CLUE_TEST_KEEP"].map { URL(fileURLWithPath: $0) }

    /// `extraYAML` is appended to a configuration with SIP on UDP+TCP (sipPort) and TLS (tlsPort), user alice/secret
    /// and the room `demo`. `stateFile` (default: in the process's own folder) lets a second process take over the
    /// state of a first one. `authAlgorithms` are the digest challenges the bridge sends, in order.
    init(extraYAML: String = "", rooms: String? = nil, mediaYAML: String = "", stateFile: URL? = nil,
         environment: [String: String]? = nil, usersYAML: String = "{ alice: secret }",
         adminYAML: String = "", authAlgorithms: String = "[MD5, SHA-256]") throws {
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
              users: \(usersYAML)
              # sipp answers only the first challenge and only with MD5.
              algorithms: \(authAlgorithms)
            rooms:
            \(rooms ?? "  - id: demo")
            admin:
              listen: 127.0.0.1:\(adminPort)
              token: \(Self.adminToken)
              \(adminYAML)
            state: \((stateFile ?? directory.appendingPathComponent("state.sqlite")).path)
            \(extraYAML)
            \(Self.logLevel.map { extraYAML.contains("log:") ? "" : "log: { level: \($0) }" } ?? "")
            """
        let configURL = directory.appendingPathComponent("config.yaml")
        try config.write(to: configURL, atomically: true, encoding: .utf8)
        logURL = directory.appendingPathComponent("bridge.log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process.executableURL = Self.binary
        process.arguments = ["serve", "--config", configURL.path]
        process.standardError = try FileHandle(forWritingTo: logURL)
        process.standardOutput = FileHandle.nullDevice
        if let environment { process.environment = environment }
        try process.run()
        // "ready" comes after every listener, the admin API and the signal handlers.
        try waitForLog(containing: "info bridge: ready", timeout: 20)
    }

    deinit {
        // SIGINT: hang up and stop now (SIGTERM would drain, waiting for calls to end).
        if process.isRunning {
            process.interrupt()
            process.waitUntilExit()
        }
        if let keep = Self.keepFolder {
            try? FileManager.default.copyItem(at: directory, to: keep.appendingPathComponent(directory.lastPathComponent))
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

    /// SIGTERM (drain), then waits for the exit status.
    func stop() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// SIGINT (hang up every call and stop), then waits for the exit status.
    func interrupt() -> Int32 {
        process.interrupt()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Waits for the process to exit by itself; throws (and stops it) when it has not after `timeout` seconds.
    func waitForExit(timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        guard !process.isRunning else {
            kill()
            throw BridgeTestError("bridge did not exit within \(timeout) s:\n\(log)")
        }
        process.waitUntilExit()
    }

    /// SIGKILL: no chance to clean up.
    func kill() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    var adminURL: String { "http://127.0.0.1:\(adminPort)" }

    /// One admin API call with Python's urllib (an independent HTTP client); returns (status, body).
    func api(_ method: String, _ path: String, _ body: String? = nil,
             token: String? = BridgeProcess.adminToken) throws -> (Int, String) {
        try Self.http(method, adminURL + path, body: body, token: token)
    }

    static func http(_ method: String, _ url: String, body: String? = nil, token: String?) throws -> (Int, String) {
        let script = """
            import sys, urllib.request, urllib.error
            method, url, token, body = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
            data = body.encode() if body != "-" else None
            request = urllib.request.Request(url, data=data, method=method)
            if token != "-": request.add_header("Authorization", "Bearer " + token)
            if data is not None: request.add_header("Content-Type", "application/json")
            try:
                response = urllib.request.urlopen(request, timeout=10)
                print(response.status); print(response.read().decode())
            except urllib.error.HTTPError as error:
                print(error.code); print(error.read().decode())
            """
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", script, method, url, token ?? "-", body ?? "-"]
        let output = Pipe()
        python.standardOutput = output
        try python.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        python.waitUntilExit()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", maxSplits: 1)
        let text = lines.count > 1 ? String(lines[1]).trimmingCharacters(in: .whitespacesAndNewlines) : ""
        return (Int(lines.first ?? "") ?? 0, text)
    }

    /// The venv that `make venv` builds (schemathesis, prometheus_client).
    static let venvPython = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../.venv/bin/python").standardized

    /// Runs a program of the venv (its Python by default); returns (exit status, stdout+stderr).
    func venv(_ arguments: [String], program: String = "python", input: String? = nil) throws -> (Int32, String) {
        let executable = Self.venvPython.deletingLastPathComponent().appendingPathComponent(program)
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw BridgeTestError("\(executable.path) is missing: run `make venv`")
        }
        let python = Process()
        python.executableURL = executable
        python.arguments = arguments
        python.currentDirectoryURL = directory
        let outputURL = directory.appendingPathComponent("venv-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        python.standardOutput = try FileHandle(forWritingTo: outputURL)
        python.standardError = python.standardOutput
        let inputPipe = Pipe()
        python.standardInput = inputPipe
        try python.run()
        if let input { inputPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inputPipe.fileHandleForWriting.close()
        python.waitUntilExit()
        return (python.terminationStatus, (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "")
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
            "-mp", String(try Self.freePort(span: 4)), "-timeout", "\(timeout)s", "-timeout_error", "-nostdin",
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

    /// Runs blocking work (processes, polling) on a thread of its own and awaits it, so that it holds none of the
    /// two threads Swift Testing runs every test on: a test that waits for a peer while polling the bridge must
    /// not starve because other suites' blocking tests hold both.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.start()
        }
    }

    /// A port (and the `span - 1` after it: sipp's media takes port..port+3) that nothing has bound now.
    static func freePort(span: UInt16 = 1) throws -> UInt16 {
        for _ in 0..<50 {
            let port = UInt16.random(in: 20_000...50_000)
            if (port..<port + span).allSatisfy({ canBind($0, type: SOCK_STREAM) && canBind($0, type: SOCK_DGRAM) }) {
                return port
            }
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
