/// Attribute type codes (RFC 8489 section 18.3, RFC 8445 section 16.1).
public enum STUNAttributeType {
    public static let mappedAddress: UInt16 = 0x0001
    public static let username: UInt16 = 0x0006
    public static let messageIntegrity: UInt16 = 0x0008
    public static let errorCode: UInt16 = 0x0009
    public static let unknownAttributes: UInt16 = 0x000A
    public static let messageIntegritySHA256: UInt16 = 0x001C
    public static let xorMappedAddress: UInt16 = 0x0020
    public static let priority: UInt16 = 0x0024
    public static let useCandidate: UInt16 = 0x0025
    public static let software: UInt16 = 0x8022
    public static let fingerprint: UInt16 = 0x8028
    public static let iceControlled: UInt16 = 0x8029
    public static let iceControlling: UInt16 = 0x802A

    /// 0x0000-0x7FFF must be understood or the request is refused with 420 (RFC 8489 section 15).
    public static func isComprehensionRequired(_ type: UInt16) -> Bool { type < 0x8000 }

    /// The comprehension-required types this codec and the ICE-lite agent understand.
    static let understoodRequired: Set<UInt16> = [
        mappedAddress, username, messageIntegrity, errorCode, unknownAttributes, messageIntegritySHA256,
        xorMappedAddress, priority, useCandidate,
    ]
}

/// One STUN attribute, typed where this module understands it; anything else is kept verbatim as `.other`.
public enum STUNAttribute: Hashable, Sendable {
    case mappedAddress(TransportAddress)
    /// The address as the receiver saw it; the XOR with the cookie and transaction ID is done by the codec.
    case xorMappedAddress(TransportAddress)
    /// UTF-8; for ICE checks "receiverUfrag:senderUfrag" (RFC 8445 section 7.2.2).
    case username(String)
    /// The 20-byte HMAC-SHA1 as read or written; verify with `STUNMessage.verifyMessageIntegrity`.
    case messageIntegrity([UInt8])
    /// A 16- to 32-byte (multiple of four) HMAC-SHA256, possibly truncated (RFC 8489 section 14.6).
    case messageIntegritySHA256([UInt8])
    /// CRC-32 of the message up to this attribute, XOR 0x5354554e.
    case fingerprint(UInt32)
    case errorCode(STUNErrorCode)
    case unknownAttributes([UInt16])
    case software(String)
    case priority(UInt32)
    case useCandidate
    /// The sender's tie-breaker; the sender believes it is controlled.
    case iceControlled(UInt64)
    /// The sender's tie-breaker; the sender believes it is controlling.
    case iceControlling(UInt64)
    case other(type: UInt16, value: [UInt8])

    public var type: UInt16 {
        switch self {
        case .mappedAddress: STUNAttributeType.mappedAddress
        case .xorMappedAddress: STUNAttributeType.xorMappedAddress
        case .username: STUNAttributeType.username
        case .messageIntegrity: STUNAttributeType.messageIntegrity
        case .messageIntegritySHA256: STUNAttributeType.messageIntegritySHA256
        case .fingerprint: STUNAttributeType.fingerprint
        case .errorCode: STUNAttributeType.errorCode
        case .unknownAttributes: STUNAttributeType.unknownAttributes
        case .software: STUNAttributeType.software
        case .priority: STUNAttributeType.priority
        case .useCandidate: STUNAttributeType.useCandidate
        case .iceControlled: STUNAttributeType.iceControlled
        case .iceControlling: STUNAttributeType.iceControlling
        case .other(let type, _): type
        }
    }
}

// MARK: - Decoding

extension STUNAttribute {
    static let familyIPv4: UInt8 = 0x01
    static let familyIPv6: UInt8 = 0x02

    /// Decodes one attribute value. `value` excludes the header and padding.
    static func decode(type: UInt16, value: UnsafeRawBufferPointer,
                       transactionID: STUNTransactionID) throws(STUNParseError) -> STUNAttribute {
        let malformed = STUNParseError.malformedAttribute(type: type)
        switch type {
        case STUNAttributeType.mappedAddress:
            return .mappedAddress(try decodeAddress(value, xor: nil, type: type))
        case STUNAttributeType.xorMappedAddress:
            return .xorMappedAddress(try decodeAddress(value, xor: transactionID, type: type))
        case STUNAttributeType.username:
            // RFC 8489 section 14.3: less than 513 bytes.
            guard value.count < 513, let text = utf8(value) else { throw malformed }
            return .username(text)
        case STUNAttributeType.software:
            guard value.count < 763, let text = utf8(value) else { throw malformed }
            return .software(text)
        case STUNAttributeType.messageIntegrity:
            guard value.count == 20 else { throw malformed }
            return .messageIntegrity(Array(value))
        case STUNAttributeType.messageIntegritySHA256:
            guard value.count >= 16, value.count <= 32, value.count % 4 == 0 else { throw malformed }
            return .messageIntegritySHA256(Array(value))
        case STUNAttributeType.fingerprint:
            guard value.count == 4 else { throw malformed }
            return .fingerprint(STUNWire.word(value, 0))
        case STUNAttributeType.errorCode:
            /*
              0                   1                   2                   3
              0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
             +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
             |           Reserved, should be 0         |Class|     Number    |
             +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
             |      Reason Phrase (variable)                                ..
             */
            guard value.count >= 4, value.count < 4 + 763 else { throw malformed }
            let errorClass = UInt16(value[2] & 0x07), number = UInt16(value[3])
            guard (3...6).contains(errorClass), number < 100,
                  let reason = utf8(UnsafeRawBufferPointer(rebasing: value[4...])) else { throw malformed }
            return .errorCode(STUNErrorCode(code: errorClass * 100 + number, reason: reason))
        case STUNAttributeType.unknownAttributes:
            guard value.count % 2 == 0 else { throw malformed }
            return .unknownAttributes(stride(from: 0, to: value.count, by: 2).map { STUNWire.half(value, $0) })
        case STUNAttributeType.priority:
            guard value.count == 4 else { throw malformed }
            return .priority(STUNWire.word(value, 0))
        case STUNAttributeType.useCandidate:
            guard value.isEmpty else { throw malformed }
            return .useCandidate
        case STUNAttributeType.iceControlled:
            guard value.count == 8 else { throw malformed }
            return .iceControlled(STUNWire.doubleWord(value, 0))
        case STUNAttributeType.iceControlling:
            guard value.count == 8 else { throw malformed }
            return .iceControlling(STUNWire.doubleWord(value, 0))
        default:
            return .other(type: type, value: Array(value))
        }
    }

    private static func utf8(_ bytes: UnsafeRawBufferPointer) -> String? {
        String(validating: bytes.bindMemory(to: UInt8.self), as: UTF8.self)
    }

    /*
      0                   1                   2                   3
      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     |0 0 0 0 0 0 0 0|    Family     |         (X-)Port              |
     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     |                 (X-)Address (32 bits or 128 bits)             |
     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     RFC 8489 sections 14.1 and 14.2: X-Port is XOR the cookie's high 16 bits, X-Address XOR the cookie
     (IPv4) or the cookie followed by the transaction ID (IPv6).
     */
    private static func decodeAddress(_ value: UnsafeRawBufferPointer, xor: STUNTransactionID?,
                                      type: UInt16) throws(STUNParseError) -> TransportAddress {
        guard value.count >= 4 else { throw .malformedAttribute(type: type) }
        let (portMask, highMask, lowMask) = masks(xor)
        let port = STUNWire.half(value, 2) ^ portMask
        switch value[1] {
        case familyIPv4 where value.count == 8:
            return TransportAddress(ip: .v4(STUNWire.word(value, 4) ^ UInt32(highMask >> 32)), port: port)
        case familyIPv6 where value.count == 20:
            return TransportAddress(ip: .v6(high: STUNWire.doubleWord(value, 4) ^ highMask,
                                            low: STUNWire.doubleWord(value, 12) ^ lowMask), port: port)
        default:
            throw .malformedAttribute(type: type)
        }
    }

    /// (port mask, first 64 address bits mask, last 64 address bits mask).
    private static func masks(_ transactionID: STUNTransactionID?) -> (UInt16, UInt64, UInt64) {
        guard let id = transactionID else { return (0, 0, 0) }
        let cookie = STUNWire.magicCookie
        return (UInt16(cookie >> 16), UInt64(cookie) << 32 | UInt64(id.words.0),
                UInt64(id.words.1) << 32 | UInt64(id.words.2))
    }
}

// MARK: - Encoding

extension STUNAttribute {
    /// Appends header, value and padding (of `padding` bytes; RFC 8489 section 14 lets padding take any value).
    func encode(into out: inout [UInt8], transactionID: STUNTransactionID, padding: UInt8) {
        STUNWire.append(type, to: &out)
        let lengthOffset = out.count
        STUNWire.append(UInt16(0), to: &out)
        let start = out.count
        switch self {
        case .mappedAddress(let address):
            Self.encode(address, xor: nil, into: &out)
        case .xorMappedAddress(let address):
            Self.encode(address, xor: transactionID, into: &out)
        case .username(let text), .software(let text):
            out.append(contentsOf: text.utf8)
        case .messageIntegrity(let bytes), .messageIntegritySHA256(let bytes), .other(_, let bytes):
            out.append(contentsOf: bytes)
        case .fingerprint(let value), .priority(let value):
            STUNWire.append(value, to: &out)
        case .errorCode(let error):
            STUNWire.append(UInt16(0), to: &out)
            out.append(UInt8(error.code / 100 & 0x07))
            out.append(UInt8(error.code % 100))
            out.append(contentsOf: error.reason.utf8)
        case .unknownAttributes(let types):
            for type in types { STUNWire.append(type, to: &out) }
        case .useCandidate:
            break
        case .iceControlled(let tieBreaker), .iceControlling(let tieBreaker):
            STUNWire.append(tieBreaker, to: &out)
        }
        let length = out.count - start
        out[lengthOffset] = UInt8(truncatingIfNeeded: length >> 8)
        out[lengthOffset + 1] = UInt8(truncatingIfNeeded: length)
        out.append(contentsOf: repeatElement(padding, count: STUNWire.padded(length) - length))
    }

    private static func encode(_ address: TransportAddress, xor: STUNTransactionID?, into out: inout [UInt8]) {
        let (portMask, highMask, lowMask) = masks(xor)
        out.append(0)
        switch address.ip {
        case .v4(let word):
            out.append(familyIPv4)
            STUNWire.append(address.port ^ portMask, to: &out)
            STUNWire.append(word ^ UInt32(highMask >> 32), to: &out)
        case .v6(let high, let low):
            out.append(familyIPv6)
            STUNWire.append(address.port ^ portMask, to: &out)
            STUNWire.append(high ^ highMask, to: &out)
            STUNWire.append(low ^ lowMask, to: &out)
        }
    }
}
