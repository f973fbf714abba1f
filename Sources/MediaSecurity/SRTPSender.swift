import CSRTP
import SecureTransport

/// Protects what this endpoint sends on one RTP session: SRTP and, with rtcp-mux, SRTCP, for any SSRC
/// (`ssrc_any_outbound`), with one master key from the DTLS-SRTP exporter (RFC 5764 section 4.2).
///
/// Confinement: libsrtp2 contexts are not thread-safe. A sender is `Sendable` only so that it can be handed to the
/// serial queue that owns the leg; after that, call it from that one queue only.
public final class SRTPSender: @unchecked Sendable {
    public let profile: SRTPProtectionProfile
    private let context: OpaquePointer

    /// - Parameter allowRepeatTransmission: lets the same RTP sequence number be protected again (a NACK answered
    ///   by resending the very same packet); the payload must then be identical (RFC 3711 section 9.1).
    public init(key: SRTPMasterKey, profile: SRTPProtectionProfile,
                allowRepeatTransmission: Bool = false) throws(SRTPError) {
        self.profile = profile
        // The window only matters when repeat transmission is refused; libsrtp2's default size.
        context = try makeSRTPContext(key: key, profile: profile, direction: .outbound, replayWindow: 128,
                                      allowRepeatTransmission: allowRepeatTransmission)
    }

    /// The sender for this endpoint's side of a DTLS-SRTP association.
    public convenience init(keying: SRTPKeyingMaterial, role: DTLSRole,
                            allowRepeatTransmission: Bool = false) throws(SRTPError) {
        try self.init(key: keying.outbound(for: role), profile: keying.profile,
                      allowRepeatTransmission: allowRepeatTransmission)
    }

    deinit { srtp_dealloc(context) }

    /// Encrypts and authenticates the RTP packet in `buffer[0..<length]` in place and returns the SRTP length.
    /// `buffer` must have `profile.rtpOverhead` bytes after the packet. Allocates nothing.
    public func protectRTP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        try checkBuffer(buffer, length: length, minimumLength: minimumRTPLength, tailRoom: profile.rtpOverhead)
        var octets = Int32(length)
        if let error = SRTPError(srtp_protect(context, buffer.baseAddress, &octets)) { throw error }
        return Int(octets)
    }

    /// Encrypts and authenticates the compound RTCP packet in `buffer[0..<length]` in place and returns the SRTCP
    /// length. `buffer` must have `profile.rtcpOverhead` bytes after the packet. Allocates nothing.
    public func protectRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        try checkBuffer(buffer, length: length, minimumLength: minimumRTCPLength, tailRoom: profile.rtcpOverhead)
        var octets = Int32(length)
        if let error = SRTPError(srtp_protect_rtcp(context, buffer.baseAddress, &octets)) { throw error }
        return Int(octets)
    }

    /// Copying convenience for tests and cold paths.
    public func protectRTP(_ packet: [UInt8]) throws(SRTPError) -> [UInt8] {
        try transform(packet, overhead: profile.rtpOverhead, protectRTP)
    }

    /// Copying convenience for tests and cold paths.
    public func protectRTCP(_ packet: [UInt8]) throws(SRTPError) -> [UInt8] {
        try transform(packet, overhead: profile.rtcpOverhead, protectRTCP)
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
