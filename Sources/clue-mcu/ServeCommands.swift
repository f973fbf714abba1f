import ArgumentParser
import Bridge
import Foundation

/// The configuration keys that `serve` and `check-config` take on the command line; they win over the
/// environment (`CLUEMCU_*`), which wins over the file.
struct ConfigurationFlags: ParsableArguments {
    @Option(name: .customLong("sip-listen"), help: "sip.listen, comma-separated (udp://127.0.0.1:5060,...).")
    var sipListen: String?
    @Option(name: .customLong("sip-domain"), help: "sip.domain")
    var sipDomain: String?
    @Option(name: .customLong("media-address"), help: "media.address")
    var mediaAddress: String?
    @Option(name: .customLong("media-port"), help: "media.port")
    var mediaPort: String?
    @Option(name: .customLong("media-consent-timeout-seconds"), help: "media.consent_timeout_seconds")
    var consentTimeoutSeconds: String?
    @Option(name: .customLong("auth-realm"), help: "auth.realm")
    var authRealm: String?
    @Option(name: .customLong("auth-algorithms"), help: "auth.algorithms, comma-separated (SHA-256,MD5).")
    var authAlgorithms: String?
    @Option(name: .customLong("admin-listen"), help: "admin.listen (host:port)")
    var adminListen: String?
    @Option(name: .customLong("admin-token"),
            help: "admin.token (visible to other local users in the process list: prefer CLUEMCU_ADMIN_TOKEN).")
    var adminToken: String?
    @Option(name: .customLong("state"), help: "state (the SQLite file)")
    var state: String?
    @Option(name: .customLong("log-level"), help: "log.level")
    var logLevel: String?
    @Option(name: .customLong("log-format"), help: "log.format (text or json)")
    var logFormat: String?
    @Option(name: .customLong("lifecycle-drain-timeout-seconds"), help: "lifecycle.drain_timeout_seconds")
    var drainTimeoutSeconds: String?

    var settings: [BridgeConfiguration.Setting] {
        let values: [(String, String?)] = [
            ("sip.listen", sipListen), ("sip.domain", sipDomain), ("media.address", mediaAddress),
            ("media.port", mediaPort), ("media.consent_timeout_seconds", consentTimeoutSeconds),
            ("auth.realm", authRealm), ("auth.algorithms", authAlgorithms),
            ("admin.listen", adminListen), ("admin.token", adminToken), ("state", state), ("log.level", logLevel),
            ("log.format", logFormat), ("lifecycle.drain_timeout_seconds", drainTimeoutSeconds),
        ]
        return values.compactMap { key, value in
            value.map { BridgeConfiguration.Setting(key: key, value: $0, origin: BridgeConfiguration.Setting.flag(of: key)) }
        }
    }

    /// File (or the embedded default) < environment < these flags.
    func configuration(file: String?) throws(ConfigurationError) -> BridgeConfiguration {
        let layers = try BridgeConfiguration.Setting.fromEnvironment(ProcessInfo.processInfo.environment) + settings
        if let file { return try BridgeConfiguration.load(path: file, overrides: layers) }
        return try BridgeConfiguration.parse("", overrides: layers)
    }
}

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the bridge.",
        discussion: """
            Without --config the bridge starts on its embedded default: SIP on udp/tcp 127.0.0.1:5060 and \
            tls 127.0.0.1:5061, media on 127.0.0.1:10000, state in ./var, one room 'demo'. CLUEMCU_* environment \
            variables override the file, and the flags below override both. SIGTERM drains (new calls refused, \
            exit after the last call or lifecycle.drain_timeout_seconds); SIGINT hangs up every call and stops; a \
            second signal exits at once.
            """)

    @Option(help: "The YAML configuration file.")
    var config: String?

    @OptionGroup var overrides: ConfigurationFlags

    func run() throws {
        let configuration: BridgeConfiguration
        do {
            configuration = try overrides.configuration(file: config)
        } catch {
            FileHandle.standardError.write(Data("clue-mcu: \(config ?? "default"): \(error)\n".utf8))
            throw ExitCode(2)
        }
        BridgeLogHandler.bootstrap(level: configuration.log.level, json: configuration.log.json)
        let server = BridgeServer(configuration: configuration)
        do {
            try server.start()
        } catch {
            FileHandle.standardError.write(Data("clue-mcu: cannot start: \(error)\n".utf8))
            throw ExitCode(1)
        }
        server.wait()
    }
}

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file with the CLUEMCU_* environment and the given flags on top.",
        discussion: "Exit status 0 when valid, 1 with the line (or the variable or flag) and reason otherwise.")

    @Argument(help: "The YAML configuration file (none: the embedded default).")
    var file: String?

    @OptionGroup var overrides: ConfigurationFlags

    func run() throws {
        do {
            let configuration = try overrides.configuration(file: file)
            print("\(file ?? "default"): valid (\(configuration.sip.listen.count) listeners, "
                + "\(configuration.rooms.count) rooms, \(configuration.auth.users.count) users; media "
                + "\(configuration.media.address):\(configuration.media.port), admin "
                + "\(configuration.admin.host):\(configuration.admin.port), state \(configuration.state))")
        } catch {
            FileHandle.standardError.write(Data("\(file ?? "default"): \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
