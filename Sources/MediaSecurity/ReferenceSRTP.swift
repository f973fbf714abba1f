import CSRTP
import SecureTransport

// libsrtp2 as the reference implementation: the tests protect with it and unprotect with SRTPSender/SRTPReceiver's
// own OpenSSL code, and the other way round. Nothing in production uses these types: Debian's libsrtp2 is built
// against NSS and spends about a quarter of the bridge's forwarding time in it.

extension SRTPProtectionProfile {
    /// libsrtp2's crypto policy for this profile's SRTP packets.
    func applyRTP(to policy: inout srtp_crypto_policy_t) {
        switch self {
        case .aeadAES128GCM: clue_srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy)
        case .aeadAES256GCM: clue_srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy)
        case .aes128CMHMACSHA1_80: clue_srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy)
        case .aes128CMHMACSHA1_32: srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy)
        }
    }

    /// SRTCP keeps the 80-bit tag under the _32 profile (RFC 5764 section 4.1.2).
    func applyRTCP(to policy: inout srtp_crypto_policy_t) {
        switch self {
        case .aes128CMHMACSHA1_32: clue_srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy)
        default: applyRTP(to: &policy)
        }
    }
}

/// Creates a libsrtp2 context for every SSRC in one direction (`ssrc_any_outbound` / `ssrc_any_inbound`). The
/// caller owns the returned `srtp_t` and must `srtp_dealloc` it.
private func makeReferenceContext(key: SRTPMasterKey, profile: SRTPProtectionProfile, outbound: Bool,
                                  replayWindow: Int, allowRepeatTransmission: Bool,
                                  encryptRTCP: Bool = true) throws(SRTPError) -> OpaquePointer {
    try SRTPLibrary.ensureInitialized()
    guard key.key.count == profile.masterKeyLength, key.salt.count == profile.masterSaltLength else {
        throw .invalidKey(profile: profile, keyLength: key.key.count, saltLength: key.salt.count)
    }
    var policy = srtp_policy_t()
    profile.applyRTP(to: &policy.rtp)
    profile.applyRTCP(to: &policy.rtcp)
    if !encryptRTCP { policy.rtcp.sec_serv = sec_serv_auth }
    policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound
    policy.ssrc.value = 0
    policy.window_size = UInt(replayWindow)
    policy.allow_repeat_tx = allowRepeatTransmission ? 1 : 0
    policy.next = nil

    var material = key.keyAndSalt
    defer { for index in material.indices { material[index] = 0 } }
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

/// libsrtp2's protect side, with the same API as `SRTPSender`. For tests only.
package final class ReferenceSRTPSender {
    package let profile: SRTPProtectionProfile
    private let context: OpaquePointer

    /// - Parameter encryptRTCP: false sends SRTCP authenticated only (E flag clear, RFC 3711 section 3.4).
    package init(key: SRTPMasterKey, profile: SRTPProtectionProfile, allowRepeatTransmission: Bool = false,
                 encryptRTCP: Bool = true) throws(SRTPError) {
        self.profile = profile
        context = try makeReferenceContext(key: key, profile: profile, outbound: true, replayWindow: 128,
                                           allowRepeatTransmission: allowRepeatTransmission, encryptRTCP: encryptRTCP)
    }

    deinit { srtp_dealloc(context) }

    package func protectRTP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        try checkBuffer(buffer, length: length, minimumLength: minimumRTPLength, tailRoom: profile.rtpOverhead)
        var octets = Int32(length)
        if let error = SRTPError(srtp_protect(context, buffer.baseAddress, &octets)) { throw error }
        return Int(octets)
    }

    package func protectRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        try checkBuffer(buffer, length: length, minimumLength: minimumRTCPLength, tailRoom: profile.rtcpOverhead)
        var octets = Int32(length)
        if let error = SRTPError(srtp_protect_rtcp(context, buffer.baseAddress, &octets)) { throw error }
        return Int(octets)
    }

    package func protectRTP(_ packet: [UInt8]) throws(SRTPError) -> [UInt8] {
        try transform(packet, overhead: profile.rtpOverhead, protectRTP)
    }

    package func protectRTCP(_ packet: [UInt8]) throws(SRTPError) -> [UInt8] {
        try transform(packet, overhead: profile.rtcpOverhead, protectRTCP)
    }
}

/// libsrtp2's unprotect side, with the same API as `SRTPReceiver`. For tests only.
package final class ReferenceSRTPReceiver {
    package let profile: SRTPProtectionProfile
    private let context: OpaquePointer

    package init(key: SRTPMasterKey, profile: SRTPProtectionProfile, replayWindow: Int = 1024) throws(SRTPError) {
        guard SRTPReceiver.replayWindowRange.contains(replayWindow) else { throw .badParameter }
        self.profile = profile
        context = try makeReferenceContext(key: key, profile: profile, outbound: false, replayWindow: replayWindow,
                                           allowRepeatTransmission: false)
    }

    deinit { srtp_dealloc(context) }

    package func unprotectRTP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        try checkBuffer(buffer, length: length, minimumLength: minimumRTPLength + profile.rtpOverhead, tailRoom: 0)
        var octets = Int32(length)
        if let error = SRTPError(srtp_unprotect(context, buffer.baseAddress, &octets)) { throw error }
        return Int(octets)
    }

    package func unprotectRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        try checkBuffer(buffer, length: length, minimumLength: minimumRTCPLength + profile.rtcpOverhead, tailRoom: 0)
        var octets = Int32(length)
        if let error = SRTPError(srtp_unprotect_rtcp(context, buffer.baseAddress, &octets)) { throw error }
        return Int(octets)
    }

    package func unprotectRTP(_ packet: [UInt8]) throws(SRTPError) -> [UInt8] {
        try transform(packet, overhead: 0, unprotectRTP)
    }

    package func unprotectRTCP(_ packet: [UInt8]) throws(SRTPError) -> [UInt8] {
        try transform(packet, overhead: 0, unprotectRTCP)
    }
}

/// Copies `packet` into a buffer with `overhead` bytes of tail room, runs an in-place operation on it and trims
/// the result to the length it returns.
func transform(_ packet: [UInt8], overhead: Int,
               _ operation: (UnsafeMutableRawBufferPointer, Int) throws(SRTPError) -> Int) throws(SRTPError) -> [UInt8] {
    var buffer = packet + [UInt8](repeating: 0, count: overhead)
    let result: Result<Int, SRTPError> = buffer.withUnsafeMutableBytes { bytes in
        do throws(SRTPError) { return .success(try operation(bytes, packet.count)) } catch { return .failure(error) }
    }
    buffer.removeSubrange(try result.get()...)
    return buffer
}
