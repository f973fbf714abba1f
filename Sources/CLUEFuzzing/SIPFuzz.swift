import SIP

extension FuzzTargets {
    /// Arbitrary bytes read as a SIP message, as a UDP datagram and as a TCP stream. Whatever parses must
    /// serialize, parse back to an equal message, and serialize to the same bytes again; an answerable error must
    /// yield a response that parses; the typed accessors, the transaction layer and the digest checker must
    /// never trap; and the stream framer must cut the same messages however the bytes are split.
    public static func sipMessage(_ bytes: UnsafeBufferPointer<UInt8>) {
        let input = Array(bytes)
        checkDatagram(input)
        checkStream(input)
        checkStack(input)
    }

    private static func checkDatagram(_ input: [UInt8]) {
        let message: SIPMessage
        do {
            message = try SIPMessage(parsing: input)
        } catch {
            if let response = error.response(toTag: "fuzz") {
                let written = response.serialized()
                guard case .response(let again)? = try? SIPMessage(parsing: written), again == response else {
                    fatalError("error response does not read back: \(error)\n"
                               + String(decoding: written, as: UTF8.self))
                }
            }
            return
        }
        let written = message.serialized()
        let again: SIPMessage
        do {
            again = try SIPMessage(parsing: written)
        } catch {
            fatalError("written message does not parse: \(error)\n\(String(decoding: written, as: UTF8.self))")
        }
        guard again == message else {
            fatalError("round trip changed the message:\n\(String(decoding: written, as: UTF8.self))")
        }
        guard again.serialized() == written else {
            fatalError("serialization is not stable:\n\(String(decoding: written, as: UTF8.self))")
        }
        // Written messages always carry Content-Length, so they also parse as stream messages.
        guard (try? SIPMessage(parsing: written, framing: .stream)) == message else {
            fatalError("written message does not parse from a stream")
        }
        exerciseAccessors(message)
    }

    private static func exerciseAccessors(_ message: SIPMessage) {
        let headers = message.headers
        _ = headers.vias
        _ = headers.from
        _ = headers.to
        _ = headers.callID
        _ = headers.cseq
        _ = headers.contact
        _ = headers.routes
        _ = headers.recordRoutes
        _ = headers.maxForwards
        _ = headers.expires
        _ = headers.contentType
        _ = headers.retryAfter
        _ = headers.allow
        _ = headers.supported
        _ = headers.require
        for value in headers.values(.authorization) + headers.values(.proxyAuthorization) {
            _ = DigestCredentials(value)
        }
        for value in headers.values(.wwwAuthenticate) { _ = DigestChallenge(value) }
        for name in headers.map(\.name) { _ = headers.elements(name) }
        for address in (headers.contact?.addresses ?? []) + [headers.from, headers.to].compactMap({ $0 }) {
            guard address.uri.isEquivalent(to: address.uri), NameAddress(address.description) == address else {
                fatalError("name-addr does not round-trip: \(address)")
            }
        }
        if case .request(let request) = message {
            guard request.uri.isEquivalent(to: request.uri), SIPURI(request.uri.description) == request.uri else {
                fatalError("Request-URI does not round-trip: \(request.uri)")
            }
            _ = request.sessionDescription()
            _ = request.bodyParts()
        }
        if let via = headers.topVia {
            let source = SIPHop(transport: .udp, address: SIPAddress(host: "192.0.2.1", port: 5060))
            _ = ResponseRouting.destination(for: ResponseRouting.stamp(via, receivedFrom: source.address),
                                            requestFrom: source)
            guard Via(via.description) == via else { fatalError("Via does not round-trip: \(via)") }
        }
    }

    private static func checkStream(_ input: [UInt8]) {
        var whole = SIPStreamFramer()
        let all = whole.feed(input)
        // The same bytes in pieces, split where the input says.
        var pieces = SIPStreamFramer()
        var outputs: [SIPStreamFramer.Output] = []
        var start = 0
        var step = 1
        while start < input.count {
            let length = min(input.count - start, Int(input[start] % 97) + step)
            outputs += pieces.feed(Array(input[start..<(start + length)]))
            start += length
            step = step * 2 % 1024 + 1
        }
        func shape(_ outputs: [SIPStreamFramer.Output]) -> [SIPStreamFramer.Output] {
            outputs.map { if case .failed = $0 { return .failed(SIPParseError(.empty)) } else { return $0 } }
        }
        guard shape(all) == shape(outputs) else { fatalError("framing depends on how the stream was split") }
        for output in all {
            if case .message(let bytes) = output {
                _ = try? SIPMessage(parsing: bytes, framing: .stream)
            }
        }
    }

    /// The path the driver takes: the transaction layer, then digest checking of requests.
    private static func checkStack(_ input: [UInt8]) {
        let start = ContinuousClock.Instant.now
        var layer = TransactionLayer(random: SIPRandom(seed: 1))
        let source = SIPHop(transport: .udp, address: SIPAddress(host: "192.0.2.1", port: 5060))
        var actions = layer.receive(input, from: source, now: start)
        actions += layer.receive(input, from: source, now: start + .milliseconds(10))
        actions += layer.timeout(now: start + .seconds(64))
        var authenticator = DigestAuthenticator(
            configuration: .init(realm: "bridge.example", secret: Array(repeating: 7, count: 32)), epoch: start)
        let ha1 = DigestHA1.derive(username: "alice", realm: "bridge.example", password: "secret")
        for action in actions {
            if case .request(let request, _, _) = action {
                _ = authenticator.authenticate(request, source: "192.0.2.1", now: start) { $0 == "alice" ? ha1 : nil }
            }
        }
    }
}
