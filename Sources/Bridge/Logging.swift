import Foundation
import Logging

/// Log lines on standard error: `2026-11-29T05:00:00Z info sip: listening udp://127.0.0.1:5060 key=value`, or one
/// JSON object per line with `log.format: json`.
public struct BridgeLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let json: Bool

    public init(label: String, level: Logger.Level, json: Bool) {
        self.label = label
        self.logLevel = level
        self.json = json
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
        LoggingSystem.bootstrap { label in BridgeLogHandler(label: label, level: parsed, json: json) }
    }
}
