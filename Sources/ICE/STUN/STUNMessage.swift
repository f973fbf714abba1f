/// A STUN message (RFC 8489 section 5):
///
///      0                   1                   2                   3
///      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |0 0|     STUN Message Type     |         Message Length        |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |                         Magic Cookie                          |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |                     Transaction ID (96 bits)                  |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///
/// followed by attributes, each a type, a length and a value padded to four bytes. The codec keeps every
/// attribute in order, including any after MESSAGE-INTEGRITY; what counts is the business of the verifiers.
public struct STUNMessage: Hashable, Sendable {
    public var type: STUNMessageType
    public var transactionID: STUNTransactionID
    public var attributes: [STUNAttribute]

    public init(type: STUNMessageType, transactionID: STUNTransactionID, attributes: [STUNAttribute] = []) {
        self.type = type
        self.transactionID = transactionID
        self.attributes = attributes
    }

    /// The first attribute of a type, typed.
    public func first(_ type: UInt16) -> STUNAttribute? {
        attributes.first { $0.type == type }
    }

    public var username: String? {
        if case .username(let name)? = first(STUNAttributeType.username) { return name }
        return nil
    }

    public var xorMappedAddress: TransportAddress? {
        if case .xorMappedAddress(let address)? = first(STUNAttributeType.xorMappedAddress) { return address }
        return nil
    }

    public var errorCode: STUNErrorCode? {
        if case .errorCode(let error)? = first(STUNAttributeType.errorCode) { return error }
        return nil
    }

    /// The part of USERNAME before the colon: in a check this agent receives, the bridge's own ufrag, which is how
    /// the driver finds the session on the shared port (RFC 8445 section 7.2.2: "receiver:sender").
    public var localUsernameFragment: Substring? {
        guard let name = username, let colon = name.firstIndex(of: ":") else { return nil }
        return name[..<colon]
    }
}

// MARK: - Parsing

/// An attribute's place in a message buffer, found without decoding or allocating.
struct STUNRawAttribute {
    var type: UInt16
    /// The offset of the attribute header in the message.
    var offset: Int
    /// The value, without padding.
    var value: Range<Int>
}

extension STUNMessage {
    /// Checks the fixed header and the length against the datagram; returns type and transaction ID.
    static func parseHeader(_ buffer: UnsafeRawBufferPointer) throws(STUNParseError)
        -> (STUNMessageType, STUNTransactionID) {
        guard buffer.count >= STUNWire.headerSize else { throw .shorterThanHeader }
        let rawType = STUNWire.half(buffer, 0)
        guard rawType & 0xC000 == 0, STUNWire.word(buffer, 4) == STUNWire.magicCookie else { throw .notSTUN }
        let length = STUNWire.half(buffer, 2)
        guard length % 4 == 0 else { throw .misalignedLength(length) }
        guard Int(length) + STUNWire.headerSize == buffer.count else {
            throw .lengthMismatch(declared: Int(length), actual: buffer.count - STUNWire.headerSize)
        }
        let id = STUNTransactionID(STUNWire.word(buffer, 8), STUNWire.word(buffer, 12), STUNWire.word(buffer, 16))
        return (STUNMessageType(wireValue: rawType), id)
    }

    /// Walks the attributes of a message whose header is already checked, calling `body` for each.
    static func forEachAttribute(_ buffer: UnsafeRawBufferPointer,
                                 _ body: (STUNRawAttribute) throws(STUNParseError) -> Void) throws(STUNParseError) {
        var offset = STUNWire.headerSize
        while offset < buffer.count {
            guard buffer.count - offset >= STUNWire.attributeHeaderSize else {
                throw .truncatedAttribute(type: buffer.count - offset >= 2 ? STUNWire.half(buffer, offset) : 0)
            }
            let type = STUNWire.half(buffer, offset), length = Int(STUNWire.half(buffer, offset + 2))
            let valueStart = offset + STUNWire.attributeHeaderSize
            guard STUNWire.padded(length) <= buffer.count - valueStart else { throw .truncatedAttribute(type: type) }
            try body(STUNRawAttribute(type: type, offset: offset, value: valueStart..<valueStart + length))
            offset = valueStart + STUNWire.padded(length)
        }
    }

    /// Parses one datagram that must be exactly one STUN message.
    public init(parsing buffer: UnsafeRawBufferPointer) throws(STUNParseError) {
        let (type, id) = try Self.parseHeader(buffer)
        var attributes: [STUNAttribute] = []
        try Self.forEachAttribute(buffer) { (raw) throws(STUNParseError) in
            let value = UnsafeRawBufferPointer(rebasing: buffer[raw.value])
            attributes.append(try STUNAttribute.decode(type: raw.type, value: value, transactionID: id))
        }
        self.init(type: type, transactionID: id, attributes: attributes)
    }

    public init(parsing bytes: UnsafeBufferPointer<UInt8>) throws(STUNParseError) {
        try self.init(parsing: UnsafeRawBufferPointer(bytes))
    }

    public init(parsing bytes: [UInt8]) throws(STUNParseError) {
        let result: Result<STUNMessage, STUNParseError> = bytes.withUnsafeBytes { buffer in
            do throws(STUNParseError) { return .success(try STUNMessage(parsing: buffer)) } catch { return .failure(error) }
        }
        self = try result.get()
    }

    /// The local ufrag of a Binding request's USERNAME, read straight from the datagram without decoding the
    /// rest: the driver's session lookup on the shared port. Nil when the bytes are not such a request.
    public static func localUsernameFragment(in buffer: UnsafeRawBufferPointer) -> Substring? {
        guard let (type, _) = try? parseHeader(buffer), type == .bindingRequest else { return nil }
        var found: Range<Int>?
        try? forEachAttribute(buffer) { raw in
            if found == nil, raw.type == STUNAttributeType.username { found = raw.value }
        }
        guard let range = found else { return nil }
        let value = UnsafeRawBufferPointer(rebasing: buffer[range])
        guard let colon = value.firstIndex(of: UInt8(ascii: ":")),
              let text = String(validating: UnsafeRawBufferPointer(rebasing: value[..<colon])
                                    .bindMemory(to: UInt8.self), as: UTF8.self) else { return nil }
        return Substring(text)
    }
}

// MARK: - Serializing

extension STUNMessage {
    /// The message as it stands, attributes in order and verbatim (integrity and fingerprint values included).
    public func serialized(padding: UInt8 = 0) -> [UInt8] {
        var out = headerBytes()
        for attribute in attributes { attribute.encode(into: &out, transactionID: transactionID, padding: padding) }
        Self.setLength(&out, out.count - STUNWire.headerSize)
        return out
    }

    /// The message with its integrity attributes computed here: every attribute except MESSAGE-INTEGRITY,
    /// MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, then MESSAGE-INTEGRITY keyed with `integrityKey` (the password
    /// for short-term credentials, RFC 8489 section 9.1.1) and FINGERPRINT, each when asked for.
    public func serialized(integrityKey: [UInt8]?, fingerprint: Bool, padding: UInt8 = 0) -> [UInt8] {
        var out = headerBytes()
        let computed: Set<UInt16> = [STUNAttributeType.messageIntegrity, STUNAttributeType.messageIntegritySHA256,
                                     STUNAttributeType.fingerprint]
        for attribute in attributes where !computed.contains(attribute.type) {
            attribute.encode(into: &out, transactionID: transactionID, padding: padding)
        }
        if let key = integrityKey {
            // Section 14.5: the length covers the MESSAGE-INTEGRITY attribute, but not what follows it.
            Self.setLength(&out, out.count - STUNWire.headerSize + 24)
            let mac = STUNIntegrity.hmacSHA1(key: key, message: out)
            STUNAttribute.messageIntegrity(mac).encode(into: &out, transactionID: transactionID, padding: padding)
        }
        if fingerprint {
            Self.setLength(&out, out.count - STUNWire.headerSize + 8)
            let crc = STUNIntegrity.fingerprint(out)
            STUNAttribute.fingerprint(crc).encode(into: &out, transactionID: transactionID, padding: padding)
        }
        Self.setLength(&out, out.count - STUNWire.headerSize)
        return out
    }

    private func headerBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        STUNWire.append(type.wireValue, to: &out)
        STUNWire.append(UInt16(0), to: &out)
        STUNWire.append(STUNWire.magicCookie, to: &out)
        for word in [transactionID.words.0, transactionID.words.1, transactionID.words.2] {
            STUNWire.append(word, to: &out)
        }
        return out
    }

    private static func setLength(_ out: inout [UInt8], _ length: Int) {
        out[2] = UInt8(truncatingIfNeeded: length >> 8)
        out[3] = UInt8(truncatingIfNeeded: length)
    }
}
