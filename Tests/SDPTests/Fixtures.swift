import Foundation
import SDP

/// Offers as CLUE endpoints, WebRTC stacks and SIP phones write them. The same texts are in Fuzz/corpus/sdp/.
enum Fixture {
    static let bridgeFingerprint = try! Fingerprint.parse(
        "sha-256 17:F2:9B:07:31:43:D8:CD:97:B5:BB:E4:92:BD:EF:FE:C1:C5:FE:E5:5C:C1:FE:21:12:C8:B9:33:5F:8B:61:21")

    static func configuration(allowPlainRTP: Bool = false, clueEnabled: Bool = true,
                              codecs: [MediaCodec] = MediaCodec.allCases,
                              h264MaxLevel: H264Level = .level4_1) -> OfferAnswerConfiguration {
        OfferAnswerConfiguration(mediaAddress: "192.0.2.1", mediaPort: 10000,
                            ice: ICECredentials(usernameFragment: "brdg", password: "bridgepasswordbridgepass"),
                            fingerprint: bridgeFingerprint, codecs: codecs, h264MaxLevel: h264MaxLevel,
                            allowPlainRTP: allowPlainRTP, clueEnabled: clueEnabled)
    }

    static func parse(_ text: String) -> SessionDescription {
        do {
            return try SessionDescription(parsing: text)
        } catch {
            fatalError("fixture does not parse: \(error)")
        }
    }

    /// RFC 8848 section 8, SIP INVITE 1, completed: audio, the video line of the RFC (with packetization-mode=1
    /// added: the bridge takes no other), the CLUE data channel with `a=sctp-port: 5000` spelled as in the RFC,
    /// and DTLS-SRTP with ICE throughout (the RFC's snippet leaves transport out).
    static let rfc8848Invite1 = """
        v=0
        o=alice 2890844526 2890844526 IN IP4 198.51.100.1
        s=-
        c=IN IP4 198.51.100.1
        t=0 0
        a=group:CLUE 3
        a=ice-ufrag:aliceufrag
        a=ice-pwd:alicepasswordalicepassword
        a=fingerprint:sha-256 2B:D8:06:C9:7F:0E:00:AF:1A:1F:C3:32:8F:A7:63:A9:26:97:23:C8:DB:8F:AC:4F:93:AF:71:DB:18:6D:6E:90
        m=audio 6000 UDP/TLS/RTP/SAVPF 111 0 101
        a=rtpmap:111 opus/48000/2
        a=rtpmap:0 PCMU/8000
        a=rtpmap:101 telephone-event/8000
        a=fmtp:101 0-15
        a=sendrecv
        a=mid:1
        a=setup:actpass
        a=rtcp-mux
        a=candidate:1 1 UDP 2130706431 198.51.100.1 6000 typ host
        m=video 6002 UDP/TLS/RTP/SAVPF 96
        a=rtpmap:96 H264/90000
        a=fmtp:96 profile-level-id=42e016;max-mbps=108000;max-fs=3600;packetization-mode=1
        a=rtcp-fb:96 nack
        a=rtcp-fb:96 nack pli
        a=rtcp-fb:96 ccm fir
        a=sendrecv
        a=mid:2
        a=setup:actpass
        a=rtcp-mux
        a=candidate:1 1 UDP 2130706431 198.51.100.1 6002 typ host
        m=application 6100 UDP/DTLS/SCTP webrtc-datachannel
        a=setup:actpass
        a=sctp-port: 5000
        a=dcmap:2 subprotocol="CLUE";ordered=true
        a=mid:3
        a=candidate:1 1 UDP 2130706431 198.51.100.1 6100 typ host

        """

    /// RFC 8848 section 8, SIP INVITE 2: INVITE 1 plus three sendonly CLUE-controlled encodings enc1-enc3.
    static let rfc8848Invite2 = rfc8848Invite1
        .replacingOccurrences(of: "o=alice 2890844526 2890844526", with: "o=alice 2890844526 2890844527")
        .replacingOccurrences(of: "a=group:CLUE 3", with: "a=group:CLUE 3 4 5 6") + """
        m=video 6004 UDP/TLS/RTP/SAVPF 96
        a=rtpmap:96 H264/90000
        a=fmtp:96 profile-level-id=42e016;packetization-mode=1
        a=sendonly
        a=mid:4
        a=label:enc1
        a=setup:actpass
        a=rtcp-mux
        a=candidate:1 1 UDP 2130706431 198.51.100.1 6004 typ host
        m=video 6006 UDP/TLS/RTP/SAVPF 96
        a=rtpmap:96 H264/90000
        a=fmtp:96 profile-level-id=42e016;packetization-mode=1
        a=sendonly
        a=mid:5
        a=label:enc2
        a=setup:actpass
        a=rtcp-mux
        a=candidate:1 1 UDP 2130706431 198.51.100.1 6006 typ host
        m=video 6008 UDP/TLS/RTP/SAVPF 96
        a=rtpmap:96 H264/90000
        a=fmtp:96 profile-level-id=42e016;packetization-mode=1
        a=sendonly
        a=mid:6
        a=label:enc3
        a=setup:actpass
        a=rtcp-mux
        a=candidate:1 1 UDP 2130706431 198.51.100.1 6008 typ host

        """

    /// RFC 8848 section 8, SIP INVITE 1, as printed: legacy media over RTP/AVP (not CLUE-controlled), the H.264
    /// line without packetization-mode, and the data channel; only what DTLS needs is added (fingerprint, setup).
    static let rfc8848Invite1Literal = """
        v=0
        o=alice 2890844526 2890844526 IN IP4 198.51.100.1
        s=-
        c=IN IP4 198.51.100.1
        t=0 0
        a=group:CLUE 3
        a=fingerprint:sha-256 2B:D8:06:C9:7F:0E:00:AF:1A:1F:C3:32:8F:A7:63:A9:26:97:23:C8:DB:8F:AC:4F:93:AF:71:DB:18:6D:6E:90
        m=audio 6000 RTP/AVP 0
        a=rtpmap:0 PCMU/8000
        a=sendrecv
        a=mid:1
        m=video 6002 RTP/AVP 96
        a=rtpmap:96 H264/90000
        a=fmtp:96 profile-level-id=42e016;max-mbps=108000;max-fs=3600
        a=sendrecv
        a=mid:2
        m=application 6100 UDP/DTLS/SCTP webrtc-datachannel
        a=setup:actpass
        a=sctp-port: 5000
        a=dcmap:2 subprotocol="CLUE";ordered=true
        a=mid:3

        """

    /// RFC 8848 section 8, SIP INVITE 2, as printed: the CLUE-controlled encodings over RTP/AVP, which
    /// section 11 forbids.
    static let rfc8848Invite2Literal = rfc8848Invite1Literal
        .replacingOccurrences(of: "a=group:CLUE 3", with: "a=group:CLUE 3 4 5 6") + """
        m=video 6004 RTP/AVP 96
        a=rtpmap:96 H264/90000
        a=fmtp:96 profile-level-id=42e016
        a=sendonly
        a=mid:4
        a=label:enc1
        m=video 6006 RTP/AVP 96
        a=rtpmap:96 H264/90000
        a=fmtp:96 profile-level-id=42e016
        a=sendonly
        a=mid:5
        a=label:enc2
        m=video 6008 RTP/AVP 96
        a=rtpmap:96 H264/90000
        a=fmtp:96 profile-level-id=42e016
        a=sendonly
        a=mid:6
        a=label:enc3

        """

    /// An aiortc offer (its own layout: direction first, candidates before credentials, three fingerprints) with
    /// the CLUE group and the dcmap added, as the transport tests will send it.
    static let aiortcCLUEOffer = """
        v=0
        o=- 3912345678 3912345678 IN IP4 0.0.0.0
        s=-
        t=0 0
        a=group:BUNDLE 0 1 2
        a=group:CLUE 2
        a=msid-semantic:WMS *
        m=audio 50123 UDP/TLS/RTP/SAVPF 96 0 8
        c=IN IP4 127.0.0.1
        a=sendrecv
        a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid
        a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level
        a=mid:0
        a=msid:0f4bd6b3-6f54-4fd0-8e2c-3a1b9d2c7e11 7a2c9d1e-52b4-4a8e-b1f3-0c6d5e4f3a21
        a=rtcp:9 IN IP4 0.0.0.0
        a=rtcp-mux
        a=ssrc:2937712010 cname:3b6fa7e3-8c1d-4b2a-9e5f-6d7c8b9a0f12
        a=rtpmap:96 opus/48000/2
        a=rtpmap:0 PCMU/8000
        a=rtpmap:8 PCMA/8000
        a=candidate:7d3d0b0a4b1d4e0c8c7d2a8f4f1e2b3c 1 udp 2130706431 127.0.0.1 50123 typ host
        a=end-of-candidates
        a=ice-ufrag:Xa3B
        a=ice-pwd:kP0vR7nQ2sT5wY8zA1cD4f
        a=fingerprint:sha-256 55:50:78:ED:F8:8E:51:20:D9:F1:74:1A:AD:E1:9E:39:F6:10:2E:5A:00:93:43:A3:E8:A8:DB:DA:06:A1:A2:27
        a=fingerprint:sha-384 99:42:0A:1D:12:8F:77:96:AE:63:70:15:10:B2:E4:EC:5D:DD:22:11:D3:70:01:CB:B8:5E:EF:63:97:4B:18:E0:78:3E:52:4A:A9:EA:AB:46:19:5E:44:8E:6A:EA:D0:32
        a=fingerprint:sha-512 73:05:41:1B:CC:30:92:C2:20:40:4A:98:EC:E0:18:9A:74:11:51:27:7A:14:D4:2C:33:D3:47:57:95:0F:F5:95:B6:28:3B:AA:3A:D2:1F:49:39:8D:39:93:03:FA:9A:14:4D:DD:1B:03:70:85:7B:30:0B:B8:7D:11:39:01:6B:9B
        a=setup:actpass
        m=video 50123 UDP/TLS/RTP/SAVPF 97 98 99 100 101 102
        c=IN IP4 127.0.0.1
        a=sendrecv
        a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid
        a=extmap:3 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
        a=mid:1
        a=msid:0f4bd6b3-6f54-4fd0-8e2c-3a1b9d2c7e11 c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f
        a=rtcp:9 IN IP4 0.0.0.0
        a=rtcp-mux
        a=ssrc-group:FID 1683123466 2750384193
        a=ssrc:1683123466 cname:3b6fa7e3-8c1d-4b2a-9e5f-6d7c8b9a0f12
        a=ssrc:2750384193 cname:3b6fa7e3-8c1d-4b2a-9e5f-6d7c8b9a0f12
        a=rtpmap:97 VP8/90000
        a=rtcp-fb:97 nack
        a=rtcp-fb:97 nack pli
        a=rtcp-fb:97 goog-remb
        a=rtpmap:98 rtx/90000
        a=fmtp:98 apt=97
        a=rtpmap:99 H264/90000
        a=rtcp-fb:99 nack
        a=rtcp-fb:99 nack pli
        a=rtcp-fb:99 goog-remb
        a=fmtp:99 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f
        a=rtpmap:100 rtx/90000
        a=fmtp:100 apt=99
        a=rtpmap:101 H264/90000
        a=rtcp-fb:101 nack
        a=rtcp-fb:101 nack pli
        a=rtcp-fb:101 goog-remb
        a=fmtp:101 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f
        a=rtpmap:102 rtx/90000
        a=fmtp:102 apt=101
        a=candidate:7d3d0b0a4b1d4e0c8c7d2a8f4f1e2b3c 1 udp 2130706431 127.0.0.1 50123 typ host
        a=end-of-candidates
        a=ice-ufrag:Xa3B
        a=ice-pwd:kP0vR7nQ2sT5wY8zA1cD4f
        a=fingerprint:sha-256 55:50:78:ED:F8:8E:51:20:D9:F1:74:1A:AD:E1:9E:39:F6:10:2E:5A:00:93:43:A3:E8:A8:DB:DA:06:A1:A2:27
        a=setup:actpass
        m=application 50123 UDP/DTLS/SCTP webrtc-datachannel
        c=IN IP4 127.0.0.1
        a=mid:2
        a=sctp-port:5000
        a=max-message-size:65536
        a=dcmap:2 subprotocol="CLUE";ordered=true
        a=candidate:7d3d0b0a4b1d4e0c8c7d2a8f4f1e2b3c 1 udp 2130706431 127.0.0.1 50123 typ host
        a=end-of-candidates
        a=ice-ufrag:Xa3B
        a=ice-pwd:kP0vR7nQ2sT5wY8zA1cD4f
        a=fingerprint:sha-256 55:50:78:ED:F8:8E:51:20:D9:F1:74:1A:AD:E1:9E:39:F6:10:2E:5A:00:93:43:A3:E8:A8:DB:DA:06:A1:A2:27
        a=setup:actpass

        """

    /// A Chrome offer (no CLUE): BUNDLE, trickle ICE with mDNS and TCP candidates, transport-cc, RED, RTX,
    /// six H.264 configurations, VP9, AV1, and session-level extmap-allow-mixed.
    static let chromeOffer = """
        v=0
        o=- 4611731400430051336 2 IN IP4 127.0.0.1
        s=-
        t=0 0
        a=group:BUNDLE 0 1 2
        a=extmap-allow-mixed
        a=msid-semantic: WMS stream1
        m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126
        c=IN IP4 0.0.0.0
        a=rtcp:9 IN IP4 0.0.0.0
        a=candidate:1467250027 1 udp 2122260223 0e8f2a3c-4b5d-4e6f-8a9b-0c1d2e3f4a5b.local 46243 typ host generation 0 network-id 1 network-cost 10
        a=candidate:1853887674 1 udp 1686052607 203.0.113.77 46243 typ srflx raddr 0.0.0.0 rport 0 generation 0 network-id 1 network-cost 10
        a=candidate:2157334355 1 tcp 1518280447 0e8f2a3c-4b5d-4e6f-8a9b-0c1d2e3f4a5b.local 9 typ host tcptype active generation 0 network-id 1 network-cost 10
        a=ice-ufrag:9IgF
        a=ice-pwd:fPpYV8Nq6TRLBXY8dtlFjl4p
        a=ice-options:trickle
        a=fingerprint:sha-256 93:90:EF:32:AD:DF:32:BF:DE:A7:86:BC:1E:20:67:95:92:49:80:68:BC:BF:CD:35:7E:A1:0A:B6:4E:A3:5E:47
        a=setup:actpass
        a=mid:0
        a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level
        a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
        a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01
        a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid
        a=sendrecv
        a=msid:stream1 track-audio
        a=rtcp-mux
        a=rtcp-rsize
        a=rtpmap:111 opus/48000/2
        a=rtcp-fb:111 transport-cc
        a=fmtp:111 minptime=10;useinbandfec=1
        a=rtpmap:63 red/48000/2
        a=fmtp:63 111/111
        a=rtpmap:9 G722/8000
        a=rtpmap:0 PCMU/8000
        a=rtpmap:8 PCMA/8000
        a=rtpmap:13 CN/8000
        a=rtpmap:110 telephone-event/48000
        a=rtpmap:126 telephone-event/8000
        a=ssrc:3510681183 cname:vLlJwWQeqx1UiIbH
        a=ssrc:3510681183 msid:stream1 track-audio
        m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105 106 107 108 109 127 125 39 40 45 46 98 99 112 113 114 115 116
        c=IN IP4 0.0.0.0
        a=rtcp:9 IN IP4 0.0.0.0
        a=ice-ufrag:9IgF
        a=ice-pwd:fPpYV8Nq6TRLBXY8dtlFjl4p
        a=ice-options:trickle
        a=fingerprint:sha-256 93:90:EF:32:AD:DF:32:BF:DE:A7:86:BC:1E:20:67:95:92:49:80:68:BC:BF:CD:35:7E:A1:0A:B6:4E:A3:5E:47
        a=setup:actpass
        a=mid:1
        a=extmap:14 urn:ietf:params:rtp-hdrext:toffset
        a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
        a=extmap:13 urn:3gpp:video-orientation
        a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01
        a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid
        a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id
        a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id
        a=sendrecv
        a=msid:stream1 track-video
        a=rtcp-mux
        a=rtcp-rsize
        a=rtpmap:96 VP8/90000
        a=rtcp-fb:96 goog-remb
        a=rtcp-fb:96 transport-cc
        a=rtcp-fb:96 ccm fir
        a=rtcp-fb:96 nack
        a=rtcp-fb:96 nack pli
        a=rtpmap:97 rtx/90000
        a=fmtp:97 apt=96
        a=rtpmap:102 H264/90000
        a=rtcp-fb:102 goog-remb
        a=rtcp-fb:102 transport-cc
        a=rtcp-fb:102 ccm fir
        a=rtcp-fb:102 nack
        a=rtcp-fb:102 nack pli
        a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f
        a=rtpmap:103 rtx/90000
        a=fmtp:103 apt=102
        a=rtpmap:104 H264/90000
        a=rtcp-fb:104 nack
        a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f
        a=rtpmap:105 rtx/90000
        a=fmtp:105 apt=104
        a=rtpmap:106 H264/90000
        a=rtcp-fb:106 nack
        a=rtcp-fb:106 nack pli
        a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f
        a=rtpmap:107 rtx/90000
        a=fmtp:107 apt=106
        a=rtpmap:108 H264/90000
        a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f
        a=rtpmap:109 rtx/90000
        a=fmtp:109 apt=108
        a=rtpmap:127 H264/90000
        a=fmtp:127 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f
        a=rtpmap:125 rtx/90000
        a=fmtp:125 apt=127
        a=rtpmap:39 H264/90000
        a=fmtp:39 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=4d001f
        a=rtpmap:40 rtx/90000
        a=fmtp:40 apt=39
        a=rtpmap:45 AV1/90000
        a=rtpmap:46 rtx/90000
        a=fmtp:46 apt=45
        a=rtpmap:98 VP9/90000
        a=fmtp:98 profile-id=0
        a=rtpmap:99 rtx/90000
        a=fmtp:99 apt=98
        a=rtpmap:112 H264/90000
        a=fmtp:112 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=64001f
        a=rtpmap:113 rtx/90000
        a=fmtp:113 apt=112
        a=rtpmap:114 red/90000
        a=rtpmap:115 rtx/90000
        a=fmtp:115 apt=114
        a=rtpmap:116 ulpfec/90000
        a=ssrc-group:FID 1214406464 3547711926
        a=ssrc:1214406464 cname:vLlJwWQeqx1UiIbH
        a=ssrc:1214406464 msid:stream1 track-video
        a=ssrc:3547711926 cname:vLlJwWQeqx1UiIbH
        a=ssrc:3547711926 msid:stream1 track-video
        m=application 9 UDP/DTLS/SCTP webrtc-datachannel
        c=IN IP4 0.0.0.0
        a=ice-ufrag:9IgF
        a=ice-pwd:fPpYV8Nq6TRLBXY8dtlFjl4p
        a=ice-options:trickle
        a=fingerprint:sha-256 93:90:EF:32:AD:DF:32:BF:DE:A7:86:BC:1E:20:67:95:92:49:80:68:BC:BF:CD:35:7E:A1:0A:B6:4E:A3:5E:47
        a=setup:actpass
        a=mid:2
        a=sctp-port:5000
        a=max-message-size:262144

        """

    /// A desk phone: PCMU and DTMF over plain RTP, no rtcp-mux, no ICE.
    static let sipPhonePCMU = """
        v=0
        o=yealink 1234 1 IN IP4 203.0.113.20
        s=SDP data
        c=IN IP4 203.0.113.20
        t=0 0
        m=audio 11780 RTP/AVP 0 101
        a=rtpmap:0 PCMU/8000
        a=rtpmap:101 telephone-event/8000
        a=fmtp:101 0-15
        a=ptime:20
        a=sendrecv

        """

    /// The same phone with SDES-SRTP (RFC 4568).
    static let sipPhoneSDES = """
        v=0
        o=yealink 1234 1 IN IP4 203.0.113.20
        s=SDP data
        c=IN IP4 203.0.113.20
        t=0 0
        m=audio 11780 RTP/SAVP 0 8 101
        a=rtpmap:0 PCMU/8000
        a=rtpmap:8 PCMA/8000
        a=rtpmap:101 telephone-event/8000
        a=fmtp:101 0-15
        a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4
        a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:4
        a=sendrecv

        """

    /// A CLUE endpoint whose CLUE-controlled encoding uses SDES (RTP/SAVPF with a=crypto): RFC 8848 section 11
    /// forbids it.
    static let clueSDESOffer = rfc8848Invite1
        .replacingOccurrences(of: "a=group:CLUE 3", with: "a=group:CLUE 3 4") + """
        m=video 6004 RTP/SAVPF 96
        a=rtpmap:96 H264/90000
        a=fmtp:96 profile-level-id=42e016;packetization-mode=1
        a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4
        a=sendonly
        a=mid:4
        a=label:enc1
        a=rtcp-mux

        """

    /// The CLUE channel asked to be partially reliable.
    static let clueMaxRetrOffer = rfc8848Invite1
        .replacingOccurrences(of: "a=dcmap:2 subprotocol=\"CLUE\";ordered=true",
                              with: "a=dcmap:2 subprotocol=\"CLUE\";ordered=true;max-retr=3")
}

extension Fingerprint {
    static func parse(_ value: String) throws -> Fingerprint {
        guard case .fingerprint(let fingerprint) = try Attribute.parse(name: "fingerprint", value: value) else {
            fatalError("not a fingerprint")
        }
        return fingerprint
    }
}
