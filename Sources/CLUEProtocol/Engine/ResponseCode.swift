/// The response codes of CLUE version 1 (RFC 8847 section 5.7, Table 1).
///
/// The first digit carries the meaning: 2 success, 3 a problem with the XML content, 4 a problem with CLUE protocol
/// semantics. 200, 300 and 400 are the generic code of each class.
public enum ResponseCode: UInt16, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case success = 200
    case lowLevelRequestError = 300
    case badSyntax = 301
    case invalidValue = 302
    case conflictingValues = 303
    case semanticErrors = 400
    case versionNotSupported = 401
    case invalidSequencing = 402
    case invalidIdentifier = 403
    case advertisementExpired = 404
    case subsetChoiceNotAllowed = 405

    /// The "Reason String" column of Table 1, sent in `<reasonString>` when nothing more specific is known.
    public var reasonString: String {
        switch self {
        case .success: "Success"
        case .lowLevelRequestError: "Low-level request error"
        case .badSyntax: "Bad syntax"
        case .invalidValue: "Invalid value"
        case .conflictingValues: "Conflicting values"
        case .semanticErrors: "Semantic errors"
        case .versionNotSupported: "Version not supported"
        case .invalidSequencing: "Invalid sequencing"
        case .invalidIdentifier: "Invalid identifier"
        case .advertisementExpired: "Advertisement expired"
        case .subsetChoiceNotAllowed: "Subset choice not allowed"
        }
    }

    public var isSuccess: Bool { self == .success }

    /// The class (first digit) this code belongs to.
    public var responseClass: ResponseClass { ResponseClass(code: rawValue) }

    /// A success status with this table's reason string.
    public var status: ResponseStatus { ResponseStatus(code: rawValue, reason: reasonString) }

    public var description: String { "\(rawValue) \(reasonString)" }

    /// How a received code is understood. Codes of Table 1 map to themselves. Codes not in the table but in a
    /// version 1 class mean the generic code of that class, because new codes "MUST respect the semantics of the
    /// first code digit" and 200/300/400 are "the most generic codes in their respective categories" (section 5.7).
    /// Codes outside those classes (1xx, 5xx-9xx, 0xx, not three digits) have no meaning in version 1: nil, and the
    /// caller treats them as errors (see `ResponseClass`).
    public init?(interpreting code: UInt16) {
        if let known = ResponseCode(rawValue: code) {
            self = known
            return
        }
        switch ResponseClass(code: code) {
        case .success: self = .success
        case .lowLevelRequestError: self = .lowLevelRequestError
        case .semanticError: self = .semanticErrors
        case .reservedForFutureMajorVersions, .notAllowed: return nil
        }
    }
}

/// The class of a response code, given by its first digit (RFC 8847 section 5.7).
public enum ResponseClass: Sendable, Hashable {
    /// 2xx.
    case success
    /// 3xx: problems with the XML content of the message.
    case lowLevelRequestError
    /// 4xx: problems with CLUE protocol semantics.
    case semanticError
    /// 1xx and 5xx-9xx: reserved for future major versions and "not allowed in major version 1". A version 1 peer
    /// that sends one has broken the protocol, so we read it as an error: only 2xx is ever a success.
    case reservedForFutureMajorVersions
    /// 0xx ("not allowed") and anything that is not three digits.
    case notAllowed

    public init(code: UInt16) {
        switch code {
        case 200...299: self = .success
        case 300...399: self = .lowLevelRequestError
        case 400...499: self = .semanticError
        case 100...199, 500...999: self = .reservedForFutureMajorVersions
        default: self = .notAllowed
        }
    }

    /// Section 5.7: "Response codes that do not begin with either '2' or '1' indicate an error response". Version 1
    /// has no 1xx codes at all, so in version 1 everything except 2xx is an error.
    public var isError: Bool { self != .success }
}

extension ResponseStatus {
    /// The class of `code`; everything except `.success` is an error in CLUE version 1.
    public var responseClass: ResponseClass { ResponseClass(code: code) }
}

/// What can go wrong with a received CLUE message, in the terms of Table 1 (RFC 8847 section 5.7). Each case maps
/// to exactly one response code in `responseStatus`, the only place where errors meet the wire.
public enum ClueProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 300: a low-level problem that fits none of the more specific 3xx codes.
    case lowLevelRequestError(String)
    /// 301: the XML is not well formed or not valid against the schema.
    case badSyntax(String)
    /// 302: a parameter has a value that cannot be used.
    case invalidValue(String)
    /// 303: values that cannot be used together.
    case conflictingValues(String)
    /// 400: a message that breaks the protocol's rules, e.g. one not allowed in the current state.
    case semantic(String)
    /// 401: no common version, or a message whose `v` has another major version than the negotiated one.
    case versionNotSupported
    /// 402: a sequence number gap, a repeat, or a number smaller than the last one (section 5).
    case invalidSequencing(expected: UInt64, got: UInt64)
    /// 403: the `clueId` is not the one this peer introduced itself with.
    case invalidIdentifier
    /// 404: a configure refers to an advertisement that is out of date; the payload is its `advSequenceNr`.
    case advertisementExpired(UInt64)
    /// 405: a configure chose a subset of a Multiple Content Capture that does not allow subset choice.
    case subsetChoiceNotAllowed(captureID: String)

    /// The Table 1 code for this error.
    public var responseCode: ResponseCode {
        switch self {
        case .lowLevelRequestError: .lowLevelRequestError
        case .badSyntax: .badSyntax
        case .invalidValue: .invalidValue
        case .conflictingValues: .conflictingValues
        case .semantic: .semanticErrors
        case .versionNotSupported: .versionNotSupported
        case .invalidSequencing: .invalidSequencing
        case .invalidIdentifier: .invalidIdentifier
        case .advertisementExpired: .advertisementExpired
        case .subsetChoiceNotAllowed: .subsetChoiceNotAllowed
        }
    }

    /// The `<responseCode>` and `<reasonString>` to send. The reason starts with Table 1's reason string and adds
    /// the specific detail, as section 5.7 encourages ("descriptions of the error condition that are more specific").
    public var responseStatus: ResponseStatus {
        let code = responseCode
        let detail: String? = switch self {
        case .lowLevelRequestError(let detail), .badSyntax(let detail), .invalidValue(let detail),
             .conflictingValues(let detail), .semantic(let detail):
            detail
        case .versionNotSupported, .invalidIdentifier:
            nil
        case .invalidSequencing(let expected, let got):
            "expected sequence number \(expected), got \(got)"
        case .advertisementExpired(let advertisementSequenceNumber):
            "advertisement \(advertisementSequenceNumber) is out of date"
        case .subsetChoiceNotAllowed(let captureID):
            "capture \(captureID) does not allow subset choice"
        }
        let reason = detail.map { $0.isEmpty ? code.reasonString : "\(code.reasonString): \($0)" }
        return ResponseStatus(code: code.rawValue, reason: reason ?? code.reasonString)
    }

    public var description: String {
        let status = responseStatus
        return "\(status.code) \(status.reason ?? "")"
    }
}
