internal import COpenSSL

/// What a verifier found for one integrity attribute.
public enum STUNVerification: Hashable, Sendable {
    case absent
    case valid
    case invalid
}

/// MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 section 14.5), MESSAGE-INTEGRITY-SHA256 (section 14.6) and FINGERPRINT
/// (section 14.7), computed and checked on the datagram's own bytes so that padding the sender chose is honoured.
public enum STUNIntegrity {
    /// FINGERPRINT is the CRC-32 XOR this constant ("STUN" in ASCII).
    static let fingerprintXOR: UInt32 = 0x5354_554E

    static func hmacSHA1(key: [UInt8], message: [UInt8]) -> [UInt8] {
        hmac(EVP_sha1(), key: key, message: message)
    }

    static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        hmac(EVP_sha256(), key: key, message: message)
    }

    private static func hmac(_ digest: OpaquePointer?, key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        key.withUnsafeBytes { keyBytes in
            message.withUnsafeBufferPointer { messageBytes in
                out.withUnsafeMutableBufferPointer { outBytes in
                    _ = HMAC(digest, keyBytes.baseAddress, Int32(keyBytes.count), messageBytes.baseAddress,
                             messageBytes.count, outBytes.baseAddress, &length)
                }
            }
        }
        return Array(out.prefix(Int(length)))
    }

    /// The message up to `offset` with its length field rewritten to `offset - 20 + extra`, as both integrity
    /// attributes and FINGERPRINT require.
    private static func prefix(_ buffer: UnsafeRawBufferPointer, upTo offset: Int, adding extra: Int) -> [UInt8] {
        var bytes = Array(UnsafeRawBufferPointer(rebasing: buffer[..<offset]))
        let length = offset - STUNWire.headerSize + extra
        bytes[2] = UInt8(truncatingIfNeeded: length >> 8)
        bytes[3] = UInt8(truncatingIfNeeded: length)
        return bytes
    }

    /// Checks the first MESSAGE-INTEGRITY of a well-framed message against `key` (for ICE, the local password).
    public static func verifyMessageIntegrity(_ buffer: UnsafeRawBufferPointer, key: [UInt8]) -> STUNVerification {
        guard (try? STUNMessage.parseHeader(buffer)) != nil else { return .invalid }
        var found: STUNRawAttribute?
        try? STUNMessage.forEachAttribute(buffer) { raw in
            if found == nil, raw.type == STUNAttributeType.messageIntegrity { found = raw }
        }
        guard let attribute = found else { return .absent }
        guard attribute.value.count == 20 else { return .invalid }
        let expected = hmacSHA1(key: key, message: prefix(buffer, upTo: attribute.offset, adding: 24))
        return constantTimeEqual(expected, UnsafeRawBufferPointer(rebasing: buffer[attribute.value])) ? .valid : .invalid
    }

    /// Checks the first MESSAGE-INTEGRITY-SHA256, which may be truncated to 16 bytes or more.
    public static func verifyMessageIntegritySHA256(_ buffer: UnsafeRawBufferPointer,
                                                    key: [UInt8]) -> STUNVerification {
        guard (try? STUNMessage.parseHeader(buffer)) != nil else { return .invalid }
        var found: STUNRawAttribute?
        try? STUNMessage.forEachAttribute(buffer) { raw in
            if found == nil, raw.type == STUNAttributeType.messageIntegritySHA256 { found = raw }
        }
        guard let attribute = found else { return .absent }
        let count = attribute.value.count
        guard count >= 16, count <= 32, count % 4 == 0 else { return .invalid }
        let mac = hmacSHA256(key: key, message: prefix(buffer, upTo: attribute.offset, adding: 4 + count))
        let received = UnsafeRawBufferPointer(rebasing: buffer[attribute.value])
        return constantTimeEqual(Array(mac.prefix(count)), received) ? .valid : .invalid
    }

    /// Checks FINGERPRINT, which must be the last attribute when present.
    public static func verifyFingerprint(_ buffer: UnsafeRawBufferPointer) -> STUNVerification {
        guard (try? STUNMessage.parseHeader(buffer)) != nil else { return .invalid }
        var found: STUNRawAttribute?
        var last: STUNRawAttribute?
        do {
            try STUNMessage.forEachAttribute(buffer) { raw in
                if found == nil, raw.type == STUNAttributeType.fingerprint { found = raw }
                last = raw
            }
        } catch {
            return .invalid
        }
        guard let attribute = found else { return .absent }
        guard attribute.offset == last?.offset, attribute.value.count == 4 else { return .invalid }
        let crc = fingerprint(prefix(buffer, upTo: attribute.offset, adding: 8))
        return crc == STUNWire.word(buffer, attribute.value.lowerBound) ? .valid : .invalid
    }

    private static func constantTimeEqual(_ expected: [UInt8], _ received: UnsafeRawBufferPointer) -> Bool {
        guard expected.count == received.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<expected.count { difference |= expected[index] ^ received[index] }
        return difference == 0
    }

    /// FINGERPRINT's value: the ISO-HDLC CRC-32 (as in zlib) of `bytes`, XOR 0x5354554e.
    static func fingerprint(_ bytes: [UInt8]) -> UInt32 {
        crc32(bytes) ^ fingerprintXOR
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// The reflected polynomial 0xEDB88320, one entry per byte value.
    private static let crcTable: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }
}
