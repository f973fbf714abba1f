import CSRTP
import SecureTransport

/// Why libsrtp2, or this wrapper before calling it, refused a key or a packet.
public enum SRTPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The authentication tag did not verify: the packet was altered, the key is wrong, or it is not SRTP.
    case authenticationFailed
    /// The packet's index was already accepted (RFC 3711 section 3.3.2), or a sender protected it twice.
    case replayed
    /// The packet's index is behind the receiver's replay window (RFC 3711 section 3.3.2).
    case tooOld
    /// libsrtp2 refused a parameter (`srtp_err_status_bad_param`), for instance a truncated packet.
    case badParameter
    /// The packet's header does not parse as RTP or RTCP (`srtp_err_status_parse_err`).
    case malformedPacket
    /// The cipher failed (`srtp_err_status_cipher_fail`); for AEAD this includes a tag that does not verify.
    case cipherFailure
    /// The master key reached the end of its lifetime (2^48 SRTP / 2^31 SRTCP packets).
    case keyExpired
    /// The packet is shorter than the fixed RTP (12) or RTCP (8) header, or longer than its buffer.
    case invalidLength(length: Int, capacity: Int)
    /// The buffer lacks room after the packet for the authentication tag (and the SRTCP index).
    case insufficientTailRoom(required: Int, available: Int)
    /// The master key or salt does not have the profile's length.
    case invalidKey(profile: SRTPProtectionProfile, keyLength: Int, saltLength: Int)
    /// `srtp_init()` failed; no context can be created in this process.
    case initializationFailed(status: Int)
    /// Any other `srtp_err_status_t`, by its numeric value.
    case library(status: Int)

    /// The single place where libsrtp2's status codes become errors; `nil` for `srtp_err_status_ok`.
    init?(_ status: srtp_err_status_t) {
        switch status {
        case srtp_err_status_ok: return nil
        case srtp_err_status_auth_fail: self = .authenticationFailed
        case srtp_err_status_replay_fail: self = .replayed
        case srtp_err_status_replay_old: self = .tooOld
        case srtp_err_status_bad_param: self = .badParameter
        case srtp_err_status_parse_err: self = .malformedPacket
        case srtp_err_status_cipher_fail: self = .cipherFailure
        case srtp_err_status_key_expired: self = .keyExpired
        default: self = .library(status: Int(status.rawValue))
        }
    }

    public var description: String {
        switch self {
        case .authenticationFailed: "SRTP authentication failed"
        case .replayed: "SRTP replay: packet index already seen"
        case .tooOld: "SRTP replay: packet index behind the replay window"
        case .badParameter: "libsrtp2 rejected a parameter"
        case .malformedPacket: "packet does not parse as RTP/RTCP"
        case .cipherFailure: "SRTP cipher failure"
        case .keyExpired: "SRTP master key expired"
        case .invalidLength(let length, let capacity): "invalid packet length \(length) (buffer \(capacity))"
        case .insufficientTailRoom(let required, let available):
            "need \(required) bytes of tail room for the SRTP trailer, have \(available)"
        case .invalidKey(let profile, let keyLength, let saltLength):
            "\(profile.rawValue) needs a \(profile.masterKeyLength)-byte key and \(profile.masterSaltLength)-byte salt, got \(keyLength) and \(saltLength)"
        case .initializationFailed(let status): "srtp_init failed with status \(status)"
        case .library(let status): "libsrtp2 error status \(status)"
        }
    }
}
