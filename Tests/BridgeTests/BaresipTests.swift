import Foundation
import Testing

/// A baresip 1.0 process (Debian's `baresip-core`) as a plain SIP phone without CLUE: G.722 only, ICE, DTLS-SRTP,
/// a sine from `ausine` as its microphone, and what it decodes written to a WAV file by `sndfile`.
///
/// baresip 1.0 has no file player (its `aufile` module is only a source): the `sndfile` filter dumps the decoded
/// audio (`dump-<time>-dec.wav`, at the codec's 16 kHz, mono) and the encoded side (`-enc.wav`) into `snd_path`, and
/// the player is an `aubridge` device that nothing pulls from (decoding and the filters run as packets arrive).
struct Baresip {
    static let binary = "/usr/bin/baresip"

    let process = Process()
    let directory: URL
    let outputURL: URL

    /// Writes `config` and `accounts` into `directory` and starts baresip, which dials `room` at once and quits by
    /// itself after `seconds` (`-t`, which hangs up first, so the WAV files are closed properly).
    init(directory: URL, user: String, password: String, toneHz: Int, bridge: BridgeProcess, room: String = "demo",
         seconds: Int) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw BridgeTestError("\(Self.binary) is missing: install baresip-core (make deps)")
        }
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let sipPort = try BridgeProcess.freePort()
        // ausine makes 48 kHz stereo only; baresip resamples it to G.722's 16 kHz mono. rtcp-mux: the bridge has one
        // media port. stdio is left out (no terminal): `-e` feeds the menu module directly.
        let config = """
            poll_method\tepoll
            sip_listen\t127.0.0.1:\(sipPort)
            net_interface\t127.0.0.1
            audio_source\tausine,\(toneHz)
            ausrc_srate\t48000
            ausrc_channels\t2
            audio_player\taubridge,sink
            audio_alert\taubridge,alert
            rtcp_mux\tyes
            jitter_buffer_delay\t5-10
            module_path\t/usr/lib/baresip/modules
            module\tg722.so
            module\tausine.so
            module\taubridge.so
            module\tsndfile.so
            module\tice.so
            module\tdtls_srtp.so
            module_tmp\taccount.so
            module_app\tmenu.so
            snd_path\t\(directory.path)

            """
        try config.write(to: directory.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        // regint=0: no REGISTER, just the call. G.722 is the only codec module loaded and the only one offered.
        let account = "<sip:\(user)@127.0.0.1>;auth_pass=\(password);regint=0;mediaenc=dtls_srtp;medianat=ice;"
            + "audio_codecs=G722/16000/1\n"
        try account.write(to: directory.appendingPathComponent("accounts"), atomically: true, encoding: .utf8)
        outputURL = directory.appendingPathComponent("baresip.out")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: Self.binary)
        // -4: no IPv6 candidates; -s: SIP trace (the SDP answer is read from it); -v: ICE and DTLS details.
        process.arguments = ["-4", "-s", "-v", "-f", directory.path, "-t", String(seconds),
                             "-e", "/dial sip:\(room)@127.0.0.1:\(bridge.sipPort)"]
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = process.standardOutput
        try process.run()
    }

    /// Waits for baresip to quit by itself (its `-t`); stops it and throws when it has not after `timeout` seconds.
    func finish(timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            stop()
            throw BridgeTestError("baresip did not quit within \(timeout) s:\n\(output.suffix(4000))")
        }
        process.waitUntilExit()
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// stdout and stderr, without the terminal colour codes.
    var output: String {
        let text = (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
        return text.replacingOccurrences(of: #"\u001B\[[0-9;]*m"#, with: "", options: .regularExpression)
    }

    /// The SDP body of the first 200 OK to an INVITE in the SIP trace: the bridge's answer.
    var answerSDP: [String] {
        // SIP lines end in CRLF, which Swift sees as one Character: split on LF after turning CRLF into LF.
        let lines = output.replacingOccurrences(of: "\r\n", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var index = 0
        while index < lines.count {
            defer { index += 1 }
            guard lines[index] == "SIP/2.0 200 OK" else { continue }
            // Headers up to the blank line, then the body up to the next blank line (the trace's end of message).
            guard let blank = lines[index...].firstIndex(of: ""),
                  lines[index..<blank].contains(where: { $0.hasPrefix("CSeq:") && $0.hasSuffix("INVITE") }) else { continue }
            let body = lines[(blank + 1)...].prefix { !$0.isEmpty }
            return Array(body)
        }
        return []
    }

    /// The file `sndfile` wrote for one direction ("dec": what baresip received, "enc": what it sent).
    func dump(_ direction: String) -> URL? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.first { $0.hasPrefix("dump-") && $0.hasSuffix("-\(direction).wav") }
            .map { directory.appendingPathComponent($0) }
    }
}

/// A 16-bit PCM WAV file (as libsndfile writes it), mono or the first channel.
struct WAVFile {
    let sampleRate: Int
    let samples: [Int16]

    init(_ url: URL) throws {
        let data = [UInt8](try Data(contentsOf: url))
        func u32(_ at: Int) -> Int { Int(data[at]) | Int(data[at + 1]) << 8 | Int(data[at + 2]) << 16 | Int(data[at + 3]) << 24 }
        func u16(_ at: Int) -> Int { Int(data[at]) | Int(data[at + 1]) << 8 }
        guard data.count >= 12, data[0..<4].elementsEqual("RIFF".utf8), data[8..<12].elementsEqual("WAVE".utf8) else {
            throw BridgeTestError("\(url.lastPathComponent) is not a WAV file (\(data.count) bytes)")
        }
        var offset = 12
        var rate = 0
        var channels = 1
        var bits = 0
        var pcm: ArraySlice<UInt8> = []
        while offset + 8 <= data.count {
            let id = String(decoding: data[offset..<offset + 4], as: UTF8.self)
            let size = u32(offset + 4)
            let body = offset + 8
            if id == "fmt ", body + 16 <= data.count {
                channels = u16(body + 2)
                rate = u32(body + 4)
                bits = u16(body + 14)
            } else if id == "data" {
                // A file whose writer was stopped keeps a size of 0: take what is there.
                let end = size > 0 ? min(data.count, body + size) : data.count
                pcm = data[body..<end]
                break
            }
            offset = body + size + (size & 1)
        }
        guard rate > 0, bits == 16, channels >= 1 else {
            throw BridgeTestError("\(url.lastPathComponent): \(rate) Hz, \(bits) bits, \(channels) channels")
        }
        sampleRate = rate
        let frame = 2 * channels
        samples = stride(from: pcm.startIndex, to: pcm.endIndex - frame + 1, by: frame).map {
            Int16(bitPattern: UInt16(pcm[$0]) | UInt16(pcm[$0 + 1]) << 8)
        }
    }

    /// Per whole second: the level of each frequency (Goertzel, dB relative to a full-scale sine).
    func levelsPerSecond(_ frequencies: [Int]) -> [[Int: Double]] {
        stride(from: 0, to: samples.count - sampleRate + 1, by: sampleRate).map { start in
            let window = samples[start..<start + sampleRate]
            return Dictionary(uniqueKeysWithValues: frequencies.map { ($0, Self.level(window, $0, sampleRate)) })
        }
    }

    static func level(_ window: ArraySlice<Int16>, _ frequency: Int, _ rate: Int) -> Double {
        let coefficient = 2 * cos(2 * Double.pi * Double(frequency) / Double(rate))
        var previous = 0.0, beforePrevious = 0.0
        for sample in window {
            let current = Double(sample) / 32768 + coefficient * previous - beforePrevious
            beforePrevious = previous
            previous = current
        }
        let power = previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious
        // A sine of amplitude A over N samples (a whole number of periods) gives power (A N / 2)^2.
        let amplitude = 2 * power.squareRoot() / Double(window.count)
        return 20 * log10(max(amplitude, 1e-10))
    }
}

extension LiveBridgeTests {
/// Interoperability with an independent SIP stack that has nothing to do with WebRTC: baresip 1.0 (libre's SIP,
/// ICE and DTLS) joins two aiortc CLUE sites as a plain G.722 phone.
@Suite struct BaresipTests {
    /// baresip (carol, 1000 Hz) dials the room where alice (440 Hz) and bob (660 Hz) are CLUE sites: the bridge
    /// answers 200 with G.722, the sites hear baresip's tone, and baresip hears both sites and not itself.
    ///
    /// The bridge challenges with MD5 only: libre 1.1 fails the whole challenge with ENOSYS when any
    /// WWW-Authenticate names another algorithm (src/sip/auth.c), so [MD5, SHA-256] would get no retry at all.
    /// baresip 1.0's ICE never gathers loopback addresses (modules/ice/ice.c skips them), so its offer lists the
    /// machine's other address as host candidate; its checks leave its socket for the bridge's 127.0.0.1 candidate,
    /// and the pair it nominates is the peer-reflexive 127.0.0.1 one: all datagrams stay on loopback.
    @Test func g722PhoneHearsAndIsHeard() throws {
        let bridge = try BridgeProcess(usersYAML: "{ alice: secret, bob: secret, carol: secret }",
                                       authAlgorithms: "[MD5]")
        typealias Site = ConferenceMediaTests.Site
        let sites = [Site(user: "alice", tone: 440, colour: "red"), Site(user: "bob", tone: 660, colour: "green")]
        let duration = 10
        var running: [CLUEPeer.Running] = []
        // Nothing is left behind when a step throws.
        defer { for peer in running where peer.process.isRunning { peer.process.terminate(); peer.process.waitUntilExit() } }
        for (index, site) in sites.enumerated() {
            if index > 0 { Thread.sleep(forTimeInterval: 0.3) }
            running.append(try CLUEPeer.launch(bridge, [
                "--user", site.user, "--tone", String(site.tone), "--video-color", site.colour,
                "--duration", String(duration), "--probe-tones", "440,660,880,1000",
            ], timeout: duration + 30))
        }
        Thread.sleep(forTimeInterval: 0.3)
        let phone = try Baresip(directory: bridge.directory.appendingPathComponent("baresip"), user: "carol",
                                password: "secret", toneHz: 1000, bridge: bridge, seconds: duration - 1)
        defer { phone.stop() }
        let peers = try running.map { try $0.finish(bridge) }
        try phone.finish(timeout: Double(duration + 20))
        let output = phone.output
        let tail = "\nbaresip:\n\(output.suffix(6000))\nbridge:\n\(bridge.log.suffix(3000))"

        // Answered 200, and the answer's audio section is G.722 (payload type 9) and nothing else but DTMF events.
        let answer = phone.answerSDP
        #expect(!answer.isEmpty, "no 200 OK with SDP in baresip's SIP trace\(tail)")
        let audioLine = answer.first { $0.hasPrefix("m=audio ") } ?? ""
        let formats = audioLine.split(separator: " ").dropFirst(3).map(String.init)
        #expect(formats.first == "9" && formats.allSatisfy { $0 == "9" || $0 == "101" }, "\(answer)")
        #expect(answer.contains("a=rtpmap:9 G722/8000"), "\(answer)")
        #expect(answer.contains { $0.hasPrefix("a=fingerprint:sha-256 ") } && answer.contains("a=setup:passive"),
                "\(answer)")
        #expect(output.contains("Call established"), "\(tail)")
        #expect(output.contains("dtls_srtp: verified sha-256 fingerprint OK"), "\(tail)")
        #expect(output.contains("DTLS-SRTP complete"), "\(tail)")
        #expect(output.contains("Set audio decoder: G722 16000Hz 1ch"), "\(tail)")
        #expect(output.contains("stream: mnat 'ice' connected: raddr 127.0.0.1:\(bridge.mediaPort)"), "\(tail)")
        // The bridge got baresip's G.722 (pt 9); its line comes when the call has ended.
        try bridge.waitForLog(containing: " pt=9 ", timeout: 10)
        let received = bridge.log.split(separator: "\n").filter { $0.contains("media received") && $0.contains("pt=9 ") }
        #expect(received.contains { line in
            line.split(separator: " ").first { $0.hasPrefix("packets=") }.flatMap { Int($0.dropFirst(8)) } ?? 0 > 200
        }, "\(bridge.log.suffix(3000))")

        // baresip sent its tone (the encoder's side of the dump), so silence at the sites would be the bridge's.
        let sent = try WAVFile(#require(phone.dump("enc"), "no encode dump\(tail)")).levelsPerSecond([1000])
        // ausine plays at half scale (-6 dB).
        #expect(sent.count >= 5 && sent.dropFirst().allSatisfy { $0[1000]! > -12 }, "\(sent)")

        // What baresip heard: both sites in most of its seconds (the sites start earlier and stop at about the same
        // time; a second can hold a gap on a starved machine), its own tone never near theirs (N-1 mix).
        let wav = try WAVFile(#require(phone.dump("dec"), "no decode dump\(tail)"))
        #expect(wav.sampleRate == 16_000, "\(wav.sampleRate)")
        let heard = wav.levelsPerSecond([440, 660, 880, 1000])
        let rounded = heard.map { $0.sorted { $0.key < $1.key }.map { "\($0.key): \(Int($0.value.rounded()))" } }
        let both = heard.filter { min($0[440]!, $0[660]!) > -40 }
        #expect(heard.count >= 6 && both.count >= heard.count - 3, "baresip heard (dB per second) \(rounded)")
        for second in heard where max(second[440]!, second[660]!) > -40 {
            #expect(max(second[440]!, second[660]!) - second[1000]! >= 20, "baresip hears itself: \(rounded)")
        }

        // Each site hears baresip, in most of the seconds all three are in the room.
        for (site, peer) in zip(sites, peers) {
            let middle = (peer["received.audio.per_second"] as? [[String: Any]] ?? []).filter {
                (3...7).contains($0["t_s"] as? Int ?? -1)
            }
            let withPhone = middle.filter { ($0["present_hz"] as? [Double] ?? []).contains(1000) }
            #expect(middle.count >= 4 && withPhone.count >= middle.count - 1,
                    "\(site.user) does not hear baresip: \(middle)\(tail)")
            #expect(peer["clue.complete"] as? Bool == true, "\(site.user): \(peer["clue"] ?? "")")
        }
        #expect(!bridge.log.contains("Fatal error"), "\(bridge.log)")
    }
}
}
