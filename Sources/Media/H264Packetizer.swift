internal import RTP

/// H.264 NAL unit types and the Annex-B byte stream (ITU-T H.264 table 7-1 and annex B; RFC 6184 section 5.4).
///
///     +---------------+
///     |0|1|2|3|4|5|6|7|
///     +-+-+-+-+-+-+-+-+
///     |F|NRI|  Type   |   NAL unit header
///     +---------------+
enum H264NAL {
    static let typeMask: UInt8 = 0x1F
    /// F and NRI: what an FU-A indicator or STAP-A header keeps from the NAL units it carries.
    static let forbiddenAndPriorityMask: UInt8 = 0xE0
    static let priorityMask: UInt8 = 0x60
    static let idr: UInt8 = 5
    static let sequenceParameterSet: UInt8 = 7
    static let pictureParameterSet: UInt8 = 8
    static let accessUnitDelimiter: UInt8 = 9
    /// RFC 6184 section 5.7.1 and 5.8: the aggregation and fragmentation packets of packetization-mode 1.
    static let stapA: UInt8 = 24
    static let fuA: UInt8 = 28
    static let fuStartBit: UInt8 = 0x80
    static let fuEndBit: UInt8 = 0x40

    static let startCode: [UInt8] = [0, 0, 0, 1]

    /// The NAL units of an Annex-B byte stream, start codes (3 or 4 octets) removed; empty units are skipped.
    /// Trailing zero octets before a start code belong to the start code (section B.2).
    package static func units(in stream: UnsafeRawBufferPointer, into ranges: inout [Range<Int>]) {
        ranges.removeAll(keepingCapacity: true)
        let count = stream.count
        var start: Int?
        var index = 0
        while index + 2 < count {
            if stream[index] == 0, stream[index + 1] == 0, stream[index + 2] == 1 {
                if let begin = start {
                    var end = index
                    while end > begin, stream[end - 1] == 0 { end -= 1 }
                    if end > begin { ranges.append(begin..<end) }
                }
                index += 3
                start = index
            } else {
                index += 1
            }
        }
        if let begin = start, begin < count { ranges.append(begin..<count) }
    }
}

/// Splits H.264 access units (Annex-B, as libx264 writes them) into RTP payloads of packetization-mode 1
/// (RFC 6184): a NAL unit that fits is sent alone (section 5.6), consecutive small ones (SPS, PPS, SEI) are
/// aggregated into one STAP-A (section 5.7.1), a larger one is cut into FU-A fragments (section 5.8). The last
/// payload of the access unit is the one to mark (RTP M, section 5.1).
///
/// Payloads are written one at a time into the caller's buffer, so packetizing allocates nothing once the list
/// of NAL unit positions has grown to the stream's usual count.
public struct H264Packetizer: Sendable {
    public let maximumPayloadSize: Int
    /// Whether small NAL units are aggregated into STAP-A packets.
    public let aggregates: Bool
    private var units: [Range<Int>] = []

    /// The NAL units of an Annex-B stream as `packetize` splits it (start codes and trailing zeros removed).
    package static func nalUnits(in stream: UnsafeRawBufferPointer, into ranges: inout [Range<Int>]) {
        H264NAL.units(in: stream, into: &ranges)
    }

    /// FU indicator and FU header.
    static let fragmentHeaderLength = 2
    /// STAP-A header octet, then a 16-bit size before each unit.
    static let aggregationHeaderLength = 1
    static let aggregationSizeLength = 2

    public init(maximumPayloadSize: Int = 1_200, aggregates: Bool = true) {
        precondition(maximumPayloadSize > Self.fragmentHeaderLength + 1, "no room for NAL unit data")
        self.maximumPayloadSize = maximumPayloadSize
        self.aggregates = aggregates
    }

    /// Writes the payloads of one access unit into `buffer` (at least `maximumPayloadSize` octets) in turn, and
    /// calls `emit(length, isLast)` after each; `emit` must send or copy the payload before returning.
    public mutating func packetize(_ accessUnit: UnsafeRawBufferPointer, into buffer: UnsafeMutableRawBufferPointer,
                                   emit: (_ length: Int, _ isLast: Bool) -> Void) {
        precondition(buffer.count >= maximumPayloadSize, "buffer smaller than the maximum payload")
        H264NAL.units(in: accessUnit, into: &units)
        let maximum = maximumPayloadSize
        var index = 0
        while index < units.count {
            let unit = units[index]
            // As many following units as fit one STAP-A with this one (at least two, or it is a single NAL unit).
            var aggregated = 0
            if aggregates {
                var length = Self.aggregationHeaderLength
                while index + aggregated < units.count {
                    let next = units[index + aggregated].count + Self.aggregationSizeLength
                    guard length + next <= maximum else { break }
                    length += next
                    aggregated += 1
                }
            }
            if aggregated >= 2 {
                var offset = Self.aggregationHeaderLength
                var priority: UInt8 = 0
                var forbidden: UInt8 = 0
                for member in units[index..<(index + aggregated)] {
                    let header = accessUnit[member.lowerBound]
                    priority = max(priority, header & H264NAL.priorityMask)
                    forbidden |= header & 0x80
                    buffer.storeBigEndian(UInt16(member.count), at: offset)
                    UnsafeMutableRawBufferPointer(rebasing: buffer[(offset + 2)..<(offset + 2 + member.count)])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: accessUnit[member]))
                    offset += 2 + member.count
                }
                // Section 5.7: F is the OR of the units' F bits, NRI the highest of theirs.
                buffer[0] = forbidden | priority | H264NAL.stapA
                index += aggregated
                emit(offset, index == units.count)
            } else if unit.count <= maximum {
                UnsafeMutableRawBufferPointer(rebasing: buffer[0..<unit.count])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: accessUnit[unit]))
                index += 1
                emit(unit.count, index == units.count)
            } else {
                index += 1
                fragment(accessUnit, unit: unit, into: buffer, isLastUnit: index == units.count, emit: emit)
            }
        }
    }

    /// FU-A: the unit's header octet becomes the FU indicator (F, NRI, type 28) and the FU header (S, E, type);
    /// the rest is cut into near-equal slices.
    private func fragment(_ accessUnit: UnsafeRawBufferPointer, unit: Range<Int>,
                          into buffer: UnsafeMutableRawBufferPointer, isLastUnit: Bool,
                          emit: (_ length: Int, _ isLast: Bool) -> Void) {
        let header = accessUnit[unit.lowerBound]
        let body = (unit.lowerBound + 1)..<unit.upperBound
        let room = maximumPayloadSize - Self.fragmentHeaderLength
        let count = (body.count + room - 1) / room
        let base = body.count / count
        let larger = body.count % count
        var offset = body.lowerBound
        for index in 0..<count {
            let length = base + (index < larger ? 1 : 0)
            buffer[0] = header & H264NAL.forbiddenAndPriorityMask | H264NAL.fuA
            var fragmentHeader = header & H264NAL.typeMask
            if index == 0 { fragmentHeader |= H264NAL.fuStartBit }
            if index == count - 1 { fragmentHeader |= H264NAL.fuEndBit }
            buffer[1] = fragmentHeader
            UnsafeMutableRawBufferPointer(rebasing: buffer[2..<(2 + length)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: accessUnit[offset..<(offset + length)]))
            offset += length
            emit(2 + length, isLastUnit && index == count - 1)
        }
    }

    /// Packetizes one access unit into new arrays (tests and tools; the media path uses the buffer form).
    public mutating func packetize(_ accessUnit: [UInt8]) -> [[UInt8]] {
        var payloads: [[UInt8]] = []
        var buffer = [UInt8](repeating: 0, count: maximumPayloadSize)
        buffer.withUnsafeMutableBytes { buffer in
            accessUnit.withUnsafeBytes { accessUnit in
                packetize(accessUnit, into: buffer) { length, _ in
                    payloads.append(Array(UnsafeRawBufferPointer(rebasing: buffer[0..<length])))
                }
            }
        }
        return payloads
    }
}
