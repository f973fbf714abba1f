/// Source description (RFC 3550 section 6.5): per source, a list of items.
///
///             0                   1                   2                   3
///             0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///            +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     header |V=2|P|    SC   |  PT=SDES=202  |             length            |
///            +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
///     chunk  |                          SSRC/CSRC_1                          |
///       1    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///            |                           SDES items                          |
///            |                              ...                              |
///            +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
///
/// Each item is `type (8) | length (8) | value`; a chunk's items end with one to four null octets that bring it
/// to a 32-bit boundary.
public struct RTCPSourceDescription: Sendable, Hashable {
    public struct Item: Sendable, Hashable {
        /// CNAME (RFC 3550 section 6.5.1).
        public static let canonicalName: UInt8 = 1
        /// CCID, the CLUE capture ID (RFC 8849 sections 5.1 and 8).
        public static let captureID: UInt8 = 14

        public var type: UInt8
        /// The item's text, UTF-8 (kept as bytes so that any received item round-trips).
        public var value: [UInt8]

        public init(type: UInt8, value: [UInt8]) {
            self.type = type
            self.value = value
        }

        public init(type: UInt8, text: String) {
            self.init(type: type, value: Array(text.utf8))
        }

        public var text: String { String(decoding: value, as: UTF8.self) }
    }

    public struct Chunk: Sendable, Hashable {
        public var source: UInt32
        public var items: [Item]

        public init(source: UInt32, items: [Item]) {
            self.source = source
            self.items = items
        }

        /// The first item of a type.
        public func item(_ type: UInt8) -> Item? { items.first { $0.type == type } }

        var serializedLength: Int {
            let itemBytes = items.reduce(0) { $0 + 2 + $1.value.count }
            return 4 + itemBytes + (4 - itemBytes % 4)  // at least one null octet
        }
    }

    public var chunks: [Chunk]

    public init(chunks: [Chunk]) {
        self.chunks = chunks
    }

    /// One chunk with the source's CNAME and, for a switched capture, the capture ID it currently carries (RFC 8849
    /// section 5.1; "-" when no single capture applies).
    public init(source: UInt32, canonicalName: String, captureID: String? = nil) {
        var items = [Item(type: Item.canonicalName, text: canonicalName)]
        if let captureID { items.append(Item(type: Item.captureID, text: captureID)) }
        chunks = [Chunk(source: source, items: items)]
    }

    init(count: UInt8, body: RTCPReader) throws(RTCPError) {
        var reader = body
        let packetStart = body.position
        chunks = []
        chunks.reserveCapacity(Int(count))
        for _ in 0..<count {
            let source = try reader.u32()
            var items: [Item] = []
            while true {
                let type = try reader.u8()
                if type == 0 { break }
                let length = Int(try reader.u8())
                items.append(Item(type: type, value: try reader.bytes(length)))
            }
            // The null octets run to the next 32-bit boundary.
            try reader.skip((4 - (reader.position - packetStart) % 4) % 4)
            chunks.append(Chunk(source: source, items: items))
        }
    }

    public var serializedLength: Int { 4 + chunks.reduce(0) { $0 + $1.serializedLength } }

    public func serialize(into buffer: UnsafeMutableRawBufferPointer, at offset: Int = 0) throws(RTCPError) -> Int {
        guard chunks.count < 32 else { throw .tooManyEntries }
        for chunk in chunks {
            for item in chunk.items where item.type == 0 || item.value.count > 255 { throw .valueTooLong }
        }
        var writer = try RTCPWriter(buffer: buffer, offset: offset, length: serializedLength,
                                    count: UInt8(chunks.count), packetType: RTCPPacketType.sourceDescription)
        for chunk in chunks {
            writer.u32(chunk.source)
            var itemBytes = 0
            for item in chunk.items {
                writer.u8(item.type)
                writer.u8(UInt8(item.value.count))
                writer.bytes(item.value)
                itemBytes += 2 + item.value.count
            }
            writer.zeros(4 - itemBytes % 4)
        }
        return writer.position
    }
}

/// Goodbye (RFC 3550 section 6.6).
///
///            0                   1                   2                   3
///            0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///           +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///           |V=2|P|    SC   |   PT=BYE=203  |             length            |
///           +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///           |                           SSRC/CSRC                           |
///           +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///           :                              ...                              :
///           +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
///     (opt) |     length    |               reason for leaving            ...
///           +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
public struct RTCPGoodbye: Sendable, Hashable {
    public var sources: [UInt32]
    /// The reason for leaving, UTF-8; nil when the packet has none.
    public var reason: [UInt8]?

    public init(sources: [UInt32], reason: String? = nil) {
        self.sources = sources
        self.reason = reason.map { Array($0.utf8) }
    }

    init(count: UInt8, body: RTCPReader) throws(RTCPError) {
        var reader = body
        sources = []
        sources.reserveCapacity(Int(count))
        for _ in 0..<count { sources.append(try reader.u32()) }
        if reader.remaining > 0 {
            let length = Int(try reader.u8())
            reason = try reader.bytes(length)
        } else {
            reason = nil
        }
    }

    public var serializedLength: Int {
        4 + 4 * sources.count + (reason.map { ($0.count + 1 + 3) / 4 * 4 } ?? 0)
    }

    public func serialize(into buffer: UnsafeMutableRawBufferPointer, at offset: Int = 0) throws(RTCPError) -> Int {
        guard sources.count < 32 else { throw .tooManyEntries }
        guard (reason?.count ?? 0) <= 255 else { throw .valueTooLong }
        let length = serializedLength
        var writer = try RTCPWriter(buffer: buffer, offset: offset, length: length, count: UInt8(sources.count),
                                    packetType: RTCPPacketType.goodbye)
        for source in sources { writer.u32(source) }
        if let reason {
            writer.u8(UInt8(reason.count))
            writer.bytes(reason)
            writer.zeros(offset + length - writer.position)
        }
        return writer.position
    }
}
