import CUsrsctp
import Foundation

/// One SCTP association over DTLS (RFC 8261) with usrsctp in `AF_CONN` mode, and the CLUE data channel rules of
/// RFC 8850 section 3.2 on `configuration.clueStream`.
///
/// Feed it every SCTP packet that comes out of DTLS with `receive`, send every packet it returns through DTLS, in
/// order, and act on the events. Each method may be called from any thread, but the owner should call one
/// association from one serial queue so that outputs are sent in the order they were produced. See `SCTPStack`
/// for the lock and timer model; `handleTimers` must run for retransmissions to happen.
public final class SCTPAssociation: @unchecked Sendable {
    public let configuration: SCTPConfiguration
    /// The opaque address usrsctp knows this association by; never reused in the process.
    let identifier: UInt
    private let mailbox: AssociationMailbox
    /// Guarded by `SCTPStack.usrsctpLock`; nil once closed.
    private var socket: OpaquePointer?
    /// Guarded by `SCTPStack.usrsctpLock`.
    private var connectCalled = false

    /// Output that usrsctp produced outside a call of this object (timer retransmissions, delayed SACKs, a lost
    /// association), delivered on the thread that called `SCTPStack.handleTimers`, with no lock held. The owner
    /// hops to its own queue and sends the packets through DTLS. Capture the owner weakly: the association keeps
    /// the closure until it is closed or deinitialized. While nil, such output waits for this object's next call.
    public var asynchronousOutput: (@Sendable (SCTPOutput) -> Void)? {
        get { SCTPStack.registry.withLock { mailbox.asynchronousOutput } }
        set {
            // The old closure is released here, with no lock held: it may own the last reference to an owner
            // whose deinit closes other associations.
            let old = SCTPStack.registry.withLock {
                defer { mailbox.asynchronousOutput = newValue }
                return mailbox.asynchronousOutput
            }
            withExtendedLifetime(old) {}
        }
    }

    public init(configuration: SCTPConfiguration) throws {
        if let stream = configuration.clueStream, stream >= configuration.streamCount {
            throw SCTPError.invalidConfiguration("CLUE stream \(stream) is not below \(configuration.streamCount)")
        }
        guard configuration.maximumMessageSize > 0, configuration.remoteMaximumMessageSize >= 0 else {
            throw SCTPError.invalidConfiguration("max-message-size must be positive (remote: 0 for unlimited)")
        }
        SCTPStack.initialize()
        self.configuration = configuration
        mailbox = AssociationMailbox(assembler: InboundMessageAssembler(
            maximumMessageSize: configuration.maximumMessageSize, clueStream: configuration.clueStream))
        identifier = SCTPStack.registry.register(mailbox)
        SCTPStack.usrsctpLock.lock()
        defer { SCTPStack.usrsctpLock.unlock() }
        usrsctp_register_address(identifier.associationAddress)
        do {
            socket = try Self.openSocket(address: identifier.associationAddress, configuration: configuration)
        } catch {
            usrsctp_deregister_address(identifier.associationAddress)
            SCTPStack.registry.remove(identifier)
            throw error
        }
    }

    deinit {
        SCTPStack.usrsctpLock.lock()
        if let socket { usrsctp_close(socket) }
        usrsctp_deregister_address(identifier.associationAddress)
        SCTPStack.registry.remove(identifier)
        SCTPStack.usrsctpLock.unlock()
    }

    /// Begins the association: sends INIT. Both sides do this (SCTP simultaneous open, as WebRTC does); a packet
    /// that arrives before `start()` starts the association too.
    public func start() -> SCTPOutput {
        withUsrsctp { socket in connect(socket) }
    }

    /// One SCTP packet that came out of DTLS. A packet with a FORWARD-TSN or I-FORWARD-TSN that skips messages on
    /// the CLUE stream is dropped with a `.protocolViolation` (RFC 8850 section 3.2.3: the owner must end the session).
    public func receive(_ packet: UnsafeRawBufferPointer) -> SCTPOutput {
        if let clueStream = configuration.clueStream,
           SCTPPacketInspection.streamsSkippedByForwardTSN(in: packet).contains(clueStream) {
            return SCTPOutput(events: [.protocolViolation(
                "FORWARD-TSN skips messages on the CLUE stream \(clueStream) "
                    + "(RFC 8850 section 3.2.3 forbids partial reliability)")])
        }
        return withUsrsctp { socket in
            connect(socket)
            guard let base = packet.baseAddress, packet.count > 0 else { return }
            usrsctp_conninput(identifier.associationAddress, base, packet.count, 0)
        }
    }

    public func receive(_ packet: [UInt8]) -> SCTPOutput {
        packet.withUnsafeBytes { receive($0) }
    }

    /// Sends one user message, ordered and fully reliable. An empty message goes as one zero byte with PPID 56
    /// (for 51) or 57 (for 53), RFC 8831 section 6.6. Messages sent after `start()` but before `.connected` wait
    /// in usrsctp's send buffer and leave with the handshake.
    public func send(_ message: [UInt8], stream: UInt16, ppid: UInt32) throws -> SCTPOutput {
        try send(message, stream: stream, ppid: ppid, options: SendOptions())
    }

    /// Resets these outgoing streams (RFC 6525 section 5.1.2), as closing a data channel does (RFC 8831 section
    /// 6.7). usrsctp sends the request once data queued on them has gone; a request it refuses (no association,
    /// too many streams) is ignored.
    public func resetStreams(_ streams: [UInt16]) -> SCTPOutput {
        guard !streams.isEmpty, streams.count <= Int(configuration.streamCount) else { return SCTPOutput() }
        return withUsrsctp { socket in
            let listOffset = MemoryLayout<sctp_reset_streams>.size
            let size = listOffset + 2 * streams.count
            let request = UnsafeMutableRawBufferPointer.allocate(byteCount: size,
                                                                 alignment: MemoryLayout<sctp_reset_streams>.alignment)
            defer { request.deallocate() }
            request.initializeMemory(as: UInt8.self, repeating: 0)
            var header = sctp_reset_streams()
            header.srs_assoc_id = 0  // ignored on a one-to-one socket
            header.srs_flags = UInt16(SCTP_STREAM_RESET_OUTGOING)
            header.srs_number_streams = UInt16(streams.count)
            request.storeBytes(of: header, as: sctp_reset_streams.self)
            for (index, stream) in streams.enumerated() {
                request.storeBytes(of: stream, toByteOffset: listOffset + 2 * index, as: UInt16.self)
            }
            _ = usrsctp_setsockopt(socket, IPPROTO_SCTPValue, SCTP_RESET_STREAMS, request.baseAddress,
                                   socklen_t(size))
        }
    }

    /// Ends the association with an ABORT (the socket lingers for 0 s, as WebRTC stacks do: DTLS close_notify
    /// follows, and nobody would be left to finish a graceful SHUTDOWN). The peer reports `.closed`. Afterwards
    /// every call returns nothing and `send` throws `.closed`. This side reports no `.closed` of its own.
    public func close() -> SCTPOutput {
        let (output, released) = closeHoldingLock()
        // Dropped only now, with no lock held (see `asynchronousOutput`); this also breaks a retain cycle through it.
        withExtendedLifetime(released) {}
        return output
    }

    private func closeHoldingLock() -> (SCTPOutput, (@Sendable (SCTPOutput) -> Void)?) {
        SCTPStack.usrsctpLock.lock()
        defer { SCTPStack.usrsctpLock.unlock() }
        guard let socket else { return (SCTPOutput(), nil) }
        usrsctp_close(socket)
        self.socket = nil
        var output = SCTPStack.registry.take(identifier)
        let released = SCTPStack.registry.withLock {
            _ = mailbox.assembler.closeLocally()
            defer { mailbox.asynchronousOutput = nil }
            return mailbox.asynchronousOutput
        }
        output.events.removeAll { if case .closed = $0 { true } else { false } }
        usrsctp_deregister_address(identifier.associationAddress)
        SCTPStack.registry.remove(identifier)
        return (output, released)
    }

    // MARK: - Internals

    /// Send options beyond what the CLUE channel allows; tests use them to play a misbehaving peer.
    struct SendOptions {
        var unordered = false
        /// PR-SCTP limited retransmissions (RFC 7496); nil for full reliability.
        var maximumRetransmissions: UInt32?
    }

    func send(_ message: [UInt8], stream: UInt16, ppid: UInt32, options: SendOptions) throws -> SCTPOutput {
        guard stream < configuration.streamCount else { throw SCTPError.invalidStream(stream) }
        let limit = configuration.remoteMaximumMessageSize
        if limit > 0, message.count > limit { throw SCTPError.messageTooLarge(size: message.count, limit: limit) }
        var ppid = ppid
        var payload = message
        if message.isEmpty {
            guard let empty = PayloadProtocolIdentifier.emptyForm(of: ppid) else {
                throw SCTPError.emptyMessageNotRepresentable(ppid: ppid)
            }
            ppid = empty
            payload = [0]
        }
        SCTPStack.usrsctpLock.lock()
        defer { SCTPStack.usrsctpLock.unlock() }
        guard let socket, !SCTPStack.registry.withLock({ mailbox.assembler.isClosed }) else { throw SCTPError.closed }
        guard connectCalled else { throw SCTPError.notStarted }
        var info = sctp_sendv_spa()
        info.sendv_flags = UInt32(SCTP_SEND_SNDINFO_VALID)
        info.sendv_sndinfo.snd_sid = stream
        info.sendv_sndinfo.snd_ppid = ppid.bigEndian
        if options.unordered { info.sendv_sndinfo.snd_flags = UInt16(SCTP_UNORDERED) }
        if let retransmissions = options.maximumRetransmissions {
            info.sendv_flags |= UInt32(SCTP_SEND_PRINFO_VALID)
            info.sendv_prinfo.pr_policy = UInt16(SCTP_PR_SCTP_RTX)
            info.sendv_prinfo.pr_value = retransmissions
        }
        let sent = payload.withUnsafeBytes { bytes in
            usrsctp_sendv(socket, bytes.baseAddress, bytes.count, nil, 0, &info,
                          socklen_t(MemoryLayout<sctp_sendv_spa>.size), UInt32(SCTP_SENDV_SPA), 0)
        }
        if sent < 0 {
            let code = errno
            throw code == EWOULDBLOCK || code == EAGAIN ? SCTPError.wouldBlock : SCTPError.sendFailed(errno: code)
        }
        return SCTPStack.registry.take(identifier)
    }

    /// Runs `body` with the usrsctp lock held and the socket open, then takes what usrsctp produced meanwhile.
    private func withUsrsctp(_ body: (OpaquePointer) -> Void) -> SCTPOutput {
        SCTPStack.usrsctpLock.lock()
        defer { SCTPStack.usrsctpLock.unlock() }
        guard let socket else { return SCTPOutput() }
        body(socket)
        return SCTPStack.registry.take(identifier)
    }

    /// Runs `body` with the usrsctp lock held on the open socket; nil when closed. Output it causes stays queued.
    func withSocket<Result>(_ body: (OpaquePointer) -> Result?) -> Result? {
        SCTPStack.usrsctpLock.lock()
        defer { SCTPStack.usrsctpLock.unlock() }
        guard let socket else { return nil }
        return body(socket)
    }

    /// Connects once; the usrsctp lock is held.
    private func connect(_ socket: OpaquePointer) {
        guard !connectCalled else { return }
        connectCalled = true
        var remote = Self.connAddress(identifier.associationAddress, port: configuration.remotePort)
        let result = withUnsafeMutablePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                usrsctp_connect(socket, $0, socklen_t(MemoryLayout<sockaddr_conn>.size))
            }
        }
        if result < 0, errno != EINPROGRESS {
            let code = errno
            SCTPStack.registry.withLock {
                if mailbox.assembler.closeLocally() {
                    mailbox.events.append(.closed(reason: "could not start the association (errno \(code))"))
                }
            }
        }
    }

    private static func connAddress(_ address: UnsafeMutableRawPointer, port: UInt16) -> sockaddr_conn {
        var conn = sockaddr_conn()
        conn.sconn_family = UInt16(AF_CONN)
        conn.sconn_port = port.bigEndian
        conn.sconn_addr = address
        return conn
    }

    /// The socket options WebRTC stacks set, then bind. The usrsctp lock is held.
    private static func openSocket(address: UnsafeMutableRawPointer,
                                   configuration: SCTPConfiguration) throws -> OpaquePointer {
        guard let socket = usrsctp_socket(AF_CONN, Int32(SOCK_STREAM.rawValue), IPPROTO_SCTPValue, sctpReceive,
                                          nil, 0, address) else {
            throw SCTPError.setupFailed(operation: "usrsctp_socket", errno: errno)
        }
        do {
            // Nothing may block: with no usrsctp threads, a blocked call could never be woken.
            guard usrsctp_set_non_blocking(socket, 1) == 0 else {
                throw SCTPError.setupFailed(operation: "usrsctp_set_non_blocking", errno: errno)
            }
            try setOption(socket, SOL_SOCKET, SO_LINGER, linger(l_onoff: 1, l_linger: 0), "SO_LINGER")
            // The receive buffer is the advertised window and so bounds what a peer can make us hold; messages
            // above half of it are handed over in pieces (partial delivery) and reassembled up to the size limit.
            try setOption(socket, SOL_SOCKET, SO_RCVBUF, Int32(receiveBufferSize), "SO_RCVBUF")
            try setOption(socket, SOL_SOCKET, SO_SNDBUF, Int32(sendBufferSize(configuration)), "SO_SNDBUF")
            try setOption(socket, IPPROTO_SCTPValue, SCTP_ENABLE_STREAM_RESET,
                          sctp_assoc_value(assoc_id: sctp_assoc_t(SCTP_ALL_ASSOC),
                                           assoc_value: UInt32(SCTP_ENABLE_RESET_STREAM_REQ)),
                          "SCTP_ENABLE_STREAM_RESET")
            // CLUE messages are latency-sensitive and few: no Nagle.
            try setOption(socket, IPPROTO_SCTPValue, SCTP_NODELAY, Int32(1), "SCTP_NODELAY")
            // One partially delivered message at a time, so reassembly holds at most one message.
            try setOption(socket, IPPROTO_SCTPValue, SCTP_FRAGMENT_INTERLEAVE, Int32(0), "SCTP_FRAGMENT_INTERLEAVE")
            for type in [SCTP_ASSOC_CHANGE, SCTP_SHUTDOWN_EVENT, SCTP_STREAM_RESET_EVENT, SCTP_SEND_FAILED_EVENT,
                         SCTP_PARTIAL_DELIVERY_EVENT] {
                try setOption(socket, IPPROTO_SCTPValue, SCTP_EVENT,
                              sctp_event(se_assoc_id: sctp_assoc_t(SCTP_ALL_ASSOC), se_type: UInt16(type), se_on: 1),
                              "SCTP_EVENT")
            }
            let streams = configuration.streamCount
            try setOption(socket, IPPROTO_SCTPValue, SCTP_INITMSG,
                          sctp_initmsg(sinit_num_ostreams: streams, sinit_max_instreams: streams,
                                       sinit_max_attempts: 0, sinit_max_init_timeo: 0), "SCTP_INITMSG")
            // DTLS, UDP and IP headers come on top of every packet and DTLS carries no path MTU discovery.
            var path = sctp_paddrparams()
            path.spp_assoc_id = sctp_assoc_t(SCTP_FUTURE_ASSOC)
            path.spp_flags = UInt32(SPP_PMTUD_DISABLE)
            // usrsctp adds the 12-byte common header to the MTU of an AF_CONN path.
            path.spp_pathmtu = SCTPConfiguration.packetSizeLimit - 12
            try setOption(socket, IPPROTO_SCTPValue, SCTP_PEER_ADDR_PARAMS, path, "SCTP_PEER_ADDR_PARAMS")
            var local = connAddress(address, port: configuration.localPort)
            let bound = withUnsafeMutablePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    usrsctp_bind(socket, $0, socklen_t(MemoryLayout<sockaddr_conn>.size))
                }
            }
            guard bound == 0 else { throw SCTPError.setupFailed(operation: "usrsctp_bind", errno: errno) }
            return socket
        } catch {
            usrsctp_close(socket)
            throw error
        }
    }

    static let receiveBufferSize = 256 * 1024

    /// A message must fit the send buffer whole (a non-blocking send of a larger one fails).
    static func sendBufferSize(_ configuration: SCTPConfiguration) -> Int {
        let largest = configuration.remoteMaximumMessageSize == 0 ? 1 << 20 : configuration.remoteMaximumMessageSize
        return min(max(256 * 1024, 2 * largest), 16 << 20)
    }

    private static func setOption<Value>(_ socket: OpaquePointer, _ level: Int32, _ name: Int32, _ value: Value,
                                         _ label: String) throws {
        var value = value
        let result = withUnsafeBytes(of: &value) {
            usrsctp_setsockopt(socket, level, name, $0.baseAddress, socklen_t($0.count))
        }
        guard result == 0 else { throw SCTPError.setupFailed(operation: label, errno: errno) }
    }
}

/// IPPROTO_SCTP as usrsctp's socket calls take it (Glibc imports it as an enum case).
let IPPROTO_SCTPValue = Int32(132)
