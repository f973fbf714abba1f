import CLUEModel
import DataChannel
import Dispatch
import Foundation
import ICE
import Logging
import MediaSecurity
import SDP
import SIP
import SecureTransport

/// One participant's media transport on the shared port: ICE-lite, DTLS bound to the SDP fingerprint, SRTP keys,
/// the SCTP association and the CLUE channel on it.
///
/// Confined to its own serial queue (`queue`); the I/O queue hands it STUN and DTLS datagrams as copies and keeps
/// the SRTP receive side itself (`InboundMedia`), installed once DTLS exports keys.
final class MediaSession: @unchecked Sendable {
    /// What the admin API and logs read; a snapshot taken on the session queue.
    struct State: Sendable {
        var ice: String
        var dtls: String
        var clue: String
        var remote: String?
        var srtpProfile: String?
        var capturesAdvertisedByPeer: [String]
        var capturesConfiguredByPeer: [String]
        /// The participant's captures the bridge configured and it accepted, by the encoding they flow on.
        var captureOfEncoding: [String: String]
        var clueMessagesReceived: Int
        var clueMessagesSent: Int
    }

    let id: DialogID
    let room: String
    let queue: DispatchQueue
    private let logger: Logger
    private unowned let service: MediaService
    private var ice: ICELiteAgent
    private let dtls: DTLSSession
    private let dtlsRole: SecureTransport.DTLSRole
    private var dtlsStarted = false
    private var dtlsState = "new"
    /// The 5-tuple media goes to: the nominated (or first authenticated) source of checks.
    private(set) var remote: SocketAddress?
    private var nominated = false
    private let dataChannel: DataChannelParameters?
    private var sctp: SCTPAssociation?
    private var clue: ClueChannel?
    private var clueMessages = (received: 0, sent: 0)
    private var sender: SRTPSender?
    private let clockRates: [UInt8: UInt32]
    private let videoPayloadTypes: Set<UInt8>
    /// The audio and video this participant exchanges with the room (its sections that are not CLUE-controlled,
    /// and the bridge's CLUE encodings once negotiated). On the session queue.
    private(set) var legs: MediaLegs
    /// When the call was admitted: the start of the join time (INVITE answered to first media).
    let admittedAt = ContinuousClock.now
    private lazy var timer = DeadlineTimer(queue: queue, leeway: .milliseconds(5)) { [weak self] in self?.fire() }
    private var ended = false
    /// Called once, on the session queue, when the transport dies (consent lost, DTLS failure): the signaling side
    /// hangs up with BYE.
    private let hangUp: @Sendable (String) -> Void

    init(id: DialogID, room: String, negotiated: NegotiatedSession, local: ICECredentials,
         service: MediaService, logger: Logger, hangUp: @escaping @Sendable (String) -> Void) throws {
        self.id = id
        self.room = room
        self.service = service
        self.hangUp = hangUp
        var logger = logger
        logger[metadataKey: "call"] = "\(id.callID)"
        self.logger = logger
        queue = DispatchQueue(label: "media-session", target: service.sessionTarget)
        // One transport for everything (the bridge answers with one port and BUNDLE or not, the same 5-tuple).
        let transports = negotiated.accepted.compactMap(\.peer)
        guard let peer = transports.first(where: { $0.ice != nil && !$0.fingerprints.isEmpty }),
              let remoteICE = peer.ice, let role = peer.localDTLSRole else {
            throw MediaSetupError.notSecured
        }
        let now = ContinuousClock.now
        ice = ICELiteAgent(configuration: ICELiteConfiguration(
            localUsernameFragment: local.usernameFragment, localPassword: local.password,
            remoteUsernameFragment: remoteICE.usernameFragment, remotePassword: remoteICE.password,
            consentTimeout: service.settings.consentTimeout), now: now)
        let expected = peer.fingerprints.compactMap { CertificateFingerprint(sdpValue: $0.description) }
        dtlsRole = role == .client ? .client : .server
        dtls = try DTLSSession(context: service.dtlsContext, role: dtlsRole, expectedPeerFingerprints: expected)
        dataChannel = negotiated.accepted.first { $0.dataChannel?.clueChannel != nil }?.dataChannel
        var rates: [UInt8: UInt32] = [:]
        var video = Set<UInt8>()
        for media in negotiated.accepted {
            for codec in media.codecs {
                rates[codec.payloadType] = codec.clockRate
                if media.kind == .video { video.insert(codec.payloadType) }
            }
        }
        clockRates = rates
        videoPayloadTypes = video
        legs = MediaLegs(negotiated)
    }

    /// Arms the consent timer: a peer that never sends a valid check is hung up after the consent timeout.
    func begin() {
        armTimer()
    }

    // MARK: Input from the I/O queue

    func receiveSTUN(_ datagram: [UInt8], from source: SocketAddress) {
        guard !ended else { return }
        let now = ContinuousClock.now
        let actions = ice.receive(datagram, from: source.transportAddress, now: now)
        var authenticated = false
        for action in actions {
            switch action {
            case .send(let bytes, _):
                service.send([bytes], to: source)
            case .selected:
                nominated = true
                latch(source)
            case .consentRefreshed:
                authenticated = true
            case .consentExpired:
                end("ICE consent expired")
                return
            }
        }
        // Media may start on the first authenticated check's pair before nomination (RFC 8445 section 7.3.1.4
        // lets a controlled agent use a succeeded pair); nomination then replaces it.
        if authenticated, !nominated, remote == nil { latch(source) }
        armTimer()
    }

    func receiveDTLS(_ datagram: [UInt8], from source: SocketAddress) {
        guard !ended, source == remote else { return }
        let now = ContinuousClock.now
        startDTLSIfNeeded(now: now)
        carry(dtls.handleDatagram(datagram, now: now), now: now)
        armTimer()
    }

    // MARK: Transport steps

    private func latch(_ source: SocketAddress) {
        guard source != remote else { return }
        let previous = remote
        remote = source
        service.latch(self, to: source, replacing: previous)
        logger.debug("media path", metadata: ["remote": "\(source)", "nominated": "\(nominated)"])
        startDTLSIfNeeded(now: .now)
    }

    private func startDTLSIfNeeded(now: ContinuousClock.Instant) {
        guard !dtlsStarted, remote != nil else { return }
        dtlsStarted = true
        dtlsState = "handshaking"
        carry(dtls.start(now: now), now: now)
    }

    private func carry(_ output: DTLSOutput, now: ContinuousClock.Instant) {
        if let remote, !output.datagrams.isEmpty { service.send(output.datagrams, to: remote) }
        for event in output.events {
            switch event {
            case .connected(let connection):
                connected(connection, now: now)
            case .closeNotifyReceived:
                dtlsState = "closed"
                end("the peer closed DTLS")
                return
            case .failed(let failure):
                dtlsState = "failed"
                service.countDTLSFailure(reason: "\(failure)")
                end("DTLS failed: \(failure)")
                return
            }
        }
        for record in output.applicationData {
            guard let sctp else { continue }
            handle(sctp.receive(record), now: now)
        }
    }

    private func connected(_ connection: DTLSConnection, now: ContinuousClock.Instant) {
        dtlsState = "connected"
        logger.info("DTLS connected", metadata: [
            "cipher": "\(connection.cipherSuite)", "srtp": "\(connection.srtp.map { "\($0.profile)" } ?? "none")",
            "fingerprint": "\(connection.matchedFingerprint.algorithm)"])
        if let keying = connection.srtp {
            do {
                let receiver = try SRTPReceiver(keying: keying, role: dtlsRole)
                let sender = try SRTPSender(keying: keying, role: dtlsRole)
                self.sender = sender
                service.install(InboundMedia(receiver: receiver, clockRates: clockRates,
                                             videoPayloadTypes: videoPayloadTypes), for: self)
                if let remote { service.mediaReady(self, sender: sender, remote: remote) }
            } catch {
                end("SRTP setup failed: \(error)")
                return
            }
        }
        if let parameters = dataChannel, let clueMap = parameters.clueChannel {
            do {
                let association = try SCTPAssociation(configuration: SCTPConfiguration(
                    localPort: parameters.localSCTPPort, remotePort: parameters.remoteSCTPPort,
                    // Ours bounds what we buffer, so never "unlimited" (0) even if the SDP said so.
                    maximumMessageSize: parameters.localMaxMessageSize == 0
                        ? 262_144 : Int(clamping: parameters.localMaxMessageSize),
                    remoteMaximumMessageSize: Int(clamping: parameters.remoteMaxMessageSize),
                    clueStream: clueMap.streamID))
                association.asynchronousOutput = { [weak self] output in
                    guard let self else { return }
                    self.queue.async { self.handle(output, now: .now) }
                }
                sctp = association
                clue = ClueChannel(role: dtlsRole == .client ? .initiator : .receiver, clueID: nil,
                                   limits: service.settings.clueReaderLimits,
                                   advertisement: { [service, room, id] in
                                       service.advertisement(forRoom: room, for: id)
                                   },
                                   checkConfigure: { [service, room, id] encodings, advertised in
                                       service.check(encodings, from: id, inRoom: room, against: advertised)
                                   },
                                   captureNeeds: { [service, room, id] advertisement in
                                       service.captureNeeds(of: id, inRoom: room, advertising: advertisement)
                                   })
                handle(association.start(), now: now)
            } catch {
                end("SCTP setup failed: \(error)")
            }
        }
    }

    private func handle(_ output: SCTPOutput, now: ContinuousClock.Instant) {
        guard !ended else { return }
        sendSCTPPackets(output.packets, now: now)
        for event in output.events {
            switch event {
            case .connected:
                logger.debug("SCTP association up")
                if var channel = clue {
                    let result = channel.opened(now: now)
                    clue = channel
                    deliver(result, now: now)
                }
            case .message(let stream, let ppid, let data):
                guard stream == dataChannel?.clueChannel?.streamID, var channel = clue else {
                    logger.debug("data channel message on a stream that is not CLUE's",
                                 metadata: ["stream": "\(stream)", "ppid": "\(ppid)"])
                    continue
                }
                clueMessages.received += 1
                let result = channel.receive(data, now: now)
                clue = channel
                deliver(result, now: now)
            case .streamsReset(let streams):
                if let clueStream = dataChannel?.clueChannel?.streamID, streams.contains(clueStream),
                   var channel = clue {
                    // RFC 8850 section 3.2.4: closing the CLUE channel ends the CLUE session, not the call.
                    logger.info("the participant closed the CLUE channel")
                    let result = channel.closed()
                    clue = channel
                    deliver(result, now: now)
                }
            case .closed(let reason):
                logger.info("SCTP association closed", metadata: ["reason": "\(reason)"])
                if var channel = clue {
                    let result = channel.closed()
                    clue = channel
                    deliver(result, now: now)
                }
            case .protocolViolation(let reason):
                // RFC 8850 section 3.2.3: a peer that uses partial reliability (or otherwise misuses) the CLUE
                // channel is disconnected.
                end("CLUE data channel violation: \(reason)")
                return
            }
        }
        armTimer()
    }

    private func deliver(_ output: ClueChannel.Output, now: ContinuousClock.Instant) {
        if let advertisement = output.acknowledgedAdvertisement {
            service.participantAdvertised(self, advertisement)
        }
        if let configure = output.acceptedConfigure {
            service.participantConfigured(self, configure)
        }
        if let configure = output.peerAcceptedConfigure {
            service.bridgeConfigureAccepted(self, configure)
        }
        for note in output.notes {
            switch note {
            case .received(let type, let sequence):
                logger.debug("CLUE message received", metadata: ["type": "\(type)", "seq": "\(sequence ?? 0)"])
                service.countClue(type: type, code: nil, direction: "in")
            case .sent(let type, let code):
                service.countClue(type: type, code: code, direction: "out")
            case .negotiated(let version):
                logger.info("CLUE session active", metadata: ["version": "\(version)"])
                service.onCLUEActive?(id)
            case .refused(let type, let code, let reason):
                // The reason may quote the peer's document (descriptions, xCard text): only at debug level, which
                // the operator turns on deliberately (PUT /v1/log/levels).
                logger.notice("CLUE message refused", metadata: [
                    "type": "\(type)", "code": "\(code.map(String.init) ?? "none")"])
                logger.debug("CLUE message refused: why", metadata: ["type": "\(type)", "reason": "\(reason)"])
            case .ignored(let type, let reason):
                logger.debug("CLUE message ignored", metadata: ["type": "\(type)", "reason": "\(reason)"])
            case .terminated(let reason):
                logger.info("CLUE session ended", metadata: ["reason": "\(reason)"])
            case .encodingFailed(let reason):
                logger.error("could not encode a CLUE message", metadata: ["reason": "\(reason)"])
            }
        }
        guard let sctp, let stream = dataChannel?.clueChannel?.streamID else { return }
        for message in output.messages {
            do {
                clueMessages.sent += 1
                handle(try sctp.send(message, stream: stream, ppid: PayloadProtocolIdentifier.string), now: now)
            } catch {
                logger.warning("CLUE message not sent", metadata: ["reason": "\(error)"])
            }
        }
    }

    private func sendSCTPPackets(_ packets: [[UInt8]], now: ContinuousClock.Instant) {
        guard !packets.isEmpty else { return }
        var datagrams: [[UInt8]] = []
        for packet in packets {
            do {
                datagrams += try dtls.send(packet, now: now).datagrams
            } catch {
                logger.debug("SCTP packet not sent over DTLS", metadata: ["reason": "\(error)"])
            }
        }
        if let remote, !datagrams.isEmpty { service.send(datagrams, to: remote) }
    }

    func legsChanged(_ legs: MediaLegs) {
        self.legs = legs
    }

    /// The room's needs of this participant may have changed: configure its captures again if so.
    func reconfigure() {
        stepCLUE { channel, now in channel.reconfigure(now: now) }
    }

    /// The room changed: advertise it again to this participant.
    func readvertise() {
        stepCLUE { channel, now in channel.readvertise(now: now) }
    }

    /// Runs one application step of the CLUE channel and carries out what it produced.
    private func stepCLUE(_ step: (inout ClueChannel, ContinuousClock.Instant) -> ClueChannel.Output) {
        guard !ended, var channel = clue else { return }
        let now = ContinuousClock.now
        let output = step(&channel, now)
        clue = channel
        deliver(output, now: now)
        armTimer()
    }

    // MARK: Timers

    private func armTimer() {
        guard !ended else { return }
        let now = ContinuousClock.now
        timer.arm(at: [ice.nextDeadline, dtlsStarted ? dtls.nextTimeout(now: now) : nil, clue?.deadline]
            .compactMap { $0 }.min(), now: now)
    }

    private func fire() {
        guard !ended else { return }
        let now = ContinuousClock.now
        for action in ice.timeout(now: now) where action == .consentExpired {
            service.countICEFailure(reason: "consent expired")
            end("ICE consent expired (no valid check for \(service.settings.consentTimeout))")
            return
        }
        if dtlsStarted, let due = dtls.nextTimeout(now: now), due <= now {
            carry(dtls.handleTimeout(now: now), now: now)
        }
        if var channel = clue {
            let output = channel.timerFired(now: now)
            clue = channel
            deliver(output, now: now)
        }
        armTimer()
    }

    // MARK: Ending

    /// The transport failed: stop, and ask signaling to hang up (it then calls `close`).
    private func end(_ reason: String) {
        guard !ended else { return }
        logger.notice("media session failed: hanging up", metadata: ["reason": "\(reason)"])
        close()
        hangUp(reason)
    }

    /// Stops everything; idempotent. On the session queue.
    func close() {
        guard !ended else { return }
        ended = true
        timer.cancel()
        if let sctp { sendSCTPPackets(sctp.close().packets, now: .now) }
        sctp = nil
        if dtlsStarted, dtlsState == "connected" {
            let output = dtls.close(now: .now)
            if let remote, !output.datagrams.isEmpty { service.send(output.datagrams, to: remote) }
        }
        service.forget(self)
    }

    func state() -> State {
        State(ice: remote == nil ? "waiting" : (nominated ? "nominated" : "checking"), dtls: dtlsState,
              clue: clue.map { $0.machine.state.rawValue } ?? (dataChannel == nil ? "none" : "waiting"),
              remote: remote?.description, srtpProfile: sender.map { "\($0.profile)" },
              capturesAdvertisedByPeer: clue?.peerAdvertisement?.mediaCaptures.map(\.captureID) ?? [],
              capturesConfiguredByPeer: clue?.configured.map(\.captureID) ?? [],
              captureOfEncoding: Dictionary((clue?.acceptedByPeer ?? []).map { ($0.encodingID, $0.captureID) },
                                            uniquingKeysWith: { a, _ in a }),
              clueMessagesReceived: clueMessages.received, clueMessagesSent: clueMessages.sent)
    }
}

enum MediaSetupError: Error, CustomStringConvertible {
    /// No accepted section has ICE credentials and a DTLS fingerprint (plain RTP is not served by this plane yet).
    case notSecured

    var description: String { "no ICE and DTLS-SRTP transport in the negotiated session" }
}
