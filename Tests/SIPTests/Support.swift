import Testing
@testable import SIP

/// A message written with `\n` line ends in the test source, sent with CRLF. A Swift multi-line literal drops
/// the last line end, so a text without a blank line (a message without body) gets its blank line here.
func wire(_ text: String) -> [UInt8] {
    var text = text.replacing("\r\n", with: "\n")
    if !text.contains("\n\n") && text.hasSuffix("\n") { text += "\n" }
    return Array(text.replacing("\n", with: "\r\n").utf8)
}

func parse(_ text: String, framing: SIPMessage.Framing = .datagram) throws(SIPParseError) -> SIPMessage {
    try SIPMessage(parsing: wire(text), framing: framing)
}

func parseRequest(_ text: String) throws -> SIPRequest {
    guard case .request(let request) = try parse(text) else { throw TestFailure("not a request") }
    return request
}

func parseResponse(_ text: String) throws -> SIPResponse {
    guard case .response(let response) = try parse(text) else { throw TestFailure("not a response") }
    return response
}

/// The error a message is refused with, or nil when it parses.
func parseError(_ text: String, framing: SIPMessage.Framing = .datagram) -> SIPParseError? {
    parseError(bytes: wire(text), framing: framing)
}

func parseError(bytes: [UInt8], framing: SIPMessage.Framing = .datagram) -> SIPParseError? {
    do {
        _ = try SIPMessage(parsing: bytes, framing: framing)
        return nil
    } catch {
        return error
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension String {
    init(bytes: [UInt8]) { self = String(decoding: bytes, as: UTF8.self) }
}

/// A clock the tests advance by hand.
struct TestClock {
    private(set) var now = ContinuousClock.Instant.now
    let start: ContinuousClock.Instant

    init() { start = now }

    mutating func advance(by duration: Duration) { now = now + duration }
    mutating func advance(to offset: Duration) { now = start + offset }
    var elapsed: Duration { now - start }
}

extension Array where Element == TransactionAction {
    var sent: [SIPOutbound] {
        compactMap { if case .send(let outbound) = $0 { return outbound } else { return nil } }
    }

    /// The messages sent, parsed.
    var sentMessages: [SIPMessage] { sent.compactMap { try? SIPMessage(parsing: $0.bytes) } }

    var sentResponses: [SIPResponse] {
        sentMessages.compactMap { if case .response(let response) = $0 { return response } else { return nil } }
    }

    var sentRequests: [SIPRequest] {
        sentMessages.compactMap { if case .request(let request) = $0 { return request } else { return nil } }
    }

    var deliveredRequests: [(SIPRequest, TransactionID?)] {
        compactMap { if case .request(let request, let id, _) = $0 { return (request, id) } else { return nil } }
    }

    var deliveredResponses: [SIPResponse] {
        compactMap { if case .response(let response, _) = $0 { return response } else { return nil } }
    }
}

let clientHop = SIPHop(transport: .udp, address: SIPAddress(host: "192.0.2.10", port: 5060))
let tcpClientHop = SIPHop(transport: .tcp, address: SIPAddress(host: "192.0.2.10", port: 49152),
                          connection: SIPConnectionID(7))

func makeLayer(t1: Duration = .milliseconds(500)) -> TransactionLayer {
    TransactionLayer(configuration: .init(timers: TransactionTimers(t1: t1),
                                          sentBy: [.udp: SIPAddress(host: "203.0.113.5", port: 5060),
                                                   .tcp: SIPAddress(host: "203.0.113.5", port: 5060)]),
                     random: SIPRandom(seed: 42))
}

func inviteText(branch: String = "z9hG4bK74bf9", transport: String = "UDP", callID: String = "call-1@client",
                cseq: Int = 1, method: String = "INVITE", toTag: String? = nil) -> String {
    """
    \(method) sip:demo@bridge.example SIP/2.0
    Via: SIP/2.0/\(transport) 192.0.2.10:5060;branch=\(branch);rport
    Max-Forwards: 70
    From: "Alice" <sip:alice@example.com>;tag=9fxced76sl
    To: <sip:demo@bridge.example>\(toTag.map { ";tag=" + $0 } ?? "")
    Call-ID: \(callID)
    CSeq: \(cseq) \(method)
    Contact: <sip:alice@192.0.2.10:5060>;+sip.clue
    Content-Length: 0

    """
}

func seconds(_ values: Double...) -> [Duration] { values.map { Duration.seconds($0) } }

extension TransactionLayer {
    /// The TU's response to a server transaction.
    mutating func answer(_ request: SIPRequest, _ status: Int, toTag: String?, _ id: TransactionID,
                         _ now: ContinuousClock.Instant) -> [TransactionAction] {
        respond(SIPResponse(answering: request, statusCode: status, toTag: toTag), to: id, now: now)
    }
}

/// Feeds `inviteText()` to the layer and returns the new server transaction.
func receiveInvite(_ layer: inout TransactionLayer, _ clock: TestClock) throws -> TransactionID {
    try #require(layer.receive(wire(inviteText()), from: clientHop, now: clock.now).deliveredRequests.first?.1)
}
