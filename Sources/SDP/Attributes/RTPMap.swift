/// `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]` (RFC 8866 section 6.6).
public struct RTPMap: Sendable, Hashable {
    /// 0-127.
    public var payloadType: UInt8
    /// Case-insensitive (RFC 4855 section 3); kept as written.
    public var encodingName: String
    public var clockRate: UInt32
    /// For audio, the number of channels.
    public var encodingParameters: UInt16?

    public init(payloadType: UInt8, encodingName: String, clockRate: UInt32, encodingParameters: UInt16? = nil) {
        self.payloadType = payloadType
        self.encodingName = encodingName
        self.clockRate = clockRate
        self.encodingParameters = encodingParameters
    }

    init(sdpValue: ArraySlice<UInt8>) throws(ValueSyntaxError) {
        let fields = ByteText.fields(sdpValue)
        guard fields.count == 2, let payloadType = ByteText.decimal(fields[0], as: UInt8.self), payloadType < 128
        else {
            throw ValueSyntaxError("expected <payload type 0-127> <encoding name>/<clock rate>")
        }
        self.payloadType = payloadType
        let parts = fields[1].split(separator: ByteText.slash, omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, ByteText.isToken(parts[0]),
              let clockRate = ByteText.decimal(parts[1], as: UInt32.self) else {
            throw ValueSyntaxError("expected <encoding name>/<clock rate>[/<encoding parameters>]")
        }
        encodingName = ByteText.string(parts[0])
        self.clockRate = clockRate
        if parts.count == 3 {
            guard let parameters = ByteText.decimal(parts[2], as: UInt16.self) else {
                throw ValueSyntaxError("encoding parameters must be a number")
            }
            encodingParameters = parameters
        }
    }

    public var sdpValue: String {
        "\(payloadType) \(encodingName)/\(clockRate)" + (encodingParameters.map { "/\($0)" } ?? "")
    }

    /// Encoding name compared without regard to case.
    public func names(_ name: String) -> Bool { encodingName.lowercased() == name.lowercased() }
}

/// `a=fmtp:<format> <format specific parameters>` (RFC 8866 section 6.15). The parameters are kept as written
/// (their syntax belongs to each payload format); `parameters` reads the common `name=value;name=value` form.
public struct FormatParameters: Sendable, Hashable {
    public var format: String
    public var text: String

    public init(format: String, text: String) {
        self.format = format
        self.text = text
    }

    /// `name=value` pairs separated by ";" (RFC 4855 section 3 mapping).
    public init(format: String, parameters: [(name: String, value: String?)]) {
        self.init(format: format, text: parameters.map { item in
            item.value.map { "\(item.name)=\($0)" } ?? item.name
        }.joined(separator: ";"))
    }

    init(sdpValue: ArraySlice<UInt8>) throws(ValueSyntaxError) {
        let (format, rest) = ByteText.splitFirstField(ByteText.trimmedLeading(sdpValue))
        guard ByteText.isToken(format) else { throw ValueSyntaxError("expected <format> <parameters>") }
        self.format = ByteText.string(format)
        text = rest.map(ByteText.string) ?? ""
    }

    public var sdpValue: String { text.isEmpty ? format : "\(format) \(text)" }

    /// The parameters in order; names keep their case, values are trimmed.
    public var parameters: [(name: String, value: String?)] {
        text.split(separator: ";").compactMap { piece in
            let item = piece.trimmingWhitespace()
            guard !item.isEmpty else { return nil }
            guard let equals = item.firstIndex(of: "=") else { return (String(item), nil) }
            return (String(item[..<equals]).trimmingWhitespace(), String(item[item.index(after: equals)...])
                .trimmingWhitespace())
        }
    }

    /// The value of a parameter, its name compared without regard to case (RFC 4855 section 3).
    public func value(of name: String) -> String? {
        let lower = name.lowercased()
        return parameters.first { $0.name.lowercased() == lower }?.value ?? nil
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first == " " || first == "\t" { scalars = scalars.dropFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}

extension ByteText {
    static func trimmedLeading(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, isWhitespace(first) { slice = slice.dropFirst() }
        return slice
    }
}
