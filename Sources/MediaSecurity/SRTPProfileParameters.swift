import CSRTP
import SecureTransport

extension SRTPProtectionProfile {
    /// Bytes `protectRTP` appends: the authentication tag (80-bit HMAC-SHA1, RFC 3711 section 4.2; 128-bit GCM
    /// tag, RFC 7714 section 13). No MKI is used.
    public var rtpOverhead: Int {
        switch self {
        case .aeadAES128GCM: 16
        case .aes128CMHMACSHA1_80: 10
        }
    }

    /// Bytes `protectRTCP` appends: the tag plus the 32-bit E flag and SRTCP index (RFC 3711 section 3.4).
    public var rtcpOverhead: Int { rtpOverhead + 4 }

    /// Sets libsrtp2's crypto policy for this profile; the same transform protects RTP and RTCP (rtcp-mux shares
    /// one context).
    func apply(to policy: inout srtp_crypto_policy_t) {
        switch self {
        case .aeadAES128GCM: clue_srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy)
        case .aes128CMHMACSHA1_80: clue_srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy)
        }
    }
}

/// Which side of libsrtp2's `ssrc_any_*` wildcard a context takes.
enum SRTPDirection {
    case outbound, inbound
}

/// Creates a libsrtp2 context for every SSRC in one direction. The caller owns the returned `srtp_t` and must
/// `srtp_dealloc` it.
func makeSRTPContext(key: SRTPMasterKey, profile: SRTPProtectionProfile, direction: SRTPDirection,
                     replayWindow: Int, allowRepeatTransmission: Bool) throws(SRTPError) -> OpaquePointer {
    try SRTPLibrary.ensureInitialized()
    guard key.key.count == profile.masterKeyLength, key.salt.count == profile.masterSaltLength else {
        throw .invalidKey(profile: profile, keyLength: key.key.count, saltLength: key.salt.count)
    }
    var policy = srtp_policy_t()
    profile.apply(to: &policy.rtp)
    profile.apply(to: &policy.rtcp)
    policy.ssrc.type = direction == .outbound ? ssrc_any_outbound : ssrc_any_inbound
    policy.ssrc.value = 0
    // libsrtp2 accepts 64...0x7fff; 0 would mean its default of 128.
    policy.window_size = UInt(replayWindow)
    policy.allow_repeat_tx = allowRepeatTransmission ? 1 : 0
    policy.next = nil

    var material = key.keyAndSalt
    defer {
        // srtp_create copies the key; wipe our temporary copy.
        for index in material.indices { material[index] = 0 }
    }
    var context: OpaquePointer?
    let status = material.withUnsafeMutableBufferPointer { bytes in
        policy.key = bytes.baseAddress
        return srtp_create(&context, &policy)
    }
    policy.key = nil
    if let error = SRTPError(status) { throw error }
    guard let context else { throw .library(status: Int(srtp_err_status_alloc_fail.rawValue)) }
    return context
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
