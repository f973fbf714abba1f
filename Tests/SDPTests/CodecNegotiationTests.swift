import SDP
import Testing

@Suite struct CodecNegotiationTests {
    /// A DTLS-SRTP offer with one section of the given kind and these lines after the m= line.
    static func offer(_ kind: String, _ formats: String, _ lines: [String]) -> String {
        """
        v=0
        o=- 7 7 IN IP4 198.51.100.7
        s=-
        c=IN IP4 198.51.100.7
        t=0 0
        a=fingerprint:sha-256 2B:D8:06:C9:7F:0E:00:AF:1A:1F:C3:32:8F:A7:63:A9:26:97:23:C8:DB:8F:AC:4F:93:AF:71:DB:18:6D:6E:90
        m=\(kind) 7000 UDP/TLS/RTP/SAVPF \(formats)
        a=rtcp-mux
        a=sendrecv

        """ + lines.map { $0 + "\n" }.joined()
    }

    func codecs(_ kind: String, _ formats: String, _ lines: [String],
                _ configuration: OfferAnswerConfiguration = Fixture.configuration()) throws -> [NegotiatedCodec] {
        try answer(Self.offer(kind, formats, lines), configuration).media[0].codecs
    }

    /// The offerer's payload type numbers are kept, and static types need no rtpmap (RFC 3264 section 6.1).
    @Test func payloadTypesAreTheOfferers() throws {
        let audio = try codecs("audio", "8 0 9 120", ["a=rtpmap:120 OPUS/48000/2"])
        #expect(audio.map(\.payloadType) == [120, 9, 0, 8])
        #expect(audio.map(\.codec) == [.opus, .g722, .pcmu, .pcma])
        let session = try answer(Self.offer("audio", "8 0 9 120", ["a=rtpmap:120 OPUS/48000/2"]))
        #expect(session.local.media[0].formats == ["120", "9", "0", "8"])
        #expect(session.local.media[0].rtpMaps.map(\.sdpValue)
            == ["120 opus/48000/2", "9 G722/8000", "0 PCMU/8000", "8 PCMA/8000"])
    }

    /// The bridge's order of preference decides the answer's order; codecs it is not configured for are left out.
    @Test func bridgePreferenceAndConfiguration() throws {
        let configuration = Fixture.configuration(codecs: [.pcma, .opus, .vp8])
        let audio = try codecs("audio", "111 0 8", ["a=rtpmap:111 opus/48000/2"], configuration)
        #expect(audio.map(\.codec) == [.pcma, .opus])
        let video = try codecs("video", "96 97", ["a=rtpmap:96 H264/90000", "a=fmtp:96 packetization-mode=1",
                                                  "a=rtpmap:97 VP8/90000"], configuration)
        #expect(video.map(\.codec) == [.vp8])
    }

    /// Opus must be opus/48000/2 (RFC 7587 section 7); G.711 with two channels is another format.
    @Test func audioMapsMustMatchExactly() throws {
        let refused = rejection(Self.offer("audio", "111 112 0", [
            "a=rtpmap:111 opus/48000", "a=rtpmap:112 opus/16000/2", "a=rtpmap:0 PCMU/8000/2",
        ]))
        #expect(refused == .noAcceptableMedia([.init(index: 0, mid: nil, kind: .audio, reason: .noCommonCodec)]))
        #expect(refused?.sipRejection.warningCode == 305)
    }

    /// telephone-event is answered once per clock rate of an accepted audio codec, with events 0-15.
    @Test func telephoneEventFollowsTheAudioClock() throws {
        let withOpus = try codecs("audio", "111 101 126", [
            "a=rtpmap:111 opus/48000/2", "a=rtpmap:101 telephone-event/8000", "a=rtpmap:126 telephone-event/48000",
            "a=fmtp:126 0-16",
        ])
        #expect(withOpus.map(\.payloadType) == [111, 126])
        #expect(withOpus[1].formatParameters == "0-15")
        let pcmuOnly = try codecs("audio", "0 101 126", [
            "a=rtpmap:101 telephone-event/8000", "a=rtpmap:126 telephone-event/48000",
        ])
        #expect(pcmuOnly.map(\.payloadType) == [0, 101])
        let noDTMF = Fixture.configuration(codecs: [.pcmu])
        #expect(try codecs("audio", "0 101", ["a=rtpmap:101 telephone-event/8000"], noDTMF).map(\.payloadType) == [0])
        // telephone-event alone is nothing to talk with.
        #expect(rejection(Self.offer("audio", "101", ["a=rtpmap:101 telephone-event/8000"])) != nil)
    }

    /// H.264 needs packetization-mode=1: mode 0, an absent mode (which means 0), and mode 2 are not accepted
    /// (RFC 6184 section 8.2.2 forbids changing it in the answer).
    @Test func h264PacketizationMode() throws {
        let video = try codecs("video", "96 97 98 99", [
            "a=rtpmap:96 H264/90000", "a=fmtp:96 profile-level-id=42e01f;packetization-mode=0",
            "a=rtpmap:97 H264/90000", "a=fmtp:97 profile-level-id=42e01f",
            "a=rtpmap:98 H264/90000", "a=fmtp:98 profile-level-id=42e01f;packetization-mode=2",
            "a=rtpmap:99 H264/90000", "a=fmtp:99 profile-level-id=42e01f; packetization-mode=1",
        ])
        #expect(video.map(\.payloadType) == [99])
        #expect(video[0].formatParameters == "packetization-mode=1;profile-level-id=42e01f")
        #expect(video[0].h264?.profile == .constrainedBaseline)
    }

    /// The answer keeps the profile and never raises the level: it answers the lower of the offer's level and the
    /// bridge's (RFC 6184 section 8.2.2).
    @Test(arguments: [
        ("42e01f", H264Level.level4_1, "42e01f", H264Level.level3_1),    // offer 3.1, bridge 4.1: 3.1
        ("640033", .level4_1, "640029", .level4_1),                       // offer 5.1, bridge 4.1: 4.1
        ("4d0028", .level3, "4d001e", .level3),                           // Main 4.0 down to 3.0
        ("42f00b", .level1, "42e00a", .level1),                           // Baseline 1b down to 1.0 clears cs3
        ("42f00b", .level4_1, "42f00b", .level1b),                        // 1b kept as 1b
        ("42e01f", .level1b, "42f00b", .level1b),                         // down to 1b sets cs3, level_idc 11
        ("640c1f", .level1b, "640c09", .level1b),                         // Constrained High 1b is level_idc 9
    ] as [(String, H264Level, String, H264Level)])
    func h264Level(offered: String, bridgeMax: H264Level, answered: String, level: H264Level) throws {
        let video = try codecs("video", "96", [
            "a=rtpmap:96 H264/90000", "a=fmtp:96 profile-level-id=\(offered);packetization-mode=1",
        ], Fixture.configuration(h264MaxLevel: bridgeMax))
        let h264 = try #require(video.first?.h264)
        #expect(h264.profileLevelID.hex == answered)
        #expect(h264.receiveLevel == level)
        #expect(h264.sendLevel == level)
        #expect(!h264.levelAsymmetryAllowed)
        #expect(H264ProfileLevelID(hex: offered)?.profile == h264.profile)
    }

    /// With level-asymmetry-allowed=1 in the offer the answer says so too, and the bridge may send up to the
    /// offer's level while receiving at its own.
    @Test func h264LevelAsymmetry() throws {
        let video = try codecs("video", "96", [
            "a=rtpmap:96 H264/90000",
            "a=fmtp:96 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640034",
        ], Fixture.configuration(h264MaxLevel: .level3_1))
        let h264 = try #require(video.first?.h264)
        #expect(video[0].formatParameters == "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=64001f")
        #expect(h264.receiveLevel == .level3_1)
        #expect(h264.sendLevel == .level5_2)
    }

    /// Profiles the bridge cannot pass on (Extended, High 10, unknown) and malformed profile-level-ids are
    /// dropped; no profile-level-id means Baseline 1.0.
    @Test func h264Profiles() throws {
        let video = try codecs("video", "96 97 98 99 100", [
            "a=rtpmap:96 H264/90000", "a=fmtp:96 profile-level-id=58001f;packetization-mode=1",
            "a=rtpmap:97 H264/90000", "a=fmtp:97 profile-level-id=6e001f;packetization-mode=1",
            "a=rtpmap:98 H264/90000", "a=fmtp:98 profile-level-id=zz001f;packetization-mode=1",
            "a=rtpmap:99 H264/90000", "a=fmtp:99 packetization-mode=1",
            "a=rtpmap:100 H264/90000", "a=fmtp:100 profile-level-id=4d401f;packetization-mode=1",
        ])
        #expect(video.map(\.payloadType) == [99, 100])
        #expect(video[0].h264?.profile == .baseline)
        #expect(video[0].h264?.profileLevelID.hex == "42000a")
        #expect(video[1].h264?.profile == .main)
    }

    /// rtcp-fb is the intersection of what was offered and nack, nack pli, ccm fir and goog-remb; transport-cc
    /// and the rest are dropped; "*" applies to every payload type; audio gets none.
    @Test func feedbackIntersection() throws {
        let video = try codecs("video", "96 97", [
            "a=rtpmap:96 VP8/90000", "a=rtpmap:97 H264/90000", "a=fmtp:97 packetization-mode=1",
            "a=rtcp-fb:* nack", "a=rtcp-fb:96 transport-cc", "a=rtcp-fb:96 ccm fir", "a=rtcp-fb:96 goog-remb",
            "a=rtcp-fb:97 nack pli", "a=rtcp-fb:97 trr-int 100", "a=rtcp-fb:97 ccm tmmbr",
        ])
        #expect(video.first { $0.codec == .vp8 }?.feedback
            == [.nack, .fullIntraRequest, .receiverEstimatedMaximumBitrate])
        #expect(video.first { $0.codec == .h264 }?.feedback == [.nack, .pictureLossIndication])
        let session = try answer(Self.offer("video", "96", [
            "a=rtpmap:96 VP8/90000", "a=rtcp-fb:* nack", "a=rtcp-fb:96 goog-remb", "a=rtcp-fb:96 transport-cc",
        ]))
        #expect(session.local.media[0].rtcpFeedback.map(\.sdpValue) == ["96 nack", "96 goog-remb"])
        var noREMB = Fixture.configuration()
        noREMB.receiverEstimatedMaximumBitrate = false
        #expect(try codecs("video", "96", ["a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 goog-remb"], noREMB)[0].feedback
            == [])
        let audio = try codecs("audio", "111", ["a=rtpmap:111 opus/48000/2", "a=rtcp-fb:111 transport-cc",
                                                "a=rtcp-fb:111 nack"])
        #expect(audio[0].feedback == [])
    }

    /// Payload types 64-95 collide with RTCP on the shared port (RFC 5761 section 4) and are never accepted;
    /// formats without a mapping are ignored.
    @Test func unusablePayloadTypes() throws {
        let audio = try codecs("audio", "72 96 18 0", ["a=rtpmap:72 opus/48000/2", "a=rtpmap:96 opus/48000/2"])
        #expect(audio.map(\.payloadType) == [96, 0])
        #expect(rejection(Self.offer("audio", "72 110", ["a=rtpmap:72 opus/48000/2"])) != nil)
    }

    /// Header extensions: CaptID on audio and video, audio level on audio, MID only when bundled; ids outside
    /// 1-255 (or 15) are not taken; directions are mirrored; session-level maps apply when a section has none.
    @Test func headerExtensions() throws {
        let session = try answer(Self.offer("audio", "0", [
            "a=extmap:1/sendonly urn:ietf:params:rtp-hdrext:sdes:CaptId",
            "a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level vad=on",
            "a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid",
            "a=extmap:4 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
        ]))
        #expect(session.media[0].headerExtensions == [
            ExtensionMap(id: 1, direction: .recvonly, uri: ExtensionMap.captureIDURI),
            ExtensionMap(id: 2, uri: ExtensionMap.audioLevelURI),
        ])
        #expect(session.media[0].extensionID(uri: ExtensionMap.captureIDURI) == 1)
        #expect(session.local.media[0].text.contains("a=extmap:1/recvonly urn:ietf:params:rtp-hdrext:sdes:CaptId\r\n"))
        let video = try answer(Self.offer("video", "96", [
            "a=rtpmap:96 VP8/90000", "a=extmap:15 urn:ietf:params:rtp-hdrext:sdes:CaptId",
            "a=extmap:4096 urn:ietf:params:rtp-hdrext:sdes:CaptId",
            "a=extmap:5 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
        ]))
        #expect(video.media[0].headerExtensions.isEmpty)
        let sessionLevel = Self.offer("video", "96", ["a=rtpmap:96 VP8/90000"]).replacingOccurrences(
            of: "t=0 0\n", with: "t=0 0\na=extmap:200 urn:ietf:params:rtp-hdrext:sdes:CaptId\n")
        #expect(try answer(sessionLevel).media[0].headerExtensions == [
            ExtensionMap(id: 200, uri: ExtensionMap.captureIDURI),
        ])
    }

    /// The profile-level-id helpers read and write the Annex A patterns.
    @Test func profileLevelID() {
        let cases: [(String, H264Profile?, H264Level?)] = [
            ("42e01f", .constrainedBaseline, .level3_1), ("42c01f", .constrainedBaseline, .level3_1),
            ("4de01f", .constrainedBaseline, .level3_1), ("42001f", .baseline, .level3_1),
            ("4d001f", .main, .level3_1), ("64001f", .high, .level3_1), ("640c1f", .constrainedHigh, .level3_1),
            ("58001f", .extended, .level3_1), ("42100b", .baseline, .level1b), ("640009", .high, .level1b),
            ("6e001f", nil, .level3_1), ("4200ff", .baseline, nil),
        ]
        for (hex, profile, level) in cases {
            let id = H264ProfileLevelID(hex: hex)
            #expect(id?.profile == profile, "\(hex)")
            #expect(id?.level == level, "\(hex)")
            #expect(id?.hex == hex)
        }
        #expect(H264ProfileLevelID(hex: "42e01") == nil)
        #expect(H264Level.level1 < H264Level.level1b && H264Level.level1b < H264Level.level1_1)
    }
}
