/// A SIP request (RFC 3261 section 7.1).
public struct SIPRequest: Sendable, Hashable, SIPMessageParts {
    public var method: SIPMethod
    public var uri: SIPURI
    public var headers: SIPHeaders
    public var body: [UInt8]

    public init(method: SIPMethod, uri: SIPURI, headers: SIPHeaders = [], body: [UInt8] = []) {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.body = body
    }
}

/// A SIP response (RFC 3261 section 7.2).
public struct SIPResponse: Sendable, Hashable, SIPMessageParts {
    public var statusCode: Int
    public var reasonPhrase: String
    public var headers: SIPHeaders
    public var body: [UInt8]

    public init(statusCode: Int, reasonPhrase: String? = nil, headers: SIPHeaders = [], body: [UInt8] = []) {
        self.statusCode = statusCode
        self.reasonPhrase = reasonPhrase ?? SIPResponse.defaultReasonPhrase(for: statusCode)
        self.headers = headers
        self.body = body
    }

    /// A response to `request` (RFC 3261 section 8.2.6): Via (every value, in order), From, To, Call-ID and CSeq
    /// copied; a To tag added unless the request's To has one or this is a 100 (which also copies Timestamp,
    /// section 8.2.6.1).
    public init(answering request: SIPRequest, statusCode: Int, reasonPhrase: String? = nil, toTag: String?) {
        var copied: Set<SIPHeaderName> = [.via, .from, .to, .callID, .cseq]
        if statusCode == 100 { copied.insert(.timestamp) }
        self.init(statusCode: statusCode, reasonPhrase: reasonPhrase, headers: request.headers.copying(copied))
        if statusCode != 100, let toTag { addToTagIfMissing(toTag) }
    }

    public var isProvisional: Bool { statusCode < 200 }
    public var isSuccess: Bool { (200..<300).contains(statusCode) }
    /// 300-699.
    public var isFailure: Bool { statusCode >= 300 }

    /// Adds `;tag=` to the To header unless it has a tag already.
    public mutating func addToTagIfMissing(_ tag: String) {
        guard let index = headers.firstIndex(where: { $0.name == .to }) else { return }
        if let to = NameAddress(headers[index].value), to.tag != nil { return }
        headers.replaceValue(at: index, with: headers[index].value + ";tag=" + tag)
    }

    /// RFC 3261 section 21 and the extensions the bridge may send.
    public static func defaultReasonPhrase(for statusCode: Int) -> String {
        switch statusCode {
        case 100: return "Trying"
        case 180: return "Ringing"
        case 181: return "Call Is Being Forwarded"
        case 182: return "Queued"
        case 183: return "Session Progress"
        case 200: return "OK"
        case 202: return "Accepted"
        case 300: return "Multiple Choices"
        case 301: return "Moved Permanently"
        case 302: return "Moved Temporarily"
        case 305: return "Use Proxy"
        case 380: return "Alternative Service"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 402: return "Payment Required"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 406: return "Not Acceptable"
        case 407: return "Proxy Authentication Required"
        case 408: return "Request Timeout"
        case 410: return "Gone"
        case 413: return "Request Entity Too Large"
        case 414: return "Request-URI Too Long"
        case 415: return "Unsupported Media Type"
        case 416: return "Unsupported URI Scheme"
        case 420: return "Bad Extension"
        case 421: return "Extension Required"
        case 422: return "Session Interval Too Small"
        case 423: return "Interval Too Brief"
        case 480: return "Temporarily Unavailable"
        case 481: return "Call/Transaction Does Not Exist"
        case 482: return "Loop Detected"
        case 483: return "Too Many Hops"
        case 484: return "Address Incomplete"
        case 485: return "Ambiguous"
        case 486: return "Busy Here"
        case 487: return "Request Terminated"
        case 488: return "Not Acceptable Here"
        case 489: return "Bad Event"
        case 491: return "Request Pending"
        case 493: return "Undecipherable"
        case 500: return "Server Internal Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Server Time-out"
        case 505: return "Version Not Supported"
        case 513: return "Message Too Large"
        case 600: return "Busy Everywhere"
        case 603: return "Decline"
        case 604: return "Does Not Exist Anywhere"
        case 606: return "Not Acceptable"
        default:
            switch statusCode / 100 {
            case 1: return "Provisional"
            case 2: return "Success"
            case 3: return "Redirection"
            case 4: return "Client Error"
            case 5: return "Server Error"
            default: return "Global Failure"
            }
        }
    }
}

/// A request or a response, as the parser returns them.
public enum SIPMessage: Sendable, Hashable {
    case request(SIPRequest)
    case response(SIPResponse)

    public var headers: SIPHeaders {
        switch self {
        case .request(let request): return request.headers
        case .response(let response): return response.headers
        }
    }

    public var body: [UInt8] {
        switch self {
        case .request(let request): return request.body
        case .response(let response): return response.body
        }
    }
}

/// What requests and responses share: headers and a body, and the typed accessors over them.
public protocol SIPMessageParts {
    var headers: SIPHeaders { get set }
    var body: [UInt8] { get set }
}

extension SIPMessageParts {
    public var callID: String? { headers.callID }
    public var cseq: CSeq? { headers.cseq }
    public var from: NameAddress? { headers.from }
    public var to: NameAddress? { headers.to }
    public var topVia: Via? { headers.topVia }
    public var vias: [Via]? { headers.vias }
    public var contact: ContactValue? { headers.contact }
    public var contentType: MediaType? { headers.contentType }
    /// The body's length: what the serializer writes as Content-Length.
    public var contentLength: Int { body.count }
}
