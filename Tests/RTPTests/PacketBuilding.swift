@testable import RTP
import TestSupport

/// An RTP packet laid out by hand (RFC 3550 section 5.1); `extensionBlock` is the profile word and the element
/// bytes, padded here to whole words.
func rtpPacket(sequence: UInt16 = 1, timestamp: UInt32 = 0, ssrc: UInt32 = 0x1111_1111, payloadType: UInt8 = 96,
               marker: Bool = false, csrcs: [UInt32] = [], extensionBlock: (profile: UInt16, elements: [UInt8])? = nil,
               payload: [UInt8] = Array(repeating: 0xAB, count: 20), padding: Int = 0) -> [UInt8] {
    var bytes: [UInt8] = [0x80 | (padding > 0 ? 0x20 : 0) | (extensionBlock != nil ? 0x10 : 0) | UInt8(csrcs.count),
                          (marker ? 0x80 : 0) | payloadType]
    bytes += bigEndian(sequence) + bigEndian(timestamp) + bigEndian(ssrc)
    for csrc in csrcs { bytes += bigEndian(csrc) }
    if let block = extensionBlock {
        var elements = block.elements
        while elements.count % 4 != 0 { elements.append(0) }
        bytes += bigEndian(block.profile) + bigEndian(UInt16(elements.count / 4)) + elements
    }
    bytes += payload
    if padding > 0 { bytes += [UInt8](repeating: 0, count: padding - 1) + [UInt8(padding)] }
    return bytes
}

func bigEndian(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
func bigEndian(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(value >> UInt32($0) & 0xFF) } }

/// A packet in a buffer with tail room, as the media plane holds one.
struct PacketBuffer {
    var storage: [UInt8]
    var length: Int

    init(_ bytes: [UInt8], capacity: Int) {
        storage = bytes + [UInt8](repeating: 0xEE, count: max(0, capacity - bytes.count))
        length = bytes.count
    }

    var bytes: [UInt8] { Array(storage[0..<length]) }

    var header: RTPHeader? { bytes.withUnsafeBytes { RTPHeader($0) } }

    /// The elements of the packet's extension as (id, data) pairs.
    var elements: [(UInt8, [UInt8])] {
        bytes.withUnsafeBytes { raw in
            guard let header = RTPHeader(raw), let extensions = RTPHeaderExtensions(raw, header: header) else {
                return []
            }
            return extensions.map { ($0.id, Array(raw[$0.range])) }
        }
    }

    var payload: [UInt8] {
        guard let header else { return [] }
        return Array(bytes[header.payloadRange])
    }

    mutating func rewriteExtensions(mapping: RTPHeaderExtensionIDMap, setting id: UInt8? = nil,
                                    value: [UInt8] = []) throws(RTPPacketError) {
        let length = self.length
        let result: Result<Int, RTPPacketError> = storage.withUnsafeMutableBytes { buffer in
            value.withUnsafeBytes { value in
                Result { () throws(RTPPacketError) -> Int in
                    try RTPHeaderExtensions.rewrite(buffer, length: length, mapping: mapping,
                                                    setting: id.map { ($0, value) })
                }
            }
        }
        self.length = try result.get()
    }

    mutating func setCaptureID(_ captureID: String, id: UInt8,
                               mapping: RTPHeaderExtensionIDMap = .keepingAll) throws(RTPPacketError) {
        let length = self.length
        let result: Result<Int, RTPPacketError> = storage.withUnsafeMutableBytes { buffer in
            Result { () throws(RTPPacketError) -> Int in
                try RTPHeaderExtensions.setCaptureID(captureID, id: id, in: buffer, length: length, mapping: mapping)
            }
        }
        self.length = try result.get()
    }
}
