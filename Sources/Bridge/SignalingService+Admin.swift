import Foundation
import SIP

/// What the admin API and the operator need from the SIP side: the room and credential tables it admits against,
/// the participants it knows, kick, mute, drain and the counters behind metrics. Kept apart from
/// SignalingService.swift, whose functions only call in here at a few marked points.
///
/// Confined to the signaling queue, like the rest of the service.
extension SignalingService {
    // MARK: Rooms and credentials (pushed by AdminService after each change it has stored)

    func install(rooms definitions: [RoomEntry], users: [String: DigestHA1]) {
        rooms = Dictionary(uniqueKeysWithValues: definitions.map { ($0.definition.id, Room(entry: $0)) })
        credentials = users
    }

    func upsert(room entry: RoomEntry) {
        rooms[entry.definition.id] = Room(entry: entry)
    }

    /// Removes the room and hangs up everybody in it; returns how many calls were hung up.
    func remove(room id: String) -> Int {
        rooms[id] = nil
        return hangUp(room: id)
    }

    /// BYE to every participant of a room.
    func hangUp(room id: String) -> Int {
        let inRoom = calls.filter { $0.value.room == id }.map(\.key)
        for dialog in inRoom { kick(dialog) }
        return inRoom.count
    }

    func setCredential(_ ha1: DigestHA1?, for user: String) {
        credentials[user] = ha1
    }

    // MARK: Participants

    /// The participants of a room as the admin API shows them.
    func participants(in room: String) -> [ParticipantView] {
        let now = ContinuousClock.now
        let wallNow = Date()
        return calls.filter { $0.value.room == room }
            .map { id, call in
                let elapsed = now - call.started
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                let flow = call.dialog.remoteFlow
                return ParticipantView(
                    id: Self.participantID(id), user: call.user, displayName: call.dialog.remoteParty.displayName,
                    transport: (flow?.transport ?? .udp).rawValue.lowercased(),
                    joinedAt: wallNow.addingTimeInterval(-seconds),
                    muted: controls[id]?.muted ?? ParticipantMute(), media: mediaState(id))
            }
            .sorted { ($0.joinedAt, $0.id) < ($1.joinedAt, $1.id) }
    }

    func dialog(ofParticipant participant: String, in room: String) -> DialogID? {
        calls.first { $0.value.room == room && Self.participantID($0.key) == participant }?.key
    }

    /// Hangs up one participant with a BYE, once.
    func kick(_ id: DialogID) {
        guard calls[id] != nil, controls[id]?.leaving != true else { return }
        controls[id, default: ParticipantControls()].leaving = true
        hangUp(id)
    }

    /// Stores what the admin asked for; the media plane reads it with `controls[id]`.
    func setMuted(_ muted: Bool, media: ParticipantMute.Media, for id: DialogID) {
        guard calls[id] != nil else { return }
        switch media {
        case .audio: controls[id, default: ParticipantControls()].muted.audio = muted
        case .video: controls[id, default: ParticipantControls()].muted.video = muted
        }
        // The media plane applies it: out of everyone's mix, or never shown as anyone's video.
        self.media?.setMuted(muted, video: media == .video, call: id)
    }

    /// A participant's id in the API: stable for the call's life, not guessable from outside the dialog
    /// (FNV-1a over the dialog identifiers, which include both random tags).
    static func participantID(_ id: DialogID) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(id.callID)\u{0}\(id.localTag)\u{0}\(id.remoteTag)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16).leftPadded(to: 16)
    }

    // MARK: Counts

    func participantCounts() -> [String: Int] {
        var counts: [String: Int] = [:]
        for call in calls.values { counts[call.room, default: 0] += 1 }
        return counts
    }

    func statistics() -> SignalingStatistics {
        SignalingStatistics(calls: calls.count, roomsWithCalls: Set(calls.values.map(\.room)).count,
                            callsStarted: counters.callsStarted, callsEnded: counters.callsEnded,
                            authFailures: counters.authFailures, malformedMessages: counters.malformed,
                            draining: draining)
    }

    // MARK: Hooks called from SignalingService.swift

    /// A call entered or left `calls`.
    func participant(_ id: DialogID, joined: Bool) {
        if joined {
            BridgeMetrics.shared.callStarted()
        } else {
            controls[id] = nil
        }
        callsChanged?()
    }

    /// Counts INVITEs refused with a final response (challenges are not failures).
    func observe(_ response: SIPResponse) {
        guard response.statusCode >= 300, response.statusCode != 401, response.statusCode != 407,
              response.headers.cseq?.method == .invite else { return }
        BridgeMetrics.shared.callFailed(reason: CallFailure(response))
    }

    /// While draining: 503 with Retry-After, so a dispatcher in front retries on another bridge (RFC 3261
    /// section 21.5.4).
    func drainingRefusal(_ request: SIPRequest, toTag: String) -> SIPResponse {
        var response = SIPResponse(answering: request, statusCode: 503, reasonPhrase: "Draining", toTag: toTag)
        response.headers.append(.retryAfter, "30")
        return response
    }
}

/// A room as the signaling service admits to it, made from its full definition.
extension SignalingService.Room {
    init(entry: RoomEntry) {
        self.init(id: entry.definition.id, allowAnonymous: entry.definition.allowAnonymous,
                  allowPlainRTP: entry.definition.allowPlainRTP, maxParticipants: entry.definition.maxParticipants,
                  locked: entry.locked, pin: entry.definition.pin, videoLayout: entry.definition.videoLayout)
    }
}

/// What the admin asked of a participant, kept beside its call.
struct ParticipantControls: Sendable, Equatable {
    var muted = ParticipantMute()
    /// A BYE is on its way (kicked or room deleted).
    var leaving = false
}

struct ParticipantMute: Codable, Sendable, Equatable {
    enum Media: String, Sendable {
        case audio, video
    }

    var audio = false
    var video = false
}

struct SignalingStatistics: Sendable {
    var calls: Int
    var roomsWithCalls: Int
    var callsStarted: Int
    var callsEnded: Int
    var authFailures: Int
    var malformedMessages: Int
    var draining: Bool
}

/// Why an INVITE did not become a call: the `reason` label of `cluemcu_calls_failed_total`.
enum CallFailure: String, Sendable, CaseIterable {
    case unknownRoom = "unknown_room"
    case roomLocked = "room_locked"
    case roomFull = "room_full"
    case forbidden
    case offerRejected = "offer_rejected"
    case draining
    case other

    init(_ response: SIPResponse) {
        switch response.statusCode {
        case 404: self = .unknownRoom
        case 403: self = response.reasonPhrase == "Room Locked" ? .roomLocked : .forbidden
        case 486: self = .roomFull
        case 488: self = .offerRejected
        case 503: self = .draining
        default: self = .other
        }
    }
}

extension String {
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}

/// Failures per source within a sliding window: past `limit`, the source is refused until the window passes.
struct FailureThrottle {
    let limit: Int
    let window: Duration
    private var failures: [String: [ContinuousClock.Instant]] = [:]

    init(limit: Int, window: Duration) {
        self.limit = limit
        self.window = window
    }

    func isThrottled(_ source: String, now: ContinuousClock.Instant) -> Bool {
        (failures[source]?.filter { now - $0 < window }.count ?? 0) > limit
    }

    /// Records one failure; true when this one made the source throttled (log it once).
    mutating func record(_ source: String, now: ContinuousClock.Instant) -> Bool {
        if failures.count > 10_000 { failures = failures.filter { $0.value.contains { now - $0 < window } } }
        var recent = (failures[source] ?? []).filter { now - $0 < window }
        recent.append(now)
        failures[source] = recent
        return recent.count == limit + 1
    }
}
