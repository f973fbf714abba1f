import Testing
@testable import SIP

@Suite struct ResponseRoutingTests {
    static let source = SIPAddress(host: "198.51.100.1", port: 40000)

    /// `received` is added when the sent-by host is a name or another address, not when it is the source.
    @Test func receivedParameter() throws {
        let named = ResponseRouting.stamp(try #require(Via("SIP/2.0/UDP pc33.example.com;branch=z9hG4bK1")),
                                          receivedFrom: Self.source)
        #expect(named.received == "198.51.100.1")
        #expect(named.rport == nil)
        let other = ResponseRouting.stamp(try #require(Via("SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1")),
                                          receivedFrom: Self.source)
        #expect(other.received == "198.51.100.1")
        let same = ResponseRouting.stamp(try #require(Via("SIP/2.0/UDP 198.51.100.1:40000;branch=z9hG4bK1")),
                                         receivedFrom: Self.source)
        #expect(same.received == nil)
        let v6 = ResponseRouting.stamp(try #require(Via("SIP/2.0/UDP [2001:db8:0::1];branch=z9hG4bK1")),
                                       receivedFrom: SIPAddress(host: "2001:db8::1", port: 5060))
        #expect(v6.received == nil)
    }

    /// With `rport` (RFC 3581) the source port fills it and `received` is always added.
    @Test func rportFilledIn() throws {
        let via = ResponseRouting.stamp(try #require(Via("SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK1;rport")),
                                        receivedFrom: Self.source)
        #expect(via.rport == .port(40000))
        #expect(via.received == "198.51.100.1")
        #expect(via.description == "SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK1;rport=40000;received=198.51.100.1")
    }

    /// Only the first element of a comma-joined Via line is stamped.
    @Test func stampsTopElementOnly() throws {
        var headers: SIPHeaders = [
            (.via, "SIP/2.0/UDP a.example;branch=z9hG4bK1;rport, SIP/2.0/UDP b.example;branch=z9hG4bK2"),
        ]
        #expect(ResponseRouting.stampTopVia(&headers, receivedFrom: Self.source))
        let vias = try #require(headers.vias)
        #expect(vias[0].rport == .port(40000))
        #expect(vias[1].received == nil)
        #expect(vias[1].host == .name("b.example"))
    }

    /// RFC 3261 section 18.2.2 and RFC 3581 section 5: where the response goes.
    @Test func destinations() throws {
        let udp = SIPHop(transport: .udp, address: Self.source)
        func destination(_ via: String, from hop: SIPHop = udp) throws -> SIPHop {
            ResponseRouting.destination(for: ResponseRouting.stamp(try #require(Via(via)), receivedFrom: hop.address),
                                        requestFrom: hop)
        }
        // rport: back to the source address and port, whatever sent-by says.
        #expect(try destination("SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bK1;rport").address == Self.source)
        // received without rport: the source address, the sent-by port.
        #expect(try destination("SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bK1").address
                == SIPAddress(host: "198.51.100.1", port: 5070))
        // ... or 5060 when sent-by has none.
        #expect(try destination("SIP/2.0/UDP host.example;branch=z9hG4bK1").address
                == SIPAddress(host: "198.51.100.1", port: 5060))
        // maddr wins over received.
        #expect(try destination("SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK1;maddr=239.255.255.1").address
                == SIPAddress(host: "239.255.255.1", port: 5060))
        // Not receiver-tagged: the sent-by itself.
        #expect(try destination("SIP/2.0/UDP 198.51.100.1:6000;branch=z9hG4bK1", from: SIPHop(
            transport: .udp, address: SIPAddress(host: "198.51.100.1", port: 6000))).address
                == SIPAddress(host: "198.51.100.1", port: 6000))
        // Reliable: the same connection, with the received address and sent-by port as a fallback.
        let tcp = SIPHop(transport: .tcp, address: Self.source, connection: SIPConnectionID(3))
        let viaTCP = try destination("SIP/2.0/TCP client.example:5062;branch=z9hG4bK1", from: tcp)
        #expect(viaTCP.connection == SIPConnectionID(3))
        #expect(viaTCP.address == SIPAddress(host: "198.51.100.1", port: 5062))
        #expect(viaTCP.transport == .tcp)
    }
}
