/// One part of a multipart body (RFC 2046 section 5.1).
public struct MIMEBodyPart: Sendable, Hashable {
    public var headers: SIPHeaders
    public var body: [UInt8]

    public init(headers: SIPHeaders = [], body: [UInt8]) {
        self.headers = headers
        self.body = body
    }

    /// Content-Type; a part without one is `text/plain` (RFC 2046 section 5.1).
    public var contentType: MediaType { headers.contentType ?? MediaType("text", "plain") }
}

/// Multipart bodies (RFC 2046 section 5.1.1), as SIP carries them (RFC 5621): SDP beside other parts.
///
/// ```
/// multipart-body := [preamble CRLF] dash-boundary transport-padding CRLF body-part *encapsulation
///                   close-delimiter transport-padding [CRLF epilogue]
/// encapsulation  := delimiter transport-padding CRLF body-part
/// delimiter      := CRLF dash-boundary
/// ```
public enum MultipartBody {
    /// The parts of `body` delimited by `boundary`; nil when the body is not well-formed multipart or exceeds
    /// the limits.
    public static func parts(of body: [UInt8], boundary: String, limits: SIPLimits = .default) -> [MIMEBodyPart]? {
        // RFC 2046: 1 to 70 characters.
        guard !boundary.isEmpty, boundary.utf8.count <= 70 else { return nil }
        let dashBoundary = Array("--\(boundary)".utf8)
        return body.withUnsafeBufferPointer { bytes -> [MIMEBodyPart]? in
            // Delimiters: the dash-boundary at the start of the body or right after a line end.
            var delimiters: [(lineStart: Int, after: Int)] = []
            var i = 0
            while i + dashBoundary.count <= bytes.count {
                let atLineStart = i == 0 || bytes[i - 1] == .lf
                let next = i + dashBoundary.count
                if atLineStart, bytes[i] == .dash,
                   bytes[i..<next].elementsEqual(dashBoundary),
                   next == bytes.count || bytes[next] == .dash || bytes[next].isWhitespace || bytes[next] == .cr
                    || bytes[next] == .lf {
                    var lineStart = i
                    if lineStart > 0, bytes[lineStart - 1] == .lf { lineStart -= 1 }
                    if lineStart > 0, bytes[lineStart - 1] == .cr { lineStart -= 1 }
                    delimiters.append((lineStart, i + dashBoundary.count))
                    guard delimiters.count <= limits.maximumBodyParts + 1 else { return nil }
                    i += dashBoundary.count
                    continue
                }
                // Jump to the next line.
                guard let lf = bytes[i...].firstIndex(of: .lf) else { break }
                i = lf + 1
            }
            guard delimiters.count >= 2 else { return nil }
            var parts: [MIMEBodyPart] = []
            for index in 0..<(delimiters.count - 1) {
                let after = delimiters[index].after
                // The close delimiter ends the body.
                if after + 1 < bytes.count, bytes[after] == .dash, bytes[after + 1] == .dash { break }
                // transport-padding CRLF
                var start = after
                while start < bytes.count, bytes[start].isWhitespace { start += 1 }
                if start < bytes.count, bytes[start] == .cr { start += 1 }
                guard start < bytes.count, bytes[start] == .lf else { return nil }
                start += 1
                let end = delimiters[index + 1].lineStart
                guard start <= end, let part = parsePart(bytes, start..<end, limits: limits) else { return nil }
                parts.append(part)
            }
            // The last delimiter must be the close delimiter.
            let last = delimiters[delimiters.count - 1].after
            guard last + 1 < bytes.count, bytes[last] == .dash, bytes[last + 1] == .dash, !parts.isEmpty else {
                return nil
            }
            return parts
        }
    }

    private static func parsePart(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>,
                                  limits: SIPLimits) -> MIMEBodyPart? {
        var collector = HeaderCollector()
        var position = range.lowerBound
        while true {
            guard position < range.upperBound else {
                // Headers only, no blank line: an empty part body.
                break
            }
            let lf = bytes[position..<range.upperBound].firstIndex(of: .lf) ?? range.upperBound
            var end = lf
            if end > position, bytes[end - 1] == .cr { end -= 1 }
            let content = position..<end
            position = min(lf + 1, range.upperBound)
            if content.isEmpty { break }
            if bytes[content.lowerBound].isWhitespace {
                guard collector.continueField(HeaderList.trim(bytes, content), limits: limits) == nil else {
                    return nil
                }
                continue
            }
            guard collector.finishField(bytes, limits: limits) == nil,
                  collector.fields.count < limits.maximumHeaderCount else { return nil }
            var scanner = ByteScanner(bytes, range: content)
            guard let name = scanner.scanToken() else { return nil }
            scanner.skipWhitespace()
            guard scanner.consume(.colon) else { return nil }
            collector.startField(SIPHeaderName.parse(scanner, name), HeaderList.trim(bytes, scanner.remaining))
        }
        guard collector.finishField(bytes, limits: limits) == nil else { return nil }
        return MIMEBodyPart(headers: SIPHeaders(collector.fields),
                            body: Array(bytes[min(position, range.upperBound)..<range.upperBound]))
    }

    /// A multipart body with these parts; `boundary` must not occur in any part.
    public static func serialize(_ parts: [MIMEBodyPart], boundary: String) -> [UInt8] {
        var writer = MessageWriter(capacity: parts.reduce(64) { $0 + $1.body.count + 128 })
        for part in parts {
            writer.append("--\(boundary)\r\n")
            for field in part.headers {
                writer.append(field.name.description)
                writer.append(": ")
                writer.appendText(field.value)
                writer.append("\r\n")
            }
            writer.append("\r\n")
            writer.bytes.append(contentsOf: part.body)
            writer.append("\r\n")
        }
        writer.append("--\(boundary)--\r\n")
        return writer.bytes
    }
}

extension SIPMessageParts {
    /// The parts of a multipart body, one level; nil when the body is not multipart or not well-formed.
    public func bodyParts(limits: SIPLimits = .default) -> [MIMEBodyPart]? {
        guard let type = headers.contentType, type.isMultipart, let boundary = type.boundary else { return nil }
        return MultipartBody.parts(of: body, boundary: boundary, limits: limits)
    }

    /// The session description: the body when it is `application/sdp`, or the first `application/sdp` part of a
    /// multipart body, searched depth-first through nested multiparts (up to `maximumMultipartDepth`).
    public func sessionDescription(limits: SIPLimits = .default) -> [UInt8]? {
        guard let type = headers.contentType else { return nil }
        return MultipartBody.find(.sdp, in: body, type: type, depth: 0, limits: limits)
    }
}

extension MultipartBody {
    static func find(_ wanted: MediaType, in body: [UInt8], type: MediaType, depth: Int,
                     limits: SIPLimits) -> [UInt8]? {
        if type.matches(wanted) { return body }
        guard type.isMultipart, depth < limits.maximumMultipartDepth, let boundary = type.boundary,
              let parts = parts(of: body, boundary: boundary, limits: limits) else { return nil }
        for part in parts {
            if let found = find(wanted, in: part.body, type: part.contentType, depth: depth + 1, limits: limits) {
                return found
            }
        }
        return nil
    }
}
