import MediaSecurity
import RTP
import SDP
import SecureTransport
import Testing
@testable import Bridge

/// The per-receiver video forwarding path: one source packet rewritten for a receiver (SSRC, sequence, timestamp,
/// its own mid and CaptID header extensions, the source's extensions dropped), protected, and readable by the
/// receiver.
@Suite struct OutboundMediaTests {
    static let key = SRTPMasterKey(key: Array(1...16), salt: Array(101...112))

    /// A receiver's negotiated video section with the mid and CaptID extensions (IDs 1 and 4).
    static func legs(mid: String) throws -> MediaLegs {
        let offer = """
            v=0
            o=- 1 1 IN IP4 127.0.0.1
            s=-
            t=0 0
            a=group:BUNDLE \(mid)
            m=video 9 UDP/TLS/RTP/SAVPF 96
            c=IN IP4 127.0.0.1
            a=mid:\(mid)
            a=sendrecv
            a=rtcp-mux
            a=ice-ufrag:abcd
            a=ice-pwd:abcdefghijklmnopqrstuvwx
            a=fingerprint:sha-256 \((0..<32).map { _ in "AB" }.joined(separator: ":"))
            a=setup:actpass
            a=rtpmap:96 VP8/90000
            a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid
            a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:CaptId
            a=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host

            """.replacingOccurrences(of: "\n", with: "\r\n")
        var configuration = OfferAnswerConfiguration(
            mediaAddress: "127.0.0.1", mediaPort: 10000,
            ice: ICECredentials(usernameFragment: "brdg", password: "bridge-password-0123456789"),
            fingerprint: Fingerprint(hashFunction: .sha256, digest: Array(repeating: 0xCD, count: 32)))
        configuration.localSSRCBase = 0x5000
        return MediaLegs(try OfferAnswer.answer(to: SessionDescription(parsing: Array(offer.utf8)),
                                                configuration: configuration, sessionID: 1))
    }

    /// A VP8 keyframe packet from the source, with an extension of its own (ID 7) that must not reach the receiver.
    static func sourcePacket() -> [UInt8] {
        var packet: [UInt8] = [0x90, 96, 0x12, 0x34, 0, 0, 0x10, 0, 0xAA, 0xBB, 0xCC, 0xDD]
        packet += [0xBE, 0xDE, 0, 1, 0x72, 0x11, 0x22, 0x33]  // ID 7, three octets
        packet += [0x10, 0x00, 0x00, 0x00, 0x9D, 0x01, 0x2A] + Array(repeating: 0x5A, count: 100)  // VP8 keyframe start
        return packet
    }

    @Test(arguments: ["1", "a-media-id-longer-than-sixteen"])
    func receiverGetsItsOwnExtensionsAndTheSourcePayload(mid: String) throws {
        let legs = try Self.legs(mid: mid)
        let leg = try #require(legs.video)
        #expect(leg.bridgeSends && leg.midExtensionID == 1 && leg.captureIDExtensionID == 4, "\(leg)")
        let out = OutboundMedia(sender: try SRTPSender(key: Self.key, profile: .aeadAES128GCM),
                                remote: try #require(SocketAddress(host: "127.0.0.1", port: 5000)), legs: legs)
        out.video?.select(source: 0xAABB_CCDD)
        out.videoCaptureID = "MCC3"
        let source = Self.sourcePacket()
        let length = try #require(source.withUnsafeBytes { bytes in
            out.forwardVideo(packet: bytes, header: RTPHeader(bytes)!, now: .now)
        })
        let receiver = try SRTPReceiver(key: Self.key, profile: .aeadAES128GCM)
        let plain = try receiver.unprotectRTP(Array(out.scratch[0..<length]))
        let header = try #require(plain.withUnsafeBytes { RTPHeader($0) })
        #expect(header.ssrc == leg.localSSRC && header.payloadType == 96)
        #expect(Array(plain[header.payloadRange]) == Array(source[20...]))
        var values: [UInt8: String] = [:]
        plain.withUnsafeBytes { bytes in
            for element in RTPHeaderExtensions(bytes, header: header) ?? RTPHeaderExtensions(
                bytes: bytes, range: 0..<0, form: .oneByte) {
                values[element.id] = String(decoding: bytes[element.range], as: UTF8.self)
            }
        }
        #expect(values == [1: mid, 4: "MCC3"], "\(values)")
        // A packet of another source is not this receiver's, and leaves nothing behind.
        var other = source
        other[11] = 0xEE
        let dropped = other.withUnsafeBytes { bytes in
            out.forwardVideo(packet: bytes, header: RTPHeader(bytes)!, now: .now)
        }
        #expect(dropped == nil)
    }
}
