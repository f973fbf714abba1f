import Foundation
import SDP
import Testing

func answer(_ text: String, _ configuration: OfferAnswerConfiguration = Fixture.configuration(),
            previous: NegotiatedSession? = nil, localEncodings: [LocalEncoding] = [],
            receiving: Set<String>? = nil) throws -> NegotiatedSession {
    try OfferAnswer.answer(to: Fixture.parse(text), configuration: configuration, sessionID: 42, previous: previous,
                           localEncodings: localEncodings, receivingRemoteEncodings: receiving)
}

func rejection(_ text: String, _ configuration: OfferAnswerConfiguration = Fixture.configuration()) -> OfferRejection? {
    do {
        _ = try OfferAnswer.answer(to: Fixture.parse(text), configuration: configuration, sessionID: 42)
        return nil
    } catch {
        return error
    }
}

@Suite struct OfferAnswerTests {
    let bridgeCandidate = Attribute.candidate(.host(address: "192.0.2.1", port: 10000))

    /// RFC 8848 INVITE 1: every section accepted on the one port with ICE-lite, the bridge's fingerprint and
    /// setup:passive; the CLUE group and the CLUE channel's dcmap answered.
    @Test func clueInitialOffer() throws {
        let session = try answer(Fixture.rfc8848Invite1)
        let answer = session.local
        #expect(answer.attributes == [.iceLite, .group(Group(semantics: .clue, mids: ["3"]))])
        #expect(answer.connection == ConnectionData(address: "192.0.2.1"))
        #expect(answer.origin.sessionID == 42)
        #expect(answer.media.count == 3)
        for section in answer.media {
            #expect(section.port == 10000)
            #expect(section.fingerprints == [Fixture.bridgeFingerprint])
            #expect(section.setup == .passive)
            #expect(section.iceUsernameFragment == "brdg")
            #expect(section.icePassword == "bridgepasswordbridgepass")
            #expect(section.attributes.contains(bridgeCandidate))
            #expect(section.endOfCandidates)
        }
        #expect(answer.media.map(\.mid) == ["1", "2", "3"])
        #expect(answer.media[2].formats == ["webrtc-datachannel"])
        #expect(answer.media[2].dataChannelMaps == [DataChannelMap(streamID: 2, ordered: true, subprotocol: "CLUE")])
        #expect(answer.media[2].sctpPort == 5000)
        #expect(answer.media[2].maxMessageSize == 262_144)
        #expect(answer.text.contains("a=dcmap:2 subprotocol=\"CLUE\";ordered=true\r\n"))

        #expect(session.clue == CLUEChannel(mid: "3", mediaIndex: 2, streamID: 2, controlledMids: []))
        let video = session.media[1]
        #expect(video.isAccepted && video.security == .dtlsSRTP && !video.isCLUEControlled)
        #expect(video.codecs.map(\.payloadType) == [96])
        let peer = try #require(video.peer)
        #expect(peer.ice == ICECredentials(usernameFragment: "aliceufrag", password: "alicepasswordalicepassword"))
        #expect(peer.candidates.map(\.port) == [6002])
        #expect(peer.fingerprints.map(\.hashFunction) == [.sha256])
        #expect(peer.setup == .actpass)
        #expect(peer.localDTLSRole == .server)
        #expect(peer.rtpAddress == TransportAddress(address: "198.51.100.1", port: 6002))
        #expect(session.media[2].dataChannel?.remoteSCTPPort == 5000)
        #expect(session.media[2].dataChannel?.remoteMaxMessageSize == 65536)
        #expect(session.media[2].dataChannel?.clueChannel?.streamID == 2)
        // The answer itself is valid SDP.
        #expect(try SessionDescription(parsing: answer.text) == answer)
    }

    /// RFC 8848 INVITE 2 as a re-offer: the same o= session id with the next version, the DTLS role kept, and
    /// the three sendonly encodings received (recvonly), CLUE-controlled, with the peer's labels.
    @Test func clueReofferAddsEncodings() throws {
        let first = try answer(Fixture.rfc8848Invite1)
        let second = try answer(Fixture.rfc8848Invite2, previous: first)
        #expect(second.local.origin.sessionID == 42)
        #expect(second.local.origin.sessionVersion == 2)
        #expect(second.local.groups(.clue) == [Group(semantics: .clue, mids: ["3", "4", "5", "6"])])
        #expect(second.clue?.controlledMids == ["4", "5", "6"])
        for index in 3...5 {
            let section = second.media[index]
            #expect(section.isCLUEControlled)
            #expect(section.direction == .recvonly)
            #expect(section.remoteLabel == "enc\(index - 2)")
            #expect(section.peer?.localDTLSRole == .server)
            #expect(second.local.media[index].direction == .recvonly)
        }
        #expect(second.media(label: "enc2")?.mid == "5")
        // Answering the same offer again gives the same answer (RFC 3264 section 8).
        #expect(try answer(Fixture.rfc8848Invite2, previous: second) == second)
    }

    /// The conference may receive only some of the peer's encodings; the others are answered inactive
    /// (RFC 8848 section 4.5.2.2).
    @Test func selectedRemoteEncodings() throws {
        let session = try answer(Fixture.rfc8848Invite2, receiving: ["enc1", "enc3"])
        #expect(session.media[3...5].map(\.direction) == [.recvonly, .inactive, .recvonly])
        #expect(session.clue?.controlledMids == ["4", "5", "6"])
    }

    /// RFC 8848 INVITE 2 as printed puts CLUE-controlled encodings on RTP/AVP: 488 naming the first one.
    @Test func plainRTPForCLUEMediaIs488() throws {
        let refused = try #require(rejection(Fixture.rfc8848Invite2Literal, Fixture.configuration(allowPlainRTP: true)))
        #expect(refused == .clueMediaNotDTLSSRTP(index: 3, mid: "4", proto: .rtpAVP))
        #expect(refused.sipRejection.statusCode == 488)
        #expect(refused.sipRejection.reasonPhrase == "Not Acceptable Here")
        #expect(refused.sipRejection.warningCode == 302)
        #expect(refused.sipRejection.warningText.contains("mid 4"))
        #expect(refused.sipRejection.warningText.contains("RFC 8848 section 11"))
    }

    /// RFC 8848 INVITE 1 as printed: legacy media on RTP/AVP is declined where the room forbids plain RTP (the
    /// call goes on with the CLUE channel) and accepted where it allows it; the H.264 line has no
    /// packetization-mode=1 and is declined either way.
    @Test func literalInitialOfferAndPlainRTPPolicy() throws {
        let strict = try answer(Fixture.rfc8848Invite1Literal)
        #expect(strict.media.map(\.declineReason) == [.plainRTPNotAllowed, .plainRTPNotAllowed, nil])
        #expect(strict.clue?.streamID == 2)
        #expect(strict.local.media[0].port == 0 && strict.local.media[0].proto == .rtpAVP)
        #expect(strict.local.media[0].formats == ["0"])
        #expect(strict.local.media[0].fingerprints.isEmpty)
        // No ICE in the offer, so none in the answer.
        #expect(!strict.local.attributes.contains(.iceLite))
        #expect(strict.local.media[2].iceUsernameFragment == nil)
        #expect(strict.local.media[2].setup == .passive)

        let lenient = try answer(Fixture.rfc8848Invite1Literal, Fixture.configuration(allowPlainRTP: true))
        #expect(lenient.media.map(\.declineReason) == [nil, .noCommonCodec, nil])
        #expect(lenient.media[0].security == .plainRTP)
        #expect(lenient.local.media[0].rtcp == RTCPAddress(port: 10000))
    }

    /// A desk phone with PCMU over RTP/AVP: accepted with telephone-event where the room allows plain RTP, with
    /// RTCP pointed at the one port and no ICE or DTLS attributes; 488 where it does not.
    @Test func plainSIPPhone() throws {
        let session = try answer(Fixture.sipPhonePCMU, Fixture.configuration(allowPlainRTP: true))
        #expect(session.local.text == """
            v=0\r
            o=- 42 1 IN IP4 192.0.2.1\r
            s=-\r
            c=IN IP4 192.0.2.1\r
            t=0 0\r
            m=audio 10000 RTP/AVP 0 101\r
            a=sendrecv\r
            a=rtcp:10000\r
            a=rtpmap:0 PCMU/8000\r
            a=rtpmap:101 telephone-event/8000\r
            a=fmtp:101 0-15\r

            """)
        let audio = session.media[0]
        #expect(audio.security == .plainRTP)
        #expect(audio.codecs.map(\.codec) == [.pcmu, .telephoneEvent])
        #expect(audio.peer?.rtpAddress == TransportAddress(address: "203.0.113.20", port: 11780))
        #expect(audio.peer?.rtcpAddress == TransportAddress(address: "203.0.113.20", port: 11781))
        #expect(audio.peer?.ice == nil && audio.peer?.localDTLSRole == nil)
        #expect(session.clue == nil)

        let refused = try #require(rejection(Fixture.sipPhonePCMU))
        #expect(refused == .noAcceptableMedia([.init(index: 0, mid: nil, kind: .audio, reason: .plainRTPNotAllowed)]))
        #expect(refused.sipRejection.statusCode == 488)
        #expect(refused.sipRejection.warningCode == 302)
        #expect(refused.sipRejection.warningText
            == "no acceptable media: m-line 1 (audio): plain RTP is not allowed in this room; use DTLS-SRTP")
    }

    /// SDES is never negotiated: a phone offering only SDES-SRTP gets 488, even where plain RTP is allowed, and
    /// SDES on CLUE-controlled media is refused by name.
    @Test func sdesOffersAre488() throws {
        for configuration in [Fixture.configuration(), Fixture.configuration(allowPlainRTP: true)] {
            let refused = try #require(rejection(Fixture.sipPhoneSDES, configuration))
            #expect(refused == .noAcceptableMedia([.init(index: 0, mid: nil, kind: .audio, reason: .sdesNotSupported)]))
            #expect(refused.sipRejection.statusCode == 488)
            #expect(refused.sipRejection.warningText.contains("SDES"))
        }
        let clue = try #require(rejection(Fixture.clueSDESOffer))
        #expect(clue == .sdesOnCLUEMedia(index: 3, mid: "4"))
        #expect(clue.sipRejection.statusCode == 488)
    }

    /// The CLUE channel must be reliable and ordered (RFC 8850 section 3.2), and no dcmap may carry both
    /// max-retr and max-time (RFC 8864 section 6.2).
    @Test func clueChannelReliability() throws {
        #expect(rejection(Fixture.clueMaxRetrOffer) == .clueChannelPartiallyReliable(streamID: 2))
        let maxTime = Fixture.rfc8848Invite1.replacingOccurrences(of: "ordered=true", with: "max-time=100")
        #expect(rejection(maxTime) == .clueChannelPartiallyReliable(streamID: 2))
        let unordered = Fixture.rfc8848Invite1.replacingOccurrences(of: "ordered=true", with: "ordered=false")
        #expect(rejection(unordered) == .clueChannelUnordered(streamID: 2))
        let both = Fixture.rfc8848Invite1.replacingOccurrences(
            of: "a=dcmap:2 subprotocol=\"CLUE\";ordered=true",
            with: "a=dcmap:2 subprotocol=\"CLUE\";ordered=true\na=dcmap:4 subprotocol=\"x\";max-retr=1;max-time=9")
        #expect(rejection(both) == .conflictingReliability(streamID: 4))
        #expect(rejection(Fixture.clueMaxRetrOffer)?.sipRejection.statusCode == 488)
        // Another, partially reliable data channel next to the CLUE one is fine: it is just not answered.
        let other = Fixture.rfc8848Invite1.replacingOccurrences(
            of: "a=dcmap:2 subprotocol=\"CLUE\";ordered=true",
            with: "a=dcmap:2 subprotocol=\"CLUE\";ordered=true\na=dcmap:4 subprotocol=\"bfcp\";max-retr=1")
        #expect(try answer(other).local.media[2].dataChannelMaps.map(\.streamID) == [2])
    }

    /// The CLUE group must be single and name exactly one data channel that has a CLUE dcmap; every group member
    /// must exist; mids are unique.
    @Test func malformedGroups() throws {
        let twoGroups = Fixture.rfc8848Invite1.replacingOccurrences(of: "a=group:CLUE 3",
                                                                    with: "a=group:CLUE 3\na=group:CLUE 3")
        #expect(rejection(twoGroups) == .multipleCLUEGroups)
        let noChannel = Fixture.rfc8848Invite1.replacingOccurrences(of: "a=group:CLUE 3", with: "a=group:CLUE 2")
        #expect(rejection(noChannel) == .clueGroupDataChannels(count: 0))
        let unknown = Fixture.rfc8848Invite1.replacingOccurrences(of: "a=group:CLUE 3", with: "a=group:CLUE 3 9")
        #expect(rejection(unknown) == .unknownGroupMember(semantics: .clue, mid: "9"))
        let noMap = Fixture.rfc8848Invite1.replacingOccurrences(of: "subprotocol=\"CLUE\"", with: "subprotocol=\"x\"")
        #expect(rejection(noMap) == .missingCLUEChannelMap(mid: "3"))
        let duplicate = Fixture.rfc8848Invite1.replacingOccurrences(of: "a=mid:2", with: "a=mid:1")
        #expect(rejection(duplicate) == .duplicateMid("1"))
        let bundleTwice = Fixture.aiortcCLUEOffer.replacingOccurrences(
            of: "a=group:BUNDLE 0 1 2", with: "a=group:BUNDLE 0 1\na=group:BUNDLE 1 2")
        #expect(rejection(bundleTwice) == .midInSeveralBundleGroups("1"))
        let plainChannel = Fixture.rfc8848Invite1.replacingOccurrences(
            of: "m=application 6100 UDP/DTLS/SCTP", with: "m=application 6100 SCTP")
        #expect(rejection(plainChannel) == .clueDataChannelNotDTLS(index: 2, mid: "3", proto: .other("SCTP")))
    }

    /// In a room without CLUE the call goes on without it: the data channel and CLUE-controlled media are
    /// declined and no CLUE group is answered, but the security rules for CLUE media still hold.
    @Test func roomWithoutCLUE() throws {
        let configuration = Fixture.configuration(clueEnabled: false)
        let session = try answer(Fixture.rfc8848Invite2, configuration)
        #expect(session.clue == nil)
        #expect(session.local.groups(.clue).isEmpty)
        #expect(session.media.map(\.declineReason) == [nil, nil, .clueDisabled, .clueDisabled, .clueDisabled,
                                                        .clueDisabled])
        #expect(rejection(Fixture.rfc8848Invite2Literal, configuration) != nil)
    }

    /// The peer's recvonly CLUE-controlled sections get the bridge's encodings, labelled with their encoding IDs and
    /// announced with their SSRCs; when the bridge runs out, the rest are inactive; labels stay across re-offers.
    @Test func bridgeEncodingsAnswerReceivers() throws {
        var receivers = Fixture.rfc8848Invite2.replacingOccurrences(of: "a=sendonly", with: "a=recvonly")
        receivers = receivers.replacingOccurrences(of: "a=label:enc1\n", with: "")
        let encodings = [LocalEncoding(label: "bridge-v1", kind: .video, ssrc: 1111),
                         LocalEncoding(label: "bridge-a1", kind: .audio),
                         LocalEncoding(label: "bridge-v2", kind: .video)]
        let session = try answer(receivers, localEncodings: encodings)
        #expect(session.media[3...5].map(\.direction) == [.sendonly, .sendonly, .inactive])
        #expect(session.media[3...5].map(\.localLabel) == ["bridge-v1", "bridge-v2", nil])
        #expect(session.local.media[3].label == "bridge-v1")
        #expect(session.local.media[3].ssrcAttributes == [SSRCAttribute(ssrc: 1111, name: "cname", value: "clue-mcu")])
        #expect(session.media[3].localSSRC == 1111)
        #expect(session.media(label: "bridge-v2")?.mid == "5")

        // Re-offered, with the encodings listed the other way round: each section keeps its label.
        let again = receivers.replacingOccurrences(of: "2890844527", with: "2890844528")
        let next = try answer(again, previous: session, localEncodings: encodings.reversed())
        #expect(next.media[3...5].map(\.localLabel) == ["bridge-v1", "bridge-v2", nil])

        // A re-offer that leaves the sections out of its CLUE group: the ones with the bridge's encodings keep them.
        let ungrouped = try #require(again.split(separator: "\n").first { $0.hasPrefix("a=group:CLUE") })
        let loose = again.replacingOccurrences(of: ungrouped, with: "a=group:CLUE 3")
            .replacingOccurrences(of: "2890844528", with: "2890844529")
        let kept = try answer(loose, previous: next, localEncodings: encodings)
        #expect(kept.media[3...4].map(\.localLabel) == ["bridge-v1", "bridge-v2"])
        #expect(kept.media[3...4].map(\.direction) == [.sendonly, .sendonly])
    }

    /// aiortc's offer with the CLUE group and dcmap added: BUNDLE answered, one port, candidates only on the
    /// BUNDLE-tag section, all of the peer's fingerprints kept, header extensions mirrored.
    @Test func aiortcOffer() throws {
        let session = try answer(Fixture.aiortcCLUEOffer)
        let answer = session.local
        #expect(answer.attributes == [.iceLite, .group(Group(semantics: .bundle, mids: ["0", "1", "2"])),
                                      .group(Group(semantics: .clue, mids: ["2"]))])
        #expect(answer.media.map(\.port) == [10000, 10000, 10000])
        #expect(answer.media.map { $0.candidates.count } == [1, 0, 0])
        #expect(answer.media.allSatisfy { $0.fingerprints == [Fixture.bridgeFingerprint] && $0.setup == .passive })
        #expect(answer.media.allSatisfy { $0.iceUsernameFragment == "brdg" })
        #expect(session.bundleGroups == [["0", "1", "2"]])
        #expect(session.media.map(\.transportIndex) == [0, 0, 0])
        #expect(session.clue == CLUEChannel(mid: "2", mediaIndex: 2, streamID: 2, controlledMids: []))
        let audio = session.media[0]
        #expect(audio.peer?.fingerprints.map(\.hashFunction) == [.sha256, .sha384, .sha512])
        #expect(audio.peer?.ice?.usernameFragment == "Xa3B")
        #expect(audio.peer?.candidates.first?.address == "127.0.0.1")
        #expect(audio.peer?.endOfCandidates == true)
        #expect(audio.remoteSSRCs == [2_937_712_010])
        #expect(audio.headerExtensions == [ExtensionMap(id: 1, uri: ExtensionMap.midURI),
                                           ExtensionMap(id: 2, uri: ExtensionMap.audioLevelURI)])
        #expect(audio.codecs.map(\.codec) == [.opus, .pcmu, .pcma])
        let video = session.media[1]
        #expect(video.headerExtensions == [ExtensionMap(id: 1, uri: ExtensionMap.midURI)])
        #expect(video.codecs.map(\.payloadType) == [99, 101, 97])
        #expect(video.remoteSSRCs == [1_683_123_466, 2_750_384_193])
        #expect(session.media[2].dataChannel?.remoteMaxMessageSize == 65536)
        // What aiortc checks on every section of an answer: ICE credentials, an active or passive setup, and
        // rtcp-mux on audio and video.
        for section in answer.media {
            #expect(section.iceUsernameFragment != nil && section.icePassword != nil)
            #expect(section.setup == .passive)
            if section.kind != .application { #expect(section.rtcpMux) }
        }
    }

    /// With an SSRC base, the sections the bridge sends on (not CLUE-controlled) announce the bridge's SSRC, and a
    /// re-answer keeps the same SSRCs; the data channel announces none.
    @Test func announcesLocalSSRCs() throws {
        var configuration = Fixture.configuration()
        configuration.localSSRCBase = 0x1000
        let first = try answer(Fixture.aiortcCLUEOffer, configuration)
        #expect(first.media.map(\.localSSRC) == [0x1000, 0x1001, nil])
        #expect(first.local.text.contains("a=ssrc:4096 cname:"))
        configuration.localSSRCBase = 0x9999
        let again = try answer(Fixture.aiortcCLUEOffer, configuration, previous: first)
        #expect(again.media.map(\.localSSRC) == [0x1000, 0x1001, nil])
    }

    /// A browser offer without CLUE: the data channel is declined and left out of BUNDLE, transport-cc and the
    /// codecs the bridge lacks are dropped, and no CLUE group is answered.
    @Test func chromeOfferWithoutCLUE() throws {
        let session = try answer(Fixture.chromeOffer)
        #expect(session.clue == nil)
        #expect(session.bundleGroups == [["0", "1"]])
        #expect(session.media[2].declineReason == .dataChannelNotUsed)
        #expect(session.local.media[2].port == 0)
        #expect(session.local.media[2].formats == ["webrtc-datachannel"])
        #expect(!session.local.text.contains("transport-cc"))
        #expect(session.media[0].codecs.map(\.payloadType) == [111, 9, 0, 8, 110, 126])
        #expect(session.media[1].codecs.map(\.payloadType) == [102, 106, 127, 112, 96])
        // mDNS and TCP candidates are kept for the ICE layer, which ignores what it cannot use.
        #expect(session.media[0].peer?.candidates.count == 3)
    }

    /// A `bundle-only` section has port 0 but is not rejected (RFC 8843): it shares the tag's
    /// transport and gets the bridge's port.
    @Test func bundleOnlySection() throws {
        let offer = Fixture.aiortcCLUEOffer.replacingOccurrences(
            of: "m=video 50123 UDP/TLS/RTP/SAVPF", with: "m=video 0 UDP/TLS/RTP/SAVPF")
            .replacingOccurrences(of: "a=mid:1\n", with: "a=mid:1\na=bundle-only\n")
        let session = try answer(offer)
        #expect(session.media[1].isAccepted)
        #expect(session.local.media[1].port == 10000)
        #expect(session.media[1].peer?.rtpAddress?.port == 50123)
    }

    /// Without BUNDLE every section is its own transport, yet all share the bridge's one port and carry the host
    /// candidate.
    @Test func noBundle() throws {
        let offer = Fixture.aiortcCLUEOffer.replacingOccurrences(of: "a=group:BUNDLE 0 1 2\n", with: "")
        let session = try answer(offer)
        #expect(session.bundleGroups.isEmpty)
        #expect(session.media.map(\.transportIndex) == [0, 1, 2])
        #expect(session.local.media.map { $0.candidates.count } == [1, 1, 1])
        #expect(session.media[0].headerExtensions.map(\.uri) == [ExtensionMap.audioLevelURI])
    }

    /// The DTLS role: passive to actpass, active or no setup; active to a legacy passive offer; holdconn is
    /// declined (RFC 8842 section 5.1).
    @Test(arguments: [("actpass", SetupRole?.some(.passive)), ("active", .passive), ("passive", .active),
                      ("holdconn", nil)] as [(String, SetupRole?)])
    func dtlsRole(offered: String, answered: SetupRole?) throws {
        let offer = Fixture.rfc8848Invite1.replacingOccurrences(of: "a=setup:actpass", with: "a=setup:\(offered)")
        guard let answered else {
            #expect(rejectionReasons(offer) == [.holdconnSetup, .holdconnSetup, .holdconnSetup])
            return
        }
        let session = try answer(offer)
        #expect(session.local.media.allSatisfy { $0.setup == answered })
        #expect(session.media[0].peer?.localDTLSRole == (answered == .active ? .client : .server))
        let unspecified = Fixture.rfc8848Invite1.replacingOccurrences(of: "a=setup:actpass\n", with: "")
        #expect(try answer(unspecified).local.media.allSatisfy { $0.setup == .passive })
    }

    func rejectionReasons(_ offer: String) -> [DeclineReason] {
        guard case .noAcceptableMedia(let sections) = rejection(offer) else { return [] }
        return sections.map(\.reason)
    }

    /// DTLS-SRTP needs rtcp-mux on the bridge's one port, a SHA fingerprint, and both ICE credentials.
    @Test func transportRequirements() throws {
        let noMux = Fixture.rfc8848Invite1.replacingOccurrences(of: "a=rtcp-mux\n", with: "")
        #expect(try answer(noMux).media.map(\.declineReason) == [.rtcpMuxRequired, .rtcpMuxRequired, nil])
        let muxOnly = Fixture.rfc8848Invite1.replacingOccurrences(of: "a=rtcp-mux\n", with: "a=rtcp-mux-only\n")
        #expect(try answer(muxOnly).local.media[0].rtcpMux)
        let md5 = Fixture.rfc8848Invite1.replacingOccurrences(
            of: "a=fingerprint:sha-256 2B:D8:06:C9:7F:0E:00:AF:1A:1F:C3:32:8F:A7:63:A9:26:97:23:C8:DB:8F:AC:4F:93:AF",
            with: "a=fingerprint:md5 2B:D8:06:C9:7F:0E:00:AF:1A:1F:C3:32:8F:A7:63:A9")
            .replacingOccurrences(of: "A9:71:DB:18:6D:6E:90", with: "A9")
        #expect(rejectionReasons(md5) == [.noUsableFingerprint, .noUsableFingerprint, .noUsableFingerprint])
        let halfICE = Fixture.rfc8848Invite1.replacingOccurrences(of: "a=ice-pwd:alicepasswordalicepassword\n",
                                                                  with: "")
        #expect(rejectionReasons(halfICE).allSatisfy { $0 == .incompleteICECredentials })
        let ip7 = Fixture.rfc8848Invite1.replacingOccurrences(of: "c=IN IP4 198.51.100.1", with: "c=IN IP7 x")
        #expect(rejectionReasons(ip7).first == .unsupportedAddress("IP7"))
        #expect(rejection(ip7)?.sipRejection.warningCode == 300 || rejection(ip7)?.sipRejection.warningCode == 301)
        // RTP/SAVPF keyed by a fingerprint is DTLS-SRTP under its pre-RFC 5764 name.
        let legacy = Fixture.rfc8848Invite1.replacingOccurrences(of: "UDP/TLS/RTP/SAVPF", with: "RTP/SAVPF")
        let session = try answer(legacy)
        #expect(session.media[0].security == .dtlsSRTP)
        #expect(session.local.media[0].proto == .rtpSAVPF)
    }

    /// Media the bridge does not handle is declined with the reason, and an offer of nothing but that is 488
    /// with the RFC 3261 warn-code for it.
    @Test func unsupportedMedia() throws {
        let fax = """
            v=0
            o=- 1 1 IN IP4 203.0.113.5
            s=-
            c=IN IP4 203.0.113.5
            t=0 0
            m=image 5004 udptl t38
            m=text 5006 RTP/AVP 98
            a=rtpmap:98 t140/1000
            """
        let refused = try #require(rejection(fax, Fixture.configuration(allowPlainRTP: true)))
        #expect(refused == .noAcceptableMedia([
            .init(index: 0, mid: nil, kind: .image, reason: .unsupportedMedia(.image)),
            .init(index: 1, mid: nil, kind: .text, reason: .unsupportedMedia(.text)),
        ]))
        #expect(refused.sipRejection.warningCode == 304)
        #expect(rejection("v=0\no=- 1 1 IN IP4 192.0.2.9\ns=-\nt=0 0\n") == .noMedia)
    }

    /// A re-offer may not drop m-lines (RFC 3264 section 8).
    @Test func reofferWithFewerSections() throws {
        let first = try answer(Fixture.rfc8848Invite2)
        let shorter = Fixture.parse(Fixture.rfc8848Invite1)
        #expect(throws: OfferRejection.fewerMediaSections(offered: 3, required: 6)) {
            try OfferAnswer.answer(to: shorter, configuration: Fixture.configuration(), sessionID: 1, previous: first)
        }
    }

    /// When the peer keeps its fingerprints and offers actpass again, the bridge keeps the role it had, even when
    /// that role was client (RFC 8842 section 5.3).
    @Test func dtlsRoleIsKeptOnReoffer() throws {
        let passive = Fixture.rfc8848Invite1.replacingOccurrences(of: "a=setup:actpass", with: "a=setup:passive")
        let first = try answer(passive)
        #expect(first.media[0].peer?.localDTLSRole == .client)
        let second = try answer(Fixture.rfc8848Invite2, previous: first)
        #expect(second.media[0...2].map { $0.peer?.localDTLSRole } == [.client, .client, .client])
        // New sections without BUNDLE are new DTLS associations: the bridge's preference applies.
        #expect(second.media[3...5].map { $0.peer?.localDTLSRole } == [.server, .server, .server])
        #expect(second.local.media[0].setup == .active)
        #expect(second.local.media[3].setup == .passive)
    }
}
