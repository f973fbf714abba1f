import Foundation
import SIP

/// Where a room or user is defined. Configuration entries are read-only over the API (the file is their one
/// source, and an edit over the API would be lost at the next restart or contradict the file).
enum EntrySource: String, Sendable, Codable {
    case config, api
}

struct RoomEntry: Sendable, Equatable {
    var definition: BridgeConfiguration.Room
    var source: EntrySource
    var locked: Bool
    var createdAt: Date?
}

struct UserEntry: Sendable, Equatable {
    var name: String
    var ha1: DigestHA1
    var source: EntrySource
    var createdAt: Date?
}

/// The rooms and users callers meet: those of the configuration file beside those created over the API. When both
/// define one id (the file was edited after the API created it), the API's wins, as the issue asks: it is the
/// newer, deliberate act; deleting the API's entry brings the file's back.
struct Directory: Sendable, Equatable {
    var rooms: [String: RoomEntry] = [:]
    var users: [String: UserEntry] = [:]
    /// Explanations of what was shadowed or skipped while merging, for the log.
    var notes: [String] = []

    init(configuration: BridgeConfiguration, storedRooms: [StoredRoom], lockedConfigRooms: Set<String>,
         storedUsers: [StoredUser]) {
        for room in configuration.rooms {
            rooms[room.id] = RoomEntry(definition: room, source: .config, locked: lockedConfigRooms.contains(room.id),
                                       createdAt: nil)
        }
        for stored in storedRooms {
            if rooms[stored.id] != nil {
                notes.append("room '\(stored.id)' is defined in the configuration file and over the API: the API's definition is used")
            }
            rooms[stored.id] = RoomEntry(definition: stored.definition, source: .api, locked: stored.locked,
                                         createdAt: stored.createdAt)
        }
        for (name, password) in configuration.auth.users {
            users[name] = UserEntry(name: name, ha1: DigestHA1.derive(username: name, realm: configuration.auth.realm,
                                                                      password: password),
                                    source: .config, createdAt: nil)
        }
        for stored in storedUsers {
            guard stored.realm == configuration.auth.realm else {
                notes.append("user '\(stored.name)' was created for realm '\(stored.realm)', not '\(configuration.auth.realm)': set a new password over the API")
                continue
            }
            if users[stored.name] != nil {
                notes.append("user '\(stored.name)' is defined in the configuration file and over the API: the API's credentials are used")
            }
            users[stored.name] = UserEntry(name: stored.name, ha1: stored.ha1, source: .api, createdAt: stored.createdAt)
        }
    }

    var credentials: [String: DigestHA1] { users.mapValues(\.ha1) }
}
