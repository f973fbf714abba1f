/// The two forms of RTP header extension elements (RFC 8285 sections 4.2 and 4.3), told apart by the profile word.
public enum RTPHeaderExtensionForm: Sendable, Hashable {
    /// Profile 0xBEDE: IDs 1-14, 1 to 16 data bytes per element.
    case oneByte
    /// Profile 0x100X (the low four bits are "appbits"): IDs 1-255, 0 to 255 data bytes per element.
    case twoByte

    public static let oneByteProfile: UInt16 = 0xBEDE
    public static let twoByteProfile: UInt16 = 0x1000

    /// The form a profile word announces; nil for extensions that are not RFC 8285's.
    public init?(profile: UInt16) {
        if profile == Self.oneByteProfile {
            self = .oneByte
        } else if profile & 0xFFF0 == Self.twoByteProfile {
            self = .twoByte
        } else {
            return nil
        }
    }
}

/// One element of an RTP header extension: its local ID and where its data lies in the buffer it was read from.
public struct RTPHeaderExtensionElement: Sendable, Hashable {
    public var id: UInt8
    public var range: Range<Int>
}

/// The elements of an RFC 8285 header extension block, read in place (RFC 8285 sections 4.2, 4.3).
///
/// One-byte form, after the 0xBEDE profile word and the length in words:
///
///      0 1 2 3 4 5 6 7
///     +-+-+-+-+-+-+-+-+
///     |  ID   |  len  |   followed by len+1 data bytes; a 0x00 octet is padding; ID 15 ends the block
///     +-+-+-+-+-+-+-+-+
///
/// Two-byte form, after the 0x100X profile word:
///
///      0                   1
///      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |       ID      |     length    |   followed by length (0-255) data bytes; a 0x00 octet is padding
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///
/// Iterating copies nothing and allocates nothing. An element that overruns the block ends the iteration, as do
/// ID 15 and an ID-0 byte with a non-zero length in the one-byte form (RFC 8285 sections 4.1.2 and 4.2).
public struct RTPHeaderExtensions: Sequence {
    public let form: RTPHeaderExtensionForm
    /// The element data (after the profile and length words) in `bytes`.
    public let range: Range<Int>
    let bytes: UnsafeRawBufferPointer

    /// The extension block of a packet whose header was read by `RTPHeader`; nil when the packet has none or
    /// its profile is not RFC 8285's.
    public init?(_ packet: UnsafeRawBufferPointer, header: RTPHeader) {
        guard let profile = header.extensionProfile, let range = header.extensionRange,
              let form = RTPHeaderExtensionForm(profile: profile), range.upperBound <= packet.count else { return nil }
        self.init(bytes: packet, range: range, form: form)
    }

    /// Elements of `form` laid out in `bytes[range]`.
    public init(bytes: UnsafeRawBufferPointer, range: Range<Int>, form: RTPHeaderExtensionForm) {
        self.bytes = bytes
        self.range = range.clamped(to: 0..<bytes.count)
        self.form = form
    }

    /// The first element with this ID.
    public func element(id: UInt8) -> RTPHeaderExtensionElement? {
        for element in self where element.id == id { return element }
        return nil
    }

    public func makeIterator() -> Iterator { Iterator(bytes: bytes, position: range.lowerBound, end: range.upperBound,
                                                      form: form) }

    public struct Iterator: IteratorProtocol {
        let bytes: UnsafeRawBufferPointer
        var position: Int
        let end: Int
        let form: RTPHeaderExtensionForm

        public mutating func next() -> RTPHeaderExtensionElement? {
            while position < end {
                let first = bytes[position]
                if first == 0 {  // padding
                    position += 1
                    continue
                }
                let id: UInt8
                let start: Int
                let length: Int
                switch form {
                case .oneByte:
                    id = first >> 4
                    guard id != 0, id != 15 else { return finish() }
                    length = Int(first & 0x0F) + 1
                    start = position + 1
                case .twoByte:
                    guard position + 1 < end else { return finish() }
                    id = first
                    length = Int(bytes[position + 1])
                    start = position + 2
                }
                guard start + length <= end else { return finish() }
                position = start + length
                return RTPHeaderExtensionElement(id: id, range: start..<start + length)
            }
            return nil
        }

        private mutating func finish() -> RTPHeaderExtensionElement? {
            position = end
            return nil
        }
    }
}

/// Why an RTP packet could not be edited in place. The buffer is left untouched whenever one is thrown.
public enum RTPPacketError: Error, Sendable, Hashable {
    /// The bytes are not an RTP packet `RTPHeader` accepts.
    case malformedPacket
    /// The edit needs `required` bytes of buffer and the buffer is smaller.
    case insufficientCapacity(required: Int)
    /// An element ID of 0 or a value longer than 255 bytes (RFC 8285 section 4.3).
    case invalidElement
}

/// How a receiver numbers the header extensions a source sends: a negotiated ID may differ per leg (RFC 8285
/// section 5), and a receiver must only get IDs it negotiated. Built once per leg; lookups allocate nothing.
public struct RTPHeaderExtensionIDMap: Sendable, Hashable {
    /// Receiver ID per source ID; 0 means the element is dropped.
    private var table: [UInt8]

    /// `renumbering` maps source IDs to receiver IDs; IDs in `dropping` are removed; any other ID is removed too
    /// unless `keepingUnlisted`, in which case it passes with its number unchanged.
    public init(renumbering: [UInt8: UInt8] = [:], dropping: Set<UInt8> = [], keepingUnlisted: Bool = false) {
        table = (0...255).map { keepingUnlisted ? UInt8($0) : 0 }
        table[0] = 0
        for (source, receiver) in renumbering where source != 0 { table[Int(source)] = receiver }
        for id in dropping { table[Int(id)] = 0 }
    }

    /// Every element kept with its number.
    public static let keepingAll = RTPHeaderExtensionIDMap(keepingUnlisted: true)

    /// The receiver's ID for a source ID, nil when the element is dropped.
    public subscript(sourceID: UInt8) -> UInt8? {
        let id = table[Int(sourceID)]
        return id == 0 ? nil : id
    }
}

extension RTPHeaderExtensions {
    /// Rewrites the header extension block of the RTP packet in `packet[0..<length]` in place and returns the new
    /// length: each element is renumbered or dropped by `mapping`, then `element` (if any, in the receiver's
    /// numbering) is added, replacing an element that ended up with the same ID. The payload and padding move to
    /// follow the new block; `packet.count` is the capacity.
    ///
    /// The one-byte form is written when every element fits it, the two-byte form otherwise (RFC 8285 section
    /// 4.1.2: "Transmitters SHOULD NOT use the two-byte header form when all extensions are small enough").
    /// With no element left, the extension and the X bit are removed (section 4.1.1). On error nothing is written.
    /// Allocates nothing for blocks that fit on the stack.
    public static func rewrite(_ packet: UnsafeMutableRawBufferPointer, length: Int, mapping: RTPHeaderExtensionIDMap,
                               setting element: (id: UInt8, value: UnsafeRawBufferPointer)? = nil)
        throws(RTPPacketError) -> Int {
        guard length >= 0, length <= packet.count else { throw .malformedPacket }
        let readable = UnsafeRawBufferPointer(UnsafeMutableRawBufferPointer(rebasing: packet[0..<length]))
        guard let header = RTPHeader(readable) else { throw .malformedPacket }
        if let element, element.id == 0 || element.value.count > 255 { throw .invalidElement }

        let headerEnd = RTPHeader.fixedLength + 4 * header.csrcCount
        let oldEnd = header.extensionRange?.upperBound ?? headerEnd
        let old = RTPHeaderExtensions(readable, header: header)

        // Pass 1: the size and form of the new block.
        var count = 0
        var dataBytes = 0
        var needsTwoByte = false
        func account(id: UInt8, length: Int) {
            count += 1
            dataBytes += length
            if id > 14 || length == 0 || length > 16 { needsTwoByte = true }
        }
        if let old {
            for item in old {
                guard let id = mapping[item.id], id != element?.id else { continue }
                account(id: id, length: item.range.count)
            }
        }
        if let element { account(id: element.id, length: element.value.count) }
        let elementBytes = dataBytes + (needsTwoByte ? 2 : 1) * count
        let newExtensionLength = count == 0 ? 0 : 4 + (elementBytes + 3) / 4 * 4
        let newLength = length - (oldEnd - headerEnd) + newExtensionLength
        guard newLength <= packet.count else { throw .insufficientCapacity(required: newLength) }
        if newExtensionLength == 0 && header.extensionRange == nil { return length }

        // Pass 2: keep the old elements aside, move the payload, write the block.
        let oldData = header.extensionRange ?? headerEnd..<headerEnd
        withUnsafeTemporaryAllocation(byteCount: Swift.max(oldData.count, 1), alignment: 1) { saved in
            if !oldData.isEmpty {
                saved.baseAddress!.copyMemory(from: packet.baseAddress! + oldData.lowerBound, byteCount: oldData.count)
            }
            let payloadStart = headerEnd + newExtensionLength
            if payloadStart != oldEnd && length > oldEnd {
                (packet.baseAddress! + payloadStart).copyMemory(from: packet.baseAddress! + oldEnd,
                                                                byteCount: length - oldEnd)
            }
            guard newExtensionLength > 0 else {
                packet[0] &= ~0x10
                return
            }
            packet[0] |= 0x10
            var writer = RTPHeaderExtensionWriter(packet: packet, position: headerEnd + 4, twoByte: needsTwoByte)
            if let old {
                let kept = RTPHeaderExtensions(bytes: UnsafeRawBufferPointer(saved),
                                               range: 0..<oldData.count, form: old.form)
                for item in kept {
                    guard let id = mapping[item.id], id != element?.id else { continue }
                    writer.append(id: id, value: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(saved)[item.range]))
                }
            }
            if let element { writer.append(id: element.id, value: element.value) }
            while writer.position < payloadStart {
                packet[writer.position] = 0
                writer.position += 1
            }
            let profile = needsTwoByte ? RTPHeaderExtensionForm.twoByteProfile : RTPHeaderExtensionForm.oneByteProfile
            let words = (newExtensionLength - 4) / 4
            packet[headerEnd] = UInt8(profile >> 8)
            packet[headerEnd + 1] = UInt8(profile & 0xFF)
            packet[headerEnd + 2] = UInt8(words >> 8)
            packet[headerEnd + 3] = UInt8(words & 0xFF)
        }
        return newLength
    }

    /// Writes a whole header extension block of up to two elements at `offset` of `packet`, where the fixed header
    /// and CSRCs end, for a packet being built (not rewritten): the one-byte form when both fit it, the two-byte
    /// form otherwise (RFC 8285 section 4.1.2), zero padding to a word, and the X bit set; with no element, the X
    /// bit cleared and nothing written. Returns the offset after the block; nil when an element is invalid or the
    /// block would leave no room in `packet` for `reserving` more octets.
    public static func writeBlock(_ first: (id: UInt8, value: UnsafeRawBufferPointer)?,
                                  _ second: (id: UInt8, value: UnsafeRawBufferPointer)?,
                                  into packet: UnsafeMutableRawBufferPointer, at offset: Int,
                                  reserving: Int = 0) -> Int? {
        guard packet.count > 0 else { return nil }
        var count = 0
        var dataBytes = 0
        var needsTwoByte = false
        func account(_ element: (id: UInt8, value: UnsafeRawBufferPointer)?) -> Bool {
            guard let element else { return true }
            guard element.id != 0, element.value.count <= 255 else { return false }
            count += 1
            dataBytes += element.value.count
            if element.id > 14 || element.value.isEmpty || element.value.count > 16 { needsTwoByte = true }
            return true
        }
        guard account(first), account(second) else { return nil }
        guard count > 0 else {
            packet[0] &= ~0x10
            return offset
        }
        let elementBytes = dataBytes + (needsTwoByte ? 2 : 1) * count
        let end = offset + 4 + (elementBytes + 3) / 4 * 4
        guard offset >= RTPHeader.fixedLength, end + reserving <= packet.count else { return nil }
        var writer = RTPHeaderExtensionWriter(packet: packet, position: offset + 4, twoByte: needsTwoByte)
        if let first { writer.append(id: first.id, value: first.value) }
        if let second { writer.append(id: second.id, value: second.value) }
        while writer.position < end {
            packet[writer.position] = 0
            writer.position += 1
        }
        let profile = needsTwoByte ? RTPHeaderExtensionForm.twoByteProfile : RTPHeaderExtensionForm.oneByteProfile
        let words = (end - offset - 4) / 4
        packet[offset] = UInt8(profile >> 8)
        packet[offset + 1] = UInt8(profile & 0xFF)
        packet[offset + 2] = UInt8(words >> 8)
        packet[offset + 3] = UInt8(words & 0xFF)
        packet[0] |= 0x10
        return end
    }

    /// Sets one element, keeping every other element as it is; returns the new length.
    public static func set(id: UInt8, value: UnsafeRawBufferPointer, in packet: UnsafeMutableRawBufferPointer,
                           length: Int) throws(RTPPacketError) -> Int {
        try rewrite(packet, length: length, mapping: .keepingAll, setting: (id, value))
    }

    /// Sets the CaptID element (RFC 8849 section 5.2, an RFC 7941 SDES item header extension negotiated as
    /// `urn:ietf:params:rtp-hdrext:sdes:CaptId`) to a capture ID, or "-" when no single capture applies, after
    /// renumbering and dropping the source's elements with `mapping`; returns the new length.
    public static func setCaptureID(_ captureID: String, id: UInt8, in packet: UnsafeMutableRawBufferPointer,
                                    length: Int, mapping: RTPHeaderExtensionIDMap = .keepingAll)
        throws(RTPPacketError) -> Int {
        var text = captureID
        let result = text.withUTF8 { utf8 in
            Result { () throws(RTPPacketError) -> Int in
                try rewrite(packet, length: length, mapping: mapping, setting: (id, UnsafeRawBufferPointer(utf8)))
            }
        }
        return try result.get()
    }

    /// The registered name of the CaptID extension (RFC 8849 section 8; section 5.2 spells it "CaptureID", the
    /// IANA registration "CaptId").
    public static let captureIDURI = "urn:ietf:params:rtp-hdrext:sdes:CaptId"
    /// The registered name of the client-to-mixer audio level extension (RFC 6464 section 4).
    public static let audioLevelURI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
}

private struct RTPHeaderExtensionWriter {
    let packet: UnsafeMutableRawBufferPointer
    var position: Int
    let twoByte: Bool

    mutating func append(id: UInt8, value: UnsafeRawBufferPointer) {
        if twoByte {
            packet[position] = id
            packet[position + 1] = UInt8(value.count)
            position += 2
        } else {
            packet[position] = id << 4 | UInt8(value.count - 1)
            position += 1
        }
        if !value.isEmpty {
            (packet.baseAddress! + position).copyMemory(from: value.baseAddress!, byteCount: value.count)
        }
        position += value.count
    }
}

/// The client-to-mixer audio level (RFC 6464 section 3): the first data byte of the element.
///
///      0 1 2 3 4 5 6 7
///     +-+-+-+-+-+-+-+-+
///     |V|    level    |
///     +-+-+-+-+-+-+-+-+
public struct AudioLevel: Sendable, Hashable {
    /// The sender's voice activity detection said this packet holds speech (when negotiated with `vad=on`).
    public var voiceActivity: Bool
    /// The level in -dBov: 0 is loudest, 127 is digital silence.
    public var level: UInt8

    public init(voiceActivity: Bool, level: UInt8) {
        self.voiceActivity = voiceActivity
        self.level = min(level, 127)
    }

    /// Reads the element's data; nil when it is empty.
    public init?(_ data: UnsafeRawBufferPointer) {
        guard let first = data.first else { return nil }
        voiceActivity = first & 0x80 != 0
        level = first & 0x7F
    }

    /// The audio level in a packet, read from the element with the negotiated ID.
    public init?(packet: UnsafeRawBufferPointer, header: RTPHeader, id: UInt8) {
        guard let extensions = RTPHeaderExtensions(packet, header: header),
              let element = extensions.element(id: id) else { return nil }
        self.init(UnsafeRawBufferPointer(rebasing: packet[element.range]))
    }

    public var byte: UInt8 { (voiceActivity ? 0x80 : 0) | level }
}
