import Foundation
import SDP
import Testing

@Suite struct OffererTests {
    /// The session after RFC 8848 INVITE 2 was answered.
    func afterInvite2() throws -> NegotiatedSession {
        try answer(Fixture.rfc8848Invite2, previous: answer(Fixture.rfc8848Invite1))
    }

    /// Like RFC 8848's SIP INVITE 3, the bridge re-offers everything it has and adds its two encodings as
    /// sendonly CLUE-controlled sections labelled with their encoding IDs.
    @Test func reofferAddsLabelledEncodings() throws {
        let session = try afterInvite2()
        let pending = session.offer(adding: [
            .clueEncoding(LocalEncoding(label: "foo", kind: .video, ssrc: 4_000_000_001)),
            .clueEncoding(LocalEncoding(label: "bar", kind: .video, ssrc: 4_000_000_002)),
        ], configuration: Fixture.configuration())
        let offer = pending.description
        #expect(offer.origin.sessionID == session.local.origin.sessionID)
        #expect(offer.origin.sessionVersion == session.local.origin.sessionVersion + 1)
        #expect(offer.media.count == 8)
        #expect(offer.groups(.clue) == [Group(semantics: .clue, mids: ["3", "4", "5", "6", "7", "8"])])
        #expect(offer.attributes.first == .iceLite)
        for section in offer.media {
            #expect(section.port == 10000)
            #expect(section.setup == .actpass)
            #expect(section.fingerprints == [Fixture.bridgeFingerprint])
        }
        let foo = offer.media[6]
        #expect(foo.mid == "7" && foo.label == "foo" && foo.direction == .sendonly)
        #expect(foo.proto == .udpTLSRTPSAVPF)
        #expect(foo.rtcpMux)
        // The payload type and parameters the session already uses for H.264.
        #expect(foo.formats == ["96"])
        #expect(foo.formatParameters(for: "96")?.text == "packetization-mode=1;profile-level-id=42e016")
        #expect(foo.ssrcAttributes == [SSRCAttribute(ssrc: 4_000_000_001, name: "cname", value: "clue-mcu")])
        #expect(foo.extensionMaps.map(\.uri) == [ExtensionMap.captureIDURI])
        // The offer is valid SDP, and existing sections are offered as they were negotiated.
        #expect(try SessionDescription(parsing: offer.text) == offer)
        #expect(offer.media[3].direction == .recvonly)
        #expect(offer.media[2].dataChannelMaps.first?.streamID == 2)
    }

    /// The peer's answer (like RFC 8848's SIP 200 OK 3, over DTLS): the bridge's encodings are received, the
    /// legacy video is turned off, and one of the peer's encodings is dropped.
    @Test func applyAnswerToReoffer() throws {
        let session = try afterInvite2()
        let pending = session.offer(adding: [
            .clueEncoding(LocalEncoding(label: "foo", kind: .video, ssrc: 4_000_000_001)),
            .clueEncoding(LocalEncoding(label: "bar", kind: .video)),
        ], configuration: Fixture.configuration())
        let answerText = """
            v=0
            o=alice 2890844526 2890844528 IN IP4 198.51.100.1
            s=-
            c=IN IP4 198.51.100.1
            t=0 0
            a=group:CLUE 3 4 5 7 8
            a=ice-ufrag:aliceufrag
            a=ice-pwd:alicepasswordalicepassword
            a=fingerprint:sha-256 2B:D8:06:C9:7F:0E:00:AF:1A:1F:C3:32:8F:A7:63:A9:26:97:23:C8:DB:8F:AC:4F:93:AF:71:DB:18:6D:6E:90
            a=setup:active
            m=audio 6000 UDP/TLS/RTP/SAVPF 111
            a=rtpmap:111 opus/48000/2
            a=mid:1
            a=rtcp-mux
            m=video 0 UDP/TLS/RTP/SAVPF 96
            a=mid:2
            m=application 6100 UDP/DTLS/SCTP webrtc-datachannel
            a=sctp-port:5000
            a=dcmap:2 subprotocol="CLUE";ordered=true
            a=mid:3
            m=video 6004 UDP/TLS/RTP/SAVPF 96
            a=rtpmap:96 H264/90000
            a=fmtp:96 profile-level-id=42e016;packetization-mode=1
            a=sendonly
            a=mid:4
            a=label:enc1
            a=rtcp-mux
            m=video 6006 UDP/TLS/RTP/SAVPF 96
            a=rtpmap:96 H264/90000
            a=fmtp:96 profile-level-id=42e016;packetization-mode=1
            a=sendonly
            a=mid:5
            a=label:enc2
            a=rtcp-mux
            m=video 0 UDP/TLS/RTP/SAVPF 96
            a=mid:6
            m=video 6010 UDP/TLS/RTP/SAVPF 96
            a=rtpmap:96 H264/90000
            a=fmtp:96 profile-level-id=42e014;packetization-mode=1
            a=recvonly
            a=mid:7
            a=rtcp-mux
            a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:CaptId
            m=video 6012 UDP/TLS/RTP/SAVPF 96
            a=rtpmap:96 H264/90000
            a=fmtp:96 profile-level-id=42e016;packetization-mode=1
            a=recvonly
            a=mid:8
            a=rtcp-mux

            """
        let next = try pending.applying(answer: Fixture.parse(answerText))
        #expect(next.local == pending.description)
        #expect(next.media.map(\.isAccepted) == [true, false, true, true, true, false, true, true])
        #expect(next.media[1].declineReason == .rejectedByPeer)
        #expect(next.clue?.controlledMids == ["4", "5", "7", "8"])
        let foo = try #require(next.media(label: "foo"))
        #expect(foo.mid == "7" && foo.direction == .sendonly && foo.isCLUEControlled)
        #expect(foo.localSSRC == 4_000_000_001)
        #expect(foo.peer?.rtpAddress == TransportAddress(address: "198.51.100.1", port: 6010))
        #expect(foo.peer?.localDTLSRole == .server)
        #expect(foo.codecs.first?.h264?.sendLevel == .level2)
        #expect(foo.extensionID(uri: ExtensionMap.captureIDURI) == 1)
        #expect(next.media(label: "bar")?.headerExtensions == [])
        #expect(next.media[3].direction == .recvonly && next.media[3].remoteLabel == "enc1")

        // The next exchange builds on this one: the peer's re-offer is answered with the next version.
        #expect(next.local.origin.sessionVersion == 3)
    }

    /// Sections can be removed (port 0, RFC 3264 section 8.2); they stay in place and drop out of the groups.
    @Test func reofferRemovesSections() throws {
        let session = try afterInvite2()
        let offer = session.offer(removing: ["5"], configuration: Fixture.configuration()).description
        #expect(offer.media.count == 6)
        #expect(offer.media[4].port == 0)
        #expect(offer.media[4].attributes == [.mid("5")])
        #expect(offer.groups(.clue) == [Group(semantics: .clue, mids: ["3", "4", "6"])])
    }

    /// With BUNDLE, new sections join the group and take the MID header extension id already in use.
    @Test func reofferExtendsBundle() throws {
        let session = try answer(Fixture.aiortcCLUEOffer)
        let pending = session.offer(adding: [.clueEncoding(LocalEncoding(label: "v1", kind: .video)),
                                             .clueEncoding(LocalEncoding(label: "a1", kind: .audio))],
                                    configuration: Fixture.configuration())
        let offer = pending.description
        #expect(offer.groups(.bundle) == [Group(semantics: .bundle, mids: ["0", "1", "2", "3", "4"])])
        #expect(offer.groups(.clue) == [Group(semantics: .clue, mids: ["2", "3", "4"])])
        #expect(offer.media[3].extensionMaps.first { $0.uri == ExtensionMap.midURI }?.id == 1)
        #expect(offer.media[4].extensionMaps.first { $0.uri == ExtensionMap.audioLevelURI }?.id == 2)
        #expect(offer.media[3].formats == ["99", "101", "97"])
        #expect(offer.media[4].formats == ["96", "0", "8"])
        // A fresh id for CaptID, not one the session uses.
        let captureID = try #require(offer.media[3].extensionMaps.first { $0.uri == ExtensionMap.captureIDURI })
        #expect(![1, 2, 3].contains(captureID.id))
    }

    /// An answer that does not fit the offer is refused with the reason.
    @Test func unusableAnswers() throws {
        let session = try answer(Fixture.rfc8848Invite1)
        let pending = session.offer(adding: [.clueEncoding(LocalEncoding(label: "x", kind: .video))],
                                    configuration: Fixture.configuration())
        let good = Self.loopbackAnswer(to: pending)
        #expect(throws: AnswerRejection.mediaCountMismatch(offered: 4, answered: 3)) {
            var short = good
            short.media.removeLast()
            _ = try pending.applying(answer: short)
        }
        #expect(throws: AnswerRejection.invalidSetup(index: 0, .actpass)) {
            var actpass = good
            actpass.media[0].attributes = actpass.media[0].attributes.map {
                if case .setup = $0 { return .setup(.actpass) }
                return $0
            }
            _ = try pending.applying(answer: actpass)
        }
        #expect(throws: AnswerRejection.incompatibleDirection(index: 3, offered: .sendonly, answered: .sendonly)) {
            var wrong = good
            wrong.media[3].attributes = wrong.media[3].attributes.map {
                if case .direction = $0 { return .direction(.sendonly) }
                return $0
            }
            _ = try pending.applying(answer: wrong)
        }
        #expect(throws: AnswerRejection.missingFingerprint(index: 1)) {
            var bare = good
            bare.media[1].attributes.removeAll { if case .fingerprint = $0 { true } else { false } }
            _ = try pending.applying(answer: bare)
        }
        #expect(throws: AnswerRejection.clueChannelChanged(streamID: 2)) {
            var unreliable = good
            unreliable.media[2].attributes = unreliable.media[2].attributes.map {
                if case .dcmap(var map) = $0 {
                    map.maxRetransmits = 2
                    return .dcmap(map)
                }
                return $0
            }
            _ = try pending.applying(answer: unreliable)
        }
        let accepted = try pending.applying(answer: good)
        #expect(accepted.media(label: "x")?.direction == .sendonly)
    }

    /// The bridge's offer answered by the bridge's own answerer (another configuration standing for a CLUE
    /// endpoint): the answer applies cleanly, both ends agree on the codecs, and CLUE is enabled on both.
    @Test func initialOfferLoop() throws {
        let pending = PendingOffer.initial(
            configuration: Fixture.configuration(), sessionID: 77,
            sections: [NewMediaSection(kind: .audio, direction: .sendrecv),
                       NewMediaSection(kind: .video, direction: .sendrecv)],
            clueStreamID: 3)
        let offer = pending.description
        #expect(try SessionDescription(parsing: offer.text) == offer)
        #expect(offer.groups(.clue) == [Group(semantics: .clue, mids: ["2"])])
        #expect(offer.groups(.bundle).isEmpty)
        #expect(offer.media[2].dataChannelMaps == [DataChannelMap(streamID: 3, ordered: true, subprotocol: "CLUE")])
        #expect(offer.media[0].formats == ["96", "9", "0", "8", "97", "98"])
        #expect(offer.media[1].formatParameters(for: "99")?.text
            == "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e029")

        let endpoint = Fixture.configuration(codecs: [.pcmu, .telephoneEvent, .vp8], h264MaxLevel: .level3)
        let remote = try OfferAnswer.answer(to: offer, configuration: endpoint, sessionID: 5)
        #expect(remote.clue?.streamID == 3)
        let local = try pending.applying(answer: remote.local)
        #expect(local.clue == CLUEChannel(mid: "2", mediaIndex: 2, streamID: 3, controlledMids: []))
        #expect(local.media[0].codecs.map(\.codec) == [.pcmu, .telephoneEvent])
        #expect(local.media[1].codecs.map(\.codec) == [.vp8])
        // The endpoint answered passive: the bridge is the DTLS client of this association.
        #expect(local.media.allSatisfy { $0.peer?.localDTLSRole == .client })
    }

    /// The answer the bridge's own answerer would give to `pending`, as a plain description.
    static func loopbackAnswer(to pending: PendingOffer) -> SessionDescription {
        let endpoint = Fixture.configuration()
        do {
            return try OfferAnswer.answer(to: pending.description, configuration: endpoint, sessionID: 9).local
        } catch {
            fatalError("\(error)")
        }
    }
}

@Suite struct ReofferAfterOfferTests {
    /// A section the bridge offered with all its codecs is re-offered with only those the peer accepted.
    @Test func reofferKeepsOnlyNegotiatedCodecs() throws {
        let pending = PendingOffer.initial(configuration: Fixture.configuration(), sessionID: 7,
                                           sections: [NewMediaSection(kind: .audio, direction: .sendrecv)])
        let endpoint = Fixture.configuration(codecs: [.pcma, .telephoneEvent])
        let remote = try OfferAnswer.answer(to: pending.description, configuration: endpoint, sessionID: 5)
        let session = try pending.applying(answer: remote.local)
        #expect(session.media[0].codecs.map(\.codec) == [.pcma, .telephoneEvent])
        let next = session.offer(configuration: Fixture.configuration()).description
        #expect(next.media[0].formats == ["8", "98"])
        #expect(next.media[0].rtpMaps.map(\.payloadType) == [8, 98])
        #expect(next.media[0].extensionMaps.map(\.uri) == [ExtensionMap.captureIDURI, ExtensionMap.audioLevelURI])
        #expect(next.origin.sessionVersion == 2)
        #expect(try SessionDescription(parsing: next.text) == next)
    }
}
