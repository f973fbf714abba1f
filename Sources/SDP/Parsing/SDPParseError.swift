/// Why a body is not a session description the bridge will read. Every case but `tooLarge` and `empty` names the
/// line (1-based, counting physical lines) where the problem was found. `sipRejection` (in SIPRejection.swift) maps
/// each case to the SIP response.
public enum SDPParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The body is larger than `SDPLimits.maxBytes`.
    case tooLarge(size: Int, limit: Int)
    /// No lines at all.
    case empty
    case tooManyLines(line: Int, limit: Int)
    case lineTooLong(line: Int, length: Int, limit: Int)
    case tooManyMediaDescriptions(line: Int, limit: Int)
    /// The line is not valid UTF-8 (RFC 8866 section 5: text is UTF-8 unless `a=charset` says otherwise; the
    /// bridge does not take other charsets).
    case notUTF8(line: Int)
    /// NUL, or a CR that does not end the line (RFC 8866 section 9: `byte-string` excludes both).
    case forbiddenByte(line: Int, byte: UInt8)
    /// Not `<type>=<value>` (RFC 8866 section 5: no whitespace on either side of "=").
    case malformedLine(line: Int)
    /// A type letter RFC 8866 does not define (section 5: "MUST completely ignore or reject"; we reject).
    case unknownLineType(line: Int, type: String)
    /// A known line where it may not appear, or repeated where only one is allowed.
    case misplacedLine(line: Int, type: String, reason: String)
    /// A required line (`v=`, `o=`, `s=`) is absent.
    case missingLine(type: String)
    /// `v=` other than 0 (RFC 8866 section 5.1).
    case unsupportedVersion(line: Int, version: String)
    /// A field of `o=`, `c=`, `b=`, `t=`, `r=`, `z=` or `m=` does not match its grammar.
    case invalidField(line: Int, type: String, reason: String)
    /// A typed attribute whose value does not match its grammar, or an attribute line without a name.
    case invalidAttribute(line: Int, name: String, reason: String)

    /// The line the problem is on, 0 when it concerns the whole body.
    public var line: Int {
        switch self {
        case .tooLarge, .empty, .missingLine: 0
        case .tooManyLines(let line, _), .lineTooLong(let line, _, _), .tooManyMediaDescriptions(let line, _),
             .notUTF8(let line), .forbiddenByte(let line, _), .malformedLine(let line),
             .unknownLineType(let line, _), .misplacedLine(let line, _, _), .unsupportedVersion(let line, _),
             .invalidField(let line, _, _), .invalidAttribute(let line, _, _):
            line
        }
    }

    public var description: String {
        switch self {
        case .tooLarge(let size, let limit): "SDP body of \(size) bytes exceeds the limit of \(limit)"
        case .empty: "SDP body is empty"
        case .tooManyLines(let line, let limit): "line \(line): more than \(limit) SDP lines"
        case .lineTooLong(let line, let length, let limit):
            "line \(line): \(length) bytes exceeds the line limit of \(limit)"
        case .tooManyMediaDescriptions(let line, let limit): "line \(line): more than \(limit) m= lines"
        case .notUTF8(let line): "line \(line): not UTF-8"
        case .forbiddenByte(let line, let byte): "line \(line): forbidden byte 0x\(String(byte, radix: 16))"
        case .malformedLine(let line): "line \(line): not <type>=<value>"
        case .unknownLineType(let line, let type): "line \(line): unknown line type \(type)="
        case .misplacedLine(let line, let type, let reason): "line \(line): \(type)= \(reason)"
        case .missingLine(let type): "missing \(type)= line"
        case .unsupportedVersion(let line, let version): "line \(line): unsupported SDP version v=\(version)"
        case .invalidField(let line, let type, let reason): "line \(line): invalid \(type)= line: \(reason)"
        case .invalidAttribute(let line, let name, let reason): "line \(line): invalid a=\(name): \(reason)"
        }
    }
}

/// Hard limits on what the parser reads: the body arrives from the network before anyone is authenticated.
public struct SDPLimits: Sendable, Hashable {
    public var maxBytes: Int
    public var maxLines: Int
    public var maxLineLength: Int
    public var maxMediaDescriptions: Int

    /// Generous for any real offer (a browser offer with three m-lines is about 6 KiB and 150 lines; a three-screen
    /// CLUE room after re-INVITEs has around a dozen m-lines), small enough that parsing stays cheap.
    public static let `default` = SDPLimits(maxBytes: 64 * 1024, maxLines: 2_000, maxLineLength: 4_096,
                                            maxMediaDescriptions: 64)

    public init(maxBytes: Int, maxLines: Int, maxLineLength: Int, maxMediaDescriptions: Int) {
        self.maxBytes = maxBytes
        self.maxLines = maxLines
        self.maxLineLength = maxLineLength
        self.maxMediaDescriptions = maxMediaDescriptions
    }
}
