/// Splits encoded VP8 frames into RTP payloads (RFC 7741 section 4): each payload is a descriptor with a 15-bit
/// picture ID followed by a slice of the frame; the first has S=1 and PID=0, the last is the one to mark (RTP M).
///
/// Payloads are written one at a time into the caller's buffer (typically the payload area of an RTP packet it
/// is about to send), so packetizing allocates nothing. The frame is cut into slices of near-equal size rather
/// than full ones and a remainder, so no packet of a frame is tiny.
public struct VP8Packetizer: Sendable {
    /// The largest payload written, descriptor included.
    public let maximumPayloadSize: Int
    /// The picture ID of the next frame; advances by one per frame, wrapping at 15 bits.
    public private(set) var pictureID: UInt16

    /// The descriptor written: X=1, I=1 with M=1 (two octets of picture ID).
    static let descriptorLength = 4

    /// `maximumPayloadSize` must leave room for the descriptor and one octet of data.
    public init(maximumPayloadSize: Int = 1_200, initialPictureID: UInt16 = 0) {
        precondition(maximumPayloadSize > Self.descriptorLength, "no room for VP8 data")
        self.maximumPayloadSize = maximumPayloadSize
        pictureID = initialPictureID & 0x7FFF
    }

    /// How many payloads `packetize` writes for a frame of `frameLength` octets.
    public func payloadCount(frameLength: Int) -> Int {
        let room = maximumPayloadSize - Self.descriptorLength
        return max(1, (frameLength + room - 1) / room)
    }

    /// Writes the payloads of one frame, each into `buffer` (at least `maximumPayloadSize` octets) in turn, and
    /// calls `emit(length, isLast)` after each; `emit` must send or copy the payload before returning. An empty
    /// frame writes nothing.
    public mutating func packetize(_ frame: UnsafeRawBufferPointer, into buffer: UnsafeMutableRawBufferPointer,
                                   emit: (_ length: Int, _ isLast: Bool) -> Void) {
        precondition(buffer.count >= maximumPayloadSize, "buffer smaller than the maximum payload")
        guard !frame.isEmpty else { return }
        let count = payloadCount(frameLength: frame.count)
        let base = frame.count / count
        let larger = frame.count % count  // the first `larger` slices take one octet more
        var offset = 0
        for index in 0..<count {
            let length = base + (index < larger ? 1 : 0)
            let descriptor = VP8PayloadDescriptor(startsPartition: index == 0, partitionIndex: 0,
                                                  pictureID: pictureID, hasLongPictureID: true)
            let written = descriptor.serialize(into: buffer)!
            UnsafeMutableRawBufferPointer(rebasing: buffer[written..<(written + length)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: frame[offset..<(offset + length)]))
            offset += length
            emit(written + length, index == count - 1)
        }
        pictureID = (pictureID + 1) & 0x7FFF
    }

    /// Packetizes one frame into new arrays (tests and tools; the media path uses the buffer form).
    public mutating func packetize(_ frame: [UInt8]) -> [[UInt8]] {
        var payloads: [[UInt8]] = []
        var buffer = [UInt8](repeating: 0, count: maximumPayloadSize)
        buffer.withUnsafeMutableBytes { buffer in
            frame.withUnsafeBytes { frame in
                packetize(frame, into: buffer) { length, _ in
                    payloads.append(Array(UnsafeRawBufferPointer(rebasing: buffer[0..<length])))
                }
            }
        }
        return payloads
    }
}
