/// What a datagram on the shared media port is, judged by its first byte alone.
public enum MediaPacketKind: Hashable, Sendable {
    case stun
    case dtls
    case rtp
    /// ZRTP (16-19), TURN channel data (64-79), anything unassigned, and empty datagrams.
    case drop
}

/// The RFC 7983 section 7 first-byte rule for one UDP port carrying STUN, DTLS and SRTP/SRTCP.
public enum MediaDemultiplexer {
    /*
                     +----------------+
                     |        [0..3] -+--> forward to STUN
                     |                |
                     |      [16..19] -+--> forward to ZRTP      (dropped here)
                     |                |
         packet -->  |      [20..63] -+--> forward to DTLS
                     |                |
                     |      [64..79] -+--> forward to TURN Channel (dropped here)
                     |                |
                     |    [128..191] -+--> forward to RTP/RTCP
                     +----------------+
     */
    public static func classify(firstByte: UInt8) -> MediaPacketKind {
        switch firstByte {
        case 0...3: .stun
        case 20...63: .dtls
        case 128...191: .rtp
        default: .drop
        }
    }

    /// Classifies a whole datagram; an empty one is dropped.
    public static func classify(_ datagram: UnsafeRawBufferPointer) -> MediaPacketKind {
        guard let first = datagram.first else { return .drop }
        return classify(firstByte: first)
    }
}
