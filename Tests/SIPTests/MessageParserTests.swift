import Testing
@testable import SIP

@Suite struct MessageParserTests {
    static let invite = """
        INVITE sip:demo@bridge.example SIP/2.0
        Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport
        Max-Forwards: 70
        To: <sip:demo@bridge.example>
        From: "Alice" <sip:alice@example.com>;tag=1928301774
        Call-ID: a84b4c76e66710@pc33.example.com
        CSeq: 314159 INVITE
        Contact: <sip:alice@192.0.2.10:5060>;+sip.clue
        Content-Type: application/sdp
        Content-Length: 4

        v=0

        """

    /// A plain INVITE parses into method, Request-URI, typed headers and a body cut at Content-Length.
    @Test func parsesInvite() throws {
        let request = try parseRequest(Self.invite)
        #expect(request.method == .invite)
        #expect(request.uri.user == "demo")
        #expect(request.uri.host == .name("bridge.example"))
        #expect(request.callID == "a84b4c76e66710@pc33.example.com")
        #expect(request.cseq == CSeq(314159, .invite))
        #expect(request.from?.displayName == "Alice")
        #expect(request.from?.tag == "1928301774")
        #expect(request.to?.tag == nil)
        #expect(request.topVia?.branch == "z9hG4bK776asdhds")
        #expect(request.topVia?.rport == .requested)
        #expect(request.topVia?.port == 5060)
        #expect(request.headers.maxForwards == 70)
        #expect(request.contact?.addresses.first?.hasFeatureTag(NameAddress.clueFeatureTag) == true)
        #expect(request.contentType?.matches(.sdp) == true)
        #expect(request.body == Array("v=0\r".utf8))
        #expect(!request.headers.contains(.contentLength))
    }

    /// Compact header names map to their long forms and are written long.
    @Test func compactForms() throws {
        let request = try parseRequest("""
            OPTIONS sip:demo@bridge.example SIP/2.0
            v: SIP/2.0/TCP client.example.com:5060;branch=z9hG4bKcompact
            f: <sip:alice@example.com>;tag=abc
            t: sip:demo@bridge.example
            i: compact@client
            CSeq: 1 OPTIONS
            m: <sip:alice@client.example.com>
            k: timer, replaces
            s: hello
            o: presence
            u: talk
            r: <sip:x@y>
            x: 1800
            e: gzip
            c: text/plain
            y: abc
            l: 0

            """)
        #expect(request.headers[.via] != nil)
        #expect(request.callID == "compact@client")
        #expect(request.headers.supported == ["timer", "replaces"])
        #expect(request.headers[.subject] == "hello")
        #expect(request.headers[.event] == "presence")
        #expect(request.headers[.allowEvents] == "talk")
        #expect(request.headers[.referTo] == "<sip:x@y>")
        #expect(request.headers[.sessionExpires] == "1800")
        #expect(request.headers[.contentEncoding] == "gzip")
        #expect(request.headers[.identity] == "abc")
        let text = String(bytes: request.serialized())
        #expect(text.contains("Via: SIP/2.0/TCP"))
        #expect(text.contains("Call-ID: compact@client"))
        #expect(text.contains("Supported: timer, replaces"))
        #expect(!text.contains("\r\ni:"))
    }

    /// Folded lines are unfolded into one value with a single space at each fold; names are case-insensitive.
    @Test func foldedHeadersAndNameCase() throws {
        let request = try parseRequest("""
            INVITE sip:demo@bridge.example SIP/2.0
            VIA: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKfold
            TO: sip:demo@bridge.example
            fRoM: <sip:alice@example.com>
              ;tag=folded
            call-id: fold@x
            cseq: 2
            \t INVITE
            Subject: I know you're there,
                     pick up the phone
                     and talk to me!
            Content-Length: 0

            """)
        #expect(request.from?.tag == "folded")
        #expect(request.cseq == CSeq(2, .invite))
        #expect(request.headers[.subject] == "I know you're there, pick up the phone and talk to me!")
        #expect(request.headers.topVia?.host == .ipv4("192.0.2.1"))
    }

    /// Comma-joined values are split where the grammar allows, never inside quotes or angle brackets.
    @Test func commaJoinedValues() throws {
        let request = try parseRequest("""
            INVITE sip:demo@bridge.example SIP/2.0
            Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com;branch=z9hG4bK2
            Via: SIP/2.0/UDP c.example.com;branch=z9hG4bK3
            To: sip:demo@bridge.example
            From: sip:alice@example.com;tag=1
            Call-ID: lists@x
            CSeq: 1 INVITE
            Contact: "Doe, John" <sip:john@a.example.com>, <sip:jo,hn@b.example.com;x=1>;q=0.5
            Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>
            Allow: INVITE, ACK,BYE ,  CANCEL
            Content-Length: 0

            """)
        #expect(request.vias?.map(\.host.description) == ["a.example.com", "b.example.com", "c.example.com"])
        let contacts = request.contact?.addresses ?? []
        #expect(contacts.count == 2)
        #expect(contacts.first?.displayName == "Doe, John")
        #expect(contacts.last?.uri.user == "jo,hn")
        #expect(contacts.last?.parameters.value(of: "q") == "0.5")
        #expect(request.headers.recordRoutes?.count == 2)
        #expect(request.headers.allow == [.invite, .ack, .bye, .cancel])
        // Authentication headers are not lists.
        #expect(SIPHeaderName.wwwAuthenticate.isList == false)
    }

    /// Unknown and lower-case methods are extension methods; unknown headers and schemes survive.
    @Test func extensionMethodsAndUnknownSchemes() throws {
        let request = try parseRequest("""
            NEWMETHOD urn:service:sos SIP/2.0
            Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKext
            To: <tel:+1-201-555-0123;phone-context=example.com>
            From: <mailto:alice@example.com>;tag=1
            Call-ID: ext@x
            CSeq: 9 NEWMETHOD
            X-Custom-Header: anything goes; even=this
            Content-Length: 0

            """)
        #expect(request.method == SIPMethod("NEWMETHOD"))
        #expect(request.uri.scheme == .other("urn"))
        #expect(request.uri.opaque == "service:sos")
        #expect(request.to?.uri.scheme == .tel)
        #expect(request.to?.uri.user == "+1-201-555-0123")
        #expect(request.to?.uri.parameters.value(of: "phone-context") == "example.com")
        #expect(request.headers["x-custom-header"] == "anything goes; even=this")
        #expect(try parseRequest("""
            invite sip:demo@bridge.example SIP/2.0
            Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKlc
            To: <sip:demo@bridge.example>
            From: <sip:a@b>;tag=1
            Call-ID: lc@x
            CSeq: 1 invite
            Content-Length: 0

            """).method != .invite)
    }

    /// Whitespace is tolerated where LWS is allowed: around separators, in Via's sent-protocol and sent-by.
    @Test func unusualWhitespace() throws {
        let request = try parseRequest("""
            INVITE   sip:demo@bridge.example     SIP/2.0
            Via  :  SIP  /  2.0  /  UDP   192.0.2.1  :  5070  ;  branch  =  z9hG4bKws  ;  rport
            To:     sip:demo@bridge.example
            From  :<sip:alice@example.com>  ;  tag  =  ws1
            Call-ID:ws@x
            CSeq:   7    INVITE
            Max-Forwards:\t70
            Content-Length:   0

            """)
        let via = try #require(request.topVia)
        #expect(via.port == 5070)
        #expect(via.branch == "z9hG4bKws")
        #expect(via.rport == .requested)
        #expect(request.from?.tag == "ws1")
        #expect(request.headers.maxForwards == 70)
    }

    /// %-escapes in URIs are decoded for comparison and the URI is written back with the escapes it needs.
    @Test func escapedURIs() throws {
        let request = try parseRequest("""
            INVITE sip:%61lice;par=u%40example.net@example.com;%6C%72;tr%61nsport=tcp SIP/2.0
            Via: SIP/2.0/UDP [2001:db8::9:1]:5060;branch=z9hG4bKesc;received=2001:db8::9:255
            To: sip:alice@example.com
            From: <sip:null-%00-null@example.com>;tag=n
            Call-ID: esc@x
            CSeq: 1 INVITE
            Content-Length: 0

            """)
        #expect(request.uri.user == "alice;par=u@example.net")
        #expect(request.uri.isLooseRouter)
        #expect(request.uri.transport == "tcp")
        #expect(request.uri.headers.isEmpty)
        #expect(request.from?.uri.user == "null-\u{0}-null")
        #expect(request.topVia?.host == .ipv6("2001:db8::9:1"))
        let other = try #require(SIPURI("sip:alice%3Bpar=u%40example.net@EXAMPLE.com;lr;transport=TCP"))
        #expect(request.uri.isEquivalent(to: other))
        let different = try #require(SIPURI("sip:alice;par=u%40example.net@EXAMPLE.com;transport=TCP;lr?Subject=hi"))
        #expect(!request.uri.isEquivalent(to: different))
        // URI headers outside the Request-URI are decoded too.
        let withHeaders = try #require(SIPURI("sip:a@b?Subject=hi%20there&Priority=urgent"))
        #expect(withHeaders.headers == [SIPParameter("Subject", "hi there"), SIPParameter("Priority", "urgent")])
        // A repeated parameter does not make a URI differ from itself.
        let repeated = try #require(SIPURI("sip:a@b;transport=tcp;transport=udp"))
        #expect(repeated.isEquivalent(to: repeated))
        let written = request.uri.description
        #expect(SIPURI(written) == request.uri)
    }

    /// RFC 3261 section 19.1.4 comparisons.
    @Test func uriEquivalence() throws {
        func same(_ a: String, _ b: String) -> Bool { SIPURI(a)!.isEquivalent(to: SIPURI(b)!) }
        #expect(same("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"))
        #expect(same("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"))
        #expect(same("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
                     "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"))
        #expect(!same("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"))
        #expect(!same("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"))
        #expect(!same("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"))
        #expect(!same("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"))
        #expect(same("sip:[::1]:5060", "sip:[0:0:0:0:0:0:0:1]:5060"))
        #expect(same("tel:+1-201-555-0123", "tel:+12015550123"))
    }

    /// Leading CRLFs are skipped, bare LF line ends accepted, and bytes past Content-Length in a datagram dropped.
    @Test func framingLeniency() throws {
        let bytes = Array(("\r\n\r\nOPTIONS sip:demo@bridge.example SIP/2.0\n"
            + "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKlf\nTo: <sip:demo@bridge.example>\nFrom: <sip:a@b>;tag=1\n"
            + "Call-ID: lf@x\nCSeq: 1 OPTIONS\nContent-Length: 3\n\nabcdef").utf8)
        guard case .request(let request) = try SIPMessage(parsing: bytes) else { throw TestFailure("no request") }
        #expect(request.body == Array("abc".utf8))
        // Without Content-Length, a datagram's body runs to its end.
        let noLength = try parseRequest("""
            MESSAGE sip:demo@bridge.example SIP/2.0
            Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKnl
            To: <sip:demo@bridge.example>
            From: <sip:a@b>;tag=1
            Call-ID: nl@x
            CSeq: 1 MESSAGE

            hello
            """)
        #expect(noLength.body == Array("hello".utf8))
    }

    /// Responses parse with status, reason phrase (possibly empty or UTF-8) and headers.
    @Test func parsesResponses() throws {
        let response = try parseResponse("""
            SIP/2.0 180 Ringing – très bien
            Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKr;received=198.51.100.1
            To: <sip:demo@bridge.example>;tag=xyz
            From: <sip:a@b>;tag=1
            Call-ID: r@x
            CSeq: 1 INVITE
            Retry-After: 120 (I'm in a meeting) ;duration=3600
            Content-Length: 0

            """)
        #expect(response.statusCode == 180)
        #expect(response.reasonPhrase == "Ringing – très bien")
        #expect(response.headers.retryAfter == RetryAfter(seconds: 120, comment: "I'm in a meeting",
                                                           parameters: [SIPParameter("duration", "3600")]))
        let empty = try parseResponse("""
            SIP/2.0 200
            Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKr
            To: <sip:demo@bridge.example>;tag=xyz
            From: <sip:a@b>;tag=1
            Call-ID: r@x
            CSeq: 1 OPTIONS
            Content-Length: 0

            """)
        #expect(empty.reasonPhrase == "")
    }

    /// A Contact of `*` is the wildcard; name-addr display names may be tokens or quoted strings with escapes.
    @Test func contactForms() throws {
        #expect(SIPHeaders([SIPHeaders.Field(.contact, " * ")]).contact == .wildcard)
        let quoted = try #require(NameAddress(#""Bob \"the\" Builder" <sips:bob@[2001:db8::1]:5061>;tag=q"#))
        #expect(quoted.displayName == #"Bob "the" Builder"#)
        #expect(quoted.uri.scheme == .sips)
        #expect(quoted.uri.port == 5061)
        let tokens = try #require(NameAddress("Bob Smith <sip:bob@example.com>"))
        #expect(tokens.displayName == "Bob Smith")
        let addrSpec = try #require(NameAddress("sip:bob@example.com;tag=t;expires=60"))
        #expect(addrSpec.uri.parameters.isEmpty)
        #expect(addrSpec.tag == "t")
        #expect(addrSpec.expires == 60)
        #expect(NameAddress(addrSpec.description) == addrSpec)
    }
}

@Suite struct MalformedMessageTests {
    static func request(replacing line: String, with replacement: String?) -> String {
        var text = MessageParserTests.invite
        text = text.replacing(line + "\n", with: replacement.map { $0 + "\n" } ?? "")
        return text
    }

    /// Each missing mandatory header gets its own reason; without Via, From, To, Call-ID or CSeq the request
    /// cannot be answered.
    @Test(arguments: [
        ("Call-ID: a84b4c76e66710@pc33.example.com", "Missing Call-ID"),
        ("CSeq: 314159 INVITE", "Missing CSeq"),
        ("To: <sip:demo@bridge.example>", "Missing To"),
        ("From: \"Alice\" <sip:alice@example.com>;tag=1928301774", "Missing From"),
        ("Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport", "Missing Via"),
    ])
    func missingHeaders(line: String, reason: String) throws {
        let error = try #require(parseError(Self.request(replacing: line, with: nil)))
        #expect(error.statusCode == 400)
        #expect(error.reasonPhrase == reason)
        #expect(!error.isAnswerable)
    }

    /// Malformed values get precise reasons; answerable when the essentials parse.
    @Test(arguments: [
        ("CSeq: 314159 INVITE", "CSeq: 36893488147419103232 INVITE", "Bad CSeq", false),
        ("CSeq: 314159 INVITE", "CSeq: -1 INVITE", "Bad CSeq", false),
        ("CSeq: 314159 INVITE", "CSeq: 314159 OPTIONS", "CSeq Method Mismatch", true),
        ("Call-ID: a84b4c76e66710@pc33.example.com", "Call-ID: two words", "Bad Call-ID", false),
        ("To: <sip:demo@bridge.example>", "To: <sip:demo@bridge.example", "Bad To", false),
        ("Max-Forwards: 70", "Max-Forwards: seventy", "Bad Max-Forwards", true),
        ("Contact: <sip:alice@192.0.2.10:5060>;+sip.clue", "Contact: <sip:alice@192.0.2.10:99999>", "Bad Contact",
         true),
        ("Content-Type: application/sdp", "Content-Type: application", "Bad Content-Type", true),
        ("Content-Length: 4", "Content-Length: 40", "Content-Length Mismatch", true),
        ("Content-Length: 4", "Content-Length: -4", "Bad Content-Length", true),
        ("Content-Length: 4", "Content-Length: 99999999999999999999999", "Content-Length Mismatch", true),
        ("Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport",
         "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport=abc", "Bad Via", false),
        ("Max-Forwards: 70", "Max-Forwards: 70\nTo: <sip:other@bridge.example>", "Multiple To Values", true),
        ("Max-Forwards: 70", "Bad Header Without Colon", "Bad Header Line", true),
        ("Max-Forwards: 70", "Max-Forwards: 7\u{0}0", "Bad Header Line", true),
    ] as [(String, String, String, Bool)])
    func malformedValues(line: String, replacement: String, reason: String, answerable: Bool) throws {
        let error = try #require(parseError(Self.request(replacing: line, with: replacement)))
        #expect(error.reasonPhrase == reason)
        #expect(error.isAnswerable == answerable)
    }

    /// The start line: unknown versions get 505, broken lines 400, bad or long Request-URIs 400 and 414.
    @Test func startLines() throws {
        let version = try #require(parseError(
            MessageParserTests.invite.replacing("bridge.example SIP/2.0", with: "bridge.example SIP/7.0")))
        #expect(version.statusCode == 505)
        #expect(version.isAnswerable)
        let invite = MessageParserTests.invite
        let uri = try #require(parseError(invite.replacing("INVITE sip:demo@bridge.example",
                                                           with: "INVITE sip:demo@bridge..example")))
        #expect(uri.reasonPhrase == "Bad Request-URI")
        #expect(uri.isAnswerable)
        let longUser = String(repeating: "d", count: 5000)
        let long = try #require(parseError(invite.replacing("INVITE sip:demo@", with: "INVITE sip:\(longUser)@")))
        #expect(long.statusCode == 414)
        let spaces = try #require(parseError(invite.replacing("INVITE sip:demo@bridge.example SIP/2.0",
                                                              with: "INVITE sip:demo@bridge.example; lr SIP/2.0")))
        #expect(spaces.reasonPhrase == "Bad Request-URI")
        #expect(spaces.isAnswerable)
        let headersInURI = try #require(parseError(invite.replacing("INVITE sip:demo@bridge.example SIP/2.0",
                                                                    with: "INVITE sip:demo@bridge.example?Route=%3Csip:x%3E SIP/2.0")))
        #expect(headersInURI.reasonPhrase == "Bad Request-URI")
        let noVersion = try #require(parseError(invite.replacing(" SIP/2.0\nVia", with: "\nVia")))
        #expect(noVersion.reasonPhrase == "Bad Start Line")
        #expect(!noVersion.isAnswerable)
        #expect(parseError(bytes: [])?.reason == .empty)
        #expect(parseError(bytes: Array("\r\n\r\n".utf8))?.reason == .empty)
    }

    /// A message cut in its headers is refused; one that is too large gets 513.
    @Test func truncatedAndOversized() throws {
        let cut = String(MessageParserTests.invite.prefix(120))
        #expect(parseError(cut)?.reason == .truncatedHeaders)
        var big = MessageParserTests.invite.replacing("Content-Length: 4", with: "Content-Length: 70000")
        big += String(repeating: "x", count: 70_000)
        let error = try #require(parseError(big))
        #expect(error.statusCode == 513)
        #expect(error.isAnswerable)
    }

    /// Limits: header count and Via count are bounded.
    @Test func limits() throws {
        let invite = MessageParserTests.invite
        let many = invite.replacing("Max-Forwards: 70\n", with: String(repeating: "X-Filler: 1\n", count: 300))
        #expect(parseError(many)?.reason == .tooManyHeaders)
        let via = "Via: SIP/2.0/UDP h.example;branch=z9hG4bKx\n"
        let vias = invite.replacing("Max-Forwards: 70\n", with: String(repeating: via, count: 80))
        let viaError = try #require(parseError(vias))
        #expect(viaError.reason == .tooManyVias)
        #expect(!viaError.isAnswerable)
    }

    /// A stream message needs Content-Length.
    @Test func streamNeedsContentLength() throws {
        let text = Self.request(replacing: "Content-Length: 4", with: nil)
        #expect(parseError(text, framing: .stream)?.reasonPhrase == "Missing Content-Length")
        #expect(parseError(text, framing: .datagram) == nil)
    }

    /// An ACK is never answerable, even when malformed with parseable essentials.
    @Test func ackNeverAnswered() throws {
        let error = try #require(parseError("""
            ACK sip:demo@bridge.example SIP/2.0
            Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa
            To: <sip:demo@bridge.example>;tag=1
            From: <sip:a@b>;tag=1
            Call-ID: a@x
            CSeq: 1 ACK
            Max-Forwards: x
            Content-Length: 0

            """))
        #expect(error.reasonPhrase == "Bad Max-Forwards")
        #expect(!error.isAnswerable)
    }

    /// The error response copies Via, From, To (adding a tag), Call-ID and CSeq.
    @Test func errorResponse() throws {
        let error = try #require(parseError(Self.request(replacing: "Max-Forwards: 70", with: "Max-Forwards: x")))
        let response = try #require(error.response(toTag: "t1"))
        #expect(response.statusCode == 400)
        #expect(response.reasonPhrase == "Bad Max-Forwards")
        #expect(response.to?.tag == "t1")
        #expect(response.callID == "a84b4c76e66710@pc33.example.com")
        #expect(response.topVia?.branch == "z9hG4bK776asdhds")
        #expect(response.cseq == CSeq(314159, .invite))
    }
}
