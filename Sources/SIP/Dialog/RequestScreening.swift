/// The checks a UAS makes before its application sees a new request (RFC 3261 section 8.2), and the OPTIONS
/// answer (section 11.2).
public struct RequestScreening: Sendable, Hashable {
    /// Methods the UAS handles; others get 405 with Allow (section 8.2.1).
    public var allowedMethods: [SIPMethod]
    /// Option tags the UAS supports; a Require naming another gets 420 with Unsupported (section 8.2.2.3).
    public var supportedOptions: [String]
    /// Body types the UAS reads; another gets 415 with Accept (section 8.2.3). A multipart body is accepted when
    /// one of its parts is.
    public var acceptedBodyTypes: [MediaType]

    public init(allowedMethods: [SIPMethod] = [.invite, .ack, .bye, .cancel, .options, .update],
                supportedOptions: [String] = [], acceptedBodyTypes: [MediaType] = [.sdp]) {
        self.allowedMethods = allowedMethods
        self.supportedOptions = supportedOptions
        self.acceptedBodyTypes = acceptedBodyTypes
    }

    /// The response refusing `request`, or nil when the application should see it. ACK is never refused.
    public func refusal(of request: SIPRequest, toTag: String) -> SIPResponse? {
        guard request.method != .ack else { return nil }
        guard allowedMethods.contains(request.method) else {
            var response = SIPResponse(answering: request, statusCode: 405, toTag: toTag)
            response.headers.append(.allow, allowText)
            return response
        }
        // Section 8.2.2.1.
        guard request.uri.isSIP || request.uri.scheme == .tel else {
            return SIPResponse(answering: request, statusCode: 416, toTag: toTag)
        }
        // Section 8.2.2.3: CANCEL and ACK carry no Require the UAS must honour.
        if request.method != .cancel {
            let unsupported = request.headers.require.filter { tag in
                !supportedOptions.contains { $0.equalsIgnoringASCIICase(tag) }
            }
            if !unsupported.isEmpty {
                var response = SIPResponse(answering: request, statusCode: 420, toTag: toTag)
                response.headers.append(.unsupported, unsupported.joined(separator: ", "))
                return response
            }
        }
        if !request.body.isEmpty {
            let accepted: Bool
            if let type = request.contentType {
                accepted = acceptedBodyTypes.contains { wanted in
                    MultipartBody.find(wanted, in: request.body, type: type, depth: 0, limits: .default) != nil
                }
            } else {
                accepted = false
            }
            if !accepted {
                var response = SIPResponse(answering: request, statusCode: 415, toTag: toTag)
                response.headers.append(.accept, acceptText)
                return response
            }
        }
        return nil
    }

    /// 200 to OPTIONS with Allow, Supported and Accept (section 11.2).
    public func optionsResponse(to request: SIPRequest, toTag: String) -> SIPResponse {
        var response = SIPResponse(answering: request, statusCode: 200, toTag: toTag)
        response.headers.append(.allow, allowText)
        if !supportedOptions.isEmpty { response.headers.append(.supported, supportedOptions.joined(separator: ", ")) }
        response.headers.append(.accept, acceptText)
        return response
    }

    private var allowText: String { allowedMethods.map(\.rawValue).joined(separator: ", ") }
    private var acceptText: String { acceptedBodyTypes.map(\.description).joined(separator: ", ") }
}
