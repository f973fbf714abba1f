import Testing
@testable import Media

@Suite struct VP8PayloadDescriptorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let bytes: [UInt8]
        let expected: VP8PayloadDescriptor
        var testDescription: String { bytes.map { String($0, radix: 16) }.joined(separator: " ") }
    }

    static let cases: [Case] = [
        Case(bytes: [0x10, 0xAA], expected: VP8PayloadDescriptor(startsPartition: true)),
        Case(bytes: [0x90, 0x80, 0x05, 0xAA],
             expected: VP8PayloadDescriptor(startsPartition: true, pictureID: 5, hasLongPictureID: false)),
        Case(bytes: [0x90, 0x80, 0x81, 0x23, 0xAA],
             expected: VP8PayloadDescriptor(startsPartition: true, pictureID: 0x0123)),
        Case(bytes: [0x90, 0xE0, 0x81, 0x23, 0x07, 0x60, 0xAA],
             expected: VP8PayloadDescriptor(startsPartition: true, pictureID: 0x0123, tl0PictureIndex: 7,
                                            temporalLayerID: 1, isLayerSync: true)),
        Case(bytes: [0xA3, 0x10, 0x1F, 0xAA],
             expected: VP8PayloadDescriptor(isNonReference: true, startsPartition: false, partitionIndex: 3,
                                            keyIndex: 31)),
        Case(bytes: [0x90, 0xF0, 0x81, 0x23, 0x07, 0xA5, 0xAA],
             expected: VP8PayloadDescriptor(startsPartition: true, pictureID: 0x0123, tl0PictureIndex: 7,
                                            temporalLayerID: 2, isLayerSync: true, keyIndex: 5)),
    ]

    /// Each variant of the extended descriptor (I with 7 and 15 bits, L, T, K) parses to its fields and
    /// serializes back to the same octets.
    @Test(arguments: cases)
    func parsesAndSerializes(_ testCase: Case) throws {
        let parsed = try #require(testCase.bytes.withUnsafeBytes { VP8PayloadDescriptor($0) })
        #expect(parsed == testCase.expected)
        #expect(parsed.serializedLength == testCase.bytes.count - 1)
        var buffer = [UInt8](repeating: 0xEE, count: 16)
        let written = buffer.withUnsafeMutableBytes { parsed.serialize(into: $0) }
        #expect(written == testCase.bytes.count - 1)
        #expect(Array(buffer.prefix(testCase.bytes.count - 1)) == Array(testCase.bytes.dropLast()))
        // Too small a buffer is refused, not overrun.
        var small = [UInt8](repeating: 0, count: parsed.serializedLength - 1)
        #expect(small.withUnsafeMutableBytes { parsed.serialize(into: $0) } == nil)
    }

    /// Truncated descriptors, and descriptors with no VP8 data behind them, are refused.
    @Test(arguments: [[], [0x10], [0x90], [0x90, 0x80], [0x90, 0x80, 0x81], [0x90, 0x80, 0x81, 0x23],
                      [0x90, 0x40], [0x90, 0x20], [0x90, 0xF0, 0x81, 0x23, 0x07]] as [[UInt8]])
    func refusesTruncated(_ bytes: [UInt8]) {
        #expect(bytes.withUnsafeBytes { VP8PayloadDescriptor($0) } == nil)
    }
}

/// VP8 frame data whose frame tag says key frame (P=0) or interframe (P=1), then filler.
func vp8Data(key: Bool, length: Int, fill: UInt8 = 0x11) -> [UInt8] {
    var data = [UInt8](repeating: fill, count: length)
    data[0] = key ? 0x50 : 0x51
    return data
}

@Suite struct VP8DepacketizerTests {
    static func packets(of frame: [UInt8], pictureID: UInt16, pieces: Int) -> [[UInt8]] {
        let size = (frame.count + pieces - 1) / pieces
        return stride(from: 0, to: frame.count, by: size).enumerated().map { index, start in
            var descriptor = [UInt8](repeating: 0, count: 4)
            let length = descriptor.withUnsafeMutableBytes {
                VP8PayloadDescriptor(startsPartition: index == 0, pictureID: pictureID).serialize(into: $0)!
            }
            return Array(descriptor.prefix(length)) + frame[start..<min(frame.count, start + size)]
        }
    }

    /// A keyframe in three packets, in order or not, comes out whole once; a duplicate is discarded.
    @Test func reassemblesInAnyOrder() {
        let frame = vp8Data(key: true, length: 300)
        let packets = Self.packets(of: frame, pictureID: 1, pieces: 3)
        for order in [[0, 1, 2], [2, 0, 1], [1, 2, 0]] {
            var depacketizer = VideoDepacketizer(codec: .vp8)
            var frames: [[UInt8]] = []
            for index in order {
                let result = depacketizer.push(payload: packets[index], sequenceNumber: UInt16(100 + index),
                                               timestamp: 9000, marker: index == 2)
                frames += result.frames.map(\.data)
                #expect(result.frames.allSatisfy { $0.isKeyframe })
            }
            #expect(frames == [frame], "order \(order)")
            _ = depacketizer.push(payload: packets[1], sequenceNumber: 101, timestamp: 9000, marker: false)
            #expect(depacketizer.statistics.packetsDiscarded == 1)
        }
    }

    /// A lost packet drops its frame and every interframe after it until the next keyframe, and asks for one.
    @Test func lossWaitsForKeyframe() {
        var depacketizer = VideoDepacketizer(codec: .vp8, reorderWindow: 2)
        var sequence: UInt16 = 65_530  // across the wrap
        var delivered: [[UInt8]] = []
        var requests = 0
        func send(_ frame: [UInt8], pieces: Int, timestamp: UInt32, lose: Int? = nil) {
            for (index, payload) in Self.packets(of: frame, pictureID: 7, pieces: pieces).enumerated() {
                defer { sequence &+= 1 }
                if index == lose { continue }
                let result = depacketizer.push(payload: payload, sequenceNumber: sequence, timestamp: timestamp,
                                               marker: index == pieces - 1)
                delivered += result.frames.map(\.data)
                if result.keyframeNeeded { requests += 1 }
            }
        }
        let key1 = vp8Data(key: true, length: 90, fill: 1)
        let delta1 = vp8Data(key: false, length: 30, fill: 2)
        let broken = vp8Data(key: false, length: 90, fill: 3)
        let delta2 = vp8Data(key: false, length: 30, fill: 4)
        let delta3 = vp8Data(key: false, length: 30, fill: 5)
        let key2 = vp8Data(key: true, length: 90, fill: 6)
        send(key1, pieces: 3, timestamp: 0)
        send(delta1, pieces: 1, timestamp: 3000)
        send(broken, pieces: 3, timestamp: 6000, lose: 1)
        send(delta2, pieces: 1, timestamp: 9000)
        send(delta3, pieces: 1, timestamp: 12000)
        #expect(delivered == [key1, delta1])
        #expect(depacketizer.isWaitingForKeyframe)
        #expect(requests >= 1)
        send(key2, pieces: 3, timestamp: 15000)
        #expect(delivered == [key1, delta1, key2])
        #expect(!depacketizer.isWaitingForKeyframe)
        #expect(depacketizer.statistics.losses >= 1)
        #expect(depacketizer.statistics.framesDropped >= 1)
    }

    /// A stream joined at an interframe is dropped until a keyframe, with a keyframe request.
    @Test func startsAtKeyframe() {
        var depacketizer = VideoDepacketizer(codec: .vp8)
        let delta = Self.packets(of: vp8Data(key: false, length: 20), pictureID: 1, pieces: 1)[0]
        let first = depacketizer.push(payload: delta, sequenceNumber: 1, timestamp: 0, marker: true)
        #expect(first.frames.isEmpty && first.keyframeNeeded)
        let key = Self.packets(of: vp8Data(key: true, length: 20), pictureID: 2, pieces: 1)[0]
        #expect(depacketizer.push(payload: key, sequenceNumber: 2, timestamp: 3000, marker: true).frames.count == 1)
    }

    /// Without a marker bit, the next timestamp ends the frame.
    @Test func timestampChangeEndsFrame() {
        var depacketizer = VideoDepacketizer(codec: .vp8)
        let key = vp8Data(key: true, length: 40)
        let packets = Self.packets(of: key, pictureID: 1, pieces: 2)
        #expect(depacketizer.push(payload: packets[0], sequenceNumber: 10, timestamp: 0, marker: false).frames.isEmpty)
        #expect(depacketizer.push(payload: packets[1], sequenceNumber: 11, timestamp: 0, marker: false).frames.isEmpty)
        let next = Self.packets(of: vp8Data(key: false, length: 10), pictureID: 2, pieces: 1)[0]
        let result = depacketizer.push(payload: next, sequenceNumber: 12, timestamp: 3000, marker: true)
        #expect(result.frames.map(\.data) == [key, vp8Data(key: false, length: 10)])
    }

    /// Malformed payloads are counted and change nothing.
    @Test func rejectsMalformed() {
        var depacketizer = VideoDepacketizer(codec: .vp8)
        for payload in [[], [0x90], [0x10], [0x80, 0x80]] as [[UInt8]] {
            #expect(depacketizer.push(payload: payload, sequenceNumber: 1, timestamp: 0, marker: true).frames.isEmpty)
        }
        #expect(depacketizer.statistics.packetsRejected == 4)
    }
}

@Suite struct H264DepacketizerTests {
    static let sps: [UInt8] = [0x67, 0x42, 0xC0, 0x1E, 0xDA, 0x02, 0x80, 0xBF]
    static let pps: [UInt8] = [0x68, 0xCE, 0x3C, 0x80]
    static let idr: [UInt8] = [0x65] + (0..<3000).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) }
    static let slice: [UInt8] = [0x41, 0x9A, 0x02, 0x03]

    static func annexB(_ units: [[UInt8]]) -> [UInt8] { units.flatMap { [0, 0, 0, 1] + $0 } }

    static func stapA(_ units: [[UInt8]]) -> [UInt8] {
        [0x78] + units.flatMap { [UInt8($0.count >> 8), UInt8($0.count & 0xFF)] + $0 }
    }

    static func fuA(_ unit: [UInt8], pieces: Int) -> [[UInt8]] {
        let body = Array(unit.dropFirst())
        let size = (body.count + pieces - 1) / pieces
        return stride(from: 0, to: body.count, by: size).map { start in
            var header = unit[0] & 0x1F
            if start == 0 { header |= 0x80 }
            if start + size >= body.count { header |= 0x40 }
            return [unit[0] & 0xE0 | 28, header] + body[start..<min(body.count, start + size)]
        }
    }

    /// STAP-A (SPS, PPS) then an IDR in FU-A fragments, in any order, come out as one Annex-B access unit with the
    /// IDR's header rebuilt from the FU indicator and header; the next single-NAL frame follows.
    @Test func reassemblesStapAAndFuA() {
        let packets = [Self.stapA([Self.sps, Self.pps])] + Self.fuA(Self.idr, pieces: 4)
        for order in [[0, 1, 2, 3, 4], [4, 2, 0, 3, 1]] {
            var depacketizer = VideoDepacketizer(codec: .h264)
            var frames: [(data: [UInt8], isKeyframe: Bool)] = []
            for index in order {
                frames += depacketizer.push(payload: packets[index], sequenceNumber: UInt16(index), timestamp: 90,
                                            marker: index == 4).frames
            }
            frames += depacketizer.push(payload: Self.slice, sequenceNumber: 5, timestamp: 3090, marker: true).frames
            #expect(frames.map(\.data) == [Self.annexB([Self.sps, Self.pps, Self.idr]), Self.annexB([Self.slice])],
                    "order \(order)")
            #expect(frames.map(\.isKeyframe) == [true, false])
        }
    }

    /// A lost FU-A fragment drops the access unit; frames wait for the next IDR.
    @Test func lostFragmentWaitsForIDR() {
        var depacketizer = VideoDepacketizer(codec: .h264, reorderWindow: 1)
        var frames: [[UInt8]] = []
        var requested = false
        func push(_ payload: [UInt8], _ sequence: UInt16, _ timestamp: UInt32, _ marker: Bool) {
            let result = depacketizer.push(payload: payload, sequenceNumber: sequence, timestamp: timestamp,
                                           marker: marker)
            frames += result.frames.map(\.data)
            requested = requested || result.keyframeNeeded
        }
        let fragments = Self.fuA(Self.idr, pieces: 3)
        push(Self.stapA([Self.sps, Self.pps]), 0, 0, false)
        push(fragments[0], 1, 0, false)
        push(fragments[2], 3, 0, true)  // fragments[1] lost
        push(Self.slice, 4, 3000, true)
        push(Self.slice, 5, 6000, true)
        #expect(frames.isEmpty)
        #expect(requested)
        push(Self.sps, 6, 9000, false)
        push(Self.pps, 7, 9000, false)
        push(Self.idr, 8, 9000, true)
        #expect(frames == [Self.annexB([Self.sps, Self.pps, Self.idr])])
    }

    /// Payloads that packetization-mode 1 does not allow or that are cut short are refused without a crash.
    @Test(arguments: [
        [],
        [0x00, 0x01],                    // type 0
        [0x79, 0x00, 0x02, 0x41],        // STAP-B
        [0x7D, 0x85, 0x00],              // FU-B
        [0x7C, 0x85],                    // FU-A without data
        [0x7C, 0xC5, 0x00],              // FU-A with S and E
        [0x7C, 0x98, 0x00],              // FU-A carrying a STAP-A type
        [0x78, 0x00, 0x09, 0x67, 0x42],  // STAP-A size overruns
        [0x78, 0x00, 0x00],              // STAP-A empty unit
        [0x78],                          // STAP-A with nothing
        [0x78, 0x00, 0x01, 0x67, 0x00],  // STAP-A trailing octet
    ] as [[UInt8]])
    func refusesMalformed(_ payload: [UInt8]) {
        var depacketizer = VideoDepacketizer(codec: .h264)
        #expect(depacketizer.push(payload: payload, sequenceNumber: 1, timestamp: 0, marker: true).frames.isEmpty)
        #expect(depacketizer.statistics.packetsRejected == 1)
    }

    /// An FU-A continuation without its start inside an otherwise complete frame makes the frame malformed.
    @Test func fragmentWithoutStartDropsFrame() {
        var depacketizer = VideoDepacketizer(codec: .h264)
        let middle = Self.fuA(Self.idr, pieces: 3)[1]
        _ = depacketizer.push(payload: Self.sps, sequenceNumber: 1, timestamp: 0, marker: false)
        let result = depacketizer.push(payload: middle, sequenceNumber: 2, timestamp: 0, marker: true)
        #expect(result.frames.isEmpty && result.keyframeNeeded)
        #expect(depacketizer.statistics.framesDropped == 1)
    }
}

@Suite struct VideoPacketizerTests {
    /// A VP8 frame is cut into near-equal payloads within the maximum, S only on the first, one picture ID per
    /// frame, and reassembles to the same bytes.
    @Test func vp8RoundTrip() {
        var packetizer = VP8Packetizer(maximumPayloadSize: 1_200, initialPictureID: 0x7FFF)
        var depacketizer = VideoDepacketizer(codec: .vp8)
        let frame = vp8Data(key: true, length: 5_000, fill: 0x5A)
        let payloads = packetizer.packetize(frame)
        #expect(payloads.count == packetizer.payloadCount(frameLength: 5_000))
        #expect(payloads.count == 5)
        #expect(payloads.allSatisfy { $0.count <= 1_200 })
        #expect(payloads.max { $0.count < $1.count }!.count - payloads.min { $0.count < $1.count }!.count <= 1)
        let descriptors = payloads.map { $0.withUnsafeBytes { VP8PayloadDescriptor($0)! } }
        #expect(descriptors.map(\.startsFrame) == [true, false, false, false, false])
        #expect(Set(descriptors.map(\.pictureID)) == [0x7FFF])
        var out: [[UInt8]] = []
        for (index, payload) in payloads.enumerated() {
            out += depacketizer.push(payload: payload, sequenceNumber: UInt16(index), timestamp: 0,
                                     marker: index == payloads.count - 1).frames.map(\.data)
        }
        #expect(out == [frame])
        #expect(packetizer.pictureID == 0)  // wrapped at 15 bits
        let next = packetizer.packetize(vp8Data(key: false, length: 10))
        #expect(next.count == 1 && next[0].withUnsafeBytes { VP8PayloadDescriptor($0)!.pictureID } == 0)
    }

    /// An access unit (3- and 4-octet start codes) becomes a STAP-A of SPS and PPS and FU-A fragments of the IDR,
    /// all within the maximum, and reassembles to the same units with 4-octet start codes.
    @Test(arguments: [true, false])
    func h264RoundTrip(aggregates: Bool) {
        var packetizer = H264Packetizer(maximumPayloadSize: 1_200, aggregates: aggregates)
        var depacketizer = VideoDepacketizer(codec: .h264)
        let idr = H264DepacketizerTests.idr
        let stream: [UInt8] = [0, 0, 1] + H264DepacketizerTests.sps + [0, 0, 0, 1] + H264DepacketizerTests.pps
            + [0, 0, 0, 0, 1] + idr
        var marks: [Bool] = []
        var payloads: [[UInt8]] = []
        var buffer = [UInt8](repeating: 0, count: 1_200)
        buffer.withUnsafeMutableBytes { buffer in
            stream.withUnsafeBytes { stream in
                packetizer.packetize(stream, into: buffer) { length, last in
                    payloads.append(Array(buffer[0..<length]))
                    marks.append(last)
                }
            }
        }
        #expect(payloads.allSatisfy { $0.count <= 1_200 })
        #expect(marks == Array(repeating: false, count: payloads.count - 1) + [true])
        let types = payloads.map { $0[0] & 0x1F }
        let fragments = aggregates ? Array(payloads.dropFirst()) : Array(payloads.dropFirst(2))
        #expect(types.prefix(aggregates ? 1 : 2) == (aggregates ? [24] : [7, 8]))
        #expect(fragments.allSatisfy { $0[0] & 0x1F == 28 && $0[1] & 0x1F == 5 })
        #expect(fragments.first.map { $0[1] & 0xC0 } == 0x80)
        #expect(fragments.last.map { $0[1] & 0xC0 } == 0x40)
        #expect(fragments.count == 3)
        var out: [[UInt8]] = []
        for (index, payload) in payloads.enumerated() {
            out += depacketizer.push(payload: payload, sequenceNumber: UInt16(index), timestamp: 0,
                                     marker: marks[index]).frames.map(\.data)
        }
        #expect(out == [H264DepacketizerTests.annexB([H264DepacketizerTests.sps, H264DepacketizerTests.pps, idr])])
    }
}
