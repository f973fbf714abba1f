import Foundation
import Yams

/// The bridge's configuration file (YAML). The keys of the SIP issue are a contract that tests outside this
/// repository rely on; keys are never silently ignored (an unknown key is an error with its line).
public struct BridgeConfiguration: Sendable, Equatable {
    public enum Transport: String, Sendable, Equatable, CaseIterable {
        case udp, tcp, tls
    }

    /// `udp://127.0.0.1:5060`, `tcp://[::1]:5060`, `tls://0.0.0.0:5061`.
    public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
        public var transport: Transport
        public var host: String
        public var port: UInt16

        public init(transport: Transport, host: String, port: UInt16) {
            self.transport = transport
            self.host = host
            self.port = port
        }

        public init?(_ text: String) {
            guard let schemeEnd = text.range(of: "://"),
                  let transport = Transport(rawValue: text[..<schemeEnd.lowerBound].lowercased())
            else { return nil }
            let rest = text[schemeEnd.upperBound...]
            guard let (host, port) = parseHostPort(rest) else { return nil }
            self.init(transport: transport, host: host, port: port)
        }

        public var description: String {
            "\(transport.rawValue)://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        }
    }

    public struct TLSFiles: Sendable, Equatable {
        public var certificate: String
        public var key: String
    }

    public struct SIPSettings: Sendable, Equatable {
        public var listen: [ListenAddress]
        public var domain: String
        /// When absent, a self-signed pair is generated next to the state file on first run.
        public var tls: TLSFiles?
    }

    public struct MediaSettings: Sendable, Equatable {
        /// Written into SDP and bound for media.
        public var address: String
        /// One UDP port for all media of all sessions.
        public var port: UInt16
        /// RFC 7675: a call whose peer sends no valid ICE check for this long is hung up.
        public var consentTimeoutSeconds: Int = 30
    }

    public struct AuthSettings: Sendable, Equatable {
        public var realm: String
        /// user -> password as written in the file; the bridge keeps only HA1 digests once it starts.
        public var users: [String: String]
        /// Digest algorithms offered, in order: "SHA-256", "MD5". Clients that read only the first challenge
        /// (sipp, some phones) need MD5 first.
        public var algorithms: [String] = ["SHA-256", "MD5"]
    }

    public struct Room: Sendable, Equatable {
        public var id: String
        public var name: String?
        public var allowAnonymous: Bool
        public var allowPlainRTP: Bool
        public var pin: String?
        public var maxParticipants: Int?
        /// What a participant that takes one video stream (a plain SIP endpoint, or a CLUE site that has not
        /// configured anything) sees on its ordinary video.
        public var videoLayout: VideoLayout

        public init(id: String, name: String? = nil, allowAnonymous: Bool = false, allowPlainRTP: Bool = false,
                    pin: String? = nil, maxParticipants: Int? = nil, videoLayout: VideoLayout = .speaker) {
            self.id = id
            self.name = name
            self.allowAnonymous = allowAnonymous
            self.allowPlainRTP = allowPlainRTP
            self.pin = pin
            self.maxParticipants = maxParticipants
            self.videoLayout = videoLayout
        }
    }

    /// `video_layout` of a room.
    public enum VideoLayout: String, Sendable, Equatable, CaseIterable {
        /// The current speaker (the previous one for the speaker itself), switched without re-encoding.
        case speaker
        /// The latest speakers side by side (up to 2x2), composed and encoded by the bridge.
        case composed
    }

    public struct AdminSettings: Sendable, Equatable {
        public var host: String
        public var port: UInt16
        public var token: String?
        /// When set, the admin API is served over TLS (HTTPS) on `listen` with this certificate and key; a pair is
        /// generated there (self-signed) when the files do not exist yet.
        public var tls: TLSFiles?
    }

    public struct LogSettings: Sendable, Equatable {
        public var level: String
        public var json: Bool
    }

    public struct LifecycleSettings: Sendable, Equatable {
        /// After SIGTERM or POST /v1/node/drain, how long calls in progress may go on before they are hung up.
        public var drainTimeoutSeconds: Int
    }

    public var sip: SIPSettings
    public var media: MediaSettings
    public var auth: AuthSettings
    public var rooms: [Room]
    public var admin: AdminSettings
    /// The SQLite state file.
    public var state: String
    public var log: LogSettings
    public var lifecycle = LifecycleSettings(drainTimeoutSeconds: 30)

    /// What `make run` starts with when no file is given: SIP on 5060 (UDP and TCP) on loopback, media on 10000,
    /// the admin API on 127.0.0.1:8080, state in ./var, one room `demo`.
    public static let embeddedDefault = BridgeConfiguration(
        sip: SIPSettings(listen: [ListenAddress(transport: .udp, host: "127.0.0.1", port: 5060),
                                  ListenAddress(transport: .tcp, host: "127.0.0.1", port: 5060),
                                  ListenAddress(transport: .tls, host: "127.0.0.1", port: 5061)],
                         domain: "localhost", tls: nil),
        media: MediaSettings(address: "127.0.0.1", port: 10000),
        auth: AuthSettings(realm: "localhost", users: [:]),
        rooms: [Room(id: "demo")],
        admin: AdminSettings(host: "127.0.0.1", port: 8080, token: nil),
        state: "./var/clue-mcu.sqlite",
        log: LogSettings(level: "info", json: false))
}

/// A configuration problem, with the line (1-based) where it is.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var message: String

    public init(line: Int, _ message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "line \(line): \(message)" : message }
}

extension BridgeConfiguration {
    /// Reads the file, then applies `overrides` (environment, then command line) on top of it.
    public static func load(path: String, overrides: [Setting] = []) throws(ConfigurationError) -> BridgeConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(line: 0, "cannot read \(path): \(error.localizedDescription)")
        }
        return try parse(text, overrides: overrides)
    }

    /// Parses the YAML text, then applies `overrides` in order (later ones win). Keys missing from both keep their
    /// embedded default. Every override goes through the same checks as the file's keys; a bad one is reported with
    /// where it came from (`CLUEMCU_MEDIA_PORT: ...`).
    public static func parse(_ text: String, overrides: [Setting] = []) throws(ConfigurationError)
        -> BridgeConfiguration {
        let root = try compose(text)
        for setting in overrides {
            do {
                _ = try interpret(Setting.tree(nil, applying: [setting]))
            } catch {
                throw ConfigurationError(line: 0, "\(setting.origin): \(error.message)")
            }
        }
        return try interpret(overrides.isEmpty ? root : Setting.tree(root, applying: overrides))
    }

    private static func compose(_ text: String) throws(ConfigurationError) -> Node? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            switch error {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
                 .composer(_, let problem, let mark, _):
                throw ConfigurationError(line: mark.line, "not valid YAML: \(problem)")
            case .duplicatedKeysInMapping(let duplicates, _):
                throw ConfigurationError(line: 0, "keys appear twice: \(duplicates.joined(separator: ", "))")
            default:
                throw ConfigurationError(line: 0, "not valid YAML: \(error)")
            }
        } catch {
            throw ConfigurationError(line: 0, "not valid YAML: \(error)")
        }
        return root
    }

    private static func interpret(_ root: Node?) throws(ConfigurationError) -> BridgeConfiguration {
        var config = embeddedDefault
        guard let root else { return config }
        let top = try ConfigNode(root, path: "").mapping(allowed: ["sip", "media", "auth", "rooms", "admin", "state", "log",
                                                                     "lifecycle"])

        if let sip = top["sip"] {
            let fields = try sip.mapping(allowed: ["listen", "domain", "tls"])
            if let listen = fields["listen"] {
                config.sip.listen = try listen.sequence().map { item throws(ConfigurationError) in
                    let text = try item.string()
                    guard let address = ListenAddress(text) else {
                        throw item.error("'\(text)' is not a listen address like udp://127.0.0.1:5060 (udp, tcp or tls)")
                    }
                    return address
                }
            }
            if let domain = fields["domain"] { config.sip.domain = try domain.string() }
            if let tls = fields["tls"] {
                let files = try tls.mapping(allowed: ["certificate", "key"])
                guard let certificate = files["certificate"], let key = files["key"] else {
                    throw tls.error("sip.tls needs both certificate and key")
                }
                config.sip.tls = TLSFiles(certificate: try certificate.string(), key: try key.string())
            }
            if fields["domain"] == nil, fields["listen"] != nil { config.sip.domain = config.sip.listen.first?.host ?? "localhost" }
        }
        if let media = top["media"] {
            let fields = try media.mapping(allowed: ["address", "port", "consent_timeout_seconds"])
            if let address = fields["address"] { config.media.address = try address.string() }
            if let port = fields["port"] { config.media.port = try port.port() }
            if let timeout = fields["consent_timeout_seconds"] {
                let seconds = try timeout.int()
                guard (1...3600).contains(seconds) else {
                    throw timeout.error("media.consent_timeout_seconds must be between 1 and 3600")
                }
                config.media.consentTimeoutSeconds = seconds
            }
        }
        if let auth = top["auth"] {
            let fields = try auth.mapping(allowed: ["realm", "users", "algorithms"])
            if let algorithms = fields["algorithms"] {
                let names = try algorithms.sequence().map { item throws(ConfigurationError) in
                    let name = try item.string().uppercased()
                    guard name == "SHA-256" || name == "MD5" else {
                        throw item.error("auth.algorithms lists SHA-256 and/or MD5, not '\(name)'")
                    }
                    return name
                }
                guard !names.isEmpty else { throw algorithms.error("auth.algorithms is empty") }
                config.auth.algorithms = names
            }
            if let realm = fields["realm"] { config.auth.realm = try realm.string() }
            if let users = fields["users"] {
                var table: [String: String] = [:]
                for (name, password) in try users.pairs() {
                    guard !name.isEmpty, !name.contains(":") else {
                        throw password.error("user name '\(name)' may not be empty or contain ':'")
                    }
                    table[name] = try password.string()
                }
                config.auth.users = table
            }
        } else {
            config.auth.realm = config.sip.domain
        }
        if let rooms = top["rooms"] {
            var seen = Set<String>()
            config.rooms = try rooms.sequence().map { item throws(ConfigurationError) in
                let fields = try item.mapping(allowed: ["id", "name", "allow_anonymous", "allow_plain_rtp", "pin",
                                                       "max_participants", "video_layout"])
                guard let idNode = fields["id"] else { throw item.error("a room needs an id") }
                let id = try idNode.string()
                guard Self.isValidRoomID(id) else {
                    throw idNode.error("room id '\(id)' must be 1-64 characters of A-Z a-z 0-9 . _ -")
                }
                guard seen.insert(id).inserted else { throw idNode.error("room '\(id)' is defined twice") }
                var room = Room(id: id)
                if let name = fields["name"] { room.name = try name.string() }
                if let flag = fields["allow_anonymous"] { room.allowAnonymous = try flag.bool() }
                if let flag = fields["allow_plain_rtp"] { room.allowPlainRTP = try flag.bool() }
                if let pin = fields["pin"] { room.pin = try pin.string() }
                if let layout = fields["video_layout"] {
                    let text = try layout.string()
                    guard let value = VideoLayout(rawValue: text) else {
                        throw layout.error("video_layout must be one of "
                            + VideoLayout.allCases.map(\.rawValue).joined(separator: ", "))
                    }
                    room.videoLayout = value
                }
                if let limit = fields["max_participants"] {
                    let value = try limit.int()
                    guard value > 0 else { throw limit.error("max_participants must be positive") }
                    room.maxParticipants = value
                }
                return room
            }
        }
        if let admin = top["admin"] {
            let fields = try admin.mapping(allowed: ["listen", "token", "tls"])
            if let tls = fields["tls"] {
                let files = try tls.mapping(allowed: ["certificate", "key"])
                guard let certificate = files["certificate"], let key = files["key"] else {
                    throw tls.error("admin.tls needs both certificate and key")
                }
                config.admin.tls = TLSFiles(certificate: try certificate.string(), key: try key.string())
            }
            if let listen = fields["listen"] {
                let text = try listen.string()
                guard let (host, port) = parseHostPort(Substring(text)) else {
                    throw listen.error("admin.listen '\(text)' is not host:port")
                }
                config.admin.host = host
                config.admin.port = port
            }
            if let token = fields["token"] { config.admin.token = try token.string() }
        }
        if let state = top["state"] { config.state = try state.string() }
        if let log = top["log"] {
            let fields = try log.mapping(allowed: ["level", "format"])
            if let level = fields["level"] {
                let text = try level.string().lowercased()
                guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(text) else {
                    throw level.error("log.level '\(text)' is not one of trace, debug, info, notice, warning, error, critical")
                }
                config.log.level = text
            }
            if let format = fields["format"] {
                let text = try format.string()
                guard text == "text" || text == "json" else { throw format.error("log.format is text or json") }
                config.log.json = text == "json"
            }
        }
        if let lifecycle = top["lifecycle"] {
            let fields = try lifecycle.mapping(allowed: ["drain_timeout_seconds"])
            if let timeout = fields["drain_timeout_seconds"] {
                let value = try timeout.int()
                guard (0...86_400).contains(value) else {
                    throw timeout.error("lifecycle.drain_timeout_seconds must be 0-86400")
                }
                config.lifecycle.drainTimeoutSeconds = value
            }
        }
        try config.check(lines: top)
        return config
    }

    static func isValidRoomID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && id.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)
        }
    }

    /// Rules across keys.
    private func check(lines top: [String: ConfigNode]) throws(ConfigurationError) {
        let line = top["sip"]?.line ?? 0
        guard !sip.listen.isEmpty else { throw ConfigurationError(line: line, "sip.listen names no listener") }
        var seen = Set<String>()
        for address in sip.listen {
            // UDP and TCP may share a port number; two listeners of one transport may not.
            guard seen.insert(address.description).inserted else {
                throw ConfigurationError(line: line, "\(address) is listed twice")
            }
        }
    }
}

/// Splits `host:port`, `[v6]:port`.
func parseHostPort(_ text: Substring) -> (String, UInt16)? {
    let host: Substring
    let portText: Substring
    if text.hasPrefix("[") {
        guard let close = text.firstIndex(of: "]") else { return nil }
        host = text[text.index(after: text.startIndex)..<close]
        let after = text[text.index(after: close)...]
        guard after.hasPrefix(":") else { return nil }
        portText = after.dropFirst()
    } else {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        host = text[..<colon]
        portText = text[text.index(after: colon)...]
    }
    guard !host.isEmpty, let port = UInt16(portText), port > 0 else { return nil }
    return (String(host), port)
}

/// A YAML node with its line, and typed accessors whose errors name that line.
struct ConfigNode {
    let node: Node
    let path: String

    init(_ node: Node, path: String) {
        self.node = node
        self.path = path
    }

    var line: Int { node.mark?.line ?? 0 }

    func error(_ message: String) -> ConfigurationError {
        ConfigurationError(line: line, message)
    }

    func mapping(allowed: Set<String>) throws(ConfigurationError) -> [String: ConfigNode] {
        guard case .mapping(let mapping) = node else { throw error("\(path.isEmpty ? "the file" : path) must be a mapping") }
        var result: [String: ConfigNode] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw ConfigNode(key, path: path).error("keys must be strings") }
            let child = path.isEmpty ? name : "\(path).\(name)"
            guard allowed.contains(name) else {
                throw ConfigNode(key, path: child).error(
                    "unknown key '\(child)' (known here: \(allowed.sorted().joined(separator: ", ")))")
            }
            guard result[name] == nil else { throw ConfigNode(key, path: child).error("'\(child)' appears twice") }
            result[name] = ConfigNode(value, path: child)
        }
        return result
    }

    func pairs() throws(ConfigurationError) -> [(String, ConfigNode)] {
        guard case .mapping(let mapping) = node else { throw error("\(path) must be a mapping") }
        var result: [(String, ConfigNode)] = []
        for (key, value) in mapping {
            guard let name = key.string else { throw ConfigNode(key, path: path).error("keys must be strings") }
            result.append((name, ConfigNode(value, path: "\(path).\(name)")))
        }
        return result
    }

    func sequence() throws(ConfigurationError) -> [ConfigNode] {
        guard case .sequence(let sequence) = node else { throw error("\(path) must be a list") }
        return sequence.map { ConfigNode($0, path: path) }
    }

    func string() throws(ConfigurationError) -> String {
        guard case .scalar(let scalar) = node else { throw error("\(path) must be a string") }
        return scalar.string
    }

    func bool() throws(ConfigurationError) -> Bool {
        guard case .scalar = node, let value = node.bool else { throw error("\(path) must be true or false") }
        return value
    }

    func int() throws(ConfigurationError) -> Int {
        guard case .scalar = node, let value = node.int else { throw error("\(path) must be a whole number") }
        return value
    }

    func port() throws(ConfigurationError) -> UInt16 {
        let value = try int()
        guard let port = UInt16(exactly: value), port > 0 else { throw error("\(path) must be a port (1-65535)") }
        return port
    }
}
