import SecureTransport

extension SRTPProtectionProfile {
    /// Bytes `protectRTP` appends: the authentication tag (80- or 32-bit HMAC-SHA1, RFC 3711 section 4.2 and
    /// RFC 5764 section 4.1.2; 128-bit GCM tag, RFC 7714 section 13). No MKI is used.
    public var rtpOverhead: Int { rtpTagLength }

    /// Bytes `protectRTCP` appends: the tag plus the 32-bit E flag and SRTCP index (RFC 3711 section 3.4).
    public var rtcpOverhead: Int { rtcpTagLength + srtcpIndexLength }

    var rtpTagLength: Int {
        switch self {
        case .aeadAES128GCM, .aeadAES256GCM: 16
        case .aes128CMHMACSHA1_80: 10
        case .aes128CMHMACSHA1_32: 4
        }
    }

    /// SRTCP always carries an 80-bit HMAC-SHA1 tag, also for the _32 profile (RFC 5764 section 4.1.2).
    var rtcpTagLength: Int {
        switch self {
        case .aeadAES128GCM, .aeadAES256GCM: 16
        case .aes128CMHMACSHA1_80, .aes128CMHMACSHA1_32: 10
        }
    }

    var isAEAD: Bool {
        switch self {
        case .aeadAES128GCM, .aeadAES256GCM: true
        case .aes128CMHMACSHA1_80, .aes128CMHMACSHA1_32: false
        }
    }

    /// The session authentication key's length: 160 bits for HMAC-SHA1 (RFC 3711 section 8.2); GCM needs none.
    var sessionAuthenticationKeyLength: Int { isAEAD ? 0 : 20 }
}

/// Size checks shared by the in-place operations.
@inline(__always)
func checkBuffer(_ buffer: UnsafeMutableRawBufferPointer, length: Int, minimumLength: Int,
                 tailRoom: Int) throws(SRTPError) {
    guard buffer.baseAddress != nil, length >= minimumLength, length <= buffer.count, length <= Int(Int32.max) else {
        throw .invalidLength(length: length, capacity: buffer.count)
    }
    if tailRoom > 0, buffer.count - length < tailRoom {
        throw .insufficientTailRoom(required: tailRoom, available: buffer.count - length)
    }
}

/// RFC 3550 section 5.1: the fixed RTP header.
let minimumRTPLength = 12
/// RFC 3550 section 6.4.1: the fixed header of the first RTCP packet (header plus SSRC).
let minimumRTCPLength = 8
/// RFC 3711 section 3.4: the E flag and the 31-bit SRTCP index.
let srtcpIndexLength = 4
