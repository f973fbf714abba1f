import Foundation
import GRDB
import SIP

/// The bridge's persistent state in SQLite (the `state` file) through GRDB: the rooms and users created over the
/// admin API and the room locks. Rooms and users of the configuration file are never written here: the file stays
/// their one source.
///
/// WAL journal with `synchronous=FULL`: a change the API has answered survives `kill -9` and a power cut, and
/// readers never wait for the writer. GRDB's pool serializes writes, so concurrent API calls are safe.
final class StateStore: Sendable {
    private let pool: DatabasePool

    init(path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
    }

    /// Append migrations; never edit one that has shipped.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1: rooms, users, room locks") { db in
            try db.create(table: StoredRoom.databaseTableName) { table in
                table.primaryKey("id", .text)
                table.column("name", .text)
                table.column("pin", .text)
                table.column("allow_anonymous", .boolean).notNull()
                table.column("allow_plain_rtp", .boolean).notNull()
                table.column("max_participants", .integer)
                table.column("locked", .boolean).notNull().defaults(to: false)
                table.column("created_at", .datetime).notNull()
            }
            try db.create(table: StoredUser.databaseTableName) { table in
                table.primaryKey("name", .text)
                // The realm the digests were made for: a user made for another realm cannot log in.
                table.column("realm", .text).notNull()
                table.column("ha1_md5", .text).notNull()
                table.column("ha1_sha256", .text).notNull()
                table.column("created_at", .datetime).notNull()
            }
            // Locks of rooms defined in the configuration file (API rooms keep theirs in `rooms.locked`).
            try db.create(table: "config_room_locks") { table in
                table.primaryKey("room_id", .text)
            }
        }
        migrator.registerMigration("2: room video layout") { db in
            try db.alter(table: StoredRoom.databaseTableName) { table in
                table.add(column: "video_layout", .text).notNull().defaults(to: "speaker")
            }
        }
        return migrator
    }

    // MARK: Rooms

    func rooms() throws -> [StoredRoom] {
        try pool.read { try StoredRoom.order(Column("id")).fetchAll($0) }
    }

    func lockedConfigRooms() throws -> Set<String> {
        try pool.read { Set(try String.fetchAll($0, sql: "SELECT room_id FROM config_room_locks")) }
    }

    /// Inserts or replaces.
    func save(_ room: StoredRoom) throws {
        try pool.write { try room.save($0) }
    }

    func deleteRoom(_ id: String) throws {
        try pool.write { db in
            _ = try StoredRoom.deleteOne(db, key: id)
            try db.execute(sql: "DELETE FROM config_room_locks WHERE room_id = ?", arguments: [id])
        }
    }

    func setConfigRoomLocked(_ id: String, _ locked: Bool) throws {
        try pool.write { db in
            if locked {
                try db.execute(sql: "INSERT OR IGNORE INTO config_room_locks (room_id) VALUES (?)", arguments: [id])
            } else {
                try db.execute(sql: "DELETE FROM config_room_locks WHERE room_id = ?", arguments: [id])
            }
        }
    }

    // MARK: Users

    func users() throws -> [StoredUser] {
        try pool.read { try StoredUser.order(Column("name")).fetchAll($0) }
    }

    func save(_ user: StoredUser) throws {
        try pool.write { try user.save($0) }
    }

    func deleteUser(_ name: String) throws {
        try pool.write { _ = try StoredUser.deleteOne($0, key: name) }
    }
}

/// A room created over the admin API, as stored.
struct StoredRoom: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "rooms"

    var id: String
    var name: String?
    var pin: String?
    var allowAnonymous: Bool
    var allowPlainRTP: Bool
    var maxParticipants: Int?
    var videoLayout: String
    var locked: Bool
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, pin, locked
        case videoLayout = "video_layout"
        case allowAnonymous = "allow_anonymous"
        case allowPlainRTP = "allow_plain_rtp"
        case maxParticipants = "max_participants"
        case createdAt = "created_at"
    }

    var definition: BridgeConfiguration.Room {
        BridgeConfiguration.Room(id: id, name: name, allowAnonymous: allowAnonymous, allowPlainRTP: allowPlainRTP,
                                 pin: pin, maxParticipants: maxParticipants,
                                 videoLayout: BridgeConfiguration.VideoLayout(rawValue: videoLayout) ?? .speaker)
    }

    init(_ room: BridgeConfiguration.Room, locked: Bool, createdAt: Date) {
        id = room.id
        name = room.name
        pin = room.pin
        allowAnonymous = room.allowAnonymous
        allowPlainRTP = room.allowPlainRTP
        maxParticipants = room.maxParticipants
        videoLayout = room.videoLayout.rawValue
        self.locked = locked
        self.createdAt = createdAt
    }
}

/// A user created over the admin API: only the HA1 digests of RFC 7616 (never the password).
struct StoredUser: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "users"

    var name: String
    var realm: String
    var ha1MD5: String
    var ha1SHA256: String
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case name, realm
        case ha1MD5 = "ha1_md5"
        case ha1SHA256 = "ha1_sha256"
        case createdAt = "created_at"
    }

    var ha1: DigestHA1 { DigestHA1(sha256: ha1SHA256, md5: ha1MD5) }
}
