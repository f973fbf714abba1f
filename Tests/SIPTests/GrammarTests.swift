import Testing
@testable import SIP

@Suite struct GrammarTests {
    /// The literal character-class table equals the classes as RFC 3261 section 25.1 defines them.
    @Test func byteClassTable() {
        func has(_ byte: Int, _ characters: String) -> Bool { characters.utf8.contains(UInt8(byte)) }
        for byte in 0..<256 {
            let b = UInt8(byte)
            let alpha = (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            let digit = (0x30...0x39).contains(byte)
            let alnum = alpha || digit
            #expect(b.isIn(.alphanumeric) == alnum)
            #expect(b.isIn(.digit) == digit)
            #expect(b.isIn(.hexDigit) == (digit || has(byte, "abcdefABCDEF")))
            #expect(b.isIn(.token) == (alnum || has(byte, "-.!%*_+`'~")))
            #expect(b.isIn(.word) == (alnum || has(byte, "-.!%*_+`'~()<>:\\\"/[]?{}")))
            #expect(b.isIn(.unreserved) == (alnum || has(byte, "-_.!~*'()")))
            #expect(b.isIn(.userUnreserved) == has(byte, "&=+$,;?/"))
            #expect(b.isIn(.passwordExtra) == has(byte, "&=+$,"))
            #expect(b.isIn(.paramUnreserved) == has(byte, "[]/:&+$"))
            #expect(b.isIn(.headerUnreserved) == has(byte, "[]/?:+$"))
            #expect(b.isIn(.hostName) == (alnum || has(byte, "-._")))
            #expect(b.isIn(.scheme) == (alnum || has(byte, "+-.")))
            #expect(b.isIn(.opaqueURI) == ((0x21...0x7E).contains(byte) && !has(byte, "<>\"") || byte >= 0x80))
            #expect(b.isIn(.control) == ((byte < 0x20 && byte != 0x09) || byte == 0x7F))
        }
    }

    /// IP literals: IPv4 dotted quads, IPv6 with "::" and an IPv4 tail; hosts compare by value.
    @Test func ipLiterals() {
        #expect(IPAddressText.ipv4Bytes("192.0.2.255") == [192, 0, 2, 255])
        #expect(IPAddressText.ipv4Bytes("256.0.0.1") == nil)
        #expect(IPAddressText.ipv4Bytes("1.2.3") == nil)
        #expect(IPAddressText.ipv6Bytes("::1") == [UInt8](repeating: 0, count: 15) + [1])
        #expect(IPAddressText.ipv6Bytes("::ffff:192.0.2.1")?.suffix(6) == [0xFF, 0xFF, 192, 0, 2, 1])
        #expect(IPAddressText.ipv6Bytes("2001:db8::1::2") == nil)
        #expect(IPAddressText.ipv6Bytes("1:2:3:4:5:6:7:8:9") == nil)
        #expect(SIPHost("[::FFFF:192.0.2.1]")!.isEquivalent(to: SIPHost("192.0.2.1")!))
        #expect(SIPHost("Example.COM")!.isEquivalent(to: .name("example.com")))
        #expect(SIPHost("-bad.example") == nil)
        #expect(SIPHost("a..b") == nil)
        #expect(SIPHost("1.2.3.4.5") == nil)
    }

    /// Comma splitting ignores commas in quoted strings (with escapes) and angle brackets.
    @Test func listSplitting() {
        #expect(HeaderList.split(#""a, \"b,\" c" <sip:x@y>, <sip:p,q@r>;z=1 ,w"#)
                == [#""a, \"b,\" c" <sip:x@y>"#, "<sip:p,q@r>;z=1", "w"])
        #expect(HeaderList.split("single") == ["single"])
        #expect(HeaderList.split("a,,b") == ["a", "", "b"])
    }

    /// %-escapes decode only when well-formed; encoding escapes what the class does not allow and "%".
    @Test func percentEncoding() {
        let good = Array("a%41%2fb".utf8)
        func decode(_ bytes: [UInt8]) -> String? {
            bytes.withUnsafeBufferPointer { PercentEncoding.decode($0, 0..<$0.count, allowed: .unreserved) }
        }
        #expect(decode(good) == "aA/b")
        #expect(decode(Array("a%4".utf8)) == nil)
        #expect(PercentEncoding.encode("a b%c", allowed: .unreserved) == "a%20b%25c")
    }

    /// The same seed gives the same identifiers; tags and branches are tokens.
    @Test func deterministicRandomness() {
        var a = SIPRandom(seed: 5), b = SIPRandom(seed: 5)
        #expect(a.branch() == b.branch())
        let tag = a.tag()
        #expect(tag == b.tag())
        #expect(tag.utf8.allSatisfy { $0.isIn(.token) })
        #expect(a.branch().hasPrefix("z9hG4bK"))
        #expect((0..<1000).allSatisfy { _ in a.sequenceNumber() < 1 << 31 })
    }
}
