import Foundation
import Yams

extension BridgeConfiguration {
    /// One key set from outside the file: `CLUEMCU_MEDIA_ADDRESS=192.0.2.10` or `--media-address 192.0.2.10`.
    /// Precedence: file < environment < command line.
    public struct Setting: Sendable, Equatable {
        /// The file's key path, e.g. `media.address`.
        public var key: String
        public var value: String
        /// Where it came from, for error messages: the variable or the flag.
        public var origin: String

        public init(key: String, value: String, origin: String) {
            self.key = key
            self.value = value
            self.origin = origin
        }

        /// The keys that can be set from outside the file. Lists (`sip.listen`, `auth.algorithms`) are
        /// comma-separated. Rooms and users are not here: they belong in the file or the admin API.
        public static let keys: [String] = [
            "sip.listen", "sip.domain", "media.address", "media.port", "media.consent_timeout_seconds", "auth.realm",
            "auth.algorithms",
            "admin.listen", "admin.token", "state", "log.level", "log.format", "lifecycle.drain_timeout_seconds",
        ]
        static let listKeys: Set<String> = ["sip.listen", "auth.algorithms"]

        /// `media.address` -> `CLUEMCU_MEDIA_ADDRESS`.
        public static func environmentName(of key: String) -> String {
            "CLUEMCU_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
        }

        /// `lifecycle.drain_timeout_seconds` -> `--lifecycle-drain-timeout-seconds`.
        public static func flag(of key: String) -> String {
            "--" + key.replacingOccurrences(of: ".", with: "-").replacingOccurrences(of: "_", with: "-")
        }

        /// The `CLUEMCU_*` variables of an environment, in the order of `keys`. Any other `CLUEMCU_` variable is
        /// refused: a misspelt one would otherwise do nothing, silently.
        public static func fromEnvironment(_ environment: [String: String]) throws(ConfigurationError) -> [Setting] {
            let known = Dictionary(uniqueKeysWithValues: keys.map { (environmentName(of: $0), $0) })
            if let unknown = environment.keys.filter({ $0.hasPrefix("CLUEMCU_") && known[$0] == nil }).sorted().first {
                throw ConfigurationError(line: 0, "unknown environment variable \(unknown) (known: "
                    + known.keys.sorted().joined(separator: ", ") + ")")
            }
            return keys.compactMap { key in
                environment[environmentName(of: key)].map {
                    Setting(key: key, value: $0, origin: environmentName(of: key))
                }
            }
        }

        /// The file's tree (or an empty one) with each setting written in at its key.
        static func tree(_ root: Node?, applying settings: [Setting]) -> Node {
            var top: Node.Mapping
            if case .mapping(let mapping)? = root { top = mapping } else { top = Node.Mapping([]) }
            for setting in settings {
                let value: Node = listKeys.contains(setting.key)
                    ? .sequence(Node.Sequence(setting.value.split(separator: ",").map {
                        Node($0.trimmingCharacters(in: .whitespaces))
                    }))
                    : Node(setting.value)
                let path = setting.key.split(separator: ".", maxSplits: 1).map(String.init)
                if path.count == 1 {
                    top[path[0]] = value
                } else {
                    var section: Node.Mapping
                    if case .mapping(let mapping)? = top[path[0]] { section = mapping } else { section = Node.Mapping([]) }
                    section[path[1]] = value
                    top[path[0]] = .mapping(section)
                }
            }
            return .mapping(top)
        }
    }
}
