import FlyingFox
import Foundation

/// Everything the admin API refuses, mapped to its HTTP status and error code in one place. Bodies are
/// `{"error": {"code": "...", "message": "..."}}`.
enum AdminError: Error, Sendable, Equatable {
    case unauthorized(String)
    case invalidJSON(String)
    case notAnObject
    case unknownField(String)
    case missingField(String)
    case invalidField(String, String)
    case unsupportedMediaType(String)
    case bodyTooLarge(Int)
    case notFound(String)
    case roomNotFound(String)
    case userNotFound(String)
    case participantNotFound(String)
    case methodNotAllowed(allowed: [String])
    case alreadyExists(String)
    /// Refused because the entry belongs to the configuration file (documented choice: 409, the request conflicts
    /// with the current state of the resource, not with the caller's rights).
    case definedInConfig(String)
    case draining
    case storage(String)

    var status: HTTPStatusCode {
        switch self {
        case .unauthorized: .unauthorized
        case .invalidJSON, .notAnObject, .unknownField, .missingField, .invalidField: .badRequest
        case .unsupportedMediaType: .unsupportedMediaType
        case .bodyTooLarge: .payloadTooLarge
        case .notFound, .roomNotFound, .userNotFound, .participantNotFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .alreadyExists, .definedInConfig: .conflict
        case .draining: .serviceUnavailable
        case .storage: .internalServerError
        }
    }

    var code: String {
        switch self {
        case .unauthorized: "unauthorized"
        case .invalidJSON, .notAnObject: "invalid_json"
        case .unknownField: "unknown_field"
        case .missingField: "missing_field"
        case .invalidField: "invalid_field"
        case .unsupportedMediaType: "unsupported_media_type"
        case .bodyTooLarge: "body_too_large"
        case .notFound: "not_found"
        case .roomNotFound: "room_not_found"
        case .userNotFound: "user_not_found"
        case .participantNotFound: "participant_not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .alreadyExists: "already_exists"
        case .definedInConfig: "defined_in_config"
        case .draining: "draining"
        case .storage: "storage_failed"
        }
    }

    var message: String {
        switch self {
        case .unauthorized(let why): why
        case .invalidJSON(let why): "the body is not valid JSON: \(why)"
        case .notAnObject: "the body must be a JSON object"
        case .unknownField(let name): "unknown field '\(name)'"
        case .missingField(let name): "the field '\(name)' is required"
        case .invalidField(let name, let why): "'\(name)' \(why)"
        case .unsupportedMediaType(let type): "the body must be application/json, not '\(type)'"
        case .bodyTooLarge(let limit): "the body is larger than \(limit) bytes"
        case .notFound(let what): "no resource \(what)"
        case .roomNotFound(let id): "no room '\(id)'"
        case .userNotFound(let name): "no user '\(name)'"
        case .participantNotFound(let id): "no participant '\(id)' in this room"
        case .methodNotAllowed(let allowed): "allowed here: \(allowed.joined(separator: ", "))"
        case .alreadyExists(let what): "\(what) already exists"
        case .definedInConfig(let what): "\(what) is defined in the configuration file and is read-only over the API"
        case .draining: "the bridge is draining: it accepts no new rooms or calls"
        case .storage(let why): "the state file could not be written: \(why)"
        }
    }

    var response: HTTPResponse {
        var response = AdminServer.error(status, code, message)
        switch self {
        case .unauthorized: response.headers[HTTPHeader("WWW-Authenticate")] = "Bearer"
        case .methodNotAllowed(let allowed): response.headers[HTTPHeader("Allow")] = allowed.joined(separator: ", ")
        case .draining: response.headers[HTTPHeader("Retry-After")] = "30"
        default: break
        }
        return response
    }
}

/// A JSON request body, read strictly: an object whose fields are all known, each of the expected type.
struct JSONBody {
    private let fields: [String: JSONValue]

    /// `allowed` nil: any field name.
    init(_ data: Data, allowed: Set<String>?) throws(AdminError) {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw .invalidJSON(data.isEmpty ? "it is empty" : "\(Self.describe(error))")
        }
        guard case .object(let fields) = value else { throw .notAnObject }
        if let allowed, let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw .unknownField(unknown)
        }
        self.fields = fields
    }

    var names: [String] { fields.keys.sorted() }

    func has(_ name: String) -> Bool { fields[name] != nil }

    func isNull(_ name: String) -> Bool { fields[name] == .null }

    func string(_ name: String) throws(AdminError) -> String? {
        switch fields[name] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw .invalidField(name, "must be a string")
        }
    }

    func bool(_ name: String) throws(AdminError) -> Bool? {
        switch fields[name] {
        case nil: return nil
        case .bool(let flag)?: return flag
        default: throw .invalidField(name, "must be true or false")
        }
    }

    func integer(_ name: String, in range: ClosedRange<Int>) throws(AdminError) -> Int? {
        switch fields[name] {
        case nil, .null?: return nil
        case .number(let number)?:
            guard number.rounded() == number, number >= Double(range.lowerBound), number <= Double(range.upperBound)
            else { throw .invalidField(name, "must be a whole number from \(range.lowerBound) to \(range.upperBound)") }
            return Int(number)
        default: throw .invalidField(name, "must be a whole number")
        }
    }

    private static func describe(_ error: Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return context.underlyingError.map { "\($0)" } ?? context.debugDescription
        }
        return "\(error)"
    }
}

/// Any JSON value. Booleans decode only from true/false, never from numbers.
enum JSONValue: Decodable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let items = try? container.decode([JSONValue].self) {
            self = .array(items)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }
}
