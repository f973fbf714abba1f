import CSRTP
import SecureTransport

/// Verifies and decrypts what the peer sends on one RTP session: SRTP and, with rtcp-mux, SRTCP, for any SSRC
/// (`ssrc_any_inbound`), rejecting replays with libsrtp2's per-SSRC window (RFC 3711 section 3.3.2).
///
/// Confinement: libsrtp2 contexts are not thread-safe. A receiver is `Sendable` only so that it can be handed to
/// the serial queue that owns the leg; after that, call it from that one queue only.
public final class SRTPReceiver: @unchecked Sendable {
    public let profile: SRTPProtectionProfile
    private let context: OpaquePointer

    /// libsrtp2's accepted window sizes (in packets).
    public static let replayWindowRange = 64...0x7fff

    /// - Parameter replayWindow: how far behind the highest index seen a packet may arrive and still be accepted
    ///   once; 1024 tolerates the reordering of high-rate video better than libsrtp2's default of 128.
    public init(key: SRTPMasterKey, profile: SRTPProtectionProfile, replayWindow: Int = 1024) throws(SRTPError) {
        guard Self.replayWindowRange.contains(replayWindow) else { throw .badParameter }
        self.profile = profile
        context = try makeSRTPContext(key: key, profile: profile, direction: .inbound, replayWindow: replayWindow,
                                      allowRepeatTransmission: false)
    }

    /// The receiver for the peer's side of a DTLS-SRTP association, where this endpoint plays `role`.
    public convenience init(keying: SRTPKeyingMaterial, role: DTLSRole, replayWindow: Int = 1024) throws(SRTPError) {
        try self.init(key: keying.inbound(for: role), profile: keying.profile, replayWindow: replayWindow)
    }

    deinit { srtp_dealloc(context) }

    /// Verifies and decrypts the SRTP packet in `buffer[0..<length]` in place and returns the RTP length.
    /// Allocates nothing (libsrtp2 allocates once when it first sees an SSRC).
    public func unprotectRTP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        try checkBuffer(buffer, length: length, minimumLength: minimumRTPLength + profile.rtpOverhead, tailRoom: 0)
        var octets = Int32(length)
        if let error = SRTPError(srtp_unprotect(context, buffer.baseAddress, &octets)) { throw error }
        return Int(octets)
    }

    /// Verifies and decrypts the SRTCP packet in `buffer[0..<length]` in place and returns the RTCP length.
    public func unprotectRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        try checkBuffer(buffer, length: length, minimumLength: minimumRTCPLength + profile.rtcpOverhead, tailRoom: 0)
        var octets = Int32(length)
        if let error = SRTPError(srtp_unprotect_rtcp(context, buffer.baseAddress, &octets)) { throw error }
        return Int(octets)
    }

    /// Copying convenience for tests and cold paths.
    public func unprotectRTP(_ packet: [UInt8]) throws(SRTPError) -> [UInt8] {
        try transform(packet, overhead: 0, unprotectRTP)
    }

    /// Copying convenience for tests and cold paths.
    public func unprotectRTCP(_ packet: [UInt8]) throws(SRTPError) -> [UInt8] {
        try transform(packet, overhead: 0, unprotectRTCP)
    }
}
