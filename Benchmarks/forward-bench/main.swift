import Bridge
import Dispatch
import Foundation
import MediaSecurity
import SecureTransport

// Forwarding packets per second per core: the bridge's real media path (unprotect, route, rewrite with mid and
// CaptID, protect per receiver, sendmmsg) against a minimal C relay (recvmmsg/sendmmsg, no crypto) measured in the
// same run, on the same core, with the same load generator. Prints ratios; asserts nothing.
//
//   forward-bench [--duration S] [--warmup S] [--forwarder-core N] [--load-core N] [--fanouts 1,4]
//                 [--profiles gcm,cm] [--rate PPS] [--repeats R] [--no-gso] [--relay-gso] [--sink-poll-us US]
//   forward-bench serve --profile gcm|cm --port P --source-port P --sink-port P --sinks N [--no-gso]
//                                                                                         (one forwarder)

/// Fixed test keys: the source's (what the bridge unprotects) and the receivers' (what the bridge protects with).
func keys(_ profile: SRTPProtectionProfile) -> (source: SRTPMasterKey, receivers: SRTPMasterKey) {
    func key(_ seed: UInt8) -> SRTPMasterKey {
        SRTPMasterKey(key: (0..<16).map { seed &+ UInt8($0) },
                      salt: (0..<profile.masterSaltLength).map { seed &+ 0x40 &+ UInt8($0) })
    }
    return (key(0x10), key(0x80))
}

func hex(_ key: SRTPMasterKey) -> String { key.keyAndSalt.map { String(format: "%02x", $0) }.joined() }

func profile(named name: String) -> SRTPProtectionProfile {
    name == "cm" ? .aes128CMHMACSHA1_80 : .aeadAES128GCM
}

func option(_ name: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

/// Prints a line unbuffered (the parent reads children's lines as they come).
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

// MARK: The forwarder under test

func serve(_ arguments: [String]) throws -> Never {
    let selected = profile(named: option("--profile", in: arguments) ?? "gcm")
    let port = UInt16(option("--port", in: arguments) ?? "0")!
    let sourcePort = UInt16(option("--source-port", in: arguments)!)!
    let sinkPort = UInt16(option("--sink-port", in: arguments)!)!
    let sinks = Int(option("--sinks", in: arguments) ?? "1")!
    let (sourceKey, receiverKey) = keys(selected)
    let bench = try MediaForwardingBenchmark(
        profile: selected, host: "127.0.0.1", port: port,
        source: .init(host: "127.0.0.1", port: sourcePort, key: sourceKey, bridgeVideoSSRC: 0xB0000000),
        receivers: (0..<sinks).map {
            .init(host: "127.0.0.1", port: sinkPort + UInt16($0), key: receiverKey, bridgeVideoSSRC: 0xB0000001 + UInt32($0))
        }, segmentationOffload: !arguments.contains("--no-gso"))
    signal(SIGTERM, SIG_IGN)
    let terminate = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .main)
    terminate.setEventHandler {
        let counts = bench.counts()
        emit("COUNTS received=\(counts.received) dropped_sends=\(counts.droppedSends) "
             + "gso_runs=\(counts.segmentedRuns) unprotect_failures=\(counts.unprotectFailures) "
             + "replayed=\(counts.replayed)")
        exit(0)
    }
    terminate.resume()
    emit("ready \(bench.localPort)")
    dispatchMain()
}

// MARK: The run

struct Measurement {
    var outPerSecond: Double
    var sentPerSecond: Double
    var forwarderCPU: Double
    var inputDropsPerSecond: Double
    var sinkDropsPerSecond: Double
    var verified: Int
    var verifyFailed: Int
    var note: String

    /// Packets out per second of CPU time the forwarder used.
    var outPerCoreSecond: Double { forwarderCPU > 0 ? outPerSecond / forwarderCPU : 0 }
}

final class Run {
    let directory: URL
    let duration: Double
    let warmup: Double
    let forwarderCore: String?
    let loadCore: String?
    let rate: Double?
    /// The bridge without UDP segmentation offload (each datagram its own way down the stack, as the relay's).
    let noSegmentation: Bool
    /// The relay with UDP segmentation offload, as the bridge: the baseline for the bridge's own overhead.
    let relaySegmentation: Bool
    /// Sinks read on a timer, so that nobody waits on their sockets and a forwarder's send wakes no one.
    let sinkPollMicroseconds: Int?
    var nextPort: UInt16

    init(arguments: [String]) throws {
        duration = Double(option("--duration", in: arguments) ?? "5")!
        warmup = Double(option("--warmup", in: arguments) ?? "2")!
        rate = option("--rate", in: arguments).flatMap(Double.init)
        noSegmentation = arguments.contains("--no-gso")
        relaySegmentation = arguments.contains("--relay-gso")
        sinkPollMicroseconds = option("--sink-poll-us", in: arguments).flatMap { Int($0) }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let pin = cores >= 2 && FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset")
        forwarderCore = pin ? option("--forwarder-core", in: arguments) ?? "1" : nil
        loadCore = pin ? option("--load-core", in: arguments) ?? "0" : nil
        nextPort = UInt16(20_000 + Int(getpid()) % 20_000)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("forward-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try compile()
    }

    /// The C relay and the load generator, built with gcc from the files beside this benchmark.
    func compile() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        // The generator seals AES-GCM with the bridge's own AES-NI code (its output is checked with libsrtp2).
        let cipher = sources.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/CSRTPCipher")
        for (name, extra) in [("relay", [String]()),
                              ("loadgen", ["-I", cipher.appendingPathComponent("include").path,
                                           cipher.appendingPathComponent("srtp_cipher.c").path,
                                           "-lsrtp2", "-lcrypto", "-lpthread"])] {
            let gcc = try launch("/usr/bin/env", ["gcc", "-O2", "-o", directory.appendingPathComponent(name).path,
                                                  sources.appendingPathComponent("\(name).c").path] + extra)
            gcc.process.waitUntilExit()
            guard gcc.process.terminationStatus == 0 else { throw BenchError("gcc \(name).c failed") }
        }
    }

    func launch(_ path: String, _ arguments: [String], core: String? = nil) throws -> (process: Process, output: Pipe) {
        let process = Process()
        let output = Pipe()
        if let core {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
            process.arguments = ["-c", core, path] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
        }
        process.standardOutput = output
        try process.run()
        return (process, output)
    }

    /// Reads lines of a child's output until one starts with `prefix`.
    func line(startingWith prefix: String, from pipe: Pipe) -> String? {
        var buffer = Data()
        while true {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
            let text = String(decoding: buffer, as: UTF8.self)
            if let found = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) { return String(found) }
        }
    }

    func measure(bridge: Bool, profileName: String, fanout: Int) throws -> Measurement {
        let selected = profile(named: profileName)
        let (sourceKey, receiverKey) = keys(selected)
        let port = nextPort, sourcePort = nextPort + 1, sinkPort = nextPort + 2
        nextPort += 32
        let forwarder = bridge
            ? try launch(try selfPath(), ["serve", "--profile", profileName, "--port", "\(port)",
                                          "--source-port", "\(sourcePort)", "--sink-port", "\(sinkPort)",
                                          "--sinks", "\(fanout)"] + (noSegmentation ? ["--no-gso"] : []),
                     core: forwarderCore)
            : try launch(directory.appendingPathComponent("relay").path,
                         ["\(port)", "\(sinkPort)", "\(fanout)"] + (relaySegmentation ? ["gso"] : []),
                         core: forwarderCore)
        guard line(startingWith: "ready", from: forwarder.output) != nil else { throw BenchError("forwarder died") }
        var arguments = ["--target", "\(port)", "--source-port", "\(sourcePort)", "--sink-port", "\(sinkPort)",
                         "--sinks", "\(fanout)", "--profile", profileName, "--key", hex(sourceKey),
                         "--warmup", "\(warmup)", "--duration", "\(duration)",
                         "--pid", "\(forwarder.process.processIdentifier)"]
        // The relay does no crypto: it gets a pre-protected ring (replays), so the generator is never its limit.
        arguments += bridge ? ["--verify-key", hex(receiverKey)] : ["--ring"]
        if bridge, profileName == "gcm", let session = try? SRTPSessionKeys(masterKey: sourceKey, profile: selected) {
            // Live sealing for the bridge (each packet new, as its replay window requires) at AES-NI speed.
            arguments += ["--session-key", session.rtp.encryption.map { String(format: "%02x", $0) }.joined(),
                          "--session-salt", session.rtp.salt.map { String(format: "%02x", $0) }.joined()]
        }
        if let rate { arguments += ["--rate", "\(rate)"] }
        if let sinkPollMicroseconds { arguments += ["--sink-poll-us", "\(sinkPollMicroseconds)"] }
        let load = try launch(directory.appendingPathComponent("loadgen").path, arguments, core: loadCore)
        let result = line(startingWith: "RESULT", from: load.output) ?? ""
        load.process.waitUntilExit()
        forwarder.process.terminate()
        let counts = bridge ? line(startingWith: "COUNTS", from: forwarder.output) ?? "" : ""
        forwarder.process.waitUntilExit()
        var fields: [String: Double] = [:]
        for pair in result.split(separator: " ").dropFirst() {
            let parts = pair.split(separator: "=")
            if parts.count == 2 { fields[String(parts[0])] = Double(parts[1]) }
        }
        return Measurement(outPerSecond: fields["out_pps"] ?? 0, sentPerSecond: fields["sent_pps"] ?? 0,
                           forwarderCPU: fields["target_cpu"] ?? 0,
                           inputDropsPerSecond: fields["target_drop_pps"] ?? 0,
                           sinkDropsPerSecond: fields["sink_drop_pps"] ?? 0,
                           verified: Int(fields["verified"] ?? 0), verifyFailed: Int(fields["verify_failed"] ?? 0),
                           note: counts)
    }

    func selfPath() throws -> String {
        try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func format(_ value: Double) -> String { String(format: "%9.0f", value) }

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "serve" { try serve(Array(arguments.dropFirst())) }

let run = try Run(arguments: arguments)
let fanouts = (option("--fanouts", in: arguments) ?? "1,4").split(separator: ",").compactMap { Int($0) }
let profiles = (option("--profiles", in: arguments) ?? "gcm,cm").split(separator: ",").map(String.init)
let repeats = Int(option("--repeats", in: arguments) ?? "2")!
emit("forward-bench: \(Int(run.duration)) s measured after \(Int(run.warmup)) s warm-up; forwarder on core "
      + "\(run.forwarderCore ?? "any"), load generator and sinks on core \(run.loadCore ?? "any"); "
      + "~1200-byte SRTP video packets; best of \(repeats) runs per case, relay and bridge alternating; bridge "
      + (run.noSegmentation ? "without" : "with") + " UDP segmentation offload (GSO), relay "
      + (run.relaySegmentation ? "with" : "without") + " it; sinks "
      + (run.sinkPollMicroseconds.map { "polled every \($0) us" } ?? "woken by their sockets"))
emit("pps out = packets per second reaching the sinks (including what their socket queues dropped); "
      + "cpu = forwarder CPU time / wall time; per core = pps out / cpu; median pair = the median over the runs of "
      + "bridge per core / relay per core of the run just before")
emit("profile fanout | relay:   pps in   pps out   cpu  per core | bridge:   pps in   pps out   cpu  per core  in-drops | "
      + "ratio out  ratio per core  median pair | SRTP check")
for profileName in profiles {
    for fanout in fanouts {
        // Relay and bridge alternate, so that the machine's other load falls on both alike. Best of `repeats` by
        // packets out per core second (the run least disturbed), and the median of the pairs' ratios (what a
        // typical moment gives).
        var pairs: [(relay: Measurement, bridge: Measurement)] = []
        for _ in 0..<repeats {
            pairs.append((try run.measure(bridge: false, profileName: profileName, fanout: fanout),
                          try run.measure(bridge: true, profileName: profileName, fanout: fanout)))
        }
        let relay = pairs.map(\.relay).max { $0.outPerCoreSecond < $1.outPerCoreSecond }!
        let bridge = pairs.map(\.bridge).max { $0.outPerCoreSecond < $1.outPerCoreSecond }!
        let pairRatios = pairs.map { $0.bridge.outPerCoreSecond / max($0.relay.outPerCoreSecond, 1) }.sorted()
        let medianRatio = pairRatios.count % 2 == 1 ? pairRatios[pairRatios.count / 2]
            : (pairRatios[pairRatios.count / 2 - 1] + pairRatios[pairRatios.count / 2]) / 2
        let columns = [
            profileName.padding(toLength: 7, withPad: " ", startingAt: 0), String(format: "%6d", fanout), "|",
            format(relay.sentPerSecond), format(relay.outPerSecond), String(format: "%5.2f", relay.forwarderCPU), format(relay.outPerCoreSecond), "|",
            format(bridge.sentPerSecond), format(bridge.outPerSecond), String(format: "%5.2f", bridge.forwarderCPU),
            format(bridge.outPerCoreSecond), format(bridge.inputDropsPerSecond), "|",
            String(format: "%8.1f%%", 100 * bridge.outPerSecond / max(relay.outPerSecond, 1)),
            String(format: "%13.1f%%", 100 * bridge.outPerCoreSecond / max(relay.outPerCoreSecond, 1)),
            String(format: "%11.1f%%", 100 * medianRatio), "|",
            "\(bridge.verified) ok, \(bridge.verifyFailed) failed; \(bridge.note)",
        ]
        emit(columns.joined(separator: " "))
    }
}
try? FileManager.default.removeItem(at: run.directory)
