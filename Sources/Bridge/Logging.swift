import Foundation
import Logging

/// Log lines on standard error: `2026-11-29T05:00:00Z info sip: listening udp://127.0.0.1:5060 key=value`, or one
/// JSON object per line with `log.format: json`.
///
/// The level is looked up per subsystem (the logger's label) in `LogLevels.shared` on every call, so the admin API
/// can change it at run time for loggers that already exist.
public struct BridgeLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let json: Bool

    public var logLevel: Logger.Level {
        get { LogLevels.shared.level(of: label) }
        set { LogLevels.shared.set(newValue, for: label) }
    }

    public init(label: String, level: Logger.Level, json: Bool) {
        self.label = label
        self.json = json
        LogLevels.shared.register(label)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let time = Date().formatted(.iso8601)
        var fields = metadata
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        let line: String
        if json {
            var object: [String: String] = ["time": time, "level": event.level.rawValue, "subsystem": label,
                                            "message": event.message.description]
            for (key, value) in fields { object[key] = value.description }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        } else {
            let extras = fields.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
            line = "\(time) \(event.level.rawValue) \(label): \(event.message)\(extras)"
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Installs the handler for the whole process (once, at start).
    public static func bootstrap(level: String, json: Bool) {
        let parsed = Logger.Level(rawValue: level) ?? .info
        LogLevels.shared.setDefault(parsed)
        LoggingSystem.bootstrap { label in BridgeLogHandler(label: label, level: parsed, json: json) }
    }
}

/// The log level of each subsystem: the default (`log.level`) unless the admin API set one for it.
public final class LogLevels: @unchecked Sendable {
    public static let shared = LogLevels()
    private let lock = NSLock()
    private var defaultLevel: Logger.Level = .info
    private var levels: [String: Logger.Level] = [:]
    private var known: Set<String> = []

    func register(_ subsystem: String) {
        lock.withLock { _ = known.insert(subsystem) }
    }

    func setDefault(_ level: Logger.Level) {
        lock.withLock { defaultLevel = level }
    }

    func level(of subsystem: String) -> Logger.Level {
        lock.withLock { levels[subsystem] ?? defaultLevel }
    }

    func set(_ level: Logger.Level, for subsystem: String) {
        lock.withLock { levels[subsystem] = level }
    }

    /// Every subsystem that has logged or been set, with its level now, and `default`.
    func snapshot() -> [String: Logger.Level] {
        lock.withLock {
            var result: [String: Logger.Level] = ["default": defaultLevel]
            for name in known.union(levels.keys) { result[name] = levels[name] ?? defaultLevel }
            return result
        }
    }

    /// `[a-z][a-z0-9._-]{0,31}`, as in the OpenAPI document.
    static func isValidSubsystem(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first), name.unicodeScalars.count <= 32
        else { return false }
        return name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)
        }
    }
}
