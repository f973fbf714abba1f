import Dispatch
import Foundation
import Logging
import SIP

/// The signaling service and the queue it is confined to, handed to the admin side.
struct SignalingHandle: @unchecked Sendable {
    let queue: DispatchQueue
    let service: SignalingService

    /// Runs `body` on the signaling queue and waits for it (microseconds: the service never waits for anyone).
    func sync<T>(_ body: (SignalingService) throws -> T) rethrows -> T {
        try queue.sync { try body(service) }
    }
}

/// What the admin API changes: rooms, users and participants. Every change is written to the state file first and
/// then applied to the signaling service, both inside one actor call without suspension, so concurrent API calls
/// are applied in the order they were stored.
actor AdminService {
    private let configuration: BridgeConfiguration
    private let store: StateStore
    private let signaling: SignalingHandle
    private let isDraining: @Sendable () -> Bool
    private let logger: Logger
    private var directory: Directory

    init(configuration: BridgeConfiguration, store: StateStore, signaling: SignalingHandle,
         isDraining: @escaping @Sendable () -> Bool, logger: Logger) throws {
        self.configuration = configuration
        self.store = store
        self.signaling = signaling
        self.isDraining = isDraining
        self.logger = logger
        directory = Directory(configuration: configuration, storedRooms: try store.rooms(),
                              lockedConfigRooms: try store.lockedConfigRooms(), storedUsers: try store.users())
        for note in directory.notes { logger.warning("\(note)") }
        let rooms = Array(directory.rooms.values), credentials = directory.credentials
        signaling.sync { $0.install(rooms: rooms, users: credentials) }
    }

    // MARK: Rooms

    func rooms() -> [RoomView] {
        let counts = signaling.sync { $0.participantCounts() }
        return directory.rooms.values.sorted { $0.definition.id < $1.definition.id }
            .map { RoomView($0, participants: counts[$0.definition.id] ?? 0) }
    }

    func room(_ id: String) throws(AdminError) -> RoomView {
        let entry = try roomEntry(id)
        return RoomView(entry, participants: signaling.sync { $0.participantCounts()[id] ?? 0 })
    }

    func createRoom(_ body: JSONBody) throws(AdminError) -> RoomView {
        guard !isDraining() else { throw .draining }
        guard let id = try body.string("id") else { throw .missingField("id") }
        guard BridgeConfiguration.isValidRoomID(id) else {
            throw .invalidField("id", "must be 1-64 characters of A-Z a-z 0-9 . _ -")
        }
        if let existing = directory.rooms[id] {
            throw existing.source == .config ? .definedInConfig("room '\(id)'") : .alreadyExists("room '\(id)'")
        }
        var definition = BridgeConfiguration.Room(id: id)
        try Self.apply(body, to: &definition)
        let entry = RoomEntry(definition: definition, source: .api, locked: try body.bool("locked") ?? false,
                              createdAt: Self.now())
        try save(entry)
        logger.info("room created", metadata: ["room": "\(id)"])
        return RoomView(entry, participants: 0)
    }

    func updateRoom(_ id: String, _ body: JSONBody) throws(AdminError) -> RoomView {
        var entry = try mutableRoom(id)
        try Self.apply(body, to: &entry.definition)
        try save(entry)
        logger.info("room changed", metadata: ["room": "\(id)"])
        return try room(id)
    }

    /// Deletes an API room and hangs up everybody in it; a configuration room of the same id comes back.
    func deleteRoom(_ id: String) throws(AdminError) -> Int {
        _ = try mutableRoom(id)
        do { try store.deleteRoom(id) } catch { throw storageFailure(error) }
        directory.rooms[id] = configuration.rooms.first { $0.id == id }.map {
            RoomEntry(definition: $0, source: .config, locked: false, createdAt: nil)
        }
        let restored = directory.rooms[id]
        let hungUp = signaling.sync { service in
            let count = service.remove(room: id)
            if let restored { service.upsert(room: restored) }
            return count
        }
        logger.info("room deleted", metadata: ["room": "\(id)", "hung_up": "\(hungUp)"])
        return hungUp
    }

    /// Locks apply to configuration rooms too: locking is operating a room, not redefining it.
    func setLocked(_ id: String, _ locked: Bool) throws(AdminError) -> RoomView {
        var entry = try roomEntry(id)
        entry.locked = locked
        if entry.source == .config {
            do { try store.setConfigRoomLocked(id, locked) } catch { throw storageFailure(error) }
            directory.rooms[id] = entry
            signaling.sync { $0.upsert(room: entry) }
        } else {
            try save(entry)
        }
        logger.info(locked ? "room locked" : "room unlocked", metadata: ["room": "\(id)"])
        return try room(id)
    }

    // MARK: Participants

    func participants(in room: String) throws(AdminError) -> [ParticipantView] {
        _ = try roomEntry(room)
        return signaling.sync { $0.participants(in: room) }
    }

    func kick(_ participant: String, in room: String) throws(AdminError) {
        _ = try roomEntry(room)
        let found = signaling.sync { service -> Bool in
            guard let dialog = service.dialog(ofParticipant: participant, in: room) else { return false }
            service.kick(dialog)
            return true
        }
        guard found else { throw .participantNotFound(participant) }
        logger.info("participant kicked", metadata: ["room": "\(room)", "participant": "\(participant)"])
    }

    func mute(_ participant: String, in room: String, _ body: JSONBody) throws(AdminError) -> ParticipantView {
        _ = try roomEntry(room)
        guard let mediaName = try body.string("media") else { throw .missingField("media") }
        guard let media = ParticipantMute.Media(rawValue: mediaName) else {
            throw .invalidField("media", "must be \"audio\" or \"video\"")
        }
        guard let muted = try body.bool("muted") else { throw .missingField("muted") }
        let view = signaling.sync { service -> ParticipantView? in
            guard let dialog = service.dialog(ofParticipant: participant, in: room) else { return nil }
            service.setMuted(muted, media: media, for: dialog)
            return service.participants(in: room).first { $0.id == participant }
        }
        guard let view else { throw .participantNotFound(participant) }
        logger.info(muted ? "participant muted" : "participant unmuted",
                    metadata: ["room": "\(room)", "participant": "\(participant)", "media": "\(mediaName)"])
        return view
    }

    // MARK: Users

    func users() -> [UserView] {
        directory.users.values.sorted { $0.name < $1.name }.map(UserView.init)
    }

    func user(_ name: String) throws(AdminError) -> UserView {
        guard let entry = directory.users[name] else { throw .userNotFound(name) }
        return UserView(entry)
    }

    func createUser(_ body: JSONBody) throws(AdminError) -> UserView {
        guard let name = try body.string("name") else { throw .missingField("name") }
        guard Self.isValidUserName(name) else {
            throw .invalidField("name", "must be 1-64 characters of A-Z a-z 0-9 . _ - + @")
        }
        if let existing = directory.users[name] {
            throw existing.source == .config ? .definedInConfig("user '\(name)'") : .alreadyExists("user '\(name)'")
        }
        let entry = try saveUser(name, password: try Self.password(body), createdAt: Self.now())
        logger.info("user created", metadata: ["user": "\(name)"])
        return UserView(entry)
    }

    func updateUser(_ name: String, _ body: JSONBody) throws(AdminError) -> UserView {
        let existing = try mutableUser(name)
        let entry = try saveUser(name, password: try Self.password(body),
                                 createdAt: existing.createdAt ?? Self.now())
        logger.info("user password changed", metadata: ["user": "\(name)"])
        return UserView(entry)
    }

    /// Calls already admitted go on; the user cannot start new ones.
    func deleteUser(_ name: String) throws(AdminError) {
        _ = try mutableUser(name)
        do { try store.deleteUser(name) } catch { throw storageFailure(error) }
        let restored = configuration.auth.users[name].map {
            UserEntry(name: name, ha1: DigestHA1.derive(username: name, realm: configuration.auth.realm, password: $0),
                      source: .config, createdAt: nil)
        }
        directory.users[name] = restored
        signaling.sync { $0.setCredential(restored?.ha1, for: name) }
        logger.info("user deleted", metadata: ["user": "\(name)"])
    }

    // MARK: Helpers

    private func roomEntry(_ id: String) throws(AdminError) -> RoomEntry {
        guard let entry = directory.rooms[id] else { throw .roomNotFound(id) }
        return entry
    }

    private func mutableRoom(_ id: String) throws(AdminError) -> RoomEntry {
        let entry = try roomEntry(id)
        guard entry.source == .api else { throw .definedInConfig("room '\(id)'") }
        return entry
    }

    private func mutableUser(_ name: String) throws(AdminError) -> UserEntry {
        guard let entry = directory.users[name] else { throw .userNotFound(name) }
        guard entry.source == .api else { throw .definedInConfig("user '\(name)'") }
        return entry
    }

    private func save(_ entry: RoomEntry) throws(AdminError) {
        do {
            try store.save(StoredRoom(entry.definition, locked: entry.locked, createdAt: entry.createdAt ?? Self.now()))
        } catch {
            throw storageFailure(error)
        }
        directory.rooms[entry.definition.id] = entry
        signaling.sync { $0.upsert(room: entry) }
    }

    private func saveUser(_ name: String, password: String, createdAt: Date) throws(AdminError) -> UserEntry {
        let ha1 = DigestHA1.derive(username: name, realm: configuration.auth.realm, password: password)
        let stored = StoredUser(name: name, realm: configuration.auth.realm, ha1MD5: ha1.md5, ha1SHA256: ha1.sha256,
                                createdAt: createdAt)
        do { try store.save(stored) } catch { throw storageFailure(error) }
        let entry = UserEntry(name: name, ha1: ha1, source: .api, createdAt: createdAt)
        directory.users[name] = entry
        signaling.sync { $0.setCredential(ha1, for: name) }
        return entry
    }

    private func storageFailure(_ error: Error) -> AdminError {
        logger.error("state file write failed", metadata: ["error": "\(error)"])
        return .storage("\(error)")
    }

    /// The room fields a body may set (POST and PATCH); `null` clears an optional one.
    private static func apply(_ body: JSONBody, to room: inout BridgeConfiguration.Room) throws(AdminError) {
        if body.has("name") {
            let name = try body.string("name")
            if let name, name.unicodeScalars.count > 128 || name.isEmpty || name.unicodeScalars.contains(where: {
                $0.value < 0x20 || $0.value == 0x7f
            }) {
                throw .invalidField("name", "must be 1-128 characters without control characters")
            }
            room.name = name
        }
        if body.has("pin") {
            let pin = try body.string("pin")
            if let pin, pin.isEmpty || pin.count > 16 || !pin.allSatisfy({ $0.isASCII && $0.isNumber }) {
                throw .invalidField("pin", "must be 1-16 digits")
            }
            room.pin = pin
        }
        if let flag = try body.bool("allow_anonymous") { room.allowAnonymous = flag }
        if let flag = try body.bool("allow_plain_rtp") { room.allowPlainRTP = flag }
        if body.has("max_participants") {
            room.maxParticipants = try body.integer("max_participants", in: 1...10_000)
        }
        if body.has("video_layout") {
            let names = BridgeConfiguration.VideoLayout.allCases.map(\.rawValue)
            guard let text = try body.string("video_layout"),
                  let layout = BridgeConfiguration.VideoLayout(rawValue: text) else {
                throw .invalidField("video_layout", "must be one of \(names.joined(separator: ", "))")
            }
            room.videoLayout = layout
        }
    }

    private static func password(_ body: JSONBody) throws(AdminError) -> String {
        guard let password = try body.string("password") else { throw .missingField("password") }
        guard (1...256).contains(password.unicodeScalars.count) else {
            throw .invalidField("password", "must be 1-256 characters")
        }
        return password
    }

    static func isValidUserName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || "._-+@".unicodeScalars.contains($0)
        }
    }

    /// Whole seconds: what the API shows and what SQLite stores are then the same instant.
    private static func now() -> Date {
        Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
    }

    static let allowedRoomFields: Set<String> = ["id", "name", "pin", "allow_anonymous", "allow_plain_rtp",
                                                 "max_participants", "locked", "video_layout"]
    static let allowedRoomPatchFields: Set<String> = ["name", "pin", "allow_anonymous", "allow_plain_rtp",
                                                      "max_participants", "video_layout"]
}
