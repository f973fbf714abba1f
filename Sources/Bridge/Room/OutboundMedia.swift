import MediaSecurity
import RTP

/// What the bridge sends one participant, on the media I/O queue: the SRTP sender, the audio stream it
/// packetizes from the mixer, and the switched video stream it rewrites from whichever source the room selected.
///
/// Each receiver owns its own rewrite context (Janus's switching context), so a switch to another source keeps
/// sequence numbers and timestamps continuous for this receiver alone. One scratch buffer per receiver: forwarding
/// copies the source's packet into it, rewrites and protects in place, and hands it to the socket's send batch.
final class OutboundMedia: @unchecked Sendable {
    static let scratchBytes = 1500 + 256

    /// One switched video stream to this receiver: on its default video section, or on one of the bridge's CLUE
    /// encodings (then `captureID` is the bridge capture the receiver configured on it).
    final class VideoOutput {
        let leg: MediaLegs.Leg
        var rewriter: RTPRewriter
        var source: (session: ObjectIdentifier, ssrc: UInt32)?
        var captureID: String

        init(leg: MediaLegs.Leg, captureID: String) {
            self.leg = leg
            self.captureID = captureID
            rewriter = RTPRewriter(outputSSRC: leg.localSSRC, clockRate: 90_000, waitsForKeyframe: true,
                                   initialSequence: .random(in: 0...UInt16.max),
                                   initialTimestamp: .random(in: 0...UInt32.max))
        }
    }

    let sender: SRTPSender
    var remote: SocketAddress
    var legs: MediaLegs
    /// CLUE encoding outputs by encoding ID.
    var clueOutputs: [String: VideoOutput] = [:]
    private(set) var audioSequence = UInt16.random(in: 0...UInt16.max)
    private(set) var audioTimestamp = UInt32.random(in: 0...UInt32.max)
    /// When the last mixed audio packet went out, for the bridge's own sender report on it.
    private(set) var audioSentAt: ContinuousClock.Instant?
    var video: RTPRewriter?
    /// The session whose video this receiver gets now, and that source's SSRC.
    var videoSource: (session: ObjectIdentifier, ssrc: UInt32)?
    /// The capture the CaptID extension names on the switched video (RFC 8849), when negotiated.
    var videoCaptureID = "VC0"
    let scratch: UnsafeMutableRawBufferPointer
    var sent = (audioPackets: 0, audioBytes: 0, audioPayloadBytes: 0, videoPackets: 0, videoBytes: 0)

    init(sender: SRTPSender, remote: SocketAddress, legs: MediaLegs) {
        self.sender = sender
        self.remote = remote
        self.legs = legs
        scratch = .allocate(byteCount: Self.scratchBytes, alignment: 8)
        if let video = legs.video, video.bridgeSends {
            self.video = RTPRewriter(outputSSRC: video.localSSRC, clockRate: 90_000, waitsForKeyframe: true,
                                     initialSequence: .random(in: 0...UInt16.max),
                                     initialTimestamp: .random(in: 0...UInt32.max))
        }
    }

    deinit { scratch.deallocate() }

    /// Writes one mixed audio frame as an RTP packet into the scratch buffer, protected; returns its length.
    func packetizeAudio(_ payload: [UInt8], timestampStep: UInt32) -> Int? {
        guard let audio = legs.audio, audio.bridgeSends, payload.count + 64 <= scratch.count else { return nil }
        audioSequence &+= 1
        audioTimestamp &+= timestampStep
        var length = RTPHeader.fixedLength
        scratch[0] = 0x80
        scratch[1] = audio.sendPayloadType & 0x7F
        scratch.storeBigEndian(audioSequence, at: 2)
        scratch.storeBigEndian(audioTimestamp, at: 4)
        scratch.storeBigEndian(audio.localSSRC, at: 8)
        payload.withUnsafeBytes { bytes in
            (scratch.baseAddress! + length).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        }
        length += payload.count
        if let id = audio.midExtensionID, let mid = audio.mid {
            var text = mid
            length = text.withUTF8 { utf8 in
                (try? RTPHeaderExtensions.set(id: id, value: UnsafeRawBufferPointer(utf8), in: scratch,
                                              length: length)) ?? length
            }
        }
        guard let protected = try? sender.protectRTP(scratch, length: length) else { return nil }
        sent.audioPackets += 1
        sent.audioBytes += protected
        sent.audioPayloadBytes += payload.count
        audioSentAt = .now
        return protected
    }

    /// The bridge's sender report on the mixed audio it sends this receiver (RFC 3550 section 6.4.1): the wall clock
    /// now, and the RTP time the stream has reached by now at 48 kHz (or the codec's clock).
    func audioSenderReport(now: ContinuousClock.Instant, wallClock: UInt64) -> RTCPSenderReport? {
        guard let audio = legs.audio, audio.bridgeSends, let last = audioSentAt else { return nil }
        let rate = Int64(audio.sendCodec.clockRate ?? 48_000)
        let elapsed = now - last
        let ticks = elapsed.components.seconds * rate + elapsed.components.attoseconds / 1_000_000_000 * rate
            / 1_000_000_000
        return RTCPSenderReport(ssrc: audio.localSSRC, ntpTimestamp: wallClock,
                                rtpTimestamp: audioTimestamp &+ UInt32(truncatingIfNeeded: ticks),
                                packetCount: UInt32(truncatingIfNeeded: sent.audioPackets),
                                octetCount: UInt32(truncatingIfNeeded: sent.audioPayloadBytes))
    }

    /// The CLUE encodings negotiated by the latest offer/answer; outputs of encodings that went away stop.
    func setCLUEVideo(_ legs: [String: MediaLegs.Leg]) {
        for label in clueOutputs.keys where legs[label] == nil { clueOutputs[label] = nil }
        for (label, leg) in legs where clueOutputs[label] == nil {
            clueOutputs[label] = VideoOutput(leg: leg, captureID: "-")
        }
    }

    /// The source streams feeding the output with this SSRC (a receiver's PLI or FIR names it); every fed output
    /// when the SSRC is none of them (a receiver that names its own idea of the stream still gets a keyframe).
    func sources(ofOutputSSRC ssrc: UInt32) -> [MediaService.VideoStream] {
        var all: [(outputSSRC: UInt32, source: MediaService.VideoStream)] = []
        if let video, let source = videoSource {
            all.append((video.outputSSRC, MediaService.VideoStream(session: source.session, ssrc: source.ssrc)))
        }
        for output in clueOutputs.values {
            guard let source = output.source else { continue }
            all.append((output.rewriter.outputSSRC, MediaService.VideoStream(session: source.session, ssrc: source.ssrc)))
        }
        let named = all.filter { $0.outputSSRC == ssrc }
        return (named.isEmpty ? all : named).map(\.source)
    }

    /// A NACK on one of this receiver's video outputs, in the numbering of the source stream feeding it.
    func translate(_ nack: RTCPGenericNACK) -> (MediaService.VideoStream, RTCPGenericNACK)? {
        if video?.outputSSRC == nack.mediaSSRC, let source = videoSource,
           let translated = video?.translate(nack, senderSSRC: 0) {
            return (MediaService.VideoStream(session: source.session, ssrc: source.ssrc), translated)
        }
        for output in clueOutputs.values where output.rewriter.outputSSRC == nack.mediaSSRC {
            guard let source = output.source, let translated = output.rewriter.translate(nack, senderSSRC: 0) else {
                continue
            }
            return (MediaService.VideoStream(session: source.session, ssrc: source.ssrc), translated)
        }
        return nil
    }

    /// The same for one CLUE encoding output.
    func forwardVideo(on output: VideoOutput, packet: UnsafeRawBufferPointer, header: RTPHeader,
                      now: ContinuousClock.Instant) -> Int? {
        // In place: copying the rewriter in and out per packet showed in the forwarding profile.
        forward(leg: output.leg, rewriter: &output.rewriter, captureID: output.captureID, packet: packet,
                header: header, now: now)
    }

    /// Writes the source's video packet, rewritten for this receiver and protected, into `scratch`; returns the
    /// length to send, or nil when the packet is not for this receiver now.
    func forwardVideo(packet: UnsafeRawBufferPointer, header: RTPHeader, now: ContinuousClock.Instant) -> Int? {
        guard video != nil, let leg = legs.video else { return nil }
        return forward(leg: leg, rewriter: &video!, captureID: videoCaptureID, packet: packet, header: header,
                       now: now)
    }

    private func forward(leg: MediaLegs.Leg, rewriter: inout RTPRewriter, captureID: String,
                         packet: UnsafeRawBufferPointer, header: RTPHeader, now: ContinuousClock.Instant) -> Int? {
        guard header.ssrc == rewriter.selectedSource, packet.count <= scratch.count else { return nil }
        if rewriter.waitingForKeyframe {
            let payload = UnsafeRawBufferPointer(rebasing: packet[header.payloadRange])
            let keyframe = leg.codecs[header.payloadType] == .h264 || leg.sendCodec == .h264
                ? VideoKeyframe.isH264Keyframe(payload) : VideoKeyframe.isVP8Keyframe(payload)
            guard keyframe else { return nil }
            rewriter.keyframeArrived()
        }
        // One pass: the fixed header and CSRCs, the receiver's own extensions (mid, CaptID; the source's are
        // dropped), then the payload and any padding, each copied once from the source packet.
        let headerLength = RTPHeader.fixedLength + 4 * header.csrcCount
        let tail = header.payloadRange.lowerBound..<packet.count
        scratch.copyMemory(from: UnsafeRawBufferPointer(rebasing: packet[0..<headerLength]))
        var mid = leg.mid ?? "", capture = captureID
        let written = mid.withUTF8 { midBytes in
            capture.withUTF8 { captureBytes in
                RTPHeaderExtensions.writeBlock(
                    leg.mid == nil ? nil : leg.midExtensionID.map { ($0, UnsafeRawBufferPointer(midBytes)) },
                    leg.captureIDExtensionID.map { ($0, UnsafeRawBufferPointer(captureBytes)) },
                    into: scratch, at: headerLength, reserving: tail.count + 32)
            }
        }
        guard var length = written,
              case .forward = rewriter.rewrite(UnsafeMutableRawBufferPointer(rebasing: scratch[0..<headerLength]),
                                               header: header, now: now) else { return nil }
        (scratch.baseAddress! + length).copyMemory(from: packet.baseAddress! + tail.lowerBound, byteCount: tail.count)
        length += tail.count
        return protect(length)
    }

    private func protect(_ length: Int) -> Int? {
        guard let protected = try? sender.protectRTP(scratch, length: length) else { return nil }
        sent.videoPackets += 1
        sent.videoBytes += protected
        return protected
    }
}
