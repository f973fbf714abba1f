import Foundation
import SDP
import Testing

@Suite struct MalformedTests {
    static let head = "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\n"

    func error(_ text: String, limits: SDPLimits = .default) -> SDPParseError? {
        error(Array(text.utf8), limits: limits)
    }

    func error(_ bytes: [UInt8], limits: SDPLimits = .default) -> SDPParseError? {
        do {
            _ = try SessionDescription(parsing: bytes, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    /// Broken lines are refused with the line they are on and 400 Bad Request.
    @Test(arguments: [
        ("", 0),
        ("\n\n", 0),
        ("o=- 1 1 IN IP4 192.0.2.1\nv=0\n", 1),
        (head + "m=audio 4000 RTP/AVP 0\nx=unknown\n", 6),
        (head + "a =rtpmap:0 PCMU/8000\n", 5),
        (head + " a=ice-lite\n", 5),
        ("v=0\no=- 1 1 IN IP4\ns=-\n", 2),
        ("v=0\no=- 99999999999999999999 1 IN IP4 192.0.2.1\ns=-\n", 2),
        ("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\ns=again\n", 4),
        ("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nr=7d 1h 0\nt=0 0\n", 4),
        (head + "m=audio 70000 RTP/AVP 0\n", 5),
        (head + "m=audio 4000\n", 5),
        (head + "m=audio 4000 RTP/AVP 0\nt=0 0\n", 6),
        (head + "c=IN IP4\n", 5),
        (head + "b=AS\n", 5),
        (head + "t=now later\n", 5),
        (head + "z=3730928400\n", 5),
        (head + "a=:novalue\n", 5),
        ("v=0\ns=-\n", 0),
        ("v=0\no=- 1 1 IN IP4 192.0.2.1\n", 0),
    ] as [(String, Int)])
    func malformedLines(text: String, line: Int) {
        guard let error = error(text) else {
            Issue.record("parsed: \(text.debugDescription)")
            return
        }
        #expect(error.line == line, "\(error)")
        #expect(error.sipRejection.statusCode == 400, "\(error)")
    }

    /// A known attribute whose value breaks its grammar is refused with its name and line, 400 and warn-code 306.
    @Test(arguments: [
        "a=rtpmap:200 PCMU/8000", "a=rtpmap:0 PCMU", "a=rtpmap:0 PCMU/eight", "a=fmtp: ",
        "a=fingerprint:sha-256 AB:CD", "a=fingerprint:sha-256 ABCD", "a=fingerprint:sha-1 G1:00",
        "a=setup:sideways", "a=setup", "a=dcmap:70000", "a=dcmap:2 subprotocol=CLUE", "a=dcmap:2 label=\"open",
        "a=dcmap:2 max-retr=-1", "a=dcmap:2 ordered=true;ordered=false", "a=dcmap:2 label=\"%zz\"",
        "a=candidate:1 1 UDP 1 192.0.2.1 5000 host", "a=candidate:1 1 UDP 99999999999 192.0.2.1 5000 typ host",
        "a=candidate:1 1 UDP 1 192.0.2.1 5000 typ host raddr", "a=candidate:1 1 UDP 1 192.0.2.1 5000 typ host gen",
        "a=sctp-port:65536", "a=sctp-port:port", "a=max-message-size:-1", "a=ice-ufrag:has:colon",
        "a=ice-pwd:", "a=mid:", "a=mid:two words", "a=extmap:1/upward urn:x", "a=extmap:1",
        "a=rtcp-fb:96", "a=ssrc:abc cname:x", "a=ssrc-group:FID one", "a=rtcp-mux:yes", "a=sendrecv:now",
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80", "a=rtcp:9 IN", "a=group:", "a=msid:a b c", "a=content:main,,slides",
        "a=ice-options:", "a=label: ", "a=dcsa:2",
    ])
    func invalidAttribute(line: String) {
        guard let error = error(Self.head + "m=audio 4000 RTP/AVP 0\n" + line + "\n") else {
            Issue.record("parsed: \(line)")
            return
        }
        guard case .invalidAttribute(let at, _, _) = error else {
            Issue.record("\(error)")
            return
        }
        #expect(at == 6)
        #expect(error.sipRejection.statusCode == 400)
        #expect(error.sipRejection.warningCode == 306)
    }

    /// NUL, a CR inside a line and bytes that are not UTF-8 are refused with their line.
    @Test func forbiddenBytes() {
        #expect(error(Self.head + "s\u{0}=x\n") == .forbiddenByte(line: 5, byte: 0))
        #expect(error(Self.head + "a=x-a:1\rb\n") == .forbiddenByte(line: 5, byte: 0x0D))
        #expect(error(Array(Self.head.utf8) + Array("i=caf".utf8) + [0xE9, 0x0A]) == .notUTF8(line: 5))
        #expect(error(Array(Self.head.utf8) + Array("i=caf".utf8) + [0xE9, 0x0A])?.sipRejection.statusCode == 488)
    }

    /// Versions other than 0 are not understood: 488 with warn-code 307.
    @Test func unsupportedVersion() {
        let rejected = error("v=1\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\n")
        #expect(rejected == .unsupportedVersion(line: 1, version: "1"))
        #expect(rejected?.sipRejection.statusCode == 488)
        #expect(rejected?.sipRejection.warningCode == 307)
    }

    /// The size, line, line-length and m-line limits hold, and exceeding them is 488.
    @Test func hardLimits() {
        let small = SDPLimits(maxBytes: 200, maxLines: 8, maxLineLength: 40, maxMediaDescriptions: 2)
        let big = Self.head + String(repeating: "a=x-pad:0123456789\n", count: 20)
        #expect(error(big, limits: small) == .tooLarge(size: big.utf8.count, limit: 200))
        #expect(error(Self.head + String(repeating: "a=ice-lite\n", count: 5), limits: small)
            == .tooManyLines(line: 9, limit: 8))
        #expect(error(Self.head + "a=x-long:" + String(repeating: "z", count: 40) + "\n", limits: small)
            == .lineTooLong(line: 5, length: 49, limit: 40))
        #expect(error(Self.head + String(repeating: "m=audio 0 RTP/AVP 0\n", count: 3), limits: small)
            == .tooManyMediaDescriptions(line: 7, limit: 2))
        for limited in [SDPParseError.tooLarge(size: 1, limit: 0), .tooManyLines(line: 1, limit: 0),
                        .lineTooLong(line: 1, length: 2, limit: 1), .tooManyMediaDescriptions(line: 1, limit: 0)] {
            #expect(limited.sipRejection.statusCode == 488)
        }
        // The defaults take a 65th m-line nowhere, and a megabyte never.
        let sixtyFive = Self.head + String(repeating: "m=audio 0 RTP/AVP 0\n", count: 65)
        #expect(error(sixtyFive) == .tooManyMediaDescriptions(line: 69, limit: 64))
        #expect(error([UInt8](repeating: 0x61, count: 1 << 20)) == .tooLarge(size: 1 << 20, limit: 65536))
    }

    /// Values too large for their field are refused rather than wrapped.
    @Test(arguments: [
        "m=audio 4000 RTP/AVP 0\na=max-message-size:18446744073709551616",
        "m=audio 4000 RTP/AVP 0\na=ssrc:4294967296 cname:x",
        "b=AS:18446744073709551616", "t=18446744073709551616 0",
        "m=audio 4000/65536 RTP/AVP 0", "m=audio 4000 RTP/AVP 0\na=extmap:65536 urn:x",
    ])
    func hugeValues(lines: String) {
        #expect(error(Self.head + lines + "\n") != nil, "\(lines)")
    }

    /// Error descriptions name the line and the problem, for logs and the Warning header.
    @Test func errorDescriptions() {
        let rejection = error(Self.head + "a=setup:sideways\n")
        #expect(rejection?.description == "line 5: invalid a=setup: expected active, passive, actpass or holdconn")
        #expect(rejection?.sipRejection.description.hasPrefix("400 Bad Request (306 line 5") == true)
    }
}
