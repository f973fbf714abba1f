/// `a=rtcp-fb:<rtcp-fb-pt> <rtcp-fb-val>` (RFC 4585 section 4.2): `nack`, `nack pli`, `ccm fir` (RFC 5104),
/// `goog-remb`, `transport-cc`, `trr-int <ms>`, ...
public struct RTCPFeedback: Sendable, Hashable {
    public enum Target: Sendable, Hashable, CustomStringConvertible {
        /// "*": every payload type of the section.
        case allFormats
        case format(String)

        public var description: String {
            switch self {
            case .allFormats: "*"
            case .format(let format): format
            }
        }

        public func covers(_ format: String) -> Bool {
            switch self {
            case .allFormats: true
            case .format(let own): own == format
            }
        }
    }

    public var target: Target
    /// `ack`, `nack`, `trr-int`, `ccm`, or an extension token.
    public var type: String
    /// Everything after the type (`pli`, `fir`, `100`), as written.
    public var parameter: String?

    public init(target: Target, type: String, parameter: String? = nil) {
        self.target = target
        self.type = type
        self.parameter = parameter
    }

    init(sdpValue: ArraySlice<UInt8>) throws(ValueSyntaxError) {
        let (targetBytes, rest) = ByteText.splitFirstField(ByteText.trimmedLeading(sdpValue))
        guard ByteText.isToken(targetBytes) || targetBytes.elementsEqual("*".utf8), let rest else {
            throw ValueSyntaxError("expected <payload type or *> <feedback type> [<parameter>]")
        }
        target = targetBytes.elementsEqual("*".utf8) ? .allFormats : .format(ByteText.string(targetBytes))
        let (typeBytes, parameterBytes) = ByteText.splitFirstField(rest)
        guard ByteText.isToken(typeBytes) else { throw ValueSyntaxError("feedback type is not a token") }
        type = ByteText.string(typeBytes)
        parameter = parameterBytes.map(ByteText.trimmed).flatMap { $0.isEmpty ? nil : ByteText.string($0) }
    }

    public var sdpValue: String { "\(target) \(type)" + (parameter.map { " " + $0 } ?? "") }
}
