import SecureTransport

/// Two DTLS sessions on a simulated network: datagrams are delivered in order unless the loss rule drops them,
/// and time is a hand-advanced clock that jumps to the earliest retransmission deadline whenever the network is
/// quiet. Deterministic and faster than real time (str0m's `progress` loop, in spirit).
final class DTLSNetwork {
    enum Side: Hashable { case client, server }

    struct Datagram {
        let from: Side
        /// Index among the datagrams `from` has sent, from 0.
        let index: Int
        let sentAt: Duration
        let bytes: [UInt8]
    }

    let client: DTLSSession
    let server: DTLSSession
    let start: ContinuousClock.Instant
    private(set) var now: ContinuousClock.Instant
    /// Returns true to drop the datagram.
    var loss: (Datagram) -> Bool = { _ in false }

    private var inFlight: [Datagram] = []
    private var sentCount: [Side: Int] = [.client: 0, .server: 0]
    private(set) var events: [Side: [DTLSEvent]] = [.client: [], .server: []]
    private(set) var received: [Side: [[UInt8]]] = [.client: [], .server: []]
    private(set) var delivered: [Datagram] = []
    private(set) var dropped: [Datagram] = []
    /// Virtual times at which a timeout made a side send something.
    private(set) var retransmissions: [Side: [Duration]] = [.client: [], .server: []]

    init(client: DTLSSession, server: DTLSSession) {
        self.client = client
        self.server = server
        start = ContinuousClock.now
        now = start
    }

    /// Sessions for two fresh identities, each expecting the other's real fingerprint unless told otherwise.
    static func make(clientConfiguration: (Certificate) -> DTLSConfiguration = { DTLSConfiguration(certificate: $0) },
                     serverConfiguration: (Certificate) -> DTLSConfiguration = { DTLSConfiguration(certificate: $0) },
                     clientExpects: ((Certificate) -> [CertificateFingerprint])? = nil,
                     serverExpects: ((Certificate) -> [CertificateFingerprint])? = nil) throws -> DTLSNetwork {
        let clientIdentity = try Certificate.forTests("endpoint")
        let serverIdentity = try Certificate.forTests("bridge")
        let client = try DTLSSession(context: DTLSContext(configuration: clientConfiguration(clientIdentity)), role: .client,
                                     expectedPeerFingerprints: clientExpects?(serverIdentity) ?? [serverIdentity.fingerprint()])
        let server = try DTLSSession(context: DTLSContext(configuration: serverConfiguration(serverIdentity)), role: .server,
                                     expectedPeerFingerprints: serverExpects?(clientIdentity) ?? [clientIdentity.fingerprint()])
        return DTLSNetwork(client: client, server: server)
    }

    func session(_ side: Side) -> DTLSSession { side == .client ? client : server }

    var elapsed: Duration { now - start }

    func absorb(_ output: DTLSOutput, from side: Side) {
        for bytes in output.datagrams {
            let index = sentCount[side, default: 0]
            sentCount[side] = index + 1
            inFlight.append(Datagram(from: side, index: index, sentAt: elapsed, bytes: bytes))
        }
        events[side, default: []] += output.events
        received[side, default: []] += output.applicationData
    }

    /// Starts both sessions and runs until the network is quiet and no side is still handshaking (or one failed),
    /// or until `limit` of virtual time has passed.
    func run(limit: Duration = .seconds(600)) {
        absorb(client.start(now: now), from: .client)
        absorb(server.start(now: now), from: .server)
        settle(limit: limit)
    }

    /// Delivers everything in flight, then lets timers fire, until quiet.
    func settle(limit: Duration = .seconds(600)) {
        while true {
            while !inFlight.isEmpty {
                let datagram = inFlight.removeFirst()
                if loss(datagram) {
                    dropped.append(datagram)
                    continue
                }
                delivered.append(datagram)
                let receiver: Side = datagram.from == .client ? .server : .client
                absorb(session(receiver).handleDatagram(datagram.bytes, now: now), from: receiver)
            }
            let failed = [client.state, server.state].contains { if case .failed = $0 { true } else { false } }
            let handshaking = client.state == .handshaking || server.state == .handshaking
            if failed || !handshaking { return }
            let deadlines = [client.nextTimeout(now: now), server.nextTimeout(now: now)].compactMap { $0 }
            guard let next = deadlines.min(), next - start <= limit else { return }
            now = max(now, next)
            for side in [Side.client, .server] {
                let output = session(side).handleTimeout(now: now)
                if !output.datagrams.isEmpty { retransmissions[side, default: []].append(elapsed) }
                absorb(output, from: side)
            }
        }
    }

    /// Sends application records from one side and delivers them.
    func send(_ records: [[UInt8]], from side: Side) throws {
        for record in records {
            absorb(try session(side).send(record, now: now), from: side)
        }
        settle()
    }

    func connection(_ side: Side) -> DTLSConnection? {
        for case .connected(let connection) in events[side, default: []] { return connection }
        return nil
    }
}
