import Conference
import Dispatch
import Logging
import Media

/// One room's media decisions, on the room's own serial queue: the audio mixer (every 20 ms), the speaker tracker,
/// and which participant's video each receiver gets (the current speaker's, or the previous one for the speaker
/// itself: the SoundLevel:0 capture of RFC 8845). The I/O queue executes what this decides.
final class RoomMedia: @unchecked Sendable {
    struct Member {
        let session: MediaSession
        let legs: MediaLegs
        let name: String
        var videoSSRC: UInt32?
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
    private var videoPlan: [ObjectIdentifier: ObjectIdentifier] = [:]
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
        members[key] = Member(session: session, legs: legs, name: session.id.callID)
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

    // MARK: Input from the I/O queue

    func receiveAudio(from key: ObjectIdentifier, sequenceNumber: UInt16, payload: [UInt8], level: UInt8?) {
        guard let member = members[key] else { return }
        mixer.receive(from: key, sequenceNumber: sequenceNumber, payload: payload, audioLevel: level)
        if let level, tracker.record(level: level, from: member.name, at: .now) { replan() }
    }

    /// The source's video SSRC, learned from its first video packet.
    func videoSeen(from key: ObjectIdentifier, ssrc: UInt32) {
        guard var member = members[key], member.videoSSRC != ssrc else { return }
        member.videoSSRC = ssrc
        members[key] = member
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
        let frames = mixer.mix(now: now)
        if !frames.isEmpty { service.sendAudio(frames) }
        if tracker.evaluate(at: now) { replan() }
    }

    // MARK: The video plan

    /// Each receiver gets the video of the highest-ranked other participant that sends video: the speaker order
    /// first, then join order.
    private func replan() {
        let byName = Dictionary(uniqueKeysWithValues: members.map { ($0.value.name, $0.key) })
        let ranked = tracker.order.compactMap { byName[$0] } + joined.filter { key in
            !tracker.order.contains(members[key]?.name ?? "")
        }
        var plan: [ObjectIdentifier: ObjectIdentifier] = [:]
        for (receiver, member) in members where member.legs.video?.bridgeSends == true {
            if let source = ranked.first(where: {
                $0 != receiver && members[$0]?.videoSSRC != nil && !videoMuted.contains($0)
            }) {
                plan[receiver] = source
            }
        }
        guard plan != videoPlan else { return }
        let switched = plan.filter { videoPlan[$0.key] != $0.value }
        videoPlan = plan
        var routes: [ObjectIdentifier: (source: ObjectIdentifier, ssrc: UInt32, payloadTypes: [UInt8: UInt8])] = [:]
        for (receiver, source) in plan {
            guard let sourceMember = members[source], let ssrc = sourceMember.videoSSRC,
                  let receiverLeg = members[receiver]?.legs.video, let sourceLeg = sourceMember.legs.video else {
                continue
            }
            // The source's payload types to the receiver's, codec by codec.
            var map: [UInt8: UInt8] = [:]
            for (payloadType, codec) in sourceLeg.codecs {
                if let target = receiverLeg.codecs.first(where: { $0.value == codec })?.key { map[payloadType] = target }
            }
            routes[receiver] = (source, ssrc, map)
        }
        if !switched.isEmpty {
            logger.debug("video switched", metadata: [
                "room": "\(id)", "speaker": "\(tracker.speaker ?? "none")", "receivers": "\(switched.count)"])
        }
        service.applyVideoPlan(routes, members: Set(members.keys), keyframesFrom: Set(switched.values))
    }
}
