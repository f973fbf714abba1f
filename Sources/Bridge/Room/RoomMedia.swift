import Conference
import Dispatch
import Logging
import Media
import SDP

/// One room's media decisions, on the room's own serial queue: the audio mixer (every 20 ms), the speaker tracker,
/// and which participant's video each receiver gets (the current speaker's, or the previous one for the speaker
/// itself: the SoundLevel:0 capture of RFC 8845). The I/O queue executes what this decides.
final class RoomMedia: @unchecked Sendable {
    struct Member {
        let session: MediaSession
        var legs: MediaLegs
        let name: String
        /// The video streams it sends, oldest first, with the mid they carried (if any).
        var videoStreams: [(ssrc: UInt32, mid: String?)] = []
        /// Its captures the bridge configured and it accepted: capture ID to its encoding ID (the `a=label` of the
        /// section the capture flows on).
        var captureEncodings: [String: String] = [:]

        /// Its ordinary video: the newest stream on no CLUE encoding.
        var videoSSRC: UInt32? {
            videoStreams.last { legs.videoEncoding(ssrc: $0.ssrc, mid: $0.mid) == nil }?.ssrc
        }

        /// The stream and section carrying one of its captures (RFC 8848: the encoding it was configured on), or
        /// its ordinary video while that capture does not flow (not configured yet, or a site without CLUE media).
        func videoSource(capture: String?) -> (ssrc: UInt32, leg: MediaLegs.Leg)? {
            if let capture, let label = captureEncodings[capture], let leg = legs.clueReceive[label],
               let stream = videoStreams.last(where: { legs.videoEncoding(ssrc: $0.ssrc, mid: $0.mid) == label }) {
                return (stream.ssrc, leg)
            }
            guard let ssrc = videoSSRC, let leg = legs.video else { return nil }
            return (ssrc, leg)
        }
    }

    let id: String
    let queue: DispatchQueue
    private unowned let service: MediaService
    private let logger: Logger
    private let mixer = AudioMixer<ObjectIdentifier>()
    private var tracker: SpeakerTracker
    private var members: [ObjectIdentifier: Member] = [:]
    /// Join order: who is shown before anyone has spoken.
    private var joined: [ObjectIdentifier] = []
    private var videoPlan: [MediaService.VideoRoute] = []
    /// Video streams seen before their session's join reached this queue.
    private var earlyVideoStreams: [ObjectIdentifier: [(ssrc: UInt32, mid: String?)]] = [:]
    /// The compositions the plan uses, by what they show (made when someone first shows those sites composed).
    private var compositions: [VideoComposition.Key: VideoComposition] = [:]
    /// Participants the operator muted: never shown to anyone.
    private var videoMuted: Set<ObjectIdentifier> = []
    private var timer: DispatchSourceTimer?

    init(id: String, service: MediaService, logger: Logger) {
        self.id = id
        self.service = service
        self.logger = logger
        queue = DispatchQueue(label: "room-media", qos: .userInteractive, target: service.sessionTarget)
        tracker = SpeakerTracker(start: .now)
    }

    var isEmpty: Bool { members.isEmpty }

    // MARK: Membership (room queue)

    func join(_ session: MediaSession, legs: MediaLegs) {
        let key = ObjectIdentifier(session)
        members[key] = Member(session: session, legs: legs, name: session.id.callID,
                              videoStreams: earlyVideoStreams.removeValue(forKey: key) ?? [])
        joined.append(key)
        if let codecs = legs.audioCodecs {
            do {
                try mixer.addParticipant(key, sending: codecs.sending, receiving: codecs.receiving)
            } catch {
                logger.warning("participant not mixed", metadata: ["call": "\(session.id.callID)",
                                                                   "reason": "\(error)"])
            }
        }
        startTimer()
        replan()
    }

    func leave(_ session: MediaSession) {
        let key = ObjectIdentifier(session)
        earlyVideoStreams[key] = nil
        guard members.removeValue(forKey: key) != nil else { return }
        joined.removeAll { $0 == key }
        videoMuted.remove(key)
        mixer.removeParticipant(key)
        tracker.remove(session.id.callID)
        replan()
        if members.isEmpty {
            timer?.cancel()
            timer = nil
        }
    }

    func setMuted(_ muted: Bool, video: Bool, session: MediaSession) {
        let key = ObjectIdentifier(session)
        if video {
            if muted { videoMuted.insert(key) } else { videoMuted.remove(key) }
            replan()
        } else {
            mixer.setMuted(muted, for: key)
        }
    }

    func legsChanged(_ session: MediaSession, _ legs: MediaLegs) {
        let key = ObjectIdentifier(session)
        guard members[key] != nil else { return }
        members[key]?.legs = legs
        replan()
    }

    // MARK: Input from the I/O queue

    /// Audio packets from the I/O queue, taken at each mixing tick.
    let inbox = PacketInbox(capacity: 1_024, slotBytes: PacketInbox.audioSlotBytes)

    private func receiveAudio(_ entry: PacketInbox.Entry, payload: UnsafeRawBufferPointer,
                              now: ContinuousClock.Instant) -> Bool {
        guard let member = members[entry.source] else { return false }
        mixer.receive(from: entry.source, sequenceNumber: entry.sequenceNumber, payload: payload,
                      audioLevel: entry.level)
        guard let level = entry.level else { return false }
        return tracker.record(level: level, from: member.name, at: now)
    }

    /// A new video stream from a source, learned from its first packet (kept if it arrives before the join).
    func videoSeen(from key: ObjectIdentifier, ssrc: UInt32, mid: String?) {
        guard members[key] != nil else {
            earlyVideoStreams[key, default: []].append((ssrc, mid))
            return
        }
        members[key]?.videoStreams.removeAll { $0.ssrc == ssrc }
        members[key]?.videoStreams.append((ssrc, mid))
        if let member = members[key] {
            logger.debug("video stream", metadata: [
                "call": "\(member.name)", "ssrc": "\(ssrc)", "mid": "\(mid ?? "-")",
                "encoding": "\(member.legs.videoEncoding(ssrc: ssrc, mid: mid) ?? "ordinary video")"])
        }
        replan()
    }

    /// The source accepted the bridge's configure of its captures (capture ID to encoding ID).
    func captureEncodingsChanged(_ session: MediaSession, _ encodings: [String: String]) {
        let key = ObjectIdentifier(session)
        guard members[key] != nil, members[key]?.captureEncodings != encodings else { return }
        members[key]?.captureEncodings = encodings
        logger.debug("captures configured", metadata: [
            "call": "\(session.id.callID)",
            "captures": "\(encodings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))"])
        replan()
    }

    // MARK: Every 20 ms

    private func startTimer() {
        guard timer == nil else { return }
        let source = DispatchSource.makeTimerSource(flags: .strict, queue: queue)
        source.schedule(deadline: .now() + .milliseconds(20), repeating: .milliseconds(20), leeway: .milliseconds(1))
        source.setEventHandler { [unowned self] in self.tick() }
        source.resume()
        timer = source
    }

    private func tick() {
        let now = ContinuousClock.now
        var speakerChanged = false
        inbox.drain { entry, payload in
            if receiveAudio(entry, payload: payload, now: now) { speakerChanged = true }
        }
        if speakerChanged { replan() }
        let frames = mixer.mix(now: now)
        if !frames.isEmpty { service.sendAudio(frames) }
        if tracker.evaluate(at: now) { replan() }
    }

    // MARK: The video plan

    /// Each receiver's default video section gets the highest-ranked other participant that sends video (the
    /// speaker order first, then join order): the SoundLevel:0 capture; in a room composed for one-stream endpoints,
    /// a receiver that configured nothing gets the latest speakers composed instead. Its CLUE encodings carry what
    /// its configure chose, as the conference's routing plan resolves it for the current speaker order: a site's
    /// capture on the stream the site sends it on, or a composition shared by every receiver of the same sites.
    func replan() {
        let byName = Dictionary(uniqueKeysWithValues: members.map { ($0.value.name, $0.key) })
        let ranked = tracker.order.compactMap { byName[$0] } + joined.filter { key in
            !tracker.order.contains(members[key]?.name ?? "")
        }
        var routes: [MediaService.VideoRoute] = []
        var used: [VideoComposition.Key: VideoComposition] = [:]
        let conference = service.conference(ofRoom: id)
        let composedForOneStream = service.videoLayout(ofRoom: id) == .composed
        for (receiver, member) in members.sorted(by: { $0.value.name < $1.value.name })
        where member.legs.video?.bridgeSends == true {
            // A room composed for one-stream participants: those that have not configured CLUE captures see the
            // latest speakers side by side on their ordinary video.
            if composedForOneStream, let leg = member.legs.video,
               conference?.participant(member.name)?.configure == nil {
                let shown = ranked.filter { $0 != receiver }.prefix(VideoComposition.tiles)
                if let route = composedRoute(to: receiver, leg: leg, showing: shown.map { ($0, nil) },
                                             encoding: nil, captureID: nil, into: &used) {
                    routes.append(route)
                }
                continue
            }
            guard let source = ranked.first(where: {
                $0 != receiver && members[$0]?.videoSSRC != nil && !videoMuted.contains($0)
            }), let route = route(to: receiver, leg: member.legs.video, from: source, capture: nil, encoding: nil,
                                  captureID: nil)
            else { continue }
            routes.append(route)
        }
        if let conference {
            let order = ranked.compactMap { members[$0]?.name }
            for planned in conference.routingPlan(speakerOrder: order, roundRobinTurn: 0).routes {
                // Only what a configure chose goes on a CLUE encoding (RFC 8848 section 4.4.1); a participant that
                // has not configured gets the speaker on its ordinary video (above).
                guard conference.participant(planned.receiver)?.configure != nil,
                      let receiver = byName[planned.receiver],
                      let leg = members[receiver]?.legs.clueVideo[planned.encodingID] else { continue }
                switch planned.source {
                case .capture(let capture):
                    guard let source = byName[capture.participant], source != receiver, !videoMuted.contains(source),
                          let route = route(to: receiver, leg: leg, from: source, capture: capture.captureID,
                                            encoding: planned.encodingID, captureID: planned.bridgeCaptureID)
                    else { continue }
                    routes.append(route)
                case .composed(let captures):
                    let shown = captures.compactMap { capture in byName[capture.participant].map { ($0, capture.captureID) } }
                    guard let route = composedRoute(to: receiver, leg: leg, showing: shown,
                                                    encoding: planned.encodingID, captureID: planned.bridgeCaptureID,
                                                    into: &used) else { continue }
                    routes.append(route)
                case .mix, .nothing:
                    continue
                }
            }
        }
        let retired = compositions.filter { used[$0.key] == nil }.map(\.value)
        for composition in retired { composition.stop() }
        let started = used.filter { compositions[$0.key] == nil }.map(\.value)
        for composition in started { composition.start() }
        if !started.isEmpty || !retired.isEmpty {
            BridgeMetrics.shared.compositionsChanged(by: started.count - retired.count)
            logger.info("video compositions", metadata: [
                "room": "\(id)", "started": "\(started.count)", "stopped": "\(retired.count)", "active": "\(used.count)"])
        }
        compositions = used
        guard routes != videoPlan else { return }
        struct Feed: Hashable {
            var receiver: ObjectIdentifier
            var encoding: String?
            var source: MediaService.VideoStream
        }
        let previous = Set(videoPlan.map { Feed(receiver: $0.receiver, encoding: $0.encoding, source: $0.stream) })
        let switched = routes.filter {
            !previous.contains(Feed(receiver: $0.receiver, encoding: $0.encoding, source: $0.stream))
        }
        videoPlan = routes
        if !switched.isEmpty {
            logger.debug("video switched", metadata: [
                "room": "\(id)", "speaker": "\(tracker.speaker ?? "none")", "outputs": "\(switched.count)"])
        }
        service.applyVideoPlan(routes, members: Set(members.keys), keyframesFrom: Set(switched.map(\.stream)),
                               compositions: Array(compositions.values), retiring: retired)
    }

    /// A route from the composition of `captures` (speaker first; a nil capture is the site's ordinary video) in the
    /// receiver's codec to one of its outputs (a CLUE encoding, or nil: its ordinary video); the
    /// composition is shared with every receiver showing the same sites in the same codec. Nil when none of the
    /// sites sends video yet or the receiver's codec cannot be encoded.
    private func composedRoute(to receiver: ObjectIdentifier, leg: MediaLegs.Leg,
                               showing captures: [(source: ObjectIdentifier, capture: String?)],
                               encoding: String?, captureID: String?,
                               into used: inout [VideoComposition.Key: VideoComposition]) -> MediaService.VideoRoute? {
        guard let codec = VideoCodec(leg.sendCodec) else { return nil }
        var ordered: [MediaService.VideoStream] = []
        var codecs: [MediaService.VideoStream: [UInt8: VideoCodec]] = [:]
        for (source, capture) in captures {
            guard source != receiver, !videoMuted.contains(source),
                  let (ssrc, sourceLeg) = members[source]?.videoSource(capture: capture) else { continue }
            let stream = MediaService.VideoStream(session: source, ssrc: ssrc)
            ordered.append(stream)
            codecs[stream] = sourceLeg.codecs.compactMapValues(VideoCodec.init)
        }
        guard !ordered.isEmpty else { return nil }
        let key = VideoComposition.Key(inputs: Set(ordered), codec: codec)
        let existing = used[key] ?? compositions[key]
        guard let composition = existing ?? (try? VideoComposition(key: key, service: service, logger: logger)) else {
            return nil
        }
        used[key] = composition
        let tiles = ordered, payloadCodecs = codecs
        composition.queue.async { composition.show(tiles, codecs: payloadCodecs) }
        return MediaService.VideoRoute(receiver: receiver, encoding: encoding, source: ObjectIdentifier(composition),
                                       ssrc: composition.ssrc,
                                       payloadTypes: [VideoComposition.payloadType: leg.sendPayloadType],
                                       captureID: captureID)
    }

    /// A route from one of a source's video streams (the one carrying `capture`, else its ordinary video) to one
    /// output of a receiver, with the source's payload types mapped to the receiver's, codec by codec; nil when
    /// the source has not sent that video yet or no codec is common.
    private func route(to receiver: ObjectIdentifier, leg: MediaLegs.Leg?, from source: ObjectIdentifier,
                       capture: String?, encoding: String?, captureID: String?) -> MediaService.VideoRoute? {
        guard let leg, let (ssrc, sourceLeg) = members[source]?.videoSource(capture: capture) else { return nil }
        var map: [UInt8: UInt8] = [:]
        for (payloadType, codec) in sourceLeg.codecs {
            if let target = leg.codecs.first(where: { $0.value == codec })?.key { map[payloadType] = target }
        }
        guard !map.isEmpty else { return nil }
        return MediaService.VideoRoute(receiver: receiver, encoding: encoding, source: source, ssrc: ssrc,
                                       payloadTypes: map, captureID: captureID)
    }
}
