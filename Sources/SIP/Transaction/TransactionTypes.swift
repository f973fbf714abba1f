/// T1, T2 and T4 of RFC 3261 section 17 (Table 4 lists the timers derived from them).
public struct TransactionTimers: Sendable, Hashable {
    /// RTT estimate: the first retransmission interval (default 500 ms).
    public var t1: Duration = .milliseconds(500)
    /// The longest retransmission interval for non-INVITE requests and INVITE responses (default 4 s).
    public var t2: Duration = .seconds(4)
    /// How long a message may stay in the network (default 5 s).
    public var t4: Duration = .seconds(5)
    /// Timer D: how long an INVITE client transaction absorbs retransmitted final responses (at least 32 s).
    public var timerD: Duration = .seconds(32)

    public init(t1: Duration = .milliseconds(500), t2: Duration = .seconds(4), t4: Duration = .seconds(5),
                timerD: Duration = .seconds(32)) {
        self.t1 = t1
        self.t2 = t2
        self.t4 = t4
        self.timerD = timerD
    }

    /// 64*T1: timers B, F, H, J, and L and M of RFC 6026.
    public var transactionTimeout: Duration { t1 * 64 }
}

/// A transaction the layer created; the TU answers server transactions and recognises responses by it.
public struct TransactionID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (lhs: TransactionID, rhs: TransactionID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "tx#\(rawValue)" }
}

/// What the transaction layer asks its driver and its TU (the UA core) to do, in order.
public enum TransactionAction: Sendable, Hashable {
    /// Write these bytes to the hop.
    case send(SIPOutbound)
    /// A request for the TU. `transaction` is the new server transaction to answer through `respond`; it is nil
    /// for an ACK (ACK for a 2xx is its own transaction with no response, RFC 3261 section 17). The top Via
    /// carries `received`/`rport` as the server transport added them.
    case request(SIPRequest, transaction: TransactionID?, source: SIPHop)
    /// A response for the TU from a client transaction: provisional, final, or (RFC 6026) a retransmitted 2xx to
    /// an INVITE, which the TU acknowledges again.
    case response(SIPResponse, transaction: TransactionID)
    /// A CANCEL matched this INVITE server transaction before its final response: the layer answered the CANCEL
    /// with 200 and the INVITE with 487 (RFC 3261 section 9.2). The TU drops the call attempt.
    case cancelled(TransactionID, cancel: SIPRequest)
    /// Timer B or F (a client transaction got no final response: treat as 408), or Timer H (an INVITE server
    /// transaction's final response was never acknowledged).
    case timedOut(TransactionID)
    /// The driver reported a transport failure for this transaction (RFC 3261 sections 17.1.4, 17.2.4).
    case transportFailed(TransactionID)
    /// The transaction is gone: forget whatever is keyed by it.
    case terminated(TransactionID)
    /// A message that did not parse. When the error is answerable, a `.send` with the error response precedes
    /// this action; otherwise the message was dropped. Count it.
    case malformed(SIPParseError, source: SIPHop)
    /// A response that matches no client transaction (RFC 3261 section 18.1.2): dropped. Count it.
    case strayResponse(SIPResponse, source: SIPHop)
}

/// A timer that retransmits with a growing interval (A, E, G).
struct RetransmitTimer: Sendable, Hashable {
    var deadline: ContinuousClock.Instant
    var interval: Duration
}

extension Optional where Wrapped == ContinuousClock.Instant {
    /// The earlier of two optional deadlines.
    static func earliest(_ deadlines: ContinuousClock.Instant?...) -> ContinuousClock.Instant? {
        deadlines.compactMap { $0 }.min()
    }
}
