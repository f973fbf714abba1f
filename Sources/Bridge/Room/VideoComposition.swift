import Dispatch
import Logging
import Media
import RTP
import SDP

/// One composed picture (the composed capture, RFC 8845 section 7.2.1: the latest speakers' sites side by side) for
/// every receiver that shows the same sites in the same codec. Each input stream is depacketized and decoded, the
/// latest pictures are scaled into one 640x360 canvas, the canvas is encoded once per frame and packetized, and the
/// I/O queue forwards the packets to each receiver through that receiver's own rewriter, as if the composition were
/// one more source stream (`MediaService.VideoStream` with the composition as its session).
///
/// Decoding, scaling and encoding run on the composition's own queue, never on the I/O queue or the room's.
final class VideoComposition: @unchecked Sendable {
    /// What the composition shows: these input streams (in any order) in this output codec.
    struct Key: Hashable, Sendable {
        var inputs: Set<MediaService.VideoStream>
        var codec: VideoCodec
    }

    /// The payload type of the packets it hands the I/O queue; each route maps it to the receiver's.
    static let payloadType: UInt8 = 96
    static let width = 640
    static let height = 360
    static let frameRate = 15
    /// At most this many sites (a 2x2 layout), as the composed capture advertises.
    static let tiles = 4

    let key: Key
    let ssrc = UInt32.random(in: 1...0xF000_0000)
    let queue: DispatchQueue
    /// The input streams' packets since the last frame, put there by the I/O queue.
    let inbox = PacketInbox(capacity: 1_024, slotBytes: PacketInbox.videoSlotBytes)
    var stream: MediaService.VideoStream { MediaService.VideoStream(session: ObjectIdentifier(self), ssrc: ssrc) }

    private unowned let service: MediaService
    private let logger: Logger
    private let compositor: VideoCompositor<MediaService.VideoStream>
    private let encoder: VideoEncoder
    private var inputs: [MediaService.VideoStream: Input] = [:]
    private var vp8 = VP8Packetizer(maximumPayloadSize: 1_200)
    private var h264 = H264Packetizer(maximumPayloadSize: 1_200)
    private var sequence = UInt16.random(in: 0...UInt16.max)
    private var timestamp = UInt32.random(in: 0...UInt32.max)
    private let payloadBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1_500, alignment: 8)
    private var timer: DispatchSourceTimer?
    private(set) var framesSent = 0

    /// One input stream: its payload types' codecs, and its depacketizer and decoder (made for the codec of the
    /// first packet).
    private struct Input {
        var codecs: [UInt8: VideoCodec]
        var depacketizer: VideoDepacketizer?
        var decoder: VideoDecoder?
        var codec: VideoCodec?
    }

    init(key: Key, service: MediaService, logger: Logger) throws(VideoCodecError) {
        self.key = key
        self.service = service
        self.logger = logger
        queue = DispatchQueue(label: "video-composition", qos: .userInitiated, target: service.sessionTarget)
        compositor = try VideoCompositor(width: Self.width, height: Self.height)
        encoder = try VideoEncoder(codec: key.codec, configuration: VideoEncoderConfiguration(
            width: Self.width, height: Self.height, frameRate: Self.frameRate, bitRate: 800_000,
            keyframeInterval: Self.frameRate * 10))
    }

    deinit { payloadBuffer.deallocate() }

    /// The tiles, speaker first, and each input's payload types (on the composition's queue).
    func show(_ ordered: [MediaService.VideoStream], codecs: [MediaService.VideoStream: [UInt8: VideoCodec]]) {
        for stream in ordered where inputs[stream] == nil { inputs[stream] = Input(codecs: codecs[stream] ?? [:]) }
        for stream in inputs.keys where !ordered.contains(stream) {
            inputs[stream] = nil
            compositor.removePicture(of: stream)
        }
        compositor.setTiles(ordered)
    }

    func start() {
        queue.async { [self] in
            guard timer == nil else { return }
            let source = DispatchSource.makeTimerSource(queue: queue)
            let interval = 1_000 / Self.frameRate
            source.schedule(deadline: .now(), repeating: .milliseconds(interval), leeway: .milliseconds(5))
            source.setEventHandler { [unowned self] in self.composeFrame() }
            source.resume()
            timer = source
        }
    }

    func stop() {
        queue.async { [self] in
            timer?.cancel()
            timer = nil
        }
    }

    /// A receiver lost a picture, or a new receiver waits for a keyframe.
    func requestKeyframe() {
        queue.async { [self] in encoder.requestKeyframe() }
    }

    /// One RTP packet of an input stream (on the composition's queue): decoded when it completes a frame.
    private func receive(_ stream: MediaService.VideoStream, payload: UnsafeRawBufferPointer, payloadType: UInt8,
                         sequenceNumber: UInt16, timestamp: UInt32, marker: Bool) {
        guard var input = inputs[stream], let codec = input.codecs[payloadType] else { return }
        if input.codec != codec {
            input.codec = codec
            input.depacketizer = VideoDepacketizer(codec: codec)
            input.decoder = try? VideoDecoder(codec: codec)
        }
        var pictures: [VideoFrame] = []
        let decoder = input.decoder
        let keyframeNeeded = input.depacketizer?.push(payload: payload, sequenceNumber: sequenceNumber,
                                                      timestamp: timestamp, marker: marker) { frame in
            if let picture = try? decoder?.decode(frame.data) { pictures.append(picture) }
        } ?? false
        inputs[stream] = input
        if let latest = pictures.last { compositor.update(stream, with: latest) }
        if keyframeNeeded { service.askKeyframe(from: stream) }
    }

    private func composeFrame() {
        inbox.drain { entry, payload in
            receive(MediaService.VideoStream(session: entry.source, ssrc: entry.ssrc), payload: payload,
                    payloadType: entry.payloadType, sequenceNumber: entry.sequenceNumber, timestamp: entry.timestamp,
                    marker: entry.marker)
        }
        let encoded: EncodedVideoFrame?
        do {
            encoded = try encoder.encode(try compositor.compose())
        } catch {
            logger.debug("composition frame failed", metadata: ["reason": "\(error)"])
            return
        }
        guard let encoded else { return }
        timestamp &+= encoder.rtpTimestampIncrement
        var packets: [[UInt8]] = []
        let emit: (Int, Bool) -> Void = { [self] length, isLast in
            sequence &+= 1
            var packet = [UInt8](repeating: 0, count: RTPHeader.fixedLength + length)
            packet[0] = 0x80
            packet[1] = (isLast ? 0x80 : 0) | Self.payloadType
            packet.withUnsafeMutableBytes { bytes in
                bytes.storeBigEndian(sequence, at: 2)
                bytes.storeBigEndian(timestamp, at: 4)
                bytes.storeBigEndian(ssrc, at: 8)
                (bytes.baseAddress! + RTPHeader.fixedLength).copyMemory(from: payloadBuffer.baseAddress!,
                                                                       byteCount: length)
            }
            packets.append(packet)
        }
        encoded.data.withUnsafeBytes { frame in
            switch key.codec {
            case .vp8: vp8.packetize(frame, into: payloadBuffer, emit: emit)
            case .h264: h264.packetize(frame, into: payloadBuffer, emit: emit)
            }
        }
        framesSent += 1
        BridgeMetrics.shared.composedFrame()
        service.forwardComposed(packets, from: stream)
    }
}

extension VideoCodec {
    /// The compositor's codec for a negotiated one; nil for audio.
    init?(_ codec: MediaCodec) {
        switch codec {
        case .vp8: self = .vp8
        case .h264: self = .h264
        default: return nil
        }
    }
}
