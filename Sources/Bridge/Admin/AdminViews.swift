import Foundation

/// A room as the admin API shows it (the PIN itself is never shown, only whether there is one).
struct RoomView: Encodable, Sendable {
    var id: String
    var name: String?
    var hasPin: Bool
    var allowAnonymous: Bool
    var allowPlainRTP: Bool
    var maxParticipants: Int?
    var videoLayout: String
    var locked: Bool
    var source: EntrySource
    var createdAt: Date?
    var participants: Int

    init(_ entry: RoomEntry, participants: Int) {
        id = entry.definition.id
        name = entry.definition.name
        hasPin = entry.definition.pin != nil
        allowAnonymous = entry.definition.allowAnonymous
        allowPlainRTP = entry.definition.allowPlainRTP
        maxParticipants = entry.definition.maxParticipants
        videoLayout = entry.definition.videoLayout.rawValue
        locked = entry.locked
        source = entry.source
        createdAt = entry.createdAt
        self.participants = participants
    }

    enum CodingKeys: String, CodingKey {
        case id, name, locked, source, participants
        case hasPin = "has_pin"
        case allowAnonymous = "allow_anonymous"
        case allowPlainRTP = "allow_plain_rtp"
        case maxParticipants = "max_participants"
        case videoLayout = "video_layout"
        case createdAt = "created_at"
    }
}

/// A user as the admin API shows it: never a password or a digest.
struct UserView: Encodable, Sendable {
    var name: String
    var source: EntrySource
    var createdAt: Date?

    init(_ entry: UserEntry) {
        name = entry.name
        source = entry.source
        createdAt = entry.createdAt
    }

    enum CodingKeys: String, CodingKey {
        case name, source
        case createdAt = "created_at"
    }
}

extension ParticipantView: Encodable {
    enum CodingKeys: String, CodingKey {
        case id, user, transport, muted, ice, dtls, clue, streams
        case displayName = "display_name"
        case joinedAt = "joined_at"
        case capturesAdvertised = "captures_advertised"
        case capturesConfigured = "captures_configured"
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encodeIfPresent(user, forKey: .user)
        try container.encodeIfPresent(displayName, forKey: .displayName)
        try container.encode(transport, forKey: .transport)
        try container.encode(joinedAt, forKey: .joinedAt)
        try container.encode(muted, forKey: .muted)
        try container.encodeIfPresent(media?.iceState, forKey: .ice)
        try container.encodeIfPresent(media?.dtlsState, forKey: .dtls)
        try container.encodeIfPresent(media?.clueState, forKey: .clue)
        try container.encodeIfPresent(media?.capturesAdvertised, forKey: .capturesAdvertised)
        try container.encodeIfPresent(media?.capturesConfigured, forKey: .capturesConfigured)
        try container.encode(media?.streams ?? [], forKey: .streams)
    }
}
