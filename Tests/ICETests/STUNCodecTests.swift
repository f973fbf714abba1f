import Testing
@testable import ICE

struct RFC5769Tests {
    let transactionID = STUNTransactionID(0xb7e7_a701, 0xbc34_d686, 0xfa87_dfae)

    /// The sample request parses into its SOFTWARE, PRIORITY, ICE-CONTROLLED and USERNAME values.
    @Test func sampleRequestParses() throws {
        let message = try STUNMessage(parsing: RFC5769.request)
        #expect(message.type == .bindingRequest)
        #expect(message.transactionID == transactionID)
        #expect(message.username == "evtj:h6vY")
        #expect(message.localUsernameFragment == "evtj")
        #expect(message.first(STUNAttributeType.software) == .software("STUN test client"))
        #expect(message.first(STUNAttributeType.priority) == .priority(0x6e00_01ff))
        #expect(message.first(STUNAttributeType.iceControlled) == .iceControlled(0x932f_f9b1_5126_3b36))
    }

    /// All three samples pass MESSAGE-INTEGRITY with the given password and FINGERPRINT, and fail with another.
    @Test(arguments: [RFC5769.request, RFC5769.ipv4Response, RFC5769.ipv6Response])
    func samplesVerify(bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            #expect(STUNIntegrity.verifyMessageIntegrity(buffer, key: Array(RFC5769.password.utf8)) == .valid)
            #expect(STUNIntegrity.verifyMessageIntegrity(buffer, key: Array("wrong".utf8)) == .invalid)
            #expect(STUNIntegrity.verifyFingerprint(buffer) == .valid)
            #expect(STUNIntegrity.verifyMessageIntegritySHA256(buffer, key: []) == .absent)
        }
    }

    /// Each sample re-encodes to its exact bytes, both verbatim and with integrity and fingerprint recomputed
    /// (the samples pad with spaces, which RFC 5769 section 2 chose and RFC 8489 allows).
    @Test(arguments: [RFC5769.request, RFC5769.ipv4Response, RFC5769.ipv6Response])
    func samplesReencode(bytes: [UInt8]) throws {
        let message = try STUNMessage(parsing: bytes)
        #expect(message.serialized(padding: 0x20) == bytes)
        #expect(message.serialized(integrityKey: Array(RFC5769.password.utf8), fingerprint: true,
                                   padding: 0x20) == bytes)
    }

    /// The IPv4 response's XOR-MAPPED-ADDRESS decodes to 192.0.2.1 port 32853.
    @Test func ipv4MappedAddress() throws {
        let message = try STUNMessage(parsing: RFC5769.ipv4Response)
        #expect(message.type == .bindingSuccess)
        #expect(message.xorMappedAddress == TransportAddress(ip: .v4(192, 0, 2, 1), port: 32853))
        #expect(message.first(STUNAttributeType.software) == .software("test vector"))
    }

    /// The IPv6 response's XOR-MAPPED-ADDRESS decodes to 2001:db8:1234:5678:11:2233:4455:6677 port 32853.
    @Test func ipv6MappedAddress() throws {
        let message = try STUNMessage(parsing: RFC5769.ipv6Response)
        let ip = IPAddress.v6([0x2001, 0xdb8, 0x1234, 0x5678, 0x11, 0x2233, 0x4455, 0x6677])!
        #expect(message.xorMappedAddress == TransportAddress(ip: ip, port: 32853))
    }

    /// The session lookup reads the local ufrag straight from the request bytes.
    @Test func usernameFragmentFromBytes() {
        let fragment = RFC5769.request.withUnsafeBytes { STUNMessage.localUsernameFragment(in: $0) }
        #expect(fragment == "evtj")
        let none = RFC5769.ipv4Response.withUnsafeBytes { STUNMessage.localUsernameFragment(in: $0) }
        #expect(none == nil)
    }
}

struct STUNCodecTests {
    static let everyAttribute: [STUNAttribute] = [
        .mappedAddress(TransportAddress(ip: .v4(10, 0, 0, 1), port: 5000)),
        .mappedAddress(TransportAddress(ip: .v6(high: 0x2001_0db8_0000_0000, low: 1), port: 5001)),
        .xorMappedAddress(TransportAddress(ip: .v4(127, 0, 0, 1), port: 65535)),
        .xorMappedAddress(TransportAddress(ip: .v6(high: 0xfe80_0000_0000_0000, low: 0x1234), port: 1)),
        .username("bridge:peer"),
        .software("clue-mcu"),
        .priority(1_853_824_767),
        .useCandidate,
        .iceControlled(42),
        .iceControlling(0xFFFF_FFFF_FFFF_FFFF),
        .errorCode(STUNErrorCode(code: 487, reason: "Role Conflict")),
        .unknownAttributes([0x0011, 0x7FFF, 0x0013]),
        .other(type: 0xC057, value: [0, 1, 0, 10]),
        .other(type: 0x0015, value: Array("nonce".utf8)),
        .messageIntegritySHA256(Array(repeating: 7, count: 16)),
        .messageIntegrity(Array(repeating: 9, count: 20)),
        .fingerprint(0xDEAD_BEEF),
    ]

    /// Every attribute type survives serialize-then-parse, whatever the padding bytes.
    @Test(arguments: [UInt8(0), 0x20, 0xFF])
    func everyAttributeRoundTrips(padding: UInt8) throws {
        let message = STUNMessage(type: .bindingRequest, transactionID: .random(), attributes: Self.everyAttribute)
        #expect(try STUNMessage(parsing: message.serialized(padding: padding)) == message)
    }

    /// The message type interleaves method and class bits: Binding success is 0x0101, error 0x0111.
    @Test func messageTypeBits() {
        #expect(STUNMessageType.bindingRequest.wireValue == 0x0001)
        #expect(STUNMessageType.bindingSuccess.wireValue == 0x0101)
        #expect(STUNMessageType.bindingError.wireValue == 0x0111)
        #expect(STUNMessageType(method: .binding, messageClass: .indication).wireValue == 0x0011)
        for value in [UInt16(0x0000), 0x3FFF, 0x0123, 0x2EEF] {
            #expect(STUNMessageType(wireValue: value).wireValue == value)
        }
    }

    /// A message signed here verifies with the same key, in SHA-1 integrity and fingerprint alike.
    @Test func signedMessageVerifies() {
        let message = STUNMessage(type: .bindingRequest, transactionID: .random(),
                                  attributes: [.username("a:b"), .priority(1), .iceControlling(5)])
        let bytes = message.serialized(integrityKey: Array("secret".utf8), fingerprint: true)
        bytes.withUnsafeBytes { buffer in
            #expect(STUNIntegrity.verifyMessageIntegrity(buffer, key: Array("secret".utf8)) == .valid)
            #expect(STUNIntegrity.verifyFingerprint(buffer) == .valid)
        }
    }

    /// A hand-computed MESSAGE-INTEGRITY-SHA256, truncated to 16 bytes, verifies; a flipped bit does not.
    @Test func sha256IntegrityVerifies() {
        let key = Array("secret".utf8)
        var bytes = STUNMessage(type: .bindingRequest, transactionID: STUNTransactionID(1, 2, 3),
                                attributes: [.username("a:b")]).serialized()
        let offset = bytes.count
        bytes[3] = UInt8(bytes.count - 20 + 4 + 16)
        let mac = STUNIntegrity.hmacSHA256(key: key, message: bytes)
        bytes += [0x00, 0x1C, 0x00, 0x10] + mac.prefix(16)
        bytes.withUnsafeBytes {
            #expect(STUNIntegrity.verifyMessageIntegritySHA256($0, key: key) == .valid)
        }
        bytes[offset + 4] ^= 1
        bytes.withUnsafeBytes {
            #expect(STUNIntegrity.verifyMessageIntegritySHA256($0, key: key) == .invalid)
        }
    }

    /// The CRC-32 matches the standard check value for "123456789".
    @Test func crcCheckValue() {
        #expect(STUNIntegrity.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
    }
}

struct STUNMalformedInputTests {
    static func error(_ bytes: [UInt8]) -> STUNParseError? {
        do { _ = try STUNMessage(parsing: bytes); return nil } catch { return error }
    }

    /// Short datagrams, a wrong cookie and non-zero leading bits are not STUN.
    @Test func notSTUN() {
        #expect(Self.error([]) == .shorterThanHeader)
        #expect(Self.error(Array(RFC5769.request.prefix(19))) == .shorterThanHeader)
        var cookie = RFC5769.request
        cookie[4] = 0x22
        #expect(Self.error(cookie) == .notSTUN)
        var rtp = RFC5769.request
        rtp[0] = 0x80
        #expect(Self.error(rtp) == .notSTUN)
    }

    /// A length field that disagrees with the datagram, or is not a multiple of four, is refused.
    @Test func badLength() {
        #expect(Self.error(Array(RFC5769.request.dropLast(4))) == .lengthMismatch(declared: 0x58, actual: 0x54))
        var odd = RFC5769.request
        odd[3] = 0x57
        #expect(Self.error(odd) == .misalignedLength(0x57))
    }

    /// An attribute running past the end, or with a value of the wrong size, is refused by type.
    @Test func badAttributes() {
        let header: [UInt8] = [0, 1, 0, 8, 0x21, 0x12, 0xa4, 0x42] + Array(repeating: 0, count: 12)
        #expect(Self.error(header + [0x00, 0x24, 0x00, 0x08, 0, 0, 0, 1]) == .truncatedAttribute(type: 0x0024))
        #expect(Self.error(header + [0x00, 0x24, 0x00, 0x02, 0, 1, 0, 0]) == .malformedAttribute(type: 0x0024))
        #expect(Self.error(header + [0x00, 0x20, 0x00, 0x04, 0, 3, 0, 0]) == .malformedAttribute(type: 0x0020))
        #expect(Self.error(header + [0x00, 0x06, 0x00, 0x02, 0xFF, 0xFE, 0, 0]) == .malformedAttribute(type: 6))
        #expect(Self.error(header + [0x00, 0x09, 0x00, 0x04, 0, 0, 2, 0]) == .malformedAttribute(type: 9))
        var short = Array(header)
        short[3] = 4
        #expect(Self.error(short + [0x00, 0x25, 0x00, 0x04]) == .truncatedAttribute(type: 0x0025))
        #expect(Self.error(short + [0x00, 0x25, 0x00, 0x00]) == nil)
    }

    /// A corrupted FINGERPRINT or a FINGERPRINT that is not last fails verification.
    @Test func badFingerprint() {
        var bytes = RFC5769.request
        bytes[bytes.count - 1] ^= 1
        bytes.withUnsafeBytes { #expect(STUNIntegrity.verifyFingerprint($0) == .invalid) }
        let notLast = STUNMessage(type: .bindingRequest, transactionID: .random(),
                                  attributes: [.fingerprint(0), .priority(1)]).serialized()
        notLast.withUnsafeBytes { #expect(STUNIntegrity.verifyFingerprint($0) == .invalid) }
    }
}

struct MediaDemultiplexerTests {
    /// RFC 7983's first-byte ranges: STUN 0-3, DTLS 20-63, RTP/RTCP 128-191, all else dropped.
    @Test func firstByteTable() {
        let table: [(ClosedRange<UInt8>, MediaPacketKind)] = [
            (0...3, .stun), (4...15, .drop), (16...19, .drop), (20...63, .dtls), (64...79, .drop),
            (80...127, .drop), (128...191, .rtp), (192...255, .drop),
        ]
        for (range, kind) in table {
            for byte in range { #expect(MediaDemultiplexer.classify(firstByte: byte) == kind, "byte \(byte)") }
        }
        #expect([UInt8]().withUnsafeBytes { MediaDemultiplexer.classify($0) } == .drop)
        #expect(RFC5769.request.withUnsafeBytes { MediaDemultiplexer.classify($0) } == .stun)
    }
}
