/// What one SCTP association over DTLS needs to know from the SDP offer and answer (RFC 8841 for `a=sctp-port` and
/// `a=max-message-size`, RFC 8864 for `a=dcmap`).
///
/// The `DataChannel` module owns the SCTP association (usrsctp in `AF_CONN` mode: packets go to and come from the
/// caller, which carries them over DTLS) and the CLUE data channel rules of RFC 8850 section 3.2. It must not touch
/// sockets, DTLS or SDP: the owner feeds it the plaintext SCTP packets that came out of DTLS and sends the packets it
/// returns through DTLS.
public struct SCTPConfiguration: Hashable, Sendable {
    /// Our `a=sctp-port` (RFC 8841 section 5.1).
    public var localPort: UInt16
    /// The peer's `a=sctp-port`.
    public var remotePort: UInt16
    /// Our `a=max-message-size` (RFC 8841 section 6): a larger inbound message is dropped with a
    /// `.protocolViolation` event as soon as it crosses this size, so it is never buffered beyond it.
    public var maximumMessageSize: Int
    /// The peer's `a=max-message-size`; 0 means unlimited. `send` refuses larger messages.
    public var remoteMaximumMessageSize: Int
    /// The SCTP stream id of the CLUE data channel, negotiated with `a=dcmap` (RFC 8850 section 3.3; no DCEP).
    /// Messages on it must be ordered, fully reliable and carry PPID 51.
    public var clueStream: UInt16?

    /// Streams offered in each direction in INIT; a stream id must be below this. usrsctp keeps per-stream state
    /// for each, so the bridge offers what the CLUE channel needs (at least 16, enough for its dcmap stream) rather
    /// than WebRTC's 1024: measured by Benchmarks/session-memory, 1024 streams cost 126 KiB more per association.
    public var streamCount: UInt16
    public static let minimumStreamCount: UInt16 = 16
    /// The largest SCTP packet this side sends, so that a packet plus DTLS, UDP and IP headers stays well under
    /// common path MTUs (RFC 8831 section 5 leaves the value to the implementation; 1200 is what browsers use).
    public static let packetSizeLimit: UInt32 = 1200

    public init(localPort: UInt16 = 5000, remotePort: UInt16 = 5000, maximumMessageSize: Int = 65536,
                remoteMaximumMessageSize: Int = 65536, clueStream: UInt16? = nil) {
        self.localPort = localPort
        self.remotePort = remotePort
        self.maximumMessageSize = maximumMessageSize
        self.remoteMaximumMessageSize = remoteMaximumMessageSize
        self.clueStream = clueStream
        streamCount = max(Self.minimumStreamCount, clueStream.map { $0 == .max ? .max : $0 + 1 } ?? 0)
    }
}
