import ArgumentParser
import Bridge
import Foundation

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the bridge.",
        discussion: """
            Without --config the bridge starts on its embedded default: SIP on udp/tcp 127.0.0.1:5060 and \
            tls 127.0.0.1:5061, media on 127.0.0.1:10000, state in ./var, one room 'demo'. SIGINT or SIGTERM \
            stops it; a second signal exits at once.
            """)

    @Option(help: "The YAML configuration file.")
    var config: String?

    func run() throws {
        let configuration: BridgeConfiguration
        do {
            configuration = try config.map { try BridgeConfiguration.load(path: $0) } ?? .embeddedDefault
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
        abstract: "Validate a configuration file; exit status 0 when valid, 1 with the line and reason otherwise.")

    @Argument(help: "The YAML configuration file.")
    var file: String

    func run() throws {
        do {
            let configuration = try BridgeConfiguration.load(path: file)
            print("\(file): valid (\(configuration.sip.listen.count) listeners, \(configuration.rooms.count) rooms, "
                + "\(configuration.auth.users.count) users)")
        } catch {
            FileHandle.standardError.write(Data("\(file): \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
