/// Why a message was refused. Each reason maps to the status code and reason phrase of the response in one place
/// (`statusCode`, `reasonPhrase`).
///
/// A request can be answered only when it is a request (not ACK), its top Via can be routed and its From, To,
/// Call-ID and CSeq parse: then `answerable` holds what the response copies. Otherwise the driver drops the
/// message and counts it.
public struct SIPParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Hashable {
        /// Nothing but line breaks.
        case empty
        /// Over `SIPLimits.maximumMessageSize`.
        case messageTooLarge
        /// The start line is neither a Request-Line nor a Status-Line.
        case malformedStartLine
        /// A SIP version other than 2.0.
        case unsupportedVersion
        /// The Request-URI does not parse.
        case malformedRequestURI
        /// The Request-URI is over `SIPLimits.maximumURILength`.
        case requestURITooLong
        /// A header line (after unfolding) or the start line is over `SIPLimits.maximumHeaderLineLength`.
        case headerLineTooLong
        /// More header lines than `SIPLimits.maximumHeaderCount`.
        case tooManyHeaders
        /// More Via elements than `SIPLimits.maximumViaCount`.
        case tooManyVias
        /// A header line without a colon, with a name that is not a token, a continuation line with nothing to
        /// continue, or a control character in a value.
        case malformedHeaderLine
        /// The blank line ending the headers never came.
        case truncatedHeaders
        case missingHeader(SIPHeaderName)
        /// A header that must appear once appears more than once with different values.
        case duplicateHeader(SIPHeaderName)
        case malformedHeader(SIPHeaderName)
        /// The CSeq method differs from the request's method.
        case cseqMethodMismatch
        /// The body is shorter than Content-Length says.
        case contentLengthMismatch
        /// A message on a stream without Content-Length (RFC 3261 section 18.3 makes it mandatory there).
        case missingContentLength
    }

    public let reason: Reason
    /// What a response needs, when the message is a request that can be answered.
    public let answerable: AnswerableRequest?

    public init(_ reason: Reason, answerable: AnswerableRequest? = nil) {
        self.reason = reason
        self.answerable = answerable
    }

    /// Whether a response can be sent; when false the message is dropped and counted.
    public var isAnswerable: Bool { answerable != nil }

    public var statusCode: Int {
        switch reason {
        case .unsupportedVersion: return 505
        case .requestURITooLong: return 414
        case .messageTooLarge: return 513
        default: return 400
        }
    }

    /// The reason phrase of the response: precise enough for the peer's log to say what was wrong.
    public var reasonPhrase: String {
        switch reason {
        case .empty: return "Empty Message"
        case .messageTooLarge: return "Message Too Large"
        case .malformedStartLine: return "Bad Start Line"
        case .unsupportedVersion: return "Version Not Supported"
        case .malformedRequestURI: return "Bad Request-URI"
        case .requestURITooLong: return "Request-URI Too Long"
        case .headerLineTooLong: return "Header Line Too Long"
        case .tooManyHeaders: return "Too Many Header Fields"
        case .tooManyVias: return "Too Many Via Entries"
        case .malformedHeaderLine: return "Bad Header Line"
        case .truncatedHeaders: return "Incomplete Header"
        case .missingHeader(let name): return "Missing \(name)"
        case .duplicateHeader(let name): return "Multiple \(name) Values"
        case .malformedHeader(let name): return "Bad \(name)"
        case .cseqMethodMismatch: return "CSeq Method Mismatch"
        case .contentLengthMismatch: return "Content-Length Mismatch"
        case .missingContentLength: return "Missing Content-Length"
        }
    }

    public var description: String {
        "\(statusCode) \(reasonPhrase)" + (isAnswerable ? "" : " (unanswerable)")
    }

    /// The response to send (status, reason phrase, the request's Via, From, To with `toTag` added, Call-ID,
    /// CSeq); nil when the message cannot be answered.
    public func response(toTag: String) -> SIPResponse? {
        guard let answerable else { return nil }
        var response = SIPResponse(statusCode: statusCode, reasonPhrase: reasonPhrase, headers: answerable.headers)
        response.addToTagIfMissing(toTag)
        return response
    }
}

/// The parts of a refused request that a response copies (RFC 3261 section 8.2.6.2).
public struct AnswerableRequest: Sendable, Hashable {
    public let method: SIPMethod
    /// Via (all), From, To, Call-ID, CSeq: the first value of each single-valued header.
    public let headers: SIPHeaders
    /// The top Via, from which the response's destination is computed.
    public let topVia: Via
}

extension AnswerableRequest {
    /// What a response to `request` copies; nil for ACK (never answered) or without a routable top Via.
    init?(_ request: SIPRequest) {
        guard request.method != .ack, let topVia = request.headers.topVia else { return nil }
        var copied = SIPHeaders()
        for field in request.headers where field.name == .via { copied.append(.via, field.value) }
        for name in [SIPHeaderName.from, .to, .callID, .cseq] {
            guard let value = request.headers[name] else { return nil }
            copied.append(name, value)
        }
        self.init(method: request.method, headers: copied, topVia: topVia)
    }
}
