import Media

extension FuzzTargets {
    /// Arbitrary bytes read as a run of video RTP payloads for one depacketizer, then as one encoded frame for the
    /// packetizers.
    ///
    /// Layout: octet 0 picks the codec (bit 0: H.264) and the packetizers' maximum payload size; then records of
    /// [flags, length, payload]: flags bit 0 is the marker, bits 1-3 a sequence step of -3...+4, bit 4 a new
    /// timestamp. Properties: no crash; every frame handed out is non-empty and H.264 ones start with a start code;
    /// every VP8 descriptor that parses serializes to its length and parses back equal; the counters add up. Then
    /// the whole input as a frame (VP8 with its key frame flag set; H.264 as Annex-B) packetizes within the maximum
    /// and depacketizes back to the same frame (H.264: the same NAL units, when all have mode-1 types and one is
    /// an IDR; an access unit delimiter is put first).
    public static func videoPayloads(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let first = bytes.first else { return }
        let codec: VideoCodec = first & 1 == 0 ? .vp8 : .h264
        var depacketizer = VideoDepacketizer(codec: codec, reorderWindow: Int(first >> 4) + 1)
        var sequenceNumber: UInt16 = 0xFFF0
        var timestamp: UInt32 = 0
        var offset = 1
        var pushed = 0
        var delivered = 0
        while offset + 2 <= bytes.count {
            let flags = bytes[offset]
            let length = min(Int(bytes[offset + 1]), bytes.count - offset - 2)
            let payload = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[(offset + 2)..<(offset + 2 + length)])
            offset += 2 + length
            sequenceNumber = sequenceNumber &+ UInt16(bitPattern: Int16(Int(flags >> 1 & 0x07) - 3))
            if flags & 0x10 != 0 { timestamp &+= 3000 }
            if codec == .vp8, let descriptor = VP8PayloadDescriptor(payload) {
                checkDescriptorRoundTrip(descriptor)
            }
            depacketizer.push(payload: payload, sequenceNumber: sequenceNumber, timestamp: timestamp,
                              marker: flags & 1 != 0) { frame in
                delivered += 1
                guard !frame.data.isEmpty, codec == .vp8 || Array(frame.data.prefix(4)) == [0, 0, 0, 1] else {
                    fatalError("depacketizer handed out a malformed frame of \(frame.data.count) octets")
                }
            }
            pushed += 1
        }
        let statistics = depacketizer.statistics
        guard statistics.framesDelivered == delivered, statistics.packetsRejected + statistics.packetsDiscarded <= pushed
        else { fatalError("depacketizer counters do not add up: \(statistics), \(pushed) pushed, \(delivered) out") }

        let maximum = 8 + Int(first >> 1) * 4
        checkPacketizerRoundTrip(Array(bytes), codec: codec, maximumPayloadSize: maximum)
    }

    private static func checkDescriptorRoundTrip(_ descriptor: VP8PayloadDescriptor) {
        var buffer = [UInt8](repeating: 0, count: descriptor.serializedLength + 1)
        let written = buffer.withUnsafeMutableBytes { descriptor.serialize(into: $0) }
        guard written == descriptor.serializedLength else { fatalError("VP8 descriptor does not serialize") }
        buffer[written!] = 0x55  // the one octet of data a payload needs
        let again = buffer.withUnsafeBytes { VP8PayloadDescriptor($0) }
        guard again == descriptor else { fatalError("VP8 descriptor round trip: \(descriptor) -> \(String(describing: again))") }
    }

    private static func checkPacketizerRoundTrip(_ input: [UInt8], codec: VideoCodec, maximumPayloadSize: Int) {
        var frame = input
        var expected: [[UInt8]]?
        switch codec {
        case .vp8:
            frame[0] &= 0xFE  // P=0: a key frame, so the depacketizer hands it out
            expected = [frame]
        case .h264:
            // An access unit delimiter first, as a frame start the depacketizer recognises without history.
            frame = [0, 0, 0, 1, 0x09, 0xF0, 0, 0, 0, 1] + input
            let units = nalUnits(frame)
            if units.allSatisfy({ (1...23).contains($0[0] & 0x1F) }), units.contains(where: { $0[0] & 0x1F == 5 }) {
                expected = [units.flatMap { [0, 0, 0, 1] + $0 }]
            }
        }
        var depacketizer = VideoDepacketizer(codec: codec)
        var buffer = [UInt8](repeating: 0, count: maximumPayloadSize)
        var output: [[UInt8]] = []
        var sequenceNumber: UInt16 = 100
        buffer.withUnsafeMutableBytes { buffer in
            frame.withUnsafeBytes { frame in
                let emit = { (length: Int, last: Bool) in
                    guard length <= maximumPayloadSize else { fatalError("payload of \(length) over the maximum") }
                    depacketizer.push(payload: UnsafeRawBufferPointer(rebasing: buffer[0..<length]),
                                      sequenceNumber: sequenceNumber, timestamp: 0, marker: last) { frame in
                        output.append(Array(frame.data))
                    }
                    sequenceNumber &+= 1
                }
                switch codec {
                case .vp8:
                    var packetizer = VP8Packetizer(maximumPayloadSize: maximumPayloadSize)
                    packetizer.packetize(frame, into: buffer, emit: emit)
                case .h264:
                    var packetizer = H264Packetizer(maximumPayloadSize: maximumPayloadSize)
                    packetizer.packetize(frame, into: buffer, emit: emit)
                }
            }
        }
        if let expected, output != expected {
            fatalError("\(codec) packetize/depacketize changed the frame: \(input.count) octets in, \(output.map(\.count)) out")
        }
    }

    private static func nalUnits(_ stream: [UInt8]) -> [[UInt8]] {
        var ranges: [Range<Int>] = []
        stream.withUnsafeBytes { H264Packetizer.nalUnits(in: $0, into: &ranges) }
        return ranges.map { Array(stream[$0]) }
    }
}
