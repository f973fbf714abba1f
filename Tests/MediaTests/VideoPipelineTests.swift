import Testing
@testable import Media
import TestSupport

/// One RTP packet's worth of what the depacketizer reads.
struct VideoPacket {
    var payload: [UInt8]
    var sequenceNumber: UInt16
    var timestamp: UInt32
    var marker: Bool
}

/// A site's camera: a solid colour, encoded and packetized as an endpoint would send it.
final class TestSite {
    let codec: VideoCodec
    let encoder: VideoEncoder
    let picture: VideoFrame
    var vp8: VP8Packetizer
    var h264: H264Packetizer
    var sequenceNumber: UInt16
    var timestamp: UInt32 = 1_000

    init(codec: VideoCodec, width: Int, height: Int, colour: YCbCr, maximumPayloadSize: Int = 1_200,
         firstSequenceNumber: UInt16 = 65_000) throws {
        FFmpegLogging.errorsOnly()
        self.codec = codec
        encoder = try VideoEncoder(codec: codec, configuration: VideoEncoderConfiguration(
            width: width, height: height, frameRate: 30, bitRate: 400_000))
        picture = try VideoFrame(width: width, height: height, colour: colour)
        vp8 = VP8Packetizer(maximumPayloadSize: maximumPayloadSize)
        h264 = H264Packetizer(maximumPayloadSize: maximumPayloadSize)
        sequenceNumber = firstSequenceNumber
    }

    /// The packets of the next frame.
    func nextPackets() throws -> [VideoPacket] {
        guard let encoded = try encoder.encode(picture) else { return [] }
        let payloads = codec == .vp8 ? vp8.packetize(encoded.data) : h264.packetize(encoded.data)
        defer { timestamp &+= encoder.rtpTimestampIncrement }
        return payloads.enumerated().map { index, payload in
            defer { sequenceNumber &+= 1 }
            return VideoPacket(payload: payload, sequenceNumber: sequenceNumber, timestamp: timestamp,
                               marker: index == payloads.count - 1)
        }
    }
}

/// The bridge's side of one source: depacketize, decode, hand the picture to the compositor.
final class TestReceiver {
    var depacketizer: VideoDepacketizer
    let decoder: VideoDecoder
    var latest: VideoFrame?
    var keyframeRequests = 0

    init(codec: VideoCodec) throws {
        depacketizer = VideoDepacketizer(codec: codec)
        decoder = try VideoDecoder(codec: codec)
    }

    func receive(_ packet: VideoPacket) {
        var decoded: [VideoFrame] = []
        let needed = packet.payload.withUnsafeBytes { payload in
            depacketizer.push(payload: payload, sequenceNumber: packet.sequenceNumber, timestamp: packet.timestamp,
                              marker: packet.marker) { frame in
                if let picture = try? decoder.decode(frame.data) { decoded.append(picture) }
            }
        }
        if needed { keyframeRequests += 1 }
        if let last = decoded.last { latest = last }
    }
}

@Suite struct VideoPipelineTests {
    /// Three sites of different sizes and colours and one that never sends, through encode, packetize,
    /// depacketize, decode, a 2x2 composition, encode of the canvas and decode again: each quadrant has its site's
    /// colour (within codec error), the silent site's is black, and a 4:3 site is pillarboxed in black.
    @Test(arguments: VideoCodec.allCases)
    func composedCanvasCarriesEachSite(codec: VideoCodec) throws {
        let specs: [(Int, Int, YCbCr)] = [(320, 240, Colours.red), (640, 360, Colours.green), (480, 270, Colours.blue)]
        let sites = try specs.map { try TestSite(codec: codec, width: $0.0, height: $0.1, colour: $0.2) }
        let receivers = try specs.map { _ in try TestReceiver(codec: codec) }
        let compositor = try VideoCompositor<Int>(width: 640, height: 360)
        compositor.setTiles([0, 1, 2, 3])
        let canvasEncoder = try VideoEncoder(codec: codec, configuration: VideoEncoderConfiguration(
            width: 640, height: 360, frameRate: 30, bitRate: 800_000))
        var packetizer = (vp8: VP8Packetizer(), h264: H264Packetizer())
        var viewer = try TestReceiver(codec: codec)
        var sequenceNumber: UInt16 = 7

        for frame in 0..<12 {
            for (index, site) in sites.enumerated() {
                for packet in try site.nextPackets() { receivers[index].receive(packet) }
                if let picture = receivers[index].latest { compositor.update(index, with: picture) }
            }
            let canvas = try compositor.compose()
            let encoded = try #require(try canvasEncoder.encode(canvas))
            #expect(encoded.isKeyframe == (frame == 0))
            let payloads = codec == .vp8 ? packetizer.vp8.packetize(encoded.data) : packetizer.h264.packetize(encoded.data)
            for (index, payload) in payloads.enumerated() {
                viewer.receive(VideoPacket(payload: payload, sequenceNumber: sequenceNumber,
                                           timestamp: UInt32(frame) * 3_000, marker: index == payloads.count - 1))
                sequenceNumber &+= 1
            }
        }
        for receiver in receivers {
            #expect(receiver.decoder.errors == 0)
            #expect(receiver.decoder.framesDecoded == 12)
            #expect(receiver.depacketizer.statistics.framesDropped == 0)
        }
        let decoded = try #require(viewer.latest)
        #expect(viewer.decoder.errors == 0 && viewer.decoder.framesDecoded == 12)
        #expect(decoded.width == 640 && decoded.height == 360)
        let tiles = VideoLayout.tiles(count: 4, width: 640, height: 360)
        for (index, spec) in specs.enumerated() {
            let area = VideoLayout.fit(width: spec.0, height: spec.1, in: tiles[index])
            expectColour(decoded, inner(area), spec.2, tolerance: 6, "\(codec) site \(index)")
        }
        expectColour(decoded, inner(tiles[3]), .black, tolerance: 6, "\(codec) silent site")
        let bar = VideoRectangle(x: 0, y: 8, width: tiles[0].width / 8 - 4, height: tiles[0].height - 16)
        expectColour(decoded, bar, .black, tolerance: 6, "\(codec) pillarbox of the 4:3 site")
        viewer = try TestReceiver(codec: codec)  // a fresh viewer that joins mid-stream waits for a keyframe
        #expect(viewer.depacketizer.isWaitingForKeyframe)
    }

    /// Packets reordered within a few frames and some lost: frames hit by loss are dropped, the receiver asks for
    /// a keyframe (PLI), the encoder makes one on demand, and decoding resumes with the site's new colour and no
    /// decoder error (nothing broken reached it).
    @Test(arguments: VideoCodec.allCases)
    func lossAndReorderRecoverWithKeyframe(codec: VideoCodec) throws {
        let site = try TestSite(codec: codec, width: 320, height: 240, colour: Colours.red, maximumPayloadSize: 120)
        let receiver = try TestReceiver(codec: codec)
        var random = SplitMix64(seed: 42)
        var lost = 0
        var pending: [VideoPacket] = []
        for frame in 0..<60 {
            if frame == 20 { site.picture.fill(VideoRectangle(x: 0, y: 0, width: 320, height: 240), with: Colours.blue) }
            if frame % 15 == 0 && frame < 45 { site.encoder.requestKeyframe() }  // frames big enough to split
            pending += try site.nextPackets()
            guard frame % 3 == 2 else { continue }
            pending.shuffle(using: &random)
            for packet in pending {
                // Loss only in the first two thirds, so that the stream can settle.
                if frame < 40, Int.random(in: 0..<12, using: &random) == 0 {
                    lost += 1
                    continue
                }
                let requestsBefore = receiver.keyframeRequests
                receiver.receive(packet)
                if receiver.keyframeRequests > requestsBefore { site.encoder.requestKeyframe() }
            }
            pending.removeAll()
        }
        #expect(lost > 0)
        #expect(receiver.depacketizer.statistics.losses > 0)
        #expect(receiver.depacketizer.statistics.framesDropped > 0)
        #expect(receiver.keyframeRequests > 0)
        #expect(site.encoder.keyframesEncoded >= 3)
        #expect(receiver.decoder.errors == 0)
        let picture = try #require(receiver.latest)
        expectColour(picture, inner(VideoRectangle(x: 0, y: 0, width: 320, height: 240)), Colours.blue,
                     tolerance: 6, "\(codec) after recovery")
    }

    /// Garbage and truncated frames are decode errors that are counted; the decoder then decodes a keyframe.
    @Test(arguments: VideoCodec.allCases)
    func decoderSurvivesCorruptInput(codec: VideoCodec) throws {
        let site = try TestSite(codec: codec, width: 160, height: 120, colour: Colours.green)
        let decoder = try VideoDecoder(codec: codec)
        let keyframe = try #require(try site.encoder.encode(site.picture))
        var random = SplitMix64(seed: 7)
        for length in [1, 2, 7, 64, 1_000] {
            let garbage = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            _ = try? decoder.decode(garbage)
        }
        _ = try? decoder.decode(Array(keyframe.data.prefix(keyframe.data.count / 3)))
        #expect(throws: VideoCodecError.self) { try decoder.decode([UInt8]()) }
        #expect(decoder.errors >= 1)
        let picture = try #require(try decoder.decode(keyframe.data))
        expectColour(picture, inner(VideoRectangle(x: 0, y: 0, width: 160, height: 120)), Colours.green, tolerance: 6)
    }
}
