import RTP

extension FuzzTargets {
    /// Arbitrary bytes read as one media-port datagram, both as RTCP and as RTP.
    ///
    /// RTCP: every packet of the compound that parses must serialize to its announced length, parse back to an
    /// equal value and serialize to the same bytes again. RTP: the header extension elements lie inside the block;
    /// setting the CaptID element keeps every other element, the payload and the padding, and setting it again
    /// changes nothing; dropping every element removes the extension and keeps the payload; the switching rewriter
    /// leaves a packet that parses with the output SSRC and the same payload. Keyframe detectors read any payload.
    public static func rtpDatagram(_ bytes: UnsafeBufferPointer<UInt8>) {
        let raw = UnsafeRawBufferPointer(bytes)
        var iterator = RTCPCompoundIterator(raw)
        while let packet = try? iterator.next() { checkRTCPRoundTrip(packet) }
        guard let header = RTPHeader(raw) else { return }
        let payload = Array(raw[header.payloadRange])
        _ = VideoKeyframe.isVP8Keyframe(UnsafeRawBufferPointer(rebasing: raw[header.payloadRange]))
        _ = VideoKeyframe.isH264Keyframe(UnsafeRawBufferPointer(rebasing: raw[header.payloadRange]))
        var expected: [(UInt8, [UInt8])] = []
        if let extensions = RTPHeaderExtensions(raw, header: header) {
            for element in extensions {
                guard extensions.range.lowerBound <= element.range.lowerBound,
                      element.range.upperBound <= extensions.range.upperBound else {
                    fatalError("extension element \(element) outside its block \(extensions.range)")
                }
                if element.id != captureIDElement { expected.append((element.id, Array(raw[element.range]))) }
            }
            _ = AudioLevel(packet: raw, header: header, id: 1)
        }
        expected.append((captureIDElement, Array("VC7".utf8)))
        checkExtensionRewrite(raw, header: header, payload: payload, expected: expected)
        checkRewriter(raw, header: header, payload: payload)
    }

    private static let captureIDElement: UInt8 = 3

    private static func checkRTCPRoundTrip(_ packet: RTCPPacket) {
        guard let length = packet.serializedLength else { return }
        var written = [UInt8](repeating: 0, count: length)
        let end = written.withUnsafeMutableBytes { try? packet.serialize(into: $0) }
        // Values read from the wire always fit their own fields.
        guard end == length else { fatalError("parsed RTCP packet does not serialize: \(packet)") }
        let again = written.withUnsafeBytes { try? RTCPPacket.parseCompound($0) }
        guard again == [packet] else { fatalError("RTCP round trip changed the packet:\n\(packet)\n\(String(describing: again))") }
        var rewritten = [UInt8](repeating: 0, count: length)
        _ = rewritten.withUnsafeMutableBytes { try? again?[0].serialize(into: $0) }
        guard rewritten == written else { fatalError("RTCP serialization is not stable: \(packet)") }
    }

    private static func checkExtensionRewrite(_ raw: UnsafeRawBufferPointer, header: RTPHeader, payload: [UInt8],
                                              expected: [(UInt8, [UInt8])]) {
        // Growing a one-byte block into the two-byte form adds at most one byte per element.
        var buffer = [UInt8](repeating: 0, count: 2 * raw.count + 32)
        buffer.withUnsafeMutableBytes { $0.copyMemory(from: raw) }
        let length = buffer.withUnsafeMutableBytes { packet in
            try? RTPHeaderExtensions.setCaptureID("VC7", id: captureIDElement, in: packet, length: raw.count)
        }
        guard let length else { fatalError("setting CaptID failed on a packet RTPHeader accepts") }
        let first = Array(buffer[0..<length])
        first.withUnsafeBytes { written in
            guard let again = RTPHeader(written), again.sequenceNumber == header.sequenceNumber,
                  again.ssrc == header.ssrc, again.csrcCount == header.csrcCount,
                  Array(written[again.payloadRange]) == payload,
                  written.count - again.payloadRange.upperBound == raw.count - header.payloadRange.upperBound,
                  let extensions = RTPHeaderExtensions(written, header: again) else {
                fatalError("packet with CaptID set does not parse back with its payload and padding")
            }
            let elements = extensions.map { ($0.id, Array(written[$0.range])) }
            guard elements.map(\.0) == expected.map(\.0), elements.map(\.1) == expected.map(\.1) else {
                fatalError("setting CaptID changed the other elements: \(expected) -> \(elements)")
            }
        }
        let second = buffer.withUnsafeMutableBytes { packet in
            try? RTPHeaderExtensions.setCaptureID("VC7", id: captureIDElement, in: packet, length: length)
        }
        guard second == length, Array(buffer[0..<length]) == first else { fatalError("setting CaptID twice differs") }
        let dropped = buffer.withUnsafeMutableBytes { packet in
            try? RTPHeaderExtensions.rewrite(packet, length: length, mapping: RTPHeaderExtensionIDMap())
        }
        guard let dropped else { fatalError("dropping every element failed") }
        buffer[0..<dropped].withUnsafeBytes { written in
            guard let again = RTPHeader(written), again.extensionProfile == nil,
                  Array(written[again.payloadRange]) == payload else {
                fatalError("packet without extensions lost its payload")
            }
        }
    }

    private static func checkRewriter(_ raw: UnsafeRawBufferPointer, header: RTPHeader, payload: [UInt8]) {
        var rewriter = RTPRewriter(outputSSRC: 0x0B0B_0B0B, clockRate: 90000, waitsForKeyframe: false,
                                   initialSequence: 1, initialTimestamp: 1)
        rewriter.select(source: header.ssrc, payloadTypes: RTPPayloadTypeMap([header.payloadType: 96]))
        var packet = Array(raw)
        let outcome = packet.withUnsafeMutableBytes {
            rewriter.rewrite($0, header: header, now: ContinuousClock.Instant.now)
        }
        guard outcome == .forward(firstAfterSwitch: true) else { fatalError("selected source's packet not forwarded") }
        packet.withUnsafeBytes { written in
            guard let again = RTPHeader(written), again.ssrc == 0x0B0B_0B0B, again.sequenceNumber == 1,
                  again.timestamp == 1, again.payloadType == 96, again.marker == header.marker,
                  Array(written[again.payloadRange]) == payload else {
                fatalError("rewritten packet does not parse with the output header")
            }
        }
    }
}
