import SecureTransport

/// Verifies and decrypts what the peer sends on one RTP session: SRTP and, with rtcp-mux, SRTCP, for any SSRC,
/// rejecting replays with a per-SSRC sliding window (RFC 3711 section 3.3.2), over OpenSSL's libcrypto.
///
/// A packet is authenticated before its index moves the window or the rollover counter, so forged packets change
/// nothing; an SSRC gets state only once one of its packets has authenticated.
///
/// Confinement: a receiver keeps mutable per-SSRC state and is not thread-safe. It is `Sendable` only so that it
/// can be handed to the serial queue that owns the leg; after that, call it from that one queue only.
public final class SRTPReceiver: @unchecked Sendable {
    public let profile: SRTPProtectionProfile
    private let rtpCipher: SRTPPacketCipher
    private let rtcpCipher: SRTPPacketCipher
    private var rtpStreams: SRTPStreamTable
    /// SRTCP's window is libsrtp2's fixed 128 packets; RTCP is sparse.
    private var rtcpStreams = SRTPStreamTable(windowSize: 128)

    /// The accepted window sizes (in packets), those libsrtp2 accepted.
    public static let replayWindowRange = 64...0x7fff

    /// - Parameter replayWindow: how far behind the highest index seen a packet may arrive and still be accepted
    ///   once; 1024 tolerates the reordering of high-rate video better than libsrtp2's default of 128.
    public convenience init(key: SRTPMasterKey, profile: SRTPProtectionProfile,
                            replayWindow: Int = 1024) throws(SRTPError) {
        try self.init(key: key, profile: profile, replayWindow: replayWindow, implementation: .preferred)
    }

    /// A receiver whose AES runs in `implementation` (tests check both).
    package init(key: SRTPMasterKey, profile: SRTPProtectionProfile, replayWindow: Int = 1024,
                 implementation: SRTPCipherImplementation) throws(SRTPError) {
        guard Self.replayWindowRange.contains(replayWindow) else { throw .badParameter }
        self.profile = profile
        var keys = try SRTPSessionKeys(masterKey: key, profile: profile)
        defer { keys.wipe() }
        rtpCipher = try SRTPPacketCipher(profile: profile, keys: keys.rtp, rtcp: false, implementation: implementation)
        rtcpCipher = try SRTPPacketCipher(profile: profile, keys: keys.rtcp, rtcp: true,
                                          implementation: implementation)
        rtpStreams = SRTPStreamTable(windowSize: replayWindow)
    }

    /// The code the AES runs in.
    package var implementation: SRTPCipherImplementation { rtpCipher.implementation }

    /// The receiver for the peer's side of a DTLS-SRTP association, where this endpoint plays `role`.
    public convenience init(keying: SRTPKeyingMaterial, role: DTLSRole, replayWindow: Int = 1024) throws(SRTPError) {
        try self.init(key: keying.inbound(for: role), profile: keying.profile, replayWindow: replayWindow)
    }

    /// Verifies and decrypts the SRTP packet in `buffer[0..<length]` in place and returns the RTP length.
    /// Allocates nothing once the packet's SSRC has been seen. When it throws, the packet's bytes may have changed.
    public func unprotectRTP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        let tagLength = profile.rtpOverhead
        try checkBuffer(buffer, length: length, minimumLength: minimumRTPLength + tagLength, tailRoom: 0)
        let base = buffer.baseAddress!
        let bytes = UnsafePointer(base.assumingMemoryBound(to: UInt8.self))
        guard let headerLength = SRTPHeader.rtpHeaderLength(bytes, limit: length - tagLength) else {
            throw .malformedPacket
        }
        let ssrc = SRTPHeader.word(bytes, at: 8)
        // A new SSRC starts with ROC 0 (RFC 3711 section 3.3.1).
        let (slot, index) = try rtpStreams.estimateInbound(ssrc: ssrc, sequence: SRTPHeader.sequenceNumber(bytes))
        let plainLength = try rtpCipher.openRTP(base, headerLength: headerLength, length: length, ssrc: ssrc,
                                                index: index)
        rtpStreams.commitInbound(slot: slot, ssrc: ssrc, index: index)
        return plainLength
    }

    /// Verifies and decrypts the SRTCP packet in `buffer[0..<length]` in place and returns the RTCP length.
    public func unprotectRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        try checkBuffer(buffer, length: length, minimumLength: minimumRTCPLength + profile.rtcpOverhead, tailRoom: 0)
        let base = buffer.baseAddress!
        let bytes = UnsafePointer(base.assumingMemoryBound(to: UInt8.self))
        let ssrc = SRTPHeader.word(bytes, at: 4)
        let trailer = SRTPHeader.word(bytes, at: rtcpCipher.rtcpTrailerOffset(length: length))
        let index = UInt64(trailer & 0x7fff_ffff)
        let slot = try rtcpStreams.checkInbound(ssrc: ssrc, index: index)
        let plainLength = try rtcpCipher.openRTCP(base, length: length, ssrc: ssrc, index: UInt32(index),
                                                  encrypted: trailer & 0x8000_0000 != 0)
        rtcpStreams.commitInbound(slot: slot, ssrc: ssrc, index: index)
        return plainLength
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
