import Testing
@testable import SIP

@Suite struct SerializerTests {
    /// Parsing, writing and parsing again gives the same message, and writing is stable.
    @Test func roundTrip() throws {
        let original = try parse(MessageParserTests.invite)
        let written = original.serialized()
        let again = try SIPMessage(parsing: written)
        #expect(again == original)
        #expect(again.serialized() == written)
    }

    /// The serializer writes long canonical names, the Request-URI canonically, and a correct Content-Length last.
    @Test func canonicalForm() throws {
        let request = try parseRequest("""
            INVITE SIP:Demo@Bridge.Example;LR SIP/2.0
            v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKc
            f: <sip:a@b>;tag=1
            t: <sip:demo@bridge.example>
            i: canonical@x
            cseq: 1 INVITE
            l: 3
            x-unknown-HEADER: kept as written

            abc
            """)
        let text = String(bytes: request.serialized())
        #expect(text == """
            INVITE sip:Demo@Bridge.Example;LR SIP/2.0\r
            Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKc\r
            From: <sip:a@b>;tag=1\r
            To: <sip:demo@bridge.example>\r
            Call-ID: canonical@x\r
            CSeq: 1 INVITE\r
            x-unknown-HEADER: kept as written\r
            Content-Length: 3\r
            \r
            abc
            """)
    }

    /// Content-Length always matches the body, whatever was stored or changed.
    @Test func contentLengthFollowsBody() throws {
        var request = try parseRequest(MessageParserTests.invite)
        request.body = Array("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n".utf8)
        request.headers.append(.contentLength, "1")
        let written = String(bytes: request.serialized())
        #expect(written.contains("Content-Length: 29\r\n\r\nv=0"))
        #expect(written.ranges(of: "Content-Length").count == 1)
        guard case .request(let again) = try SIPMessage(parsing: request.serialized(), framing: .stream) else {
            throw TestFailure("not a request")
        }
        #expect(again.body == request.body)
    }

    /// Line breaks in values from the application cannot inject headers.
    @Test func noHeaderInjection() throws {
        var response = SIPResponse(answering: try parseRequest(MessageParserTests.invite), statusCode: 200,
                                   reasonPhrase: "OK\r\nX-Evil: 1", toTag: "t")
        response.headers.append(.subject, "hi\r\nX-Evil: 2")
        let parsed = try parseResponse(String(bytes: response.serialized()))
        #expect(!parsed.headers.contains("X-Evil"))
        #expect(parsed.headers[.subject] == "hi  X-Evil: 2")
    }

    /// Responses built from a request copy Via, From, To (with tag), Call-ID and CSeq; 100 copies Timestamp and
    /// adds no tag.
    @Test func answeringCopiesHeaders() throws {
        var request = try parseRequest(MessageParserTests.invite)
        request.headers.append(.timestamp, "54")
        let trying = SIPResponse(answering: request, statusCode: 100, toTag: "x")
        #expect(trying.to?.tag == nil)
        #expect(trying.headers[.timestamp] == "54")
        #expect(trying.reasonPhrase == "Trying")
        let ok = SIPResponse(answering: request, statusCode: 200, toTag: "x")
        #expect(ok.to?.tag == "x")
        #expect(ok.headers[.timestamp] == nil)
        #expect(Set(ok.headers.map(\.name)) == [.via, .from, .to, .callID, .cseq])
        let tagged = SIPResponse(answering: try parseRequest(inviteText(toTag: "had")), statusCode: 200, toTag: "new")
        #expect(tagged.to?.tag == "had")
    }

    /// URIs are written with the escapes their components need and read back equal.
    @Test func uriEscaping() throws {
        let uri = SIPURI(scheme: .sips, user: "alice smith@home", password: "p:w", host: .ipv6("2001:db8::1"),
                         port: 5061, parameters: [SIPParameter("x y", "a;b"), SIPParameter("lr")],
                         headers: [SIPParameter("Subject", "hi & bye")])
        let text = uri.description
        #expect(text == "sips:alice%20smith%40home:p%3Aw@[2001:db8::1]:5061;x%20y=a%3Bb;lr?Subject=hi%20%26%20bye")
        #expect(SIPURI(text) == uri)
        let address = NameAddress(displayName: "Alice \"A\" Smith", uri: uri, parameters: [SIPParameter("tag", "t")])
        #expect(NameAddress(address.description) == address)
    }

    /// Typed headers write what their parsers read.
    @Test func typedHeadersRoundTrip() throws {
        var via = Via(transport: "tls", host: .ipv6("::1"), port: 5061)
        via.branch = "z9hG4bKabc"
        via.rport = .requested
        #expect(via.description == "SIP/2.0/TLS [::1]:5061;branch=z9hG4bKabc;rport")
        #expect(Via(via.description) == via)
        #expect(CSeq(CSeq(4711, .invite).description) == CSeq(4711, .invite))
        let type = MediaType("multipart", "mixed", parameters: [SIPParameter("boundary", "\"b 1\"")])
        #expect(MediaType(type.description) == type)
        #expect(type.boundary == "b 1")
        let retry = RetryAfter(seconds: 5, comment: "busy", parameters: [SIPParameter("duration", "60")])
        #expect(RetryAfter(retry.description) == retry)
    }
}

@Suite struct StreamFramerTests {
    static let options = wire(inviteText(method: "OPTIONS"))
    /// Content-Length 4 covers "v=0\r"; the final "\n" is a stray line end between messages.
    static let withBody = wire(MessageParserTests.invite)

    /// Messages split anywhere, glued together, with keep-alives between, come out whole and in order.
    @Test func framesAcrossReads() throws {
        let stream = Self.options + Array("\r\n\r\n".utf8) + Self.withBody + Self.options
        var framer = SIPStreamFramer()
        var outputs: [SIPStreamFramer.Output] = []
        for byte in stream { outputs += framer.feed([byte]) }
        #expect(outputs == [.message(Self.options), .keepAlive, .message(Array(Self.withBody.dropLast())),
                            .message(Self.options)])
        #expect(framer.bufferedByteCount == 0)
        var whole = SIPStreamFramer()
        #expect(whole.feed(stream) == outputs)
        for output in outputs {
            if case .message(let bytes) = output { _ = try SIPMessage(parsing: bytes, framing: .stream) }
        }
    }

    /// A message without Content-Length on a stream ends the stream, answerably when the headers allow.
    @Test func missingContentLength() throws {
        let text = inviteText(method: "OPTIONS").replacing("Content-Length: 0\n", with: "")
        var framer = SIPStreamFramer()
        let outputs = framer.feed(wire(text))
        guard case .failed(let error)? = outputs.first else { throw TestFailure("no failure") }
        #expect(error.reasonPhrase == "Missing Content-Length")
        #expect(error.isAnswerable)
        #expect(framer.isFailed)
        #expect(framer.feed(Self.options).isEmpty)
    }

    /// A Content-Length beyond the message limit, or headers that never end, fail without buffering forever.
    @Test func limits() throws {
        var framer = SIPStreamFramer()
        let huge = inviteText(method: "OPTIONS").replacing("Content-Length: 0", with: "Content-Length: 99999999")
        guard case .failed(let error)? = framer.feed(wire(huge)).first else { throw TestFailure("no failure") }
        #expect(error.statusCode == 513)
        #expect(error.isAnswerable)
        var endless = SIPStreamFramer()
        var outputs: [SIPStreamFramer.Output] = endless.feed(Array("OPTIONS sip:a@b SIP/2.0\r\n".utf8))
        for _ in 0..<5000 where outputs.isEmpty { outputs = endless.feed(Array("X-Pad: 0123456789\r\n".utf8)) }
        guard case .failed(let endlessError)? = outputs.first else { throw TestFailure("no failure") }
        #expect(endlessError.reason == .messageTooLarge)
        #expect(endless.bufferedByteCount == 0)
    }

    /// Conflicting or malformed Content-Length values fail the stream.
    @Test func badContentLength() throws {
        var framer = SIPStreamFramer()
        let text = inviteText(method: "OPTIONS").replacing("Content-Length: 0", with: "Content-Length: 0\nl: 5")
        guard case .failed(let error)? = framer.feed(wire(text)).first else { throw TestFailure("no failure") }
        #expect(error.reasonPhrase == "Multiple Content-Length Values")
    }
}

@Suite struct MultipartTests {
    static let sdp = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n"

    /// The SDP part of a multipart/mixed body is found; the parts keep their headers.
    @Test func findsSDP() throws {
        let body = Array("""
            preamble\r
            --boundary42\r
            Content-Type: application/sdp\r
            \r
            \(Self.sdp)\r
            --boundary42\r
            Content-Type: application/resource-lists+xml\r
            Content-Disposition: recipient-list\r
            \r
            <list/>\r
            --boundary42--\r
            epilogue
            """.utf8)
        var request = try parseRequest(MessageParserTests.invite)
        request.headers.set(.contentType, "multipart/mixed; boundary=\"boundary42\"")
        request.body = body
        let parts = try #require(request.bodyParts())
        #expect(parts.count == 2)
        #expect(parts[1].headers[.contentDisposition] == "recipient-list")
        #expect(request.sessionDescription() == Array(Self.sdp.utf8))
    }

    /// Nested multiparts are searched; a plain SDP body is the description itself.
    @Test func nestedAndPlain() throws {
        let inner = MultipartBody.serialize([
            MIMEBodyPart(headers: [(.contentType, "text/plain")], body: Array("hi".utf8)),
            MIMEBodyPart(headers: [(.contentType, "application/sdp")], body: Array(Self.sdp.utf8)),
        ], boundary: "inner")
        let outer = MultipartBody.serialize([
            MIMEBodyPart(headers: [(.contentType, "multipart/alternative;boundary=inner")], body: inner),
        ], boundary: "outer")
        var request = try parseRequest(MessageParserTests.invite)
        request.headers.set(.contentType, "multipart/mixed;boundary=outer")
        request.body = outer
        #expect(request.sessionDescription() == Array(Self.sdp.utf8))
        request.headers.set(.contentType, "application/sdp")
        #expect(request.sessionDescription() == request.body)
    }

    /// A body without its close delimiter, or with a delimiter-like line that is not one, is not multipart.
    @Test func malformed() {
        #expect(MultipartBody.parts(of: Array("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b\r\n".utf8),
                                    boundary: "b") == nil)
        #expect(MultipartBody.parts(of: Array("--bx\r\n\r\nx\r\n--bx--".utf8), boundary: "b") == nil)
        let parts = MultipartBody.parts(of: Array("--b\r\n\r\nno headers\r\n--b--".utf8), boundary: "b")
        #expect(parts?.first?.body == Array("no headers".utf8))
        #expect(parts?.first?.contentType == MediaType("text", "plain"))
    }
}

@Suite struct RequestScreeningTests {
    static let screening = RequestScreening(supportedOptions: ["timer"])

    /// Unknown methods get 405 with Allow; unknown Require tags 420 with Unsupported; other schemes 416; bodies
    /// of other types 415 with Accept.
    @Test func refusals() throws {
        let subscribe = try parseRequest(inviteText(method: "SUBSCRIBE"))
        let notAllowed = try #require(Self.screening.refusal(of: subscribe, toTag: "t"))
        #expect(notAllowed.statusCode == 405)
        #expect(notAllowed.headers.allow.contains(.invite))

        var require = try parseRequest(inviteText())
        require.headers.append(.require, "timer, 100rel, foo")
        let badExtension = try #require(Self.screening.refusal(of: require, toTag: "t"))
        #expect(badExtension.statusCode == 420)
        #expect(badExtension.headers[.unsupported] == "100rel, foo")

        var tel = try parseRequest(inviteText())
        tel.uri = try #require(SIPURI("mailto:demo@bridge.example"))
        #expect(Self.screening.refusal(of: tel, toTag: "t")?.statusCode == 416)

        var text = try parseRequest(inviteText())
        text.headers.append(.contentType, "text/plain")
        text.body = Array("hello".utf8)
        let unsupported = try #require(Self.screening.refusal(of: text, toTag: "t"))
        #expect(unsupported.statusCode == 415)
        #expect(unsupported.headers[.accept] == "application/sdp")

        #expect(Self.screening.refusal(of: try parseRequest(MessageParserTests.invite), toTag: "t") == nil)
        #expect(Self.screening.refusal(of: try parseRequest(inviteText(method: "ACK")), toTag: "t") == nil)
    }

    /// OPTIONS is answered with Allow, Supported and Accept.
    @Test func options() throws {
        let response = Self.screening.optionsResponse(to: try parseRequest(inviteText(method: "OPTIONS")), toTag: "o")
        #expect(response.statusCode == 200)
        #expect(response.headers[.allow] == "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE")
        #expect(response.headers[.supported] == "timer")
        #expect(response.headers[.accept] == "application/sdp")
    }
}
