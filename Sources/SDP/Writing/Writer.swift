extension SessionDescription {
    /// The description as SDP text with CRLF line endings, fields in the order of RFC 8866 section 5 (`z=` after
    /// the last time description, as RFC 4566 placed it and RFC 8866 still allows).
    public var text: String {
        var lines: [String] = ["v=0", "o=\(origin.sdpValue)", "s=\(sessionName)"]
        if let information { lines.append("i=\(information)") }
        if let uri { lines.append("u=\(uri)") }
        lines += emails.map { "e=\($0)" }
        lines += phones.map { "p=\($0)" }
        if let connection { lines.append("c=\(connection.sdpValue)") }
        lines += bandwidths.map { "b=\($0.sdpValue)" }
        for time in timing {
            lines.append("t=\(time.start) \(time.stop)")
            lines += time.repeats.map { "r=\($0.sdpValue)" }
        }
        if !timeZoneAdjustments.isEmpty {
            lines.append("z=" + timeZoneAdjustments.map {
                "\($0.time) \($0.isNegative ? "-" : "")\($0.offset)"
            }.joined(separator: " "))
        }
        if let encryptionKey { lines.append("k=\(encryptionKey)") }
        lines += attributes.map { "a=\($0.sdpText)" }
        for section in media { section.appendLines(to: &lines) }
        return lines.map { $0 + "\r\n" }.joined()
    }

    /// `text` as UTF-8 bytes, ready for a SIP body.
    public var bytes: [UInt8] { Array(text.utf8) }
}

extension MediaDescription {
    func appendLines(to lines: inout [String]) {
        let port = portCount.map { "\(self.port)/\($0)" } ?? String(self.port)
        lines.append((["m=\(kind)", port, proto.description] + formats).joined(separator: " "))
        if let information { lines.append("i=\(information)") }
        lines += connections.map { "c=\($0.sdpValue)" }
        lines += bandwidths.map { "b=\($0.sdpValue)" }
        if let encryptionKey { lines.append("k=\(encryptionKey)") }
        lines += attributes.map { "a=\($0.sdpText)" }
    }

    /// This section alone as SDP text (for logs and tests).
    public var text: String {
        var lines: [String] = []
        appendLines(to: &lines)
        return lines.map { $0 + "\r\n" }.joined()
    }
}

extension Origin {
    public var sdpValue: String {
        "\(username) \(sessionID) \(sessionVersion) \(networkType) \(addressType) \(address)"
    }
}

extension ConnectionData {
    public var sdpValue: String { "\(networkType) \(addressType) \(address)" }
}

extension Bandwidth {
    public var sdpValue: String { "\(type):\(value)" }
}

extension RepeatTime {
    public var sdpValue: String {
        ([interval, activeDuration] + offsets).map(\.description).joined(separator: " ")
    }
}
