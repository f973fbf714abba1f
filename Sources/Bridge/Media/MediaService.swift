import CLUEModel
import CLUEProtocol
import Conference
import DataChannel
import Dispatch
import ICE
import Logging
import Media
import MediaSecurity
import RTP
import SDP
import SIP
import SecureTransport

#if canImport(Glibc)
import Glibc
#endif

/// The media plane: the one UDP port every session shares, demultiplexed as RFC 7983 says (STUN, DTLS, SRTP), then
/// by ICE username for STUN and by the latched 5-tuple for the rest.
///
/// The socket, the lookup tables and SRTP reception live on the I/O queue; each session's ICE, DTLS, SCTP and CLUE
/// state lives on the session's own queue. Datagrams from unknown sources are counted, never logged one by one and
/// never copied.
final class MediaService: @unchecked Sendable {
    struct Settings: Sendable {
        var consentTimeout: Duration
        var clueReaderLimits: XMLReaderLimits
    }

    /// Counters read by the admin API and metrics; written on the I/O queue (datagrams) or under the lock.
    struct Counters: Sendable {
        var unknownSource = 0
        var unclassifiable = 0
        var dtlsFailures = 0
        var iceFailures = 0
        var clueMessages: [String: Int] = [:]
    }

    let settings: Settings
    let dtlsContext: DTLSContext
    let ioQueue = DispatchQueue(label: "media-io", qos: .userInteractive)
    /// Ends the media port's wait for the next datagram when work is queued on the I/O queue (`onIOQueue`).
    private let drainInterrupt = DrainInterrupt()
    let sessionTarget = DispatchQueue(label: "media-sessions", qos: .userInitiated, attributes: .concurrent)
    private let logger: Logger
    private var socket: BatchedUDPSocket?

    // I/O queue state.
    private var byUsernameFragment: [String: MediaSession] = [:]
    private var byAddress: [SocketAddress: MediaSession] = [:] { didSet { forgetLastSender() } }
    private var inbound: [ObjectIdentifier: InboundMedia] = [:] { didSet { forgetLastSender() } }
    /// The last source address SRTP came from, with its session and receive side: packets come in runs from one
    /// sender, so most skip both lookups. Any change to either table clears it.
    private var lastSenderAddress: SocketAddress?
    private var lastSender: (session: MediaSession, media: InboundMedia)?
    /// What each session is sent, and which receivers each source's video goes to now.
    private var outbound: [ObjectIdentifier: OutboundMedia] = [:]
    /// Per source video stream, the outputs it goes to, resolved when the plan is applied so that forwarding does no
    /// lookup per receiver. A target lives only as long as its output: whatever replaces or removes a receiver's
    /// outbound media or outputs drops its targets, and the room's next plan resolves them again.
    private var videoReceivers: [VideoStream: [VideoTarget]] = [:]
    private var roomOfSession: [ObjectIdentifier: RoomMedia] = [:]
    private var lastKeyframeRequest: [VideoStream: ContinuousClock.Instant] = [:]
    /// The rooms' compositions by their identity (their output is one more source stream), and the compositions
    /// each input stream feeds.
    private var compositions: [ObjectIdentifier: VideoComposition] = [:]
    private var compositionInputs: [VideoStream: [VideoComposition]] = [:]
    private let feedbackBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1500, alignment: 8)
    /// What each room's participants said, for the advertisements (any queue, under the lock).
    private let conferences = LockedBox<[String: Conference]>([:])
    /// Rooms with media, by room id (any queue, under the lock).
    private let rooms = LockedBox<[String: RoomMedia]>([:])
    private var unknownLogged = (at: ContinuousClock.now - .seconds(3600), count: 0)

    /// Sessions by call, for signaling and the admin API (any queue, under the lock).
    private let sessions = LockedBox<[DialogID: MediaSession]>([:])
    private let counters = LockedBox(Counters())

    private var ioCounters = (unknownSource: 0, unclassifiable: 0)
    /// The media port's send counters as last added to the process metrics.
    private var reportedSocket = (droppedSends: 0, segmentedRuns: 0)
    /// Adds the packets received since the last tick to the process metrics, once a second (not per packet).
    private var metricsTimer: DispatchSourceTimer?

    init(configuration: BridgeConfiguration, identity: BridgeIdentity, logger: Logger) throws {
        settings = Settings(consentTimeout: .seconds(configuration.media.consentTimeoutSeconds),
                            clueReaderLimits: XMLReaderLimits(maxDocumentBytes: 256 << 10, maxDepth: 32))
        dtlsContext = try DTLSContext(configuration: DTLSConfiguration(certificate: identity.dtlsCertificate))
        self.logger = logger
    }

    /// Binds the media port. The address is the configured media address (the one written into SDP).
    func start(host: String, port: UInt16, segmentationOffload: Bool = true) throws -> SocketAddress {
        guard let address = SocketAddress(host: host, port: port) else {
            throw SocketError("resolve media address \(host)", code: EINVAL)
        }
        let socket = try BatchedUDPSocket(bind: address, queue: ioQueue, segmentationOffload: segmentationOffload,
                                          interrupt: drainInterrupt) { [unowned self] datagram, source, now in
            self.receive(datagram, from: source, now: now)
        }
        onIOQueueAndWait { self.socket = socket }
        let timer = DispatchSource.makeTimerSource(queue: ioQueue)
        timer.schedule(deadline: .now() + .seconds(1), repeating: .seconds(1), leeway: .milliseconds(100))
        timer.setEventHandler { [unowned self] in self.reportMetrics() }
        timer.resume()
        onIOQueueAndWait { metricsTimer = timer }
        // usrsctp runs no thread of its own: its timers (retransmissions, delayed SACKs, heartbeats) tick here.
        SCTPStack.startTimerDriver(queue: DispatchQueue(label: "media-sctp-clock", qos: .userInitiated))
        return socket.localAddress
    }

    func stop() {
        onIOQueueAndWait {
            metricsTimer?.cancel()
            metricsTimer = nil
            socket?.close()
            socket = nil
        }
    }

    // MARK: Sessions (called from signaling)

    /// Starts the transport of an admitted call. Returns false when the call has no DTLS-SRTP transport to serve.
    @discardableResult
    func open(call id: DialogID, room: String, negotiated: NegotiatedSession, local: ICECredentials,
              hangUp: @escaping @Sendable (String) -> Void) -> Bool {
        let session: MediaSession
        do {
            session = try MediaSession(id: id, room: room, negotiated: negotiated, local: local, service: self,
                                       logger: logger, hangUp: hangUp)
        } catch {
            logger.notice("no media session for the call", metadata: ["call": "\(id.callID)", "reason": "\(error)"])
            return false
        }
        let previous = sessions.withLock { table in
            defer { table[id] = session }
            return table[id]
        }
        previous?.queue.async { previous?.close() }
        onIOQueue { self.byUsernameFragment[local.usernameFragment] = session }
        // The arming of consent: a peer that never checks is hung up after the consent timeout.
        session.queue.async { session.begin() }
        return true
    }

    /// The call ended: stop its transport.
    func close(call id: DialogID) {
        let session = sessions.withLock { table in table.removeValue(forKey: id) }
        session?.queue.async { session?.close() }
    }

    func closeAll() {
        let all = sessions.withLock { table in
            defer { table.removeAll() }
            return Array(table.values)
        }
        for session in all { session.queue.sync { session.close() } }
    }

    func state(of id: DialogID) -> (MediaSession.State, [UInt32: ReceptionSnapshot])? {
        guard let session = sessions.withLock({ $0[id] }) else { return nil }
        let state = session.queue.sync { session.state() }
        let streams = onIOQueueAndWait { () -> [UInt32: ReceptionSnapshot] in
            guard let media = inbound[ObjectIdentifier(session)] else { return [:] }
            return media.streams.mapValues { ReceptionSnapshot($0) }
        }
        return (state, streams)
    }

    var activeSessions: Int { sessions.withLock { $0.count } }

    func snapshotCounters() -> Counters {
        var snapshot = counters.withLock { $0 }
        let io = onIOQueueAndWait { ioCounters }
        snapshot.unknownSource = io.unknownSource
        snapshot.unclassifiable = io.unclassifiable
        return snapshot
    }

    /// Work for the I/O queue from another queue. The media port's drain may be holding the queue while it waits
    /// for the next datagram: the signal gives the queue back at once, so the work does not wait out the linger.
    private func onIOQueue(_ work: @escaping @Sendable () -> Void) {
        ioQueue.async(execute: work)
        drainInterrupt.signal()
    }

    /// `onIOQueue`, waiting for the result.
    private func onIOQueueAndWait<T>(_ work: () throws -> T) rethrows -> T {
        drainInterrupt.signal()
        return try ioQueue.sync(execute: work)
    }

    // MARK: From sessions

    func send(_ datagrams: [[UInt8]], to address: SocketAddress) {
        onIOQueue {
            guard let socket = self.socket else { return }
            for datagram in datagrams { datagram.withUnsafeBytes { socket.enqueue($0, to: address) } }
            socket.flush()
        }
    }

    func latch(_ session: MediaSession, to address: SocketAddress, replacing previous: SocketAddress?) {
        onIOQueue {
            if let previous, self.byAddress[previous] === session { self.byAddress[previous] = nil }
            self.byAddress[address] = session
            self.outbound[ObjectIdentifier(session)]?.remote = address
        }
    }

    func install(_ media: InboundMedia, for session: MediaSession) {
        onIOQueue { self.inbound[ObjectIdentifier(session)] = media }
    }

    /// The session closed: drop it from every table (its statistics go with it).
    func forget(_ session: MediaSession) {
        let key = ObjectIdentifier(session)
        changeConference(session.room, except: session) { $0.leave(session.id.callID) }
        onIOQueue {
            if let out = self.outbound.removeValue(forKey: key) {
                self.logger.info("media sent", metadata: [
                    "call": "\(session.id.callID)", "audio_packets": "\(out.sent.audioPackets)",
                    "video_packets": "\(out.sent.videoPackets)", "bytes": "\(out.sent.audioBytes + out.sent.videoBytes)"])
            }
            self.videoReceivers = self.videoReceivers.filter { $0.key.session != key }
            self.dropVideoTargets(of: key)
            self.lastKeyframeRequest = self.lastKeyframeRequest.filter { $0.key.session != key }
            if let room = self.roomOfSession.removeValue(forKey: key) {
                room.queue.async {
                    room.leave(session)
                    if room.isEmpty {
                        self.rooms.withLock { table in if table[room.id] === room { table[room.id] = nil } }
                    }
                }
            }
            self.byUsernameFragment = self.byUsernameFragment.filter { $0.value !== session }
            if let remote = session.remote, self.byAddress[remote] === session { self.byAddress[remote] = nil }
            if let media = self.inbound.removeValue(forKey: ObjectIdentifier(session)) {
                self.report(media)
                // One line per call with what it received: the operator's (and the tests') record of the media.
                let streams = media.streams.values.sorted { $0.ssrc < $1.ssrc }.map {
                    "ssrc=\($0.ssrc) pt=\($0.lastPayloadType) packets=\($0.packets) bytes=\($0.wireBytes) "
                        + "lost=\($0.lost) jitter=\($0.jitter)"
                }
                let counters = media.counters
                self.logger.info("media received", metadata: [
                    "call": "\(session.id.callID)", "streams": "\(streams.joined(separator: "; "))",
                    "rtcp": "\(counters.rtcpPackets)", "unprotect_failures": "\(counters.unprotectFailures)",
                    "replayed": "\(counters.replayed)"])
            }
        }
        sessions.withLock { table in
            if table[session.id] === session { table[session.id] = nil }
        }
    }

    /// DTLS gave keys: the session starts receiving the room's media and contributing its own.
    func mediaReady(_ session: MediaSession, sender: SRTPSender, remote: SocketAddress) {
        let room = rooms.withLock { table in
            if let existing = table[session.room] { return existing }
            let created = RoomMedia(id: session.room, service: self, logger: logger)
            table[session.room] = created
            return created
        }
        let out = OutboundMedia(sender: sender, remote: remote, legs: session.legs)
        let key = ObjectIdentifier(session)
        onIOQueue {
            if self.outbound.updateValue(out, forKey: key) != nil { self.dropVideoTargets(of: key) }
            self.roomOfSession[key] = room
        }
        room.queue.async { room.join(session, legs: session.legs) }
        changeConference(session.room, except: session) { conference in
            if conference.participant(session.id.callID) == nil { conference.join(Self.participant(session.id)) }
        }
    }

    /// Mutes or unmutes a participant (admin API): its audio leaves everyone's mix, or its video is never switched
    /// to anyone.
    func setMuted(_ muted: Bool, video: Bool, call id: DialogID) {
        guard let session = sessions.withLock({ $0[id] }),
              let room = rooms.withLock({ $0[session.room] }) else { return }
        room.queue.async { room.setMuted(muted, video: video, session: session) }
    }

    /// One output a source stream feeds: the receiver, and what forwarding needs of it (the receiver's outbound
    /// media and the output, default or on a CLUE encoding).
    struct VideoTarget {
        let receiver: ObjectIdentifier
        let out: OutboundMedia
        let output: OutboundMedia.VideoOutput

        /// The same two objects, for the forwarding loop to use without a retain and release per packet: the strong
        /// references above keep them alive for as long as the target is in a list the loop holds.
        var unretainedOut: Unmanaged<OutboundMedia> { .passUnretained(out) }
        var unretainedOutput: Unmanaged<OutboundMedia.VideoOutput> { .passUnretained(output) }
    }

    /// One video stream a participant sends: its session and SSRC.
    struct VideoStream: Hashable, Sendable {
        var session: ObjectIdentifier
        var ssrc: UInt32
    }

    /// One switched video stream the room decided: which source feeds which output of which receiver.
    struct VideoRoute: Sendable, Equatable {
        var receiver: ObjectIdentifier
        /// The bridge's CLUE encoding it goes out on; nil for the receiver's default video section.
        var encoding: String?
        var source: ObjectIdentifier
        var ssrc: UInt32
        var payloadTypes: [UInt8: UInt8]
        /// What the CaptID extension names (RFC 8849): the bridge capture the receiver configured.
        var captureID: String?

        var stream: VideoStream { VideoStream(session: source, ssrc: ssrc) }
    }

    /// From a room's queue: every video output of the room's members from now on (outputs not named get nothing);
    /// keyframes are asked of the sources that gained a receiver.
    func applyVideoPlan(_ routes: [VideoRoute], members: Set<ObjectIdentifier>,
                        keyframesFrom sources: Set<VideoStream>, compositions roomCompositions: [VideoComposition] = [],
                        retiring retired: [VideoComposition] = []) {
        onIOQueue { [self] in
            for composition in retired {
                compositions[ObjectIdentifier(composition)] = nil
                videoReceivers[composition.stream] = nil
            }
            for composition in roomCompositions { compositions[ObjectIdentifier(composition)] = composition }
            compositionInputs = [:]
            for composition in compositions.values {
                for input in composition.key.inputs { compositionInputs[input, default: []].append(composition) }
            }
            for source in videoReceivers.keys { videoReceivers[source]?.removeAll { members.contains($0.receiver) } }
            struct Output: Hashable {
                var receiver: ObjectIdentifier
                var encoding: String?
            }
            var routed = Set<Output>()
            for route in routes {
                guard let out = outbound[route.receiver],
                      let output = out.videoOutput(encoding: route.encoding) else { continue }
                output.rewriter.select(source: route.ssrc, payloadTypes: RTPPayloadTypeMap(route.payloadTypes))
                output.source = (route.source, route.ssrc)
                if route.encoding != nil { output.captureID = route.captureID ?? "-" }
                routed.insert(Output(receiver: route.receiver, encoding: route.encoding))
                videoReceivers[route.stream, default: []].append(
                    VideoTarget(receiver: route.receiver, out: out, output: output))
            }
            // Outputs no route names stop (alone in the room, everyone else muted, nothing configured).
            for receiver in members {
                guard let out = outbound[receiver] else { continue }
                if let output = out.defaultVideo, output.source != nil,
                   !routed.contains(Output(receiver: receiver, encoding: nil)) {
                    output.rewriter.select(source: nil)
                    output.source = nil
                }
                for (label, output) in out.clueOutputs
                where !routed.contains(Output(receiver: receiver, encoding: label)) && output.source != nil {
                    output.rewriter.select(source: nil)
                    output.source = nil
                }
            }
            for source in sources { requestKeyframe(from: source, now: .now) }
        }
    }

    /// Signaling negotiated new media for a call (the bridge's CLUE encodings): the session's outputs follow.
    func update(call id: DialogID, negotiated: NegotiatedSession) {
        guard let session = sessions.withLock({ $0[id] }) else { return }
        let legs = MediaLegs(negotiated)
        logger.debug("media legs updated", metadata: [
            "call": "\(id.callID)", "audio": "\(legs.audio.map { "\($0.localSSRC)/\($0.bridgeSends)" } ?? "none")",
            "video": "\(legs.video.map { "\($0.localSSRC)/\($0.bridgeSends)" } ?? "none")",
            "clue": "\(legs.clueVideo.keys.sorted())"])
        session.queue.async { session.legsChanged(legs) }
        let key = ObjectIdentifier(session)
        onIOQueue {
            guard let out = self.outbound[key] else { return }
            out.legs = legs
            out.setCLUEVideo(legs.clueVideo)
            // Outputs on encodings that went away stop at once; the room's plan follows the new legs.
            for source in self.videoReceivers.keys {
                self.videoReceivers[source]?.removeAll { target in
                    target.receiver == key && !out.videoOutputs.contains { $0 === target.output }
                }
            }
        }
        // Its advertisement now names these encodings; others' advertisements do not change.
        changeConference(session.room, except: nil) { conference in
            conference.setBridgeEncodings(
                video: legs.clueVideo.keys.sorted().map { BridgeEncoding(id: $0, maxBandwidth: 2_000_000) },
                audio: [BridgeEncoding(id: RoomAdvertisement.audioEncoding, maxBandwidth: 128_000)],
                for: id.callID)
        }
        if let room = rooms.withLock({ $0[session.room] }) { room.queue.async { room.legsChanged(session, legs) } }
    }

    /// Called on a session's queue when its CLUE channel became ACTIVE (signaling then offers the encodings).
    var onCLUEActive: (@Sendable (DialogID) -> Void)?

    /// Each room's `video_layout` (from signaling, whenever rooms change).
    private let videoLayouts = LockedBox<[String: BridgeConfiguration.VideoLayout]>([:])

    func setVideoLayouts(_ layouts: [String: BridgeConfiguration.VideoLayout]) {
        let changed = videoLayouts.withLock { table -> [String] in
            let changed = Set(table.keys).union(layouts.keys).filter { table[$0] != layouts[$0] }
            table = layouts
            return Array(changed)
        }
        for id in changed {
            if let room = rooms.withLock({ $0[id] }) { room.queue.async { room.replan() } }
        }
    }

    func videoLayout(ofRoom room: String) -> BridgeConfiguration.VideoLayout {
        videoLayouts.withLock { $0[room] } ?? .speaker
    }

    /// A snapshot of a room's conference, for the room's routing.
    func conference(ofRoom room: String) -> Conference? { conferences.withLock { $0[room] } }

    /// From a room's queue: this cycle's mixed audio, one frame per receiver.
    func sendAudio(_ frames: [ObjectIdentifier: EncodedAudioFrame]) {
        onIOQueue { [self] in
            guard let socket else { return }
            for (key, frame) in frames {
                guard let out = outbound[key],
                      let length = out.packetizeAudio(frame.payload, timestampStep: frame.codec.rtpTimestampsPerFrame)
                else { continue }
                socket.enqueue(UnsafeRawBufferPointer(rebasing: out.scratch[0..<length]), to: out.remote)
            }
            socket.flush()
        }
    }

    /// On the I/O queue: a source's sender report, translated into each of its receivers' output streams (their
    /// SSRC, RTP timeline and counts; the source's wall clock), so receivers can keep lip sync across switches.
    private func forwardSenderReport(_ report: RTCPSenderReport, from source: ObjectIdentifier) {
        guard let socket, let targets = videoReceivers[VideoStream(session: source, ssrc: report.ssrc)] else { return }
        for target in targets {
            let out = target.out
            guard let translated = target.output.rewriter.translate(report),
                  let end = try? translated.serialize(into: feedbackBuffer),
                  let protected = try? out.sender.protectRTCP(feedbackBuffer, length: end) else { continue }
            socket.enqueue(UnsafeRawBufferPointer(rebasing: feedbackBuffer[0..<protected]), to: out.remote)
        }
    }

    /// From a composition's queue: its frame's packets, forwarded to its receivers like a source's.
    func forwardComposed(_ packets: [[UInt8]], from stream: VideoStream) {
        onIOQueue { [self] in
            let now = ContinuousClock.now
            for packet in packets {
                packet.withUnsafeBytes { bytes in
                    guard let header = RTPHeader(bytes) else { return }
                    forwardVideo(bytes, header: header, stream: stream, now: now)
                }
            }
            socket?.flush()
        }
    }

    /// From any queue: ask a source stream for a keyframe (a composition lost a frame of it).
    func askKeyframe(from stream: VideoStream) {
        onIOQueue { [self] in requestKeyframe(from: stream, now: .now) }
    }

    /// On the I/O queue: a PLI (RFC 4585 section 6.3.1) to a source stream, at most every 300 ms per stream; for a
    /// composition, a keyframe from its encoder.
    private func requestKeyframe(from source: VideoStream, now: ContinuousClock.Instant) {
        if let last = lastKeyframeRequest[source], now - last < .milliseconds(300) { return }
        if let composition = compositions[source.session] {
            lastKeyframeRequest[source] = now
            composition.requestKeyframe()
            return
        }
        guard let out = outbound[source.session], let socket else { return }
        lastKeyframeRequest[source] = now
        let pli = RTCPPictureLossIndication(senderSSRC: out.legs.video?.localSSRC ?? 1, mediaSSRC: source.ssrc)
        guard let length = try? pli.serialize(into: feedbackBuffer),
              let protected = try? out.sender.protectRTCP(feedbackBuffer, length: length) else { return }
        socket.enqueue(UnsafeRawBufferPointer(rebasing: feedbackBuffer[0..<protected]), to: out.remote)
    }

    /// On the I/O queue: a receiver's outputs stop being fed until the room's next plan (its outbound media was
    /// replaced, or it left).
    private func dropVideoTargets(of receiver: ObjectIdentifier) {
        for source in videoReceivers.keys { videoReceivers[source]?.removeAll { $0.receiver == receiver } }
    }

    /// On the I/O queue: a receiver's NACK (RFC 4585 section 6.2.1) on one of its video outputs, translated into
    /// the numbering of the source stream feeding it and sent to that source; the retransmission is forwarded once.
    private func routeNACK(_ nack: RTCPGenericNACK, from receiver: ObjectIdentifier) {
        guard let out = outbound[receiver], let socket,
              let (source, translated) = out.translate(nack),
              let sourceOut = outbound[source.session] else { return }
        var forSource = translated
        forSource.senderSSRC = sourceOut.legs.video?.localSSRC ?? 1
        guard let length = try? forSource.serialize(into: feedbackBuffer),
              let protected = try? sourceOut.sender.protectRTCP(feedbackBuffer, length: length) else { return }
        socket.enqueue(UnsafeRawBufferPointer(rebasing: feedbackBuffer[0..<protected]), to: sourceOut.remote)
    }

    /// On the I/O queue: one video packet of a source stream (a participant's, or a composition's) to every output
    /// it feeds now, each rewritten in its receiver's scratch buffer, protected and queued on the socket's batch.
    private func forwardVideo(_ packet: UnsafeRawBufferPointer, header: RTPHeader, stream: VideoStream,
                              now: ContinuousClock.Instant) {
        guard let targets = videoReceivers[stream], let socket else { return }
        // `targets`, a local copy of the list, holds every target's objects for the whole loop, so each is used
        // through its unretained reference (a retain and a release per receiver and packet were 3% of the time).
        for index in targets.indices {
            targets[index].unretainedOut._withUnsafeGuaranteedRef { out in
                targets[index].unretainedOutput._withUnsafeGuaranteedRef { output in
                    // Built in the socket's next send slot: nothing is copied again on the way to the kernel.
                    guard let sendLength = out.forwardVideo(on: output, packet: packet, header: header, now: now,
                                                            into: socket.sendSlot()) else {
                        if output.rewriter.waitingForKeyframe { requestKeyframe(from: stream, now: now) }
                        return
                    }
                    socket.commitSend(length: sendLength, to: out.remote)
                }
            }
        }
    }

    /// On the I/O queue: what the bridge does with one decrypted packet from a session.
    private func route(_ received: InboundMedia.Received, in datagram: UnsafeMutableRawBufferPointer,
                       from session: MediaSession, media: InboundMedia, now: ContinuousClock.Instant) {
        let key = ObjectIdentifier(session)
        switch received {
        case .rtp(let header, let length, let video, let firstSeen):
            let packet = UnsafeRawBufferPointer(rebasing: datagram[0..<length])
            if video {
                // Each new stream (a multi-camera site sends one per configured capture) is told to the room once
                // it is known to the room's queue (a packet can beat the join), with the mid it carries, so the
                // room knows which of the session's sections it is.
                if firstSeen, let room = roomOfSession[key] {
                    let mid = outbound[key]?.legs.videoMidExtensionID.flatMap { id -> String? in
                        guard let element = RTPHeaderExtensions(packet, header: header)?.element(id: id) else {
                            return nil
                        }
                        return String(decoding: UnsafeRawBufferPointer(rebasing: packet[element.range]), as: UTF8.self)
                    }
                    media.announce(ssrc: header.ssrc, mid: mid)
                    room.queue.async { room.videoSeen(from: key, ssrc: header.ssrc, mid: mid) }
                }
                let stream = VideoStream(session: key, ssrc: header.ssrc)
                if !compositionInputs.isEmpty, let feeds = compositionInputs[stream] {
                    // Into each composition's inbox, decoded at its next frame.
                    let payload = UnsafeRawBufferPointer(rebasing: packet[header.payloadRange])
                    for composition in feeds { composition.inbox.put(from: key, header: header, payload: payload) }
                }
                forwardVideo(packet, header: header, stream: stream, now: now)
            } else if let room = roomOfSession[key] {
                let level = outbound[key]?.legs.audio?.audioLevelExtensionID.flatMap {
                    AudioLevel(packet: packet, header: header, id: $0)?.level
                }
                // Into the room's inbox, taken at its next mixing tick: no copy to the heap, no hop per packet.
                room.inbox.put(from: key, header: header,
                               payload: UnsafeRawBufferPointer(rebasing: packet[header.payloadRange]), level: level)
            }
        case .rtcp(let length):
            // Keyframe requests from a receiver go to the source it is watching.
            var iterator = RTCPCompoundIterator(UnsafeRawBufferPointer(rebasing: datagram[0..<length]))
            while let packet = try? iterator.next() {
                switch packet {
                case .senderReport(let report):
                    inbound[key]?.senderReportReceived(report, now: now)
                    forwardSenderReport(report, from: key)
                case .pictureLossIndication(let pli):
                    // The output the receiver lost a picture on names the source stream to ask.
                    guard let out = outbound[key] else { break }
                    for source in out.sources(ofOutputSSRC: pli.mediaSSRC) { requestKeyframe(from: source, now: now) }
                case .fullIntraRequest(let fir):
                    guard let out = outbound[key] else { break }
                    for entry in fir.entries {
                        for source in out.sources(ofOutputSSRC: entry.ssrc) { requestKeyframe(from: source, now: now) }
                    }
                case .genericNACK(let nack):
                    routeNACK(nack, from: key)
                default:
                    break
                }
            }
        }
    }

    /// The room as participant `id` should see it now (RFC 8845 section 12.1.3), composed from the others.
    func advertisement(forRoom room: String, for id: DialogID) -> Advertisement {
        conferences.withLock { table in
            var conference = table[room] ?? Conference()
            if conference.participant(id.callID) == nil {
                // Not in the conference yet (its media is not up): it still gets the room as it is.
                conference.join(Self.participant(id))
                table[room] = conference
            }
            return conference.advertisement(for: id.callID)
        }
    }

    /// A participant's configure of the bridge's captures, checked against the advertisement it names.
    func check(_ encodings: [CaptureEncoding], from id: DialogID, inRoom room: String,
               against advertisement: Advertisement) -> ClueProtocolError? {
        let conference = conferences.withLock { $0[room] } ?? Conference()
        if case .failure(let error) = conference.check(encodings, from: id.callID, against: advertisement) {
            return error
        }
        return nil
    }

    /// Which of a participant's captures the room needs (the conference's configure of it, RFC 8845 12.1.3), as if
    /// `advertisement` were acknowledged.
    func captureNeeds(of id: DialogID, inRoom room: String, advertising advertisement: Advertisement)
        -> [CaptureEncoding]? {
        var conference = conferences.withLock { $0[room] } ?? Conference()
        if conference.participant(id.callID) == nil { conference.join(Self.participant(id)) }
        conference.acknowledge(advertisement, from: id.callID)
        return conference.configure(of: id.callID)
    }

    /// What the bridge can send a participant today: one switched video and one mixed audio stream.
    static func participant(_ id: DialogID) -> Participant {
        Participant(id: id.callID, displayName: "",
                    videoEncodings: [BridgeEncoding(id: RoomAdvertisement.videoEncoding, maxBandwidth: 4_000_000)],
                    audioEncodings: [BridgeEncoding(id: RoomAdvertisement.audioEncoding, maxBandwidth: 128_000)])
    }

    func participantAdvertised(_ session: MediaSession, _ advertisement: Advertisement) {
        changeConference(session.room, except: session) { conference in
            if conference.participant(session.id.callID) == nil { conference.join(Self.participant(session.id)) }
            conference.acknowledge(advertisement, from: session.id.callID)
        }
    }

    func participantConfigured(_ session: MediaSession, _ configure: [CaptureEncoding]) {
        conferences.withLock { table in table[session.room]?.setConfigure(configure, of: session.id.callID) }
        let others = sessions.withLock { table in table.values.filter { $0.room == session.room && $0 !== session } }
        for other in others { other.queue.async { other.reconfigure() } }
        if let room = rooms.withLock({ $0[session.room] }) { room.queue.async { room.replan() } }
    }

    /// The participant accepted the bridge's configure of its captures: the room now finds each configured capture
    /// on the participant's encoding that carries it.
    func bridgeConfigureAccepted(_ session: MediaSession, _ configure: [CaptureEncoding]) {
        guard let room = rooms.withLock({ $0[session.room] }) else { return }
        let encodings = Dictionary(configure.map { ($0.captureID, $0.encodingID) }, uniquingKeysWith: { a, _ in a })
        room.queue.async { room.captureEncodingsChanged(session, encodings) }
    }

    /// Applies a change to a room's conference and advertises the room again to everyone else in it (the next
    /// sequence number on each Media Provider dialogue; RFC 8847 section 6.1).
    private func changeConference(_ room: String, except changed: MediaSession?, _ change: (inout Conference) -> Void) {
        let before = conferences.withLock { table -> Conference? in
            let previous = table[room]
            var conference = previous ?? Conference()
            change(&conference)
            table[room] = conference.participants.isEmpty ? nil : conference
            return previous
        }
        let others = sessions.withLock { table in
            table.values.filter { $0.room == room && $0 !== changed }
        }
        for session in others {
            let id = session.id.callID
            let changedFor = conferences.withLock { table in
                table[room].map { $0.advertisement(for: id) } != before.map { $0.advertisement(for: id) }
            }
            if changedFor { session.queue.async { session.readvertise() } }
            // What the room needs of it may have changed too (a consumer joined, left or configured).
            session.queue.async { session.reconfigure() }
        }
    }

    func countDTLSFailure(reason: String) {
        counters.withLock { $0.dtlsFailures += 1 }
        BridgeMetrics.shared.dtlsFailure(reason: reason.hasPrefix("fingerprint") ? "fingerprint_mismatch" : "handshake")
    }

    func countICEFailure(reason: String) {
        counters.withLock { $0.iceFailures += 1 }
        BridgeMetrics.shared.iceFailure(reason: reason)
    }

    func countClue(type: String, code: UInt16?, direction: String) {
        let key = "\(direction) \(type)" + (code.map { " \($0)" } ?? "")
        counters.withLock { $0.clueMessages[key, default: 0] += 1 }
        if direction == "in" || code != nil { BridgeMetrics.shared.clueMessage(type: type, code: code.map(Int.init)) }
    }

    /// What the admin API shows of a participant's media; nil when the call has no media session.
    func participantState(_ id: DialogID) -> ParticipantMediaState? {
        guard let session = sessions.withLock({ $0[id] }) else { return nil }
        let (state, legs) = session.queue.sync { (session.state(), session.legs) }
        let streams = onIOQueueAndWait { () -> [ParticipantMediaState.Stream] in
            guard let media = inbound[ObjectIdentifier(session)] else { return [] }
            let mids = media.announced
            return media.streams.values.sorted { $0.ssrc < $1.ssrc }.map { stream in
                let rate = Double(media.clockRate(payloadType: stream.lastPayloadType))
                let video = media.isVideo(payloadType: stream.lastPayloadType)
                let encoding = video ? legs.videoEncoding(ssrc: stream.ssrc, mid: mids[stream.ssrc] ?? nil) : nil
                return ParticipantMediaState.Stream(
                    ssrc: stream.ssrc, kind: video ? "video" : "audio",
                    direction: "inbound", packets: stream.packets, bytes: stream.wireBytes,
                    lost: Int64(stream.lost), jitter: Double(stream.jitter) / rate,
                    encoding: encoding, capture: encoding.flatMap { state.captureOfEncoding[$0] })
            }
        }
        return ParticipantMediaState(iceState: state.ice, dtlsState: state.dtls, clueState: state.clue,
                                     capturesAdvertised: state.capturesAdvertisedByPeer.count,
                                     capturesConfigured: state.capturesConfiguredByPeer.count, streams: streams)
    }

    // MARK: The I/O queue

    private func receive(_ datagram: UnsafeMutableRawBufferPointer, from source: SocketAddress,
                         now: ContinuousClock.Instant) {
        switch MediaDemultiplexer.classify(UnsafeRawBufferPointer(datagram)) {
        case .stun:
            guard let fragment = STUNMessage.localUsernameFragment(in: UnsafeRawBufferPointer(datagram)),
                  let session = byUsernameFragment[String(fragment)] else {
                // A consent check from a latched peer without USERNAME would be odd; still route by address.
                if let session = byAddress[source] {
                    let copy = Array(UnsafeRawBufferPointer(datagram))
                    session.queue.async { session.receiveSTUN(copy, from: source) }
                } else {
                    unknown()
                }
                return
            }
            let copy = Array(UnsafeRawBufferPointer(datagram))
            session.queue.async { session.receiveSTUN(copy, from: source) }
        case .dtls:
            guard let session = byAddress[source] else { return unknown() }
            let copy = Array(UnsafeRawBufferPointer(datagram))
            session.queue.async { session.receiveDTLS(copy, from: source) }
        case .rtp:
            let session: MediaSession, media: InboundMedia
            if let last = lastSender, lastSenderAddress == source {
                (session, media) = last
            } else {
                guard let latched = byAddress[source] else { return unknown() }
                // Before keys exist there is nothing to decrypt with: dropped, as SRTP requires.
                guard let inboundMedia = inbound[ObjectIdentifier(latched)] else { return }
                (session, media) = (latched, inboundMedia)
                lastSenderAddress = source
                lastSender = (session, media)
            }
            let first = media.firstPacketAt == nil
            guard let received = media.receive(datagram, now: now) else { return }
            if first, media.firstPacketAt != nil {
                BridgeMetrics.shared.joinTime(seconds: Double((now - session.admittedAt) / .milliseconds(1)) / 1000)
            }
            route(received, in: datagram, from: session, media: media, now: now)
        case .drop:
            ioCounters.unclassifiable += 1
        }
    }

    private func forgetLastSender() {
        lastSenderAddress = nil
        lastSender = nil
    }

    /// On the I/O queue: the media port's datagrams received, sends refused and GSO runs so far.
    func mediaPortCounters() -> (received: Int, droppedSends: Int, segmentedRuns: Int) {
        guard let socket else { return (0, 0, 0) }
        return (socket.receivedDatagrams, socket.droppedSends, socket.segmentedRuns)
    }

    private func reportMetrics() {
        for media in inbound.values { report(media) }
        if let socket {
            BridgeMetrics.shared.mediaPort(droppedSends: socket.droppedSends - reportedSocket.droppedSends,
                                           segmentedRuns: socket.segmentedRuns - reportedSocket.segmentedRuns)
            reportedSocket = (socket.droppedSends, socket.segmentedRuns)
        }
        sendReceiverReports(now: .now)
    }

    /// The wall clock as a 64-bit NTP timestamp (RFC 3550 section 4: seconds since 1900, fraction in 1/2^32).
    static func ntpNow() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        let seconds = UInt64(time.tv_sec) + 2_208_988_800
        let fraction = (UInt64(time.tv_nsec) << 32) / 1_000_000_000
        return seconds << 32 | fraction
    }

    /// Once a second, each session gets a receiver report on what the bridge received from it (RFC 3550 section
    /// 6.4.2: loss, jitter, and LSR/DLSR for its round-trip estimate), with the SDES CNAME a compound packet needs.
    private func sendReceiverReports(now: ContinuousClock.Instant) {
        guard let socket else { return }
        for (key, media) in inbound {
            guard let out = outbound[key] else { continue }
            let blocks = media.reportBlocks(now: now)
            guard !blocks.isEmpty else { continue }
            let reporter = out.legs.audio?.localSSRC ?? out.legs.video?.localSSRC ?? 1
            // A sender report when the bridge sends this leg mixed audio (it then also carries the report blocks),
            // a receiver report otherwise; then the SDES CNAME a compound packet needs.
            let first: RTCPPacket
            if var sender = out.audioSenderReport(now: now, wallClock: Self.ntpNow()) {
                sender.reportBlocks = blocks
                first = .senderReport(sender)
            } else {
                first = .receiverReport(RTCPReceiverReport(ssrc: reporter, reportBlocks: blocks))
            }
            let description = RTCPSourceDescription(source: reporter, canonicalName: "clue-mcu")
            // Each serialize returns where it stopped writing: the compound packet is SR/RR then SDES.
            guard let reportEnd = try? first.serialize(into: feedbackBuffer),
                  let end = try? description.serialize(into: feedbackBuffer, at: reportEnd),
                  let protected = try? out.sender.protectRTCP(feedbackBuffer, length: end) else { continue }
            socket.enqueue(UnsafeRawBufferPointer(rebasing: feedbackBuffer[0..<protected]), to: out.remote)
        }
        socket.flush()
    }

    /// On the I/O queue: moves one session's unreported packet counts into the metrics.
    private func report(_ media: InboundMedia) {
        let pending = media.unreported
        if pending.audioPackets > 0 {
            BridgeMetrics.shared.packets(kind: .audio, direction: .inbound, count: pending.audioPackets,
                                         bytes: pending.audioBytes)
        }
        if pending.videoPackets > 0 {
            BridgeMetrics.shared.packets(kind: .video, direction: .inbound, count: pending.videoPackets,
                                         bytes: pending.videoBytes)
        }
        media.unreported = (0, 0, 0, 0)
    }

    /// Counts a datagram nobody claims; says so in the log at most every 10 s.
    private func unknown() {
        ioCounters.unknownSource += 1
        let now = ContinuousClock.now
        if now - unknownLogged.at >= .seconds(10) {
            let dropped = ioCounters.unknownSource - unknownLogged.count
            logger.notice("dropped datagrams from unknown sources on the media port",
                          metadata: ["count": "\(dropped)", "total": "\(ioCounters.unknownSource)"])
            unknownLogged = (now, ioCounters.unknownSource)
        }
    }
}

/// Reception statistics of one SSRC, for the admin API.
struct ReceptionSnapshot: Sendable, Codable, Equatable {
    var packets: UInt64
    var bytes: UInt64
    var lost: UInt64
    var jitter: UInt32
    var payloadType: UInt8

    init(_ statistics: ReceptionStatistics) {
        packets = statistics.packets
        bytes = statistics.wireBytes
        lost = statistics.lost
        jitter = statistics.jitter
        payloadType = statistics.lastPayloadType
    }
}
