import SecureTransport

/// Protects what this endpoint sends on one RTP session: SRTP and, with rtcp-mux, SRTCP, for any SSRC, with one
/// master key from the DTLS-SRTP exporter (RFC 5764 section 4.2), over OpenSSL's libcrypto.
///
/// Each SSRC keeps its rollover counter (RFC 3711 section 3.3.1), a window of recently protected sequence numbers
/// (so that protecting one twice is noticed) and its SRTCP index.
///
/// Confinement: a sender keeps mutable per-SSRC state and is not thread-safe. It is `Sendable` only so that it can
/// be handed to the serial queue that owns the leg; after that, call it from that one queue only.
public final class SRTPSender: @unchecked Sendable {
    public let profile: SRTPProtectionProfile
    private let allowRepeatTransmission: Bool
    private let rtpCipher: SRTPPacketCipher
    private let rtcpCipher: SRTPPacketCipher
    /// libsrtp2's default window: how far back a sequence number is remembered as already protected.
    private var rtpStreams = SRTPStreamTable(windowSize: 128)
    /// Only the highest index matters here: the last SRTCP index used per SSRC.
    private var rtcpStreams = SRTPStreamTable(windowSize: 1)

    /// - Parameter allowRepeatTransmission: lets the same RTP sequence number be protected again (a NACK answered
    ///   by resending the very same packet); the payload must then be identical (RFC 3711 section 9.1).
    public convenience init(key: SRTPMasterKey, profile: SRTPProtectionProfile,
                            allowRepeatTransmission: Bool = false) throws(SRTPError) {
        try self.init(key: key, profile: profile, allowRepeatTransmission: allowRepeatTransmission,
                      implementation: .preferred)
    }

    /// A sender whose AES runs in `implementation` (tests check both).
    package init(key: SRTPMasterKey, profile: SRTPProtectionProfile, allowRepeatTransmission: Bool = false,
                 implementation: SRTPCipherImplementation) throws(SRTPError) {
        self.profile = profile
        self.allowRepeatTransmission = allowRepeatTransmission
        var keys = try SRTPSessionKeys(masterKey: key, profile: profile)
        defer { keys.wipe() }
        rtpCipher = try SRTPPacketCipher(profile: profile, keys: keys.rtp, rtcp: false, implementation: implementation)
        rtcpCipher = try SRTPPacketCipher(profile: profile, keys: keys.rtcp, rtcp: true,
                                          implementation: implementation)
    }

    /// The code the AES runs in.
    package var implementation: SRTPCipherImplementation { rtpCipher.implementation }

    /// The sender for this endpoint's side of a DTLS-SRTP association.
    public convenience init(keying: SRTPKeyingMaterial, role: DTLSRole,
                            allowRepeatTransmission: Bool = false) throws(SRTPError) {
        try self.init(key: keying.outbound(for: role), profile: keying.profile,
                      allowRepeatTransmission: allowRepeatTransmission)
    }

    /// Encrypts and authenticates the RTP packet in `buffer[0..<length]` in place and returns the SRTP length.
    /// `buffer` must have `profile.rtpOverhead` bytes after the packet. Allocates nothing once the packet's SSRC
    /// has been seen.
    public func protectRTP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        try sealRTP(buffer, length: length, payload: nil)
    }

    /// Protects an RTP packet whose header is in `buffer` and whose payload is elsewhere, as `protectRTP(_:length:)`
    /// does but without copying the payload in first: `buffer[0..<headerLength]` holds the RTP header (CSRCs and
    /// extension included), the `length - headerLength` payload bytes are read from `payload` and written encrypted
    /// to `buffer[headerLength..<length]`, and the tag follows. `payload` must not overlap that range (unless it is
    /// exactly its start, which is `protectRTP(_:length:)`). Returns the SRTP length.
    public func protectRTP(_ buffer: UnsafeMutableRawBufferPointer, length: Int,
                           payloadFrom payload: UnsafeRawPointer) throws(SRTPError) -> Int {
        try sealRTP(buffer, length: length, payload: payload)
    }

    @inline(__always)
    private func sealRTP(_ buffer: UnsafeMutableRawBufferPointer, length: Int,
                         payload: UnsafeRawPointer?) throws(SRTPError) -> Int {
        try checkBuffer(buffer, length: length, minimumLength: minimumRTPLength, tailRoom: profile.rtpOverhead)
        let base = buffer.baseAddress!
        let bytes = UnsafePointer(base.assumingMemoryBound(to: UInt8.self))
        guard let headerLength = SRTPHeader.rtpHeaderLength(bytes, limit: length) else { throw .malformedPacket }
        let ssrc = SRTPHeader.word(bytes, at: 8)
        let index = try rtpStreams.admitOutbound(ssrc: ssrc, sequence: SRTPHeader.sequenceNumber(bytes),
                                                 allowRepeat: allowRepeatTransmission)
        return try rtpCipher.sealRTP(base, headerLength: headerLength, length: length, payload: payload, ssrc: ssrc,
                                     index: index)
    }

    /// Encrypts and authenticates the compound RTCP packet in `buffer[0..<length]` in place and returns the SRTCP
    /// length. `buffer` must have `profile.rtcpOverhead` bytes after the packet. Allocates nothing once the
    /// packet's SSRC has been seen.
    public func protectRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        try checkBuffer(buffer, length: length, minimumLength: minimumRTCPLength, tailRoom: profile.rtcpOverhead)
        let base = buffer.baseAddress!
        let ssrc = SRTPHeader.word(UnsafePointer(base.assumingMemoryBound(to: UInt8.self)), at: 4)
        let index = try rtcpStreams.nextOutboundRTCPIndex(ssrc: ssrc)
        return try rtcpCipher.sealRTCP(base, length: length, ssrc: ssrc, index: UInt32(index))
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
