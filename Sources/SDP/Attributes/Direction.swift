/// The direction attributes `a=sendrecv`, `a=sendonly`, `a=recvonly`, `a=inactive` (RFC 8866 sections 6.7.1-6.7.4),
/// always from the point of view of the description's author.
public enum Direction: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case sendrecv
    case sendonly
    case recvonly
    case inactive

    public var sends: Bool { self == .sendrecv || self == .sendonly }
    public var receives: Bool { self == .sendrecv || self == .recvonly }

    public init(sends: Bool, receives: Bool) {
        switch (sends, receives) {
        case (true, true): self = .sendrecv
        case (true, false): self = .sendonly
        case (false, true): self = .recvonly
        case (false, false): self = .inactive
        }
    }

    /// The same stream seen from the other end: what the peer sends, we receive.
    public var reversed: Direction { Direction(sends: receives, receives: sends) }

    /// The answerer's direction given the offer's and what the answerer wants (RFC 3264 section 6.1): it may only
    /// narrow the reversed offer.
    public func answer(wantingToSend send: Bool, receive: Bool) -> Direction {
        let allowed = reversed
        return Direction(sends: allowed.sends && send, receives: allowed.receives && receive)
    }

    public var description: String { rawValue }
}
