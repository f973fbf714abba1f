import Foundation
import Testing

@testable import Bridge

/// File < CLUEMCU_* environment < command-line flags, each checked like the file's own keys.
@Suite struct ConfigurationLayerTests {
    typealias Setting = BridgeConfiguration.Setting

    /// The environment overrides the file and the flags override the environment; lists are comma-separated.
    @Test func precedence() throws {
        let file = "media:\n  address: 192.0.2.1\n  port: 10000\nlog:\n  level: info\n"
        let environment = try Setting.fromEnvironment([
            "CLUEMCU_MEDIA_ADDRESS": "192.0.2.2", "CLUEMCU_MEDIA_PORT": "20000", "PATH": "/usr/bin",
            "CLUEMCU_SIP_LISTEN": "udp://127.0.0.1:5070, tcp://127.0.0.1:5070",
        ])
        let flags = [Setting(key: "media.port", value: "30000", origin: "--media-port")]
        let config = try BridgeConfiguration.parse(file, overrides: environment + flags)
        #expect(config.media == .init(address: "192.0.2.2", port: 30000))
        #expect(config.sip.listen.map(\.description) == ["udp://127.0.0.1:5070", "tcp://127.0.0.1:5070"])
        #expect(config.log.level == "info")
        #expect(try BridgeConfiguration.parse(file).media.address == "192.0.2.1")
    }

    /// Every documented key maps to its variable and flag, and each one can be set.
    @Test func everyKeyCanBeSet() throws {
        #expect(Setting.environmentName(of: "lifecycle.drain_timeout_seconds") == "CLUEMCU_LIFECYCLE_DRAIN_TIMEOUT_SECONDS")
        #expect(Setting.flag(of: "lifecycle.drain_timeout_seconds") == "--lifecycle-drain-timeout-seconds")
        let values: [String: String] = [
            "sip.listen": "udp://127.0.0.1:5999", "sip.domain": "bridge.example", "media.address": "192.0.2.9",
            "media.port": "12000", "media.consent_timeout_seconds": "9", "auth.realm": "realm.example", "auth.algorithms": "MD5",
            "admin.listen": "127.0.0.1:9999", "admin.token": "tok", "state": "/tmp/s.sqlite", "log.level": "debug",
            "log.format": "json", "lifecycle.drain_timeout_seconds": "7",
        ]
        #expect(Set(values.keys) == Set(Setting.keys))
        let config = try BridgeConfiguration.parse("", overrides: values.map {
            Setting(key: $0.key, value: $0.value, origin: Setting.environmentName(of: $0.key))
        })
        #expect(config.sip.listen.map(\.description) == ["udp://127.0.0.1:5999"])
        #expect(config.sip.domain == "bridge.example")
        #expect(config.media == .init(address: "192.0.2.9", port: 12000, consentTimeoutSeconds: 9))
        #expect(config.auth.realm == "realm.example" && config.auth.algorithms == ["MD5"])
        #expect(config.admin == .init(host: "127.0.0.1", port: 9999, token: "tok"))
        #expect(config.state == "/tmp/s.sqlite")
        #expect(config.log == .init(level: "debug", json: true))
        #expect(config.lifecycle.drainTimeoutSeconds == 7)
    }

    /// A bad value names the variable or flag it came from; an unknown CLUEMCU_ variable is refused.
    @Test func refusals() {
        #expect(throws: ConfigurationError.self) { try Setting.fromEnvironment(["CLUEMCU_MEDIA_ADRESS": "x"]) }
        do {
            _ = try Setting.fromEnvironment(["CLUEMCU_MEDIA_ADRESS": "x"])
        } catch {
            #expect(error.message.contains("unknown environment variable CLUEMCU_MEDIA_ADRESS"))
        }
        let cases: [(Setting, String)] = [
            (Setting(key: "media.port", value: "70000", origin: "CLUEMCU_MEDIA_PORT"), "CLUEMCU_MEDIA_PORT: "),
            (Setting(key: "admin.listen", value: "nowhere", origin: "--admin-listen"), "--admin-listen: "),
            (Setting(key: "log.level", value: "loud", origin: "CLUEMCU_LOG_LEVEL"), "CLUEMCU_LOG_LEVEL: "),
            (Setting(key: "lifecycle.drain_timeout_seconds", value: "-1", origin: "--x"), "--x: "),
        ]
        for (setting, prefix) in cases {
            do {
                _ = try BridgeConfiguration.parse("", overrides: [setting])
                Issue.record("accepted \(setting)")
            } catch {
                #expect(error.message.hasPrefix(prefix), "\(error)")
            }
        }
    }

    /// `clue-mcu serve` refuses to start with an unknown CLUEMCU_ variable, and check-config applies flags.
    @Test func commandLine() throws {
        let serve = Process()
        serve.executableURL = BridgeProcess.binary
        serve.arguments = ["serve"]
        serve.environment = ["CLUEMCU_NO_SUCH_KEY": "1"]
        let errors = Pipe()
        serve.standardError = errors
        try serve.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        serve.waitUntilExit()
        #expect(serve.terminationStatus == 2)
        #expect(text.contains("unknown environment variable CLUEMCU_NO_SUCH_KEY"))

        let check = Process()
        check.executableURL = BridgeProcess.binary
        check.arguments = ["check-config", "--media-port", "12345"]
        check.environment = ["CLUEMCU_MEDIA_PORT": "999", "CLUEMCU_MEDIA_ADDRESS": "192.0.2.7"]
        let output = Pipe()
        check.standardOutput = output
        try check.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        #expect(check.terminationStatus == 0)
        #expect(printed.contains("media 192.0.2.7:12345"), "\(printed)")
    }
}
