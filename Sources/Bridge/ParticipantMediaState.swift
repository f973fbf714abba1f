import Foundation

/// What the media plane knows of one participant, for the admin API (`GET /v1/rooms/{id}/participants`).
/// The media plane fills it through `SignalingService.mediaState`; every field is optional because a call may not
/// have reached that stage (or the media plane may not track it yet).
struct ParticipantMediaState: Codable, Sendable, Equatable {
    /// One RTP stream as seen at the bridge.
    struct Stream: Codable, Sendable, Equatable {
        var ssrc: UInt32
        /// "audio", "video" or "application".
        var kind: String
        /// "inbound" (participant to bridge) or "outbound".
        var direction: String
        var packets: UInt64
        var bytes: UInt64
        /// Cumulative packets lost (RFC 3550 section 6.4.1: may be negative with duplicates).
        var lost: Int64
        /// Interarrival jitter in seconds.
        var jitter: Double
        /// For the participant's video: the CLUE encoding (its `a=label`) the stream arrives on, nil for its
        /// ordinary video; and the capture the bridge configured on that encoding.
        var encoding: String?
        var capture: String?
    }

    /// e.g. "checking", "connected", "failed".
    var iceState: String?
    /// e.g. "handshaking", "connected", "failed".
    var dtlsState: String?
    /// The CLUE channel state, e.g. "options", "advertised", "configured".
    var clueState: String?
    var capturesAdvertised: Int?
    var capturesConfigured: Int?
    var streams: [Stream]?

    init(iceState: String? = nil, dtlsState: String? = nil, clueState: String? = nil, capturesAdvertised: Int? = nil,
         capturesConfigured: Int? = nil, streams: [Stream]? = nil) {
        self.iceState = iceState
        self.dtlsState = dtlsState
        self.clueState = clueState
        self.capturesAdvertised = capturesAdvertised
        self.capturesConfigured = capturesConfigured
        self.streams = streams
    }
}

/// One participant in the admin API.
struct ParticipantView: Sendable, Equatable {
    var id: String
    var user: String?
    var displayName: String?
    /// "udp", "tcp" or "tls".
    var transport: String
    var joinedAt: Date
    var muted: ParticipantMute
    var media: ParticipantMediaState?
}
