import Dispatch
import Logging
import MediaSecurity
import SDP
import SIP
import SecureTransport

#if canImport(Glibc)
import Glibc
#endif

/// The forwarding path of the media plane, set up for a benchmark (Benchmarks/forward-bench) without SIP, ICE or
/// DTLS: sessions latched to known addresses with known SRTP keys, in one room, so that the real I/O queue
/// (`receive` -> unprotect -> route -> rewrite -> protect -> `sendmmsg`) and the real room plan carry the load.
///
/// Not for production: keys come from the caller, nothing is negotiated and nobody is authenticated.
package final class MediaForwardingBenchmark: @unchecked Sendable {
    /// One benchmark peer: where it is and the SRTP master key of the direction that concerns it (what the source
    /// protects with; what the bridge protects with toward a receiver).
    package struct Peer: Sendable {
        package var host: String
        package var port: UInt16
        package var key: SRTPMasterKey
        /// The bridge's video SSRC on this peer's section (what a receiver sees).
        package var bridgeVideoSSRC: UInt32

        package init(host: String, port: UInt16, key: SRTPMasterKey, bridgeVideoSSRC: UInt32) {
            self.host = host
            self.port = port
            self.key = key
            self.bridgeVideoSSRC = bridgeVideoSSRC
        }
    }

    /// The VP8 payload type and the header extension IDs the benchmark's sections negotiate.
    package static let videoPayloadType: UInt8 = 96
    package static let midExtensionID: UInt8 = 1
    package static let captureIDExtensionID: UInt8 = 2

    private let service: MediaService
    private let sessions: [MediaSession]
    private let source: InboundMedia
    package let localPort: UInt16

    /// Binds the media port on `host:port` (0: any) and puts the source and its receivers in one room.
    /// `segmentationOffload`: whether the media port sends runs to one receiver as one (UDP GSO), as it does in
    /// the bridge.
    package init(profile: SRTPProtectionProfile, host: String, port: UInt16, source: Peer,
                 receivers: [Peer], segmentationOffload: Bool = true) throws {
        var logger = Logger(label: "forward-bench")
        logger.logLevel = .warning
        let certificate = try Certificate.generateSelfSigned(commonName: "forward-bench")
        let identity = BridgeIdentity(
            tlsContext: try TLSServerContext(configuration: TLSServerConfiguration(certificate: certificate)),
            tlsCertificate: certificate, dtlsCertificate: certificate)
        service = try MediaService(configuration: .embeddedDefault, identity: identity, logger: logger)
        localPort = try service.start(host: host, port: port, segmentationOffload: segmentationOffload).port
        (sessions, self.source) = try service.benchmarkInstall(profile: profile, source: source, receivers: receivers,
                                                               logger: logger)
    }

    /// What the media port and the source's SRTP receive side counted so far: datagrams received, sends the kernel
    /// refused, runs sent with GSO, and the source's packets refused by SRTP.
    package func counts() -> (received: Int, droppedSends: Int, segmentedRuns: Int, unprotectFailures: Int,
                              replayed: Int) {
        service.ioQueue.sync {
            let port = service.mediaPortCounters()
            return (port.received, port.droppedSends, port.segmentedRuns, source.counters.unprotectFailures,
                    source.counters.replayed)
        }
    }

    package func stop() {
        for session in sessions { session.queue.sync { session.close() } }
        service.stop()
    }
}

extension MediaService {
    /// Creates and latches one session per peer, installs the source's SRTP receiver and every peer's sender as
    /// DTLS would (`install`, `mediaReady`), bypassing the handshake. The room then routes the source's video to
    /// every receiver as soon as the source's first packet shows its SSRC.
    func benchmarkInstall(profile: SRTPProtectionProfile, source: MediaForwardingBenchmark.Peer,
                          receivers: [MediaForwardingBenchmark.Peer],
                          logger: Logger) throws -> ([MediaSession], InboundMedia) {
        let room = "forward-bench"
        var sessions: [MediaSession] = []
        var sourceMedia: InboundMedia?
        for (index, peer) in ([source] + receivers).enumerated() {
            guard let address = SocketAddress(host: peer.host, port: peer.port) else {
                throw SocketError("resolve benchmark peer \(peer.host)", code: EINVAL)
            }
            let isSource = index == 0
            let id = DialogID(callID: "bench-\(index)", localTag: "bridge", remoteTag: "peer-\(index)")
            let session = try MediaSession(
                id: id, room: room, negotiated: Self.benchmarkSession(sending: !isSource, ssrc: peer.bridgeVideoSSRC),
                local: ICECredentials(usernameFragment: "bench\(index)", password: "forward-bench-password-\(index)"),
                service: self, logger: logger, hangUp: { _ in })
            latch(session, to: address, replacing: nil)
            if isSource {
                let media = InboundMedia(receiver: try SRTPReceiver(key: peer.key, profile: profile),
                                         clockRates: [MediaForwardingBenchmark.videoPayloadType: 90_000],
                                         videoPayloadTypes: [MediaForwardingBenchmark.videoPayloadType])
                install(media, for: session)
                sourceMedia = media
            }
            mediaReady(session, sender: try SRTPSender(key: peer.key, profile: profile), remote: address)
            sessions.append(session)
        }
        ioQueue.sync {}
        return (sessions, sourceMedia!)
    }

    /// One bundled VP8 video section over DTLS-SRTP with mid and CaptID extensions: recvonly from the bridge's
    /// side for the source, sendonly for a receiver.
    private static func benchmarkSession(sending: Bool, ssrc: UInt32) throws -> NegotiatedSession {
        let empty = try SessionDescription(parsing: "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n")
        let peer = PeerTransport(
            ice: ICECredentials(usernameFragment: "peer", password: "forward-bench-peer-password"), candidates: [],
            endOfCandidates: true, fingerprints: [Fingerprint(hashFunction: .sha256, digest: Array(repeating: 0xAB, count: 32))],
            setup: .active, localDTLSRole: .server, rtpAddress: nil, rtcpAddress: nil)
        let video = NegotiatedMedia(
            index: 0, mid: "v", kind: .video, proto: .udpTLSRTPSAVPF, state: .accepted, security: .dtlsSRTP,
            direction: sending ? .sendonly : .recvonly,
            codecs: [NegotiatedCodec(payloadType: MediaForwardingBenchmark.videoPayloadType, codec: .vp8,
                                     clockRate: 90_000)],
            headerExtensions: [
                ExtensionMap(id: UInt16(MediaForwardingBenchmark.midExtensionID), uri: ExtensionMap.midURI),
                ExtensionMap(id: UInt16(MediaForwardingBenchmark.captureIDExtensionID), uri: ExtensionMap.captureIDURI),
            ],
            peer: peer, transportIndex: 0, rtcpMux: true, localSSRC: ssrc)
        return NegotiatedSession(local: empty, remote: empty, media: [video], bundleGroups: [], clue: nil,
                                 remoteIsICELite: false)
    }
}
