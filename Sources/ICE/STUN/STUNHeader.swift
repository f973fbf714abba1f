/// The STUN method, 12 bits (RFC 8489 section 5); ICE uses only Binding.
public struct STUNMethod: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    public init?(rawValue: UInt16) {
        guard rawValue <= 0x0FFF else { return nil }
        self.rawValue = rawValue
    }
    public static let binding = STUNMethod(rawValue: 0x001)!
}

/// The class bits C1 C0 of the message type.
public enum STUNClass: UInt8, Hashable, Sendable {
    case request = 0b00
    case indication = 0b01
    case successResponse = 0b10
    case errorResponse = 0b11
}

/// Method and class interleaved into the 14-bit message type (RFC 8489 section 5, figure 3):
///
///      0                 1
///      2  3  4 5 6 7 8 9 0 1 2 3 4 5
///     +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
///     |M |M |M|M|M|C|M|M|M|C|M|M|M|M|
///     |11|10|9|8|7|1|6|5|4|0|3|2|1|0|
///     +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
public struct STUNMessageType: Hashable, Sendable {
    public var method: STUNMethod
    public var messageClass: STUNClass

    public init(method: STUNMethod, messageClass: STUNClass) {
        self.method = method
        self.messageClass = messageClass
    }

    public static let bindingRequest = STUNMessageType(method: .binding, messageClass: .request)
    public static let bindingSuccess = STUNMessageType(method: .binding, messageClass: .successResponse)
    public static let bindingError = STUNMessageType(method: .binding, messageClass: .errorResponse)

    init(wireValue value: UInt16) {
        let m = value & 0x000F | (value & 0x00E0) >> 1 | (value & 0x3E00) >> 2
        let c = UInt8((value & 0x0010) >> 4 | (value & 0x0100) >> 7)
        method = STUNMethod(rawValue: m)!
        messageClass = STUNClass(rawValue: c)!
    }

    var wireValue: UInt16 {
        let m = method.rawValue
        let c = UInt16(messageClass.rawValue)
        return m & 0x000F | (m & 0x0070) << 1 | (m & 0x0F80) << 2 | (c & 1) << 4 | (c & 2) << 7
    }
}

/// The 96-bit transaction ID, kept as three big-endian words so that it is hashable without allocation.
public struct STUNTransactionID: Hashable, Sendable {
    public var words: (UInt32, UInt32, UInt32)

    public init(_ w0: UInt32, _ w1: UInt32, _ w2: UInt32) {
        words = (w0, w1, w2)
    }

    /// Twelve bytes, network order; nil for any other count.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 12 else { return nil }
        self.init(bytes.withUnsafeBytes { STUNWire.word($0, 0) }, bytes.withUnsafeBytes { STUNWire.word($0, 4) },
                  bytes.withUnsafeBytes { STUNWire.word($0, 8) })
    }

    /// A fresh random ID, for messages the bridge originates.
    public static func random() -> STUNTransactionID {
        var generator = SystemRandomNumberGenerator()
        return STUNTransactionID(generator.next(), generator.next(), generator.next())
    }

    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(12)
        for word in [words.0, words.1, words.2] { STUNWire.append(word, to: &out) }
        return out
    }

    public static func == (lhs: STUNTransactionID, rhs: STUNTransactionID) -> Bool {
        lhs.words == rhs.words
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
    }
}

/// Big-endian reads and writes shared by the codec.
enum STUNWire {
    static let magicCookie: UInt32 = 0x2112_A442
    static let headerSize = 20
    static let attributeHeaderSize = 4

    static func half(_ buffer: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
        UInt16(buffer[offset]) << 8 | UInt16(buffer[offset + 1])
    }

    static func word(_ buffer: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(half(buffer, offset)) << 16 | UInt32(half(buffer, offset + 2))
    }

    static func doubleWord(_ buffer: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(word(buffer, offset)) << 32 | UInt64(word(buffer, offset + 4))
    }

    static func append(_ value: UInt16, to out: inout [UInt8]) {
        out.append(UInt8(value >> 8))
        out.append(UInt8(value & 0xFF))
    }

    static func append(_ value: UInt32, to out: inout [UInt8]) {
        append(UInt16(value >> 16), to: &out)
        append(UInt16(value & 0xFFFF), to: &out)
    }

    static func append(_ value: UInt64, to out: inout [UInt8]) {
        append(UInt32(value >> 32), to: &out)
        append(UInt32(value & 0xFFFF_FFFF), to: &out)
    }

    static func padded(_ length: Int) -> Int { (length + 3) & ~3 }
}
