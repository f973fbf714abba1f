import Foundation
import Testing
@testable import SIP

/// The committed seed corpus of the SIP fuzz target (Fuzz/corpus/sip), replayed through the same properties
/// as `FuzzTargets.sipMessage` checks, with what the parser must decide about each seed.
@Suite struct CorpusReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fuzz/corpus/sip").standardized

    static func inputs() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: corpus.path).filter { !$0.hasPrefix(".") }.sorted()
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: corpus.appendingPathComponent(name)))
    }

    /// The corpus is there and not trivially small.
    @Test func corpusIsPresent() throws {
        #expect(try Self.inputs().count >= 30)
    }

    /// Whatever parses writes, parses back equal and writes the same bytes; answerable errors yield responses
    /// that parse; the framer yields the same messages however the input is split.
    @Test(arguments: try inputs())
    func replay(name: String) throws {
        let input = try Self.bytes(name)
        do {
            let message = try SIPMessage(parsing: input)
            let written = message.serialized()
            let again = try SIPMessage(parsing: written)
            #expect(again == message)
            #expect(again.serialized() == written)
        } catch {
            if let response = error.response(toTag: "t") {
                #expect(try SIPMessage(parsing: response.serialized()) == .response(response))
            }
        }
        var whole = SIPStreamFramer()
        let all = whole.feed(input)
        var bytewise = SIPStreamFramer()
        var outputs: [SIPStreamFramer.Output] = []
        for byte in input { outputs += bytewise.feed([byte]) }
        #expect(all == outputs)
    }

    /// Seeds named `valid-` and `torture-` parse; seeds named `bad-` are refused.
    @Test(arguments: try inputs())
    func verdicts(name: String) throws {
        let error = parseError(bytes: try Self.bytes(name))
        if name.hasPrefix("valid-") || name.hasPrefix("torture-") {
            #expect(error == nil, "\(name): \(String(describing: error))")
        } else if name.hasPrefix("bad-") {
            #expect(error != nil, "\(name) parsed")
        }
    }

    /// Specific malformed seeds get the reasons RFC 3261 and RFC 4475 lead to.
    @Test func malformedSeedReasons() throws {
        func reason(_ name: String) throws -> String? { parseError(bytes: try Self.bytes(name))?.reasonPhrase }
        #expect(try reason("bad-scalar-overflow") == "Bad CSeq")
        #expect(try reason("bad-missing-call-id") == "Missing Call-ID")
        #expect(try reason("bad-huge-content-length") == "Content-Length Mismatch")
        #expect(try reason("bad-negative-values") == "Bad CSeq")
        #expect(try reason("bad-cseq-mismatch") == "CSeq Method Mismatch")
        #expect(try reason("bad-version") == "Version Not Supported")
        #expect(try reason("bad-nul-bytes") == "Bad Header Line")
        #expect(try reason("bad-truncated-body") == "Content-Length Mismatch")
        #expect(try reason("bad-via-port") == "Bad Via")
        #expect(try reason("bad-multiple-single-headers") == "Multiple To Values")
    }

    /// The RFC 4475-style seeds: valid oddities read as meant, invalid ones get the answer (or silence) due.
    @Test func rfc4475StyleSeeds() throws {
        func request(_ name: String) throws -> SIPRequest {
            guard case .request(let request) = try SIPMessage(parsing: try Self.bytes(name)) else {
                throw TestFailure("\(name) is not a request")
            }
            return request
        }
        let tortuous = try request("torture-tortuous-invite")
        #expect(tortuous.from?.displayName == #"J Rosenberg \""#)
        #expect(tortuous.from?.tag == "98asjd8")
        #expect(tortuous.to?.tag == "1918181833n")
        #expect(tortuous.cseq == CSeq(9, .invite))
        #expect(tortuous.headers.maxForwards == 68)
        #expect(tortuous.vias?.map(\.branch) == ["390skdjuw", "z9hG4bK9ikj8", "z9hG4bK30239"])
        #expect(tortuous.contact?.addresses.first?.parameters.value(of: "q") == "0.33")
        #expect(tortuous.body.count == 150)
        let wide = try request("torture-wide-character-range")
        #expect(wide.method.rawValue == "!interesting-Method0123456789_*+`.%indeed'~")
        #expect(wide.uri.password == "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
        #expect(wide.to?.displayName == "BEL:\u{7} NUL:\u{0} DEL:\u{7F}")
        #expect(wide.callID == #"intmeth.word%ZK-!.*_+'@word`~)(><:\/"][?}{"#)
        let escaped = try request("torture-escapes-in-uris")
        #expect(escaped.uri.user == "sips:demo@bridge.example")
        #expect(escaped.contact?.addresses.first?.uri.parameters == [SIPParameter("lr"),
                                                                      SIPParameter("name", "value%41")])
        let percent = try request("torture-percent-not-escape")
        #expect(percent.method.rawValue == "RE%47IST%45R")
        #expect(percent.headers.contact?.addresses.count == 2)
        #expect(try request("torture-rfc2543-invite").topVia?.branch == nil)
        #expect(try request("torture-two-requests-one-datagram").method == .register)
        #expect(try request("torture-unknown-schemes-in-headers").to?.uri.scheme == .other("isbn"))

        func error(_ name: String) throws -> SIPParseError? { parseError(bytes: try Self.bytes(name)) }
        #expect(try error("bad-extraneous-separators")?.isAnswerable == false)
        #expect(try error("bad-angle-brackets-request-uri")?.reasonPhrase == "Bad Request-URI")
        #expect(try error("bad-escaped-headers-in-request-uri")?.reasonPhrase == "Bad Request-URI")
        #expect(try error("bad-contact-headers-without-brackets")?.reasonPhrase == "Bad Contact")
        #expect(try error("bad-unknown-method-cseq-mismatch")?.reasonPhrase == "CSeq Method Mismatch")
        #expect(try error("bad-multiple-content-length")?.reasonPhrase == "Multiple Content-Length Values")
        #expect(try error("bad-multiple-single-value-fields")?.isAnswerable == true)
        #expect(try error("bad-overlarge-status-code")?.reasonPhrase == "Bad Start Line")
        #expect(try error("bad-request-line-spaces-in-uri")?.isAnswerable == true)
    }

    /// The torture seeds mean what they say.
    @Test func tortureSeedContents() throws {
        guard case .request(let multipart) = try SIPMessage(parsing: try Self.bytes("torture-multipart")),
              case .request(let nested) = try SIPMessage(parsing: try Self.bytes("torture-multipart-nested")),
              case .request(let folded) = try SIPMessage(parsing: try Self.bytes("torture-folded-headers")),
              case .request(let extra) = try SIPMessage(parsing: try Self.bytes("torture-extra-bytes-after-body"))
        else { throw TestFailure("not requests") }
        #expect(String(bytes: try #require(multipart.sessionDescription())).hasPrefix("v=0"))
        #expect(String(bytes: try #require(nested.sessionDescription())).hasPrefix("v=0"))
        #expect(multipart.bodyParts()?.count == 2)
        #expect(folded.cseq == CSeq(42, .invite))
        #expect(folded.topVia?.branch == "z9hG4bKfold")
        #expect(extra.body == Array("he".utf8))
        var framer = SIPStreamFramer()
        let two = framer.feed(try Self.bytes("torture-stream-two-messages"))
        #expect(two.filter { if case .message = $0 { return true } else { return false } }.count == 2)
        #expect(two.contains(.keepAlive))
    }
}
