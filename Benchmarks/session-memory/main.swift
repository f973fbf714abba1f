// How many idle CLUE sessions one bridge holds in 1 GiB: the memory that stays allocated per established session
// (ICE-lite agent, DTLS connection with SRTP keys, SRTP contexts both ways, SCTP association with the CLUE channel,
// the RFC 8847 participant machine in ACTIVE with its advertisement), measured as resident-set growth over N sessions
// built in-process against endpoint-side cores that are then freed.
//
// Baseline, measured in the same run in a separate process: N bare DTLS server connections (OpenSSL `SSL` after the
// handshake), the floor any DTLS-SRTP server pays. Prints KiB per session for both, the ratio, and sessions per GiB.
//
// Usage: session-bench [N]        (default 1000)
import CLUEModel
import CLUEProtocol
import DataChannel
import Foundation
import ICE
import MediaSecurity
import SecureTransport

#if canImport(Glibc)
import Glibc
#endif

func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    return (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// What the bridge keeps per established session.
final class BridgeSide {
    var ice: ICELiteAgent
    let dtls: DTLSSession
    var sender: SRTPSender?
    var receiver: SRTPReceiver?
    var sctp: SCTPAssociation?
    var clue: ParticipantStateMachine
    var advertisement: Advertisement?

    init(ice: ICELiteAgent, dtls: DTLSSession, clue: ParticipantStateMachine) {
        self.ice = ice
        self.dtls = dtls
        self.clue = clue
    }
}

let advertisement = Advertisement(
    mediaCaptures: [MediaCapture(captureID: "VC0", kind: .video, captureSceneID: "CS1", encodingGroupID: "EG0")],
    encodingGroups: [EncodingGroup(encodingGroupID: "EG0", maxGroupBandwidth: 4_000_000, encodingIDs: ["ENC0"])],
    captureScenes: [CaptureScene(sceneID: "CS1", scale: .noScale)])

/// DTLS handshake between two sessions, datagrams delivered at once.
func handshake(_ server: DTLSSession, _ client: DTLSSession, now: ContinuousClock.Instant)
    -> (server: DTLSConnection?, client: DTLSConnection?) {
    var toServer = client.start(now: now).datagrams
    var toClient: [[UInt8]] = []
    var result: (server: DTLSConnection?, client: DTLSConnection?) = (nil, nil)
    for _ in 0..<20 where result.server == nil || result.client == nil {
        for datagram in toServer {
            let output = server.handleDatagram(datagram, now: now)
            toClient += output.datagrams
            for case .connected(let connection) in output.events { result.server = connection }
        }
        toServer = []
        for datagram in toClient {
            let output = client.handleDatagram(datagram, now: now)
            toServer += output.datagrams
            for case .connected(let connection) in output.events { result.client = connection }
        }
        toClient = []
    }
    return result
}

/// SCTP association and CLUE initiation over the two DTLS sessions, packets delivered at once.
func establishCLUE(bridge: BridgeSide, endpointDTLS: DTLSSession, now: ContinuousClock.Instant) throws {
    let bridgeSCTP = try SCTPAssociation(configuration: SCTPConfiguration(clueStream: 3))
    let endpointSCTP = try SCTPAssociation(configuration: SCTPConfiguration(clueStream: 3))
    var generator = SystemRandomNumberGenerator()
    var endpointClue = ParticipantStateMachine(configuration: .init(
        channelRole: .initiator,
        capabilities: ClueCapabilities(roles: ClueRoles(mediaProvider: true, mediaConsumer: true)),
        initialSequenceNumbers: .random(using: &generator)))
    var pending: [(toBridge: Bool, packet: [UInt8])] = []
    func queue(_ output: SCTPOutput, fromBridge: Bool) throws -> [SCTPEvent] {
        let dtls = fromBridge ? bridge.dtls : endpointDTLS
        for packet in output.packets {
            for datagram in try dtls.send(packet, now: now).datagrams { pending.append((!fromBridge, datagram)) }
        }
        return output.events
    }
    func send(_ actions: [ClueAction], fromBridge: Bool) throws {
        for case .send(let message) in actions {
            let sctp = fromBridge ? bridgeSCTP : endpointSCTP
            _ = try queue(sctp.send(Array(message.xml().utf8), stream: 3, ppid: 51), fromBridge: fromBridge)
        }
    }
    _ = try queue(bridgeSCTP.start(), fromBridge: true)
    _ = try queue(endpointSCTP.start(), fromBridge: false)
    for _ in 0..<200 where !pending.isEmpty {
        let batch = pending
        pending = []
        for (toBridge, datagram) in batch {
            let dtls = toBridge ? bridge.dtls : endpointDTLS
            let sctp = toBridge ? bridgeSCTP : endpointSCTP
            for record in dtls.handleDatagram(datagram, now: now).applicationData {
                for event in try queue(sctp.receive(record), fromBridge: toBridge) {
                    switch event {
                    case .connected where toBridge:
                        _ = bridge.clue.startChannel()
                        try send(bridge.clue.channelEstablished(now: now), fromBridge: true)
                    case .connected:
                        _ = endpointClue.startChannel()
                        try send(endpointClue.channelEstablished(now: now), fromBridge: false)
                    case .message(_, _, let data):
                        guard case .message(let message) = try CLUEDocument(xml: data) else { continue }
                        if toBridge {
                            var actions = bridge.clue.receive(message)
                            if actions.contains(where: { if case .deliver(.negotiated) = $0 { true } else { false } }) {
                                actions += try bridge.clue.sendAdvertisement(advertisement)
                                bridge.advertisement = advertisement
                            }
                            try send(actions, fromBridge: true)
                        } else {
                            try send(endpointClue.receive(message), fromBridge: false)
                        }
                    default:
                        break
                    }
                }
            }
        }
    }
    guard bridge.clue.state == .active else { throw BenchError("CLUE did not become active") }
    bridge.sctp = bridgeSCTP
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs one measurement in this process and prints the bytes per session.
func measure(mode: String, count: Int) throws {
    let bridgeCertificate = try Certificate.generateSelfSigned(commonName: "bridge")
    let endpointCertificate = try Certificate.generateSelfSigned(commonName: "endpoint")
    let bridgeContext = try DTLSContext(configuration: DTLSConfiguration(certificate: bridgeCertificate))
    let endpointContext = try DTLSContext(configuration: DTLSConfiguration(certificate: endpointCertificate))
    let now = ContinuousClock.now
    // Warm-up: one session so that library-wide state (usrsctp, OpenSSL tables, libsrtp) is not counted.
    var kept: [AnyObject] = []
    for index in 0...count {
        if index == 1 { kept.removeAll() }
        let before = index == 1 ? residentBytes() : 0
        if index == 1 { startBytes = before }
        let server = try DTLSSession(context: bridgeContext, role: .server,
                                     expectedPeerFingerprints: [endpointCertificate.fingerprint(.sha256)])
        let client = try DTLSSession(context: endpointContext, role: .client,
                                     expectedPeerFingerprints: [bridgeCertificate.fingerprint(.sha256)])
        let (serverConnection, _) = handshake(server, client, now: now)
        guard let keys = serverConnection?.srtp else { throw BenchError("handshake failed") }
        if mode == "dtls" {
            kept.append(server)
            continue
        }
        var generator = SystemRandomNumberGenerator()
        let bridge = BridgeSide(
            ice: ICELiteAgent(configuration: ICELiteConfiguration(
                localUsernameFragment: "u\(index)", localPassword: "bridge-password-0123456789",
                remoteUsernameFragment: "e\(index)", remotePassword: "endpoint-password-0123456789"), now: now),
            dtls: server,
            clue: ParticipantStateMachine(configuration: .init(
                channelRole: .receiver,
                capabilities: ClueCapabilities(roles: ClueRoles(mediaProvider: true, mediaConsumer: true)),
                initialSequenceNumbers: .random(using: &generator))))
        bridge.sender = try SRTPSender(keying: keys, role: .server)
        bridge.receiver = try SRTPReceiver(keying: keys, role: .server)
        try establishCLUE(bridge: bridge, endpointDTLS: client, now: now)
        kept.append(bridge)
    }
    let perSession = Double(residentBytes() - startBytes) / Double(count)
    print(String(format: "%.0f", perSession))
    withExtendedLifetime(kept) {}
}

nonisolated(unsafe) var startBytes = 0
let arguments = CommandLine.arguments
if arguments.count >= 3, arguments[1] == "--measure" {
    try measure(mode: arguments[2], count: Int(arguments[3]) ?? 1000)
    exit(0)
}
let count = arguments.count > 1 ? Int(arguments[1]) ?? 1000 : 1000
func run(_ mode: String) throws -> Double {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: arguments[0])
    process.arguments = ["--measure", mode, String(count)]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    process.waitUntilExit()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    guard let value = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
        throw BenchError("measurement \(mode) failed: \(text)")
    }
    return value
}
let baseline = try run("dtls")
let full = try run("full")
print("\(count) established sessions per run (resident-set growth per session)")
print(String(format: "baseline bare DTLS connection (OpenSSL SSL): %6.1f KiB", baseline / 1024))
print(String(format: "CLUE session (ICE+DTLS+SRTP+SCTP+CLUE):     %6.1f KiB", full / 1024))
print(String(format: "ratio: %.2fx baseline; about %.0f idle CLUE sessions per GiB", full / baseline,
             Double(1 << 30) / full))
