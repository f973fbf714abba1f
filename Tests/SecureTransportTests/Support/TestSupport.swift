import Foundation
import SecureTransport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/secure-transport-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        path = String(cString: created)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The `openssl` command line tool, the independent peer of the interop tests.
enum OpenSSLTool {
    static let path = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs to completion and returns (exit status, stdout, stderr).
    static func run(_ arguments: [String], input: String? = nil) throws -> (Int32, String, String) {
        guard let path else { throw TestFailure("openssl not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe(), errors = Pipe(), stdin = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}

/// A long-running `openssl s_server` or `s_client`, talking to the test over real loopback sockets.
final class OpenSSLPeer {
    let process = Process()
    private let output = Pipe()
    private let errors = Pipe()
    private let input = Pipe()
    private var collected = Data()

    init(_ arguments: [String]) throws {
        guard let path = OpenSSLTool.path else { throw TestFailure("openssl not installed") }
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input
        try process.run()
    }

    /// Reads stdout until a line starting with `prefix` appears; returns that line.
    func waitForLine(startingWith prefix: String) throws -> String {
        while true {
            if let line = String(decoding: collected, as: UTF8.self)
                .split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) {
                return String(line)
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw TestFailure("openssl exited before printing \(prefix)") }
            collected.append(chunk)
        }
    }

    /// The port of `ACCEPT 127.0.0.1:PORT`, printed by `s_server` once it listens.
    func acceptPort() throws -> UInt16 {
        let line = try waitForLine(startingWith: "ACCEPT")
        guard let port = line.split(separator: ":").last.flatMap({ UInt16($0) }) else {
            throw TestFailure("no port in \(line)")
        }
        return port
    }

    func write(_ text: String) {
        input.fileHandleForWriting.write(Data(text.utf8))
    }

    func closeInput() {
        try? input.fileHandleForWriting.close()
    }

    /// Waits for exit (terminating after `timeout`) and returns everything printed.
    func finish(timeout: Duration = .seconds(10)) -> (stdout: String, stderr: String) {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        collected.append(output.fileHandleForReading.readDataToEndOfFile())
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        return (String(decoding: collected, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}

/// Blocking loopback sockets with timeouts, enough for one connection in a test.
struct LoopbackSocket {
    let descriptor: Int32

    static func tcpListener() throws -> (LoopbackSocket, UInt16) {
        try bound(type: Int32(SOCK_STREAM.rawValue), listen: true)
    }

    static func udp() throws -> (LoopbackSocket, UInt16) {
        try bound(type: Int32(SOCK_DGRAM.rawValue), listen: false)
    }

    static func tcpConnect(port: UInt16) throws -> LoopbackSocket {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestFailure("socket failed") }
        var address = loopback(port: port)
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 else { close(descriptor); throw TestFailure("connect failed: \(errno)") }
        return LoopbackSocket(descriptor: descriptor)
    }

    private static func bound(type: Int32, listen shouldListen: Bool) throws -> (LoopbackSocket, UInt16) {
        let descriptor = socket(AF_INET, type, 0)
        guard descriptor >= 0 else { throw TestFailure("socket failed") }
        var address = loopback(port: 0)
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 else { close(descriptor); throw TestFailure("bind failed: \(errno)") }
        if shouldListen { listen(descriptor, 4) }
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return (LoopbackSocket(descriptor: descriptor), UInt16(bigEndian: bound.sin_port))
    }

    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    /// Waits until readable; false on timeout.
    func waitReadable(timeout: Duration) -> Bool {
        var descriptorSet = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return poll(&descriptorSet, 1, milliseconds) > 0
    }

    func acceptConnection(timeout: Duration) throws -> LoopbackSocket {
        guard waitReadable(timeout: timeout) else { throw TestFailure("no connection within \(timeout)") }
        let connection = accept(descriptor, nil, nil)
        guard connection >= 0 else { throw TestFailure("accept failed: \(errno)") }
        return LoopbackSocket(descriptor: connection)
    }

    /// Up to 64 KiB, empty at end of stream, nil on timeout.
    func receive(timeout: Duration) -> [UInt8]? {
        guard waitReadable(timeout: timeout) else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        return count <= 0 ? [] : Array(buffer.prefix(count))
    }

    /// One datagram and its sender's port, nil on timeout.
    func receiveDatagram(timeout: Duration) -> ([UInt8], UInt16)? {
        guard waitReadable(timeout: timeout) else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var from = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let count = withUnsafeMutablePointer(to: &from) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(descriptor, &buffer, buffer.count, 0, $0, &length) }
        }
        guard count >= 0 else { return nil }
        return (Array(buffer.prefix(count)), UInt16(bigEndian: from.sin_port))
    }

    func sendAll(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            offset += sent
        }
    }

    func sendDatagram(_ bytes: [UInt8], toPort port: UInt16) {
        var address = Self.loopback(port: port)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(descriptor, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }

    func shutdownWrite() { shutdown(descriptor, Int32(SHUT_WR)) }
    func closeSocket() { close(descriptor) }
}

extension Certificate {
    /// A fresh self-signed identity for `localhost`.
    static func forTests(_ commonName: String = "localhost") throws -> Certificate {
        try Certificate.generateSelfSigned(commonName: commonName, subjectAlternativeNames: ["localhost", "127.0.0.1"])
    }
}
