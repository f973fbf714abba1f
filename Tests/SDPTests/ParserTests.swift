import Foundation
import SDP
import Testing

@Suite struct ParserTests {
    static let fixtures: [(String, String)] = [
        ("rfc8848Invite1", Fixture.rfc8848Invite1), ("rfc8848Invite2", Fixture.rfc8848Invite2),
        ("rfc8848Invite1Literal", Fixture.rfc8848Invite1Literal),
        ("rfc8848Invite2Literal", Fixture.rfc8848Invite2Literal), ("aiortcCLUEOffer", Fixture.aiortcCLUEOffer),
        ("chromeOffer", Fixture.chromeOffer), ("sipPhonePCMU", Fixture.sipPhonePCMU),
        ("sipPhoneSDES", Fixture.sipPhoneSDES), ("clueSDESOffer", Fixture.clueSDESOffer),
        ("clueMaxRetrOffer", Fixture.clueMaxRetrOffer),
    ]

    /// Every fixture parses, writes, and parses back to an equal value; writing again gives the same text.
    @Test(arguments: fixtures.map(\.0))
    func roundTrip(name: String) throws {
        let text = try #require(Self.fixtures.first { $0.0 == name }?.1)
        let parsed = try SessionDescription(parsing: text)
        let written = parsed.text
        let again = try SessionDescription(parsing: written)
        #expect(again == parsed)
        #expect(again.text == written)
    }

    /// LF-only and CRLF bodies parse to the same value; the writer always ends lines with CRLF.
    @Test func lineEndings() throws {
        let lf = try SessionDescription(parsing: Fixture.sipPhonePCMU)
        let crlf = try SessionDescription(parsing: Fixture.sipPhonePCMU.replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(lf == crlf)
        #expect(lf.text.hasSuffix("\r\n"))
        #expect(!lf.text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(lf.text.hasPrefix("v=0\r\no=yealink 1234 1 IN IP4 203.0.113.20\r\ns=SDP data\r\n"))
    }

    /// Attributes the parser does not type survive in their original order, at session and media level.
    @Test func unknownAttributesKeepTheirOrder() throws {
        let description = try SessionDescription(parsing: """
            v=0
            o=- 1 1 IN IP4 192.0.2.9
            s=-
            t=0 0
            a=x-first:1
            a=msid-semantic: WMS stream1
            a=x-flag
            a=x-empty:
            m=audio 4000 RTP/AVP 0
            a=x-vendor:some value with  spaces
            a=rtpmap:0 PCMU/8000
            a=ptime:20
            a=x-vendor:second
            """)
        #expect(description.attributes == [
            .other(name: "x-first", value: "1"), .other(name: "msid-semantic", value: " WMS stream1"),
            .other(name: "x-flag", value: nil), .other(name: "x-empty", value: ""),
        ])
        #expect(description.media[0].attributes == [
            .other(name: "x-vendor", value: "some value with  spaces"),
            .rtpmap(RTPMap(payloadType: 0, encodingName: "PCMU", clockRate: 8000)),
            .other(name: "ptime", value: "20"), .other(name: "x-vendor", value: "second"),
        ])
        #expect(description.text.contains("a=x-flag\r\na=x-empty:\r\n"))
        #expect(description.text.contains("a=x-vendor:some value with  spaces\r\n"))
    }

    /// The typed attributes of the RFC 8848 INVITE 1 read as what they mean, including `a=sctp-port: 5000`.
    @Test func typedAttributesOfACLUEOffer() throws {
        let offer = Fixture.parse(Fixture.rfc8848Invite1)
        #expect(offer.groups == [Group(semantics: .clue, mids: ["3"])])
        #expect(offer.iceUsernameFragment == "aliceufrag")
        #expect(offer.fingerprints.first?.hashFunction == .sha256)
        #expect(offer.fingerprints.first?.digest.count == 32)
        let channel = offer.media[2]
        #expect(channel.proto == .udpDTLSSCTP)
        #expect(channel.formats == ["webrtc-datachannel"])
        #expect(channel.sctpPort == 5000)
        #expect(channel.setup == .actpass)
        #expect(channel.dataChannelMaps == [DataChannelMap(streamID: 2, ordered: true, subprotocol: "CLUE")])
        #expect(channel.mid == "3")
        let video = offer.media[1]
        #expect(video.rtpMaps == [RTPMap(payloadType: 96, encodingName: "H264", clockRate: 90000)])
        #expect(video.formatParameters(for: "96")?.value(of: "profile-level-id") == "42e016")
        #expect(video.formatParameters(for: "96")?.value(of: "PACKETIZATION-MODE") == "1")
        #expect(video.rtcpFeedback.map(\.sdpValue) == ["96 nack", "96 nack pli", "96 ccm fir"])
        #expect(video.candidates.first?.type == .host)
        #expect(offer.direction(of: video) == .sendrecv)
    }

    /// The dcmap examples of RFC 8864 section 5.1.1 parse, and the escaped tab in a label is decoded and
    /// re-escaped.
    @Test func dataChannelMapExamples() throws {
        let examples: [(String, DataChannelMap)] = [
            ("0", DataChannelMap(streamID: 0)),
            ("1 subprotocol=\"bfcp\";max-time=60000;priority=512",
             DataChannelMap(streamID: 1, subprotocol: "bfcp", maxTime: 60000, priority: 512)),
            ("2 subprotocol=\"msrp\";ordered=true;label=\"msrp\"",
             DataChannelMap(streamID: 2, ordered: true, subprotocol: "msrp", label: "msrp")),
            ("3 label=\"Label 1\";ordered=false;max-retr=5;priority=128",
             DataChannelMap(streamID: 3, ordered: false, label: "Label 1", maxRetransmits: 5, priority: 128)),
            ("4 label=\"foo%09bar\";ordered=true;max-time=15000",
             DataChannelMap(streamID: 4, ordered: true, label: "foo\tbar", maxTime: 15000)),
            ("5 subprotocol=\"CLUE\"; ordered=true; label=\"a;b\"",
             DataChannelMap(streamID: 5, ordered: true, subprotocol: "CLUE", label: "a;b")),
            ("6 ordered=maybe;x-new=\"v\"",
             DataChannelMap(streamID: 6, extensions: [.init(name: "x-new", value: "\"v\"")])),
        ]
        for (value, expected) in examples {
            let attribute = try Attribute.parse(name: "dcmap", value: value)
            #expect(attribute == .dcmap(expected), "a=dcmap:\(value)")
            #expect(try Attribute.parse(name: "dcmap", value: attribute.value) == attribute)
        }
        #expect(DataChannelMap(streamID: 4, label: "foo\tbar").sdpValue == "4 label=\"foo%09bar\"")
        #expect(DataChannelMap(streamID: 2, ordered: true, subprotocol: "clue").isCLUE)
    }

    /// `a=candidate` reads the full RFC 8839 grammar: related address and port, TCP types, mDNS names, and
    /// extension pairs in order.
    @Test func candidateGrammar() throws {
        let srflx = "1853887674 1 udp 1686052607 203.0.113.77 46243 typ srflx raddr 0.0.0.0 rport 0 generation 0 "
            + "network-id 1 network-cost 10"
        guard case .candidate(let candidate) = try Attribute.parse(name: "candidate", value: srflx) else {
            Issue.record("not a candidate")
            return
        }
        #expect(candidate == Candidate(
            foundation: "1853887674", componentID: 1, transport: "udp", priority: 1_686_052_607,
            address: "203.0.113.77", port: 46243, type: .serverReflexive, relatedAddress: "0.0.0.0", relatedPort: 0,
            extensions: [.init(name: "generation", value: "0"), .init(name: "network-id", value: "1"),
                         .init(name: "network-cost", value: "10")]))
        #expect(candidate.sdpValue == srflx)
        let tcp = "2 1 TCP 1518280447 abc.local 9 typ host tcptype active"
        guard case .candidate(let passive) = try Attribute.parse(name: "candidate", value: tcp) else { return }
        #expect(passive.extensions == [.init(name: "tcptype", value: "active")])
        #expect(!passive.isUDP)
        #expect(Candidate.host(address: "192.0.2.1", port: 10000).sdpValue
            == "1 1 UDP 2130706431 192.0.2.1 10000 typ host")
    }

    /// Fingerprints of every SHA size parse, lowercase hex included, and are written in uppercase.
    @Test func fingerprintHashFunctions() throws {
        for (name, length) in [("sha-1", 20), ("sha-224", 28), ("SHA-256", 32), ("sha-384", 48), ("sha-512", 64)] {
            let hex = (0..<length).map { String(format: "%02x", $0) }.joined(separator: ":")
            let fingerprint = try Fingerprint.parse("\(name) \(hex)")
            #expect(fingerprint.digest == (0..<length).map { UInt8($0) })
            #expect(fingerprint.hashFunction.isAcceptable)
            #expect(fingerprint.sdpValue == "\(name.lowercased()) \(hex.uppercased())")
        }
        let md5 = try Fingerprint.parse("md5 " + (0..<16).map { _ in "AA" }.joined(separator: ":"))
        #expect(!md5.hashFunction.isAcceptable)
        let future = try Fingerprint.parse("sha3-256 01:02")
        #expect(future.hashFunction == .other("sha3-256"))
    }

    /// extmap ids, directions and attributes; rtcp with an address; ssrc, ssrc-group and msid; content.
    @Test func otherTypedAttributes() throws {
        #expect(try Attribute.parse(name: "extmap", value: "2/sendrecv http://example.com/082005/ext.htm#xmeta short")
            == .extmap(ExtensionMap(id: 2, direction: .sendrecv, uri: "http://example.com/082005/ext.htm#xmeta",
                                    attributes: "short")))
        #expect(try Attribute.parse(name: "extmap", value: "6 urn:ietf:params:rtp-hdrext:ssrc-audio-level vad=on")
            == .extmap(ExtensionMap(id: 6, uri: ExtensionMap.audioLevelURI, attributes: "vad=on")))
        #expect(try Attribute.parse(name: "rtcp", value: "9 IN IP4 0.0.0.0")
            == .rtcp(RTCPAddress(port: 9, connection: ConnectionData(address: "0.0.0.0"))))
        #expect(try Attribute.parse(name: "ssrc", value: "3510681183 msid:stream1 track-audio")
            == .ssrc(SSRCAttribute(ssrc: 3_510_681_183, name: "msid", value: "stream1 track-audio")))
        #expect(try Attribute.parse(name: "ssrc-group", value: "FID 1 2")
            == .ssrcGroup(SSRCGroup(semantics: "FID", ssrcs: [1, 2])))
        #expect(try Attribute.parse(name: "msid", value: "stream1 track-video")
            == .msid(MediaStreamID(identifier: "stream1", applicationData: "track-video")))
        #expect(try Attribute.parse(name: "content", value: "main,slides") == .content(["main", "slides"]))
        #expect(try Attribute.parse(name: "rtcp-fb", value: "* ccm fir")
            == .rtcpFeedback(RTCPFeedback(target: .allFormats, type: "ccm", parameter: "fir")))
        #expect(try Attribute.parse(name: "group", value: "BUNDLE") == .group(Group(semantics: .bundle, mids: [])))
        #expect(try Attribute.parse(name: "group", value: "bundle 0 1").value == "BUNDLE 0 1")
        #expect(try Attribute.parse(name: "setup", value: "ACTPASS") == .setup(.actpass))
        #expect(try Attribute.parse(name: "ice-options", value: "trickle renomination")
            == .iceOptions(["trickle", "renomination"]))
        #expect(try Attribute.parse(name: "dcsa", value: "2 accept-types:text/plain")
            == .dcsa(DataChannelSubprotocolAttribute(streamID: 2, name: "accept-types", value: "text/plain")))
    }

    /// An SDES key is kept for the round trip but never shown in a description.
    @Test func cryptoKeyIsRedacted() throws {
        let offer = Fixture.parse(Fixture.sipPhoneSDES)
        let crypto = try #require(offer.media[0].cryptoAttributes.first)
        #expect(crypto.suite == "AES_CM_128_HMAC_SHA1_80")
        #expect(!crypto.description.contains("inline"))
        #expect(offer.text.contains("inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4"))
    }

    /// The RFC 8866 section 5.10 and 5.11 examples: repeat times with units, time zone adjustments with a
    /// negative offset, several time descriptions, and a description without t= that gets t=0 0.
    @Test func timingFields() throws {
        let description = try SessionDescription(parsing: """
            v=0
            o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1
            s=Call to John Smith
            i=SDP Offer #1
            u=http://www.jdoe.example.com/home.html
            e=Jane Doe <jane@jdoe.example.com>
            p=+1 617 555-6011
            c=IN IP4 198.51.100.1
            b=CT:128
            t=3724394400 3754123200
            r=604800 3600 0 90000
            r=7d 1h 0 25h
            t=0 0
            z=3730928400 -1h 3749680800 0
            k=prompt
            m=audio 49170 RTP/AVP 0
            m=video 51372/2 RTP/AVP 99
            c=IN IP4 233.252.0.1/127
            c=IN IP4 233.252.0.2/127
            b=AS:512
            a=rtpmap:99 h263-1998/90000
            """)
        #expect(description.timing.count == 2)
        #expect(description.timing[0].repeats[1] == RepeatTime(
            interval: TypedTime(7, unit: .days), activeDuration: TypedTime(1, unit: .hours),
            offsets: [TypedTime(0), TypedTime(25, unit: .hours)]))
        #expect(description.timeZoneAdjustments == [
            TimeZoneAdjustment(time: 3_730_928_400, offset: TypedTime(1, unit: .hours), isNegative: true),
            TimeZoneAdjustment(time: 3_749_680_800, offset: TypedTime(0)),
        ])
        #expect(description.media[1].portCount == 2)
        #expect(description.media[1].connections.count == 2)
        #expect(description.media[1].bandwidths == [Bandwidth(type: "AS", value: 512)])
        #expect(description.encryptionKey == "prompt")
        #expect(try SessionDescription(parsing: description.text) == description)
        #expect(description.text.contains("r=7d 1h 0 25h\r\nt=0 0\r\nz=3730928400 -1h 3749680800 0\r\nk=prompt\r\n"))

        let withoutTiming = try SessionDescription(parsing: "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\n")
        #expect(withoutTiming.timing == [TimeDescription()])
        #expect(withoutTiming.text == "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n")
    }

    /// Deployed quirks are read: blank lines, lines before t=, a missing final newline, repeated spaces,
    /// an m= line without formats, unknown protos and media types, and session-level direction.
    @Test func deployedQuirks() throws {
        let description = try SessionDescription(parsing: """
            v=0

            o=-  7  7  IN  IP6  2001:db8::1
            s= 
            c=IN IP6 2001:db8::1
            a=recvonly
            t=0 0
            m=audio 0 RTP/AVP
            m=image 5004 udptl t38
            m=application 5070 TCP/BFCP *
            a=floorctrl:c-s
            """)
        #expect(description.origin == Origin(username: "-", sessionID: 7, sessionVersion: 7, addressType: .ipv6,
                                             address: "2001:db8::1"))
        #expect(description.sessionName == " ")
        #expect(description.media[0].formats == [])
        #expect(description.media[1].kind == .image)
        #expect(description.media[1].proto == .other("udptl"))
        #expect(description.media[2].proto == .other("TCP/BFCP"))
        #expect(description.direction(of: description.media[0]) == .recvonly)
        #expect(try SessionDescription(parsing: description.text) == description)
    }
}
