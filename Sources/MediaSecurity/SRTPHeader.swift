/// The few RTP/RTCP header fields SRTP needs, read in place (RFC 3550 sections 5.1 and 6.4.1). MediaSecurity does
/// not parse packets beyond this.
enum SRTPHeader {
    /// The RTP header's length including CSRCs and the extension (RFC 3550 section 5.3.1), or nil if it does not
    /// fit in `limit` bytes.
    @inline(__always)
    static func rtpHeaderLength(_ bytes: UnsafePointer<UInt8>, limit: Int) -> Int? {
        let first = bytes[0]
        var length = minimumRTPLength + 4 * Int(first & 0x0f)
        if first & 0x10 != 0 {
            guard length + 4 <= limit else { return nil }
            length += 4 + 4 * (Int(bytes[length + 2]) << 8 | Int(bytes[length + 3]))
        }
        return length <= limit ? length : nil
    }

    @inline(__always)
    static func sequenceNumber(_ bytes: UnsafePointer<UInt8>) -> UInt16 {
        UInt16(bytes[2]) << 8 | UInt16(bytes[3])
    }

    /// The 32-bit big-endian word at `offset`: the SSRC at 8 in RTP, the sender's SSRC at 4 in RTCP.
    @inline(__always)
    static func word(_ bytes: UnsafePointer<UInt8>, at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
    }
}
