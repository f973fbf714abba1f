import Testing
@testable import RTP

private let captureIDExtension: UInt8 = 3
private let audioLevelExtension: UInt8 = 1

/// One-byte elements are found past padding octets, and ID 15 ends the block (RFC 8285 section 4.2).
@Test func readsOneByteElementsAndStopsAtID15() throws {
    // ID 1 (1 byte), padding, ID 3 "VC2" (3 bytes), ID 15 then bytes that must not be read as an element.
    let bytes = rtpPacket(extensionBlock: (0xBEDE, [0x10, 0xD5, 0x00, 0x00, 0x32, 0x56, 0x43, 0x32, 0xF0, 0x20, 0x99]))
    let packet = PacketBuffer(bytes, capacity: bytes.count)
    let elements = packet.elements
    #expect(elements.map(\.0) == [1, 3])
    #expect(elements[1].1 == Array("VC2".utf8))
    let level = try #require(bytes.withUnsafeBytes { raw in
        AudioLevel(packet: raw, header: RTPHeader(raw)!, id: audioLevelExtension)
    })
    #expect(level == AudioLevel(voiceActivity: true, level: 0x55))
}

/// Two-byte elements may be empty and take IDs above 14 (RFC 8285 section 4.3).
@Test func readsTwoByteElements() {
    let bytes = rtpPacket(extensionBlock: (0x1000, [0x07, 0x00, 0x00, 0x20, 0x03, 0x41, 0x42, 0x43]))
    let elements = PacketBuffer(bytes, capacity: bytes.count).elements
    #expect(elements.map(\.0) == [7, 32])
    #expect(elements[0].1.isEmpty && elements[1].1 == [0x41, 0x42, 0x43])
}

/// An element running past the block ends the iteration instead of reading beyond it.
@Test func stopsAtAnOverrunningElement() {
    let bytes = rtpPacket(extensionBlock: (0xBEDE, [0x10, 0x7F, 0x2F, 0x01]))  // ID 2 claims 16 bytes
    #expect(PacketBuffer(bytes, capacity: bytes.count).elements.map(\.0) == [1])
}

/// CaptID goes into a packet with no extension at all: the X bit, a one-byte block, payload and padding intact.
@Test func insertsCaptureIDIntoPacketWithoutExtension() throws {
    let payload: [UInt8] = Array(0..<40)
    let original = rtpPacket(sequence: 7, csrcs: [0xCAFE_0001], payload: payload, padding: 3)
    var packet = PacketBuffer(original, capacity: 1500)
    try packet.setCaptureID("VC12", id: captureIDExtension)
    let header = try #require(packet.header)
    #expect(packet.length == original.count + 4 + 8)
    #expect(header.extensionProfile == 0xBEDE && header.csrcCount == 1 && header.sequenceNumber == 7)
    #expect(packet.elements.map(\.0) == [captureIDExtension] && packet.elements[0].1 == Array("VC12".utf8))
    #expect(packet.payload == payload)
    #expect(packet.bytes.suffix(3) == [0, 0, 3])
}

/// Into a one-byte block, CaptID is added beside the others, and a second write replaces it with a longer value.
@Test func replacesCaptureIDInOneByteBlock() throws {
    let original = rtpPacket(extensionBlock: (0xBEDE, [0x10, 0x7F, 0x31, 0x41, 0x42]), payload: [1, 2, 3])
    var packet = PacketBuffer(original, capacity: 200)
    try packet.setCaptureID("VC1", id: captureIDExtension)
    #expect(packet.elements.map(\.0) == [1, 3])
    #expect(packet.elements[1].1 == Array("VC1".utf8))
    try packet.setCaptureID("VC100", id: captureIDExtension)
    #expect(packet.elements.map(\.0) == [1, 3] && packet.elements[1].1 == Array("VC100".utf8))
    #expect(packet.elements[0].1 == [0x7F])
    #expect(packet.payload == [1, 2, 3])
    // Same size again: nothing moves, the value changes.
    let length = packet.length
    try packet.setCaptureID("VC200", id: captureIDExtension)
    #expect(packet.length == length && packet.elements[1].1 == Array("VC200".utf8))
}

/// A two-byte block keeps the two-byte form while an element needs it, and a CaptID longer than 16 bytes forces it.
@Test func insertsIntoTwoByteBlock() throws {
    var packet = PacketBuffer(rtpPacket(extensionBlock: (0x1000, [0x20, 0x02, 0xAA, 0xBB]), payload: [9, 9]),
                              capacity: 200)
    try packet.setCaptureID("VC3", id: captureIDExtension)
    #expect(packet.header?.extensionProfile == 0x1000)
    #expect(packet.elements.map(\.0) == [32, 3] && packet.elements[1].1 == Array("VC3".utf8))
    #expect(packet.payload == [9, 9])

    var long = PacketBuffer(rtpPacket(payload: [5]), capacity: 200)
    try long.setCaptureID("a-capture-id-of-24-bytes", id: captureIDExtension)
    #expect(long.header?.extensionProfile == 0x1000)
    #expect(long.elements[0].1 == Array("a-capture-id-of-24-bytes".utf8))
}

/// Without the tail room for the grown packet the edit is refused and the buffer is left byte for byte as it was.
@Test func refusesWithoutTailRoomAndLeavesBufferUntouched() {
    let original = rtpPacket(payload: Array(repeating: 0x42, count: 30))
    var packet = PacketBuffer(original, capacity: original.count + 4)
    let before = packet.storage
    #expect(throws: RTPPacketError.insufficientCapacity(required: original.count + 8)) {
        try packet.setCaptureID("VC1", id: captureIDExtension)
    }
    #expect(packet.storage == before && packet.length == original.count)
    #expect(throws: RTPPacketError.invalidElement) { try packet.rewriteExtensions(mapping: .keepingAll, setting: 0) }
    var garbage = PacketBuffer([0x40, 1, 2], capacity: 100)
    #expect(throws: RTPPacketError.malformedPacket) { try garbage.setCaptureID("VC1", id: 1) }
}

/// A receiver gets only the IDs it negotiated: renumbered, the unlisted and dropped ones removed, the source's own
/// CaptID replaced by the bridge's.
@Test func renumbersAndDropsForTheReceiver() throws {
    // Source: audio level ID 1, CaptID ID 3 (the sender's own), a transport-wide sequence ID 5, a mid ID 9.
    let original = rtpPacket(extensionBlock: (0xBEDE, [0x10, 0x90, 0x32, 0x41, 0x42, 0x43, 0x51, 0x00, 0x07,
                                                       0x90, 0x31]),
                             payload: [7, 7, 7])
    var packet = PacketBuffer(original, capacity: 300)
    let mapping = RTPHeaderExtensionIDMap(renumbering: [1: 2, 3: 4], dropping: [9])
    try packet.setCaptureID("VC5", id: 4, mapping: mapping)
    #expect(packet.elements.map(\.0) == [2, 4])
    #expect(packet.elements[0].1 == [0x90] && packet.elements[1].1 == Array("VC5".utf8))
    #expect(packet.payload == [7, 7, 7])

    // Dropping everything removes the extension and the X bit.
    try packet.rewriteExtensions(mapping: RTPHeaderExtensionIDMap())
    #expect(packet.header?.extensionProfile == nil && packet.bytes[0] & 0x10 == 0)
    #expect(packet.length == original.count - 16 && packet.payload == [7, 7, 7])
}

/// The audio level reads the V flag and the level in -dBov (RFC 6464 section 3).
@Test func readsAudioLevel() {
    #expect(([0x7F] as [UInt8]).withUnsafeBytes { AudioLevel($0) } == AudioLevel(voiceActivity: false, level: 127))
    #expect(([0x85, 0x00] as [UInt8]).withUnsafeBytes { AudioLevel($0) } == AudioLevel(voiceActivity: true, level: 5))
    #expect(([] as [UInt8]).withUnsafeBytes { AudioLevel($0) } == nil)
    #expect(AudioLevel(voiceActivity: true, level: 30).byte == 0x9E)
}
/// A block written for a packet being built: one-byte form when both elements fit, two-byte otherwise, padded to a
/// word, X bit set; nothing and X cleared without elements; nil for an invalid element or no room left.
@Test func writesABlockForABuiltPacket() throws {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 8)
    defer { buffer.deallocate() }
    func block(_ first: (UInt8, String)?, _ second: (UInt8, String)?, reserving: Int = 0) -> (Int?, [UInt8: String], UInt16?) {
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        buffer[0] = 0x80
        var a = first?.1 ?? "", b = second?.1 ?? ""
        let end = a.withUTF8 { x in b.withUTF8 { y in
            RTPHeaderExtensions.writeBlock(first.map { ($0.0, UnsafeRawBufferPointer(x)) },
                                           second.map { ($0.0, UnsafeRawBufferPointer(y)) },
                                           into: buffer, at: 12, reserving: reserving)
        } }
        guard let end, let header = RTPHeader(UnsafeRawBufferPointer(rebasing: buffer[0..<end])) else {
            return (end, [:], nil)
        }
        var values: [UInt8: String] = [:]
        for element in RTPHeaderExtensions(UnsafeRawBufferPointer(buffer), header: header) ?? RTPHeaderExtensions(
            bytes: UnsafeRawBufferPointer(buffer), range: 0..<0, form: .oneByte) {
            values[element.id] = String(decoding: UnsafeRawBufferPointer(buffer)[element.range], as: UTF8.self)
        }
        return (end, values, header.extensionProfile)
    }
    let short = block((1, "0"), (4, "MCC3"))
    #expect(short.0 == 12 + 4 + 8 && short.1 == [1: "0", 4: "MCC3"] && short.2 == 0xBEDE)
    let long = block((1, "a-media-id-longer-than-sixteen"), (4, "MCC3"))
    #expect(long.0 == 12 + 4 + 40 && long.1 == [1: "a-media-id-longer-than-sixteen", 4: "MCC3"] && long.2 == 0x1000)
    let none = block(nil, nil)
    #expect(none.0 == 12 && buffer[0] & 0x10 == 0)
    #expect(block((0, "x"), nil).0 == nil)
    #expect(block((1, "0"), (4, "MCC3"), reserving: 41).0 == nil)
    #expect(block((1, "0"), (4, "MCC3"), reserving: 40).0 == 24)
}
