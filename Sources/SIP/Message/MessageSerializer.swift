/// Writing messages: the start line, each header as `Name: value` with its canonical long name, then a
/// `Content-Length` that always matches the body, the blank line and the body.
extension SIPMessage {
    public func serialized() -> [UInt8] {
        switch self {
        case .request(let request): return request.serialized()
        case .response(let response): return response.serialized()
        }
    }
}

extension SIPRequest {
    public func serialized() -> [UInt8] {
        var writer = MessageWriter(capacity: estimatedSize)
        writer.append(method.rawValue)
        writer.append(" ")
        writer.append(uri.description)
        writer.append(" SIP/2.0\r\n")
        writer.finish(headers: headers, body: body)
        return writer.bytes
    }

    var estimatedSize: Int { 64 + body.count + headers.reduce(0) { $0 + $1.value.utf8.count + 24 } }
}

extension SIPResponse {
    public func serialized() -> [UInt8] {
        var writer = MessageWriter(capacity: 64 + body.count + headers.reduce(0) { $0 + $1.value.utf8.count + 24 })
        writer.append("SIP/2.0 ")
        writer.append(String(statusCode))
        writer.append(" ")
        writer.appendText(reasonPhrase)
        writer.append("\r\n")
        writer.finish(headers: headers, body: body)
        return writer.bytes
    }
}

struct MessageWriter {
    var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    @inline(__always)
    mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// Text from the application: a CR or LF would end the line early (header injection), so it becomes a
    /// space. Other bytes are written as they are (a parsed value keeps its quoted-pairs, even of NUL).
    mutating func appendText(_ text: String) {
        withUTF8Bytes(text) { utf8 in
            if !utf8.contains(where: { $0 == .cr || $0 == .lf }) {
                bytes.append(contentsOf: utf8)
            } else {
                for b in utf8 { bytes.append(b == .cr || b == .lf ? .space : b) }
            }
        }
    }

    mutating func finish(headers: SIPHeaders, body: [UInt8]) {
        for field in headers where field.name != .contentLength {
            append(field.name.description)
            append(": ")
            appendText(field.value)
            append("\r\n")
        }
        append("Content-Length: ")
        append(String(body.count))
        append("\r\n\r\n")
        bytes.append(contentsOf: body)
    }
}
