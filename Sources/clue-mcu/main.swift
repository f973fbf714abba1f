import ArgumentParser
import NativeLibraries

struct ClueMCU: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clue-mcu",
        abstract: "A CLUE telepresence conference bridge (MCU).",
        subcommands: [Serve.self, CheckConfig.self, Clue.self, Version.self])
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the versions of the linked C libraries.")
    func run() {
        for entry in NativeLibraries.versions() {
            print("\(entry.name): \(entry.version)")
        }
    }
}

ClueMCU.main()
