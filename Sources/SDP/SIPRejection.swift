/// The SIP response that reports an SDP problem: the status line and a Warning header (RFC 3261 section 20.43,
/// whose 3xx warn-codes are "warnings specific to SIP ... induced by the session description").
///
/// This file is the one place where SDP errors become wire values. Malformed bodies get 400 Bad Request (the
/// request "could not be understood due to malformed syntax", RFC 3261 section 21.4.1); well-formed descriptions
/// the bridge will not accept get 488 Not Acceptable Here (section 21.4.26), which "SHOULD" carry a Warning.
public struct SIPRejection: Sendable, Hashable, CustomStringConvertible {
    public var statusCode: UInt16
    public var reasonPhrase: String
    /// RFC 3261 section 20.43: 300 network protocol, 301 address format, 302 transport protocol, 304 media type,
    /// 305 media format, 306 attribute, 307 parameter, 399 miscellaneous.
    public var warningCode: UInt16
    /// Free of double quotes and control characters, ready for `Warning: <code> <host> "<text>"`.
    public var warningText: String

    init(_ statusCode: UInt16, warning warningCode: UInt16, _ text: String) {
        self.statusCode = statusCode
        reasonPhrase = statusCode == 400 ? "Bad Request" : "Not Acceptable Here"
        self.warningCode = warningCode
        warningText = String(text.unicodeScalars.map { scalar -> Character in
            scalar == "\"" ? "'" : (scalar.value < 0x20 || scalar.value == 0x7F ? " " : Character(scalar))
        })
    }

    public var description: String { "\(statusCode) \(reasonPhrase) (\(warningCode) \(warningText))" }
}

extension SDPParseError {
    public var sipRejection: SIPRejection {
        switch self {
        case .tooLarge, .tooManyLines, .lineTooLong, .tooManyMediaDescriptions:
            // Well-formed as far as anyone knows, but more than the bridge takes.
            SIPRejection(488, warning: 399, description)
        case .unsupportedVersion:
            SIPRejection(488, warning: 307, description)
        case .notUTF8:
            // RFC 8866's byte-string allows other charsets (a=charset); the bridge reads UTF-8 only.
            SIPRejection(488, warning: 399, description)
        case .empty, .forbiddenByte, .malformedLine, .unknownLineType, .misplacedLine, .missingLine, .invalidField:
            SIPRejection(400, warning: 399, description)
        case .invalidAttribute:
            SIPRejection(400, warning: 306, description)
        }
    }
}

extension OfferRejection {
    public var sipRejection: SIPRejection {
        switch self {
        case .clueMediaNotDTLSSRTP, .sdesOnCLUEMedia, .clueDataChannelNotDTLS:
            return SIPRejection(488, warning: 302, description)
        case .noMedia:
            return SIPRejection(488, warning: 304, description)
        case .noAcceptableMedia(let sections):
            // The first section the offerer wanted is the most telling one.
            let telling = sections.first { $0.reason != .disabledByOfferer } ?? sections.first
            return SIPRejection(488, warning: telling?.reason.warningCode ?? 399, description)
        case .multipleCLUEGroups, .clueGroupDataChannels, .missingCLUEChannelMap, .multipleCLUEChannelMaps,
             .clueChannelPartiallyReliable, .clueChannelUnordered, .conflictingReliability, .unknownGroupMember,
             .duplicateMid, .midInSeveralBundleGroups, .fewerMediaSections:
            return SIPRejection(488, warning: 399, description)
        }
    }
}

extension DeclineReason {
    /// The RFC 3261 section 20.43 warn-code for this reason.
    public var warningCode: UInt16 {
        switch self {
        case .unsupportedTransport, .plainRTPNotAllowed, .sdesNotSupported, .noKeying, .tcpNotSupported: 302
        case .unsupportedMedia, .dataChannelNotUsed, .clueDisabled, .clueNotNegotiated: 304
        case .noCommonCodec: 305
        case .noUsableFingerprint, .holdconnSetup, .rtcpMuxRequired, .incompleteICECredentials,
             .noSCTPAssociation:
            306
        case .unsupportedAddress(let type): type.hasPrefix("IP") ? 301 : 300
        case .disabledByOfferer, .missingConnection, .rejectedByPeer: 399
        }
    }
}

extension AnswerRejection {
    /// For the Warning header of the BYE (or the reason logged) when an answer to the bridge's offer is unusable.
    public var sipWarning: (code: UInt16, text: String) {
        let rejection = SIPRejection(488, warning: 399, description)
        return (rejection.warningCode, rejection.warningText)
    }
}
