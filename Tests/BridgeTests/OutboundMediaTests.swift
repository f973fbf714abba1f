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

    /// A receiver's negotiated video section, with the mid and CaptID extensions (IDs 1 and 4) unless told not to.
    static func legs(mid: String, extensions: Bool = true) throws -> MediaLegs {
        let extmaps = extensions
            ? "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\na=extmap:4 urn:ietf:params:rtp-hdrext:sdes:CaptId\n" : ""
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
            \(extmaps)a=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host

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
        let output = try #require(out.defaultVideo)
        output.rewriter.select(source: 0xAABB_CCDD)
        output.captureID = "MCC3"
        let source = Self.sourcePacket()
        let length = try #require(source.withUnsafeBytes { bytes in
            out.forwardVideo(on: output, packet: bytes, header: RTPHeader(bytes)!, now: .now, into: out.scratch)
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
            out.forwardVideo(on: output, packet: bytes, header: RTPHeader(bytes)!, now: .now, into: out.scratch)
        }
        #expect(dropped == nil)
    }

    /// The output's extension block is written when its capture changes, not per packet; a section that negotiated
    /// neither extension gets packets without any (the X bit cleared, the payload right after the header).
    @Test func extensionBlockFollowsTheCaptureAndIsLeftOutWhenNotNegotiated() throws {
        let remote = try #require(SocketAddress(host: "127.0.0.1", port: 5000))
        let source = Self.sourcePacket()
        // Each receiver has its own SRTP session (both outputs happen to use the same SSRC).
        func receiver(_ legs: MediaLegs) throws -> (OutboundMedia, SRTPReceiver) {
            (OutboundMedia(sender: try SRTPSender(key: Self.key, profile: .aeadAES128GCM), remote: remote, legs: legs),
             try SRTPReceiver(key: Self.key, profile: .aeadAES128GCM))
        }
        func forward(_ out: OutboundMedia, _ output: OutboundMedia.VideoOutput, sequence: UInt8,
                     to receiver: SRTPReceiver) throws -> [UInt8] {
            var packet = source
            packet[3] = sequence
            let length = try #require(packet.withUnsafeBytes { bytes in
                out.forwardVideo(on: output, packet: bytes, header: RTPHeader(bytes)!, now: .now, into: out.scratch)
            })
            return try receiver.unprotectRTP(Array(out.scratch[0..<length]))
        }
        func captureID(_ plain: [UInt8]) -> String? {
            plain.withUnsafeBytes { bytes in
                guard let header = RTPHeader(bytes), let extensions = RTPHeaderExtensions(bytes, header: header),
                      let element = extensions.element(id: 4) else { return nil }
                return String(decoding: bytes[element.range], as: UTF8.self)
            }
        }
        let (out, outReceiver) = try receiver(try Self.legs(mid: "v"))
        let output = try #require(out.defaultVideo)
        output.rewriter.select(source: 0xAABB_CCDD)
        output.captureID = "VC1"
        #expect(captureID(try forward(out, output, sequence: 1, to: outReceiver)) == "VC1")
        output.captureID = "MCC11"
        #expect(captureID(try forward(out, output, sequence: 2, to: outReceiver)) == "MCC11")

        let (bare, bareReceiver) = try receiver(try Self.legs(mid: "w", extensions: false))
        let bareOutput = try #require(bare.defaultVideo)
        bareOutput.rewriter.select(source: 0xAABB_CCDD)
        let plain = try forward(bare, bareOutput, sequence: 3, to: bareReceiver)
        #expect(plain[0] & 0x10 == 0)
        #expect(Array(plain[RTPHeader.fixedLength...]) == Array(source[20...]))
    }
}
