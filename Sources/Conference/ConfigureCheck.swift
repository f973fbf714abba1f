import CLUEModel
import CLUEProtocol

extension Conference {
    /// Checks a configure `participant` sent the bridge against the advertisement it answers (the one its
    /// `advSequenceNr` names; the caller looks it up and answers 404 `advertisementExpired` when it has none,
    /// RFC 8847 section 5.5). On success, the capture encodings to record with `setConfigure`.
    ///
    /// The refusal carries the RFC 8847 Table 1 code of the first problem:
    /// - 405 a subset chosen of an MCC that does not allow it (RFC 8845 section 7.2.1.4);
    /// - 303 one capture or one encoding used twice, captures not in one simultaneous set (RFC 8845 sections 8,
    ///   9.1), duplicate capture encoding IDs;
    /// - 302 an encoding outside the capture's group or no longer offered to the participant, a subset outside the
    ///   MCC's content or above `maxCaptures`, an invalid identifier;
    /// - 400 an unknown capture, an unknown participant, anything else semantic.
    public func check(_ configure: [CaptureEncoding], from participant: String,
                      against advertisement: Advertisement) -> Result<[CaptureEncoding], ClueProtocolError> {
        guard let sender = self.participant(participant) else {
            return .failure(.semantic("\(participant) is not in the conference"))
        }
        if let issue = advertisement.issues(configuring: configure).first(where: { $0.severity == .error }) {
            return .failure(Self.protocolError(for: issue, in: configure, against: advertisement))
        }
        let offered = Set((sender.videoEncodings + sender.audioEncodings).map(\.id))
        if let stale = configure.first(where: { !offered.contains($0.encodingID) }) {
            return .failure(.invalidValue("encoding \(stale.encodingID) is no longer offered (its m-line is gone)"))
        }
        return .success(configure)
    }

    /// The response for a configure problem (RFC 8847 section 5.7, Table 1), by rule first, then by family.
    static func protocolError(for issue: SemanticIssue, in configure: [CaptureEncoding],
                              against advertisement: Advertisement) -> ClueProtocolError {
        switch issue.rule {
        case .subsetChoiceNotAllowed:
            let refused = configure.first { encoding in
                encoding.configuredContent != nil
                    && advertisement.mediaCaptures.first { $0.captureID == encoding.captureID }?
                        .multipleContent?.allowSubsetChoice != true
            }
            return .subsetChoiceNotAllowed(captureID: refused?.captureID ?? "")
        case .captureConfiguredTwice, .encodingUsedTwice, .notSimultaneous, .duplicateIdentifier:
            return .conflictingValues(issue.message)
        case .encodingNotAvailable, .invalidSubset, .invalidIdentifier, .invalidCharacters:
            return .invalidValue(issue.message)
        case .unknownCapture:
            return .semantic(issue.message)
        default:
            switch issue.category {
            case .syntax: return .badSyntax(issue.message)
            case .invalidValue: return .invalidValue(issue.message)
            case .conflictingValues: return .conflictingValues(issue.message)
            case .semantic: return .semantic(issue.message)
            }
        }
    }
}
