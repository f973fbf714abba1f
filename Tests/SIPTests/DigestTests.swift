import Testing
@testable import SIP

@Suite struct HashTests {
    /// MD5 matches the test suite of RFC 1321 appendix A.5.
    @Test(arguments: [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
        (String(repeating: "1234567890", count: 8), "57edf4a22be3c955ac49da2e2107b67a"),
    ])
    func md5(input: String, digest: String) {
        #expect(Hex.encode(MD5.hash(input.utf8)) == digest)
    }

    /// SHA-256 matches the FIPS 180 examples (one block, two blocks, a million "a").
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (String(repeating: "a", count: 1_000_000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    ])
    func sha256(input: String, digest: String) {
        #expect(Hex.encode(SHA256.hash(input.utf8)) == digest)
    }

    /// HMAC-SHA256 matches RFC 4231 test cases 1, 2 and 6 (a key longer than the block).
    @Test func hmac() {
        #expect(Hex.encode(HMACSHA256.authenticationCode(key: [UInt8](repeating: 0x0B, count: 20),
                                                         message: Array("Hi There".utf8)))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(Hex.encode(HMACSHA256.authenticationCode(key: Array("Jefe".utf8),
                                                         message: Array("what do ya want for nothing?".utf8)))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(Hex.encode(HMACSHA256.authenticationCode(
            key: [UInt8](repeating: 0xAA, count: 131),
            message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    /// Base64url round-trips and uses token characters only.
    @Test func base64url() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let text = Base64URL.encode(bytes)
            #expect(text.utf8.allSatisfy { $0.isIn(.token) })
            #expect(Base64URL.decode(text) == bytes)
        }
    }
}

@Suite struct DigestTests {
    static let realm = "bridge.example"
    static let secret = [UInt8](repeating: 0x5A, count: 32)
    static let alice = DigestHA1.derive(username: "alice", realm: realm, password: "secret")

    static func lookup(_ user: String) -> DigestHA1? { user == "alice" ? alice : nil }

    static func authenticator(_ clock: TestClock) -> DigestAuthenticator {
        DigestAuthenticator(configuration: .init(realm: realm, secret: secret), epoch: clock.start)
    }

    static let invite = try! parseRequest(inviteText())

    /// What a client sends after a challenge: the request with an Authorization computed from `password`.
    static func answering(_ challenge: DigestChallenge, user: String = "alice", password: String = "secret",
                          nc: String = "00000001", uri: String = "sip:demo@bridge.example",
                          method: SIPMethod = .invite) -> SIPRequest {
        let ha1 = DigestHA1.derive(username: user, realm: challenge.realm, password: password)
            .value(for: challenge.algorithm)
        let response = DigestAuthenticator.response(ha1: ha1, algorithm: challenge.algorithm, method: method.rawValue,
                                                    uri: uri, nonce: challenge.nonce, nonceCount: nc,
                                                    cnonce: "0a4f113b")
        var request = invite
        request.method = method
        request.headers.set(.cseq, "2 \(method)")
        request.headers.append(.authorization, """
            Digest username="\(user)", realm="\(challenge.realm)", nonce="\(challenge.nonce)", uri="\(uri)", \
            response="\(response)", algorithm=\(challenge.algorithm.rawValue), cnonce="0a4f113b", \
            opaque="\(challenge.opaque ?? "")", qop=auth, nc=\(nc)
            """)
        return request
    }

    /// RFC 7616 section 3.9.1: the MD5 and SHA-256 responses for Mufasa / "Circle of Life".
    @Test func rfc7616Examples() throws {
        let ha1 = DigestHA1.derive(username: "Mufasa", realm: "http-auth@example.org", password: "Circle of Life")
        let nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
        let cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
        #expect(DigestAuthenticator.response(ha1: ha1.md5, algorithm: .md5, method: "GET", uri: "/dir/index.html",
                                             nonce: nonce, nonceCount: "00000001", cnonce: cnonce)
                == "8ca523f5e9506fed4657c9700eebdbec")
        #expect(DigestAuthenticator.response(ha1: ha1.sha256, algorithm: .sha256, method: "GET",
                                             uri: "/dir/index.html", nonce: nonce, nonceCount: "00000001",
                                             cnonce: cnonce)
                == "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")
        // The example's Authorization header field parses into these parameters.
        let credentials = try #require(DigestCredentials("""
            Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, \
            nonce="\(nonce)", nc=00000001, cnonce="\(cnonce)", qop=auth, \
            response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", \
            opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
            """))
        #expect(credentials.username == "Mufasa")
        #expect(credentials.nonceCount == "00000001")
        #expect(credentials.qop == "auth")
        #expect(DigestAlgorithm(parameter: credentials.algorithm) == .sha256)
        #expect(credentials.opaque == "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")
    }

    /// The 401 offers SHA-256 then MD5, same nonce and opaque, qop=auth.
    @Test func challengeOffersBothAlgorithms() throws {
        let clock = TestClock()
        var auth = Self.authenticator(clock)
        let response = auth.challengeResponse(to: Self.invite, toTag: "t", stale: false, now: clock.now)
        #expect(response.statusCode == 401)
        let challenges = response.headers.values(.wwwAuthenticate).compactMap { DigestChallenge($0) }
        #expect(challenges.map(\.algorithm) == [.sha256, .md5])
        #expect(Set(challenges.map(\.nonce)).count == 1)
        #expect(challenges.allSatisfy { $0.qop == "auth" && $0.opaque != nil && !$0.stale && $0.realm == Self.realm })
        #expect(response.to?.tag == "t")
    }

    /// Without credentials the verdict is a challenge, not a counted failure.
    @Test func noCredentials() {
        let clock = TestClock()
        var auth = Self.authenticator(clock)
        for _ in 0..<10 {
            #expect(auth.authenticate(Self.invite, source: "192.0.2.10", now: clock.now, lookup: Self.lookup)
                    == .challenge(stale: false, failure: .missingCredentials))
        }
    }

    /// A correct answer to either challenge authenticates.
    @Test(arguments: [DigestAlgorithm.sha256, .md5])
    func authenticates(algorithm: DigestAlgorithm) throws {
        let clock = TestClock()
        var auth = Self.authenticator(clock)
        let challenge = try #require(auth.makeChallenges(now: clock.now).first { $0.algorithm == algorithm })
        let request = Self.answering(challenge)
        #expect(auth.authenticate(request, source: "192.0.2.10", now: clock.now, lookup: Self.lookup)
                == .authenticated(username: "alice"))
    }

    /// An otherwise correct answer with an expired nonce gets stale=true and is not counted as a failure.
    @Test func staleNonce() throws {
        var clock = TestClock()
        var auth = Self.authenticator(clock)
        let challenge = auth.makeChallenges(now: clock.now)[0]
        clock.advance(by: .seconds(301))
        let verdict = auth.authenticate(Self.answering(challenge), source: "192.0.2.10", now: clock.now,
                                        lookup: Self.lookup)
        #expect(verdict == .challenge(stale: true, failure: .staleNonce))
        let response = auth.challengeResponse(to: Self.invite, toTag: "t", stale: true, now: clock.now)
        #expect(response.headers.values(.wwwAuthenticate).allSatisfy { $0.hasSuffix("stale=TRUE") })
        // A wrong password with an expired nonce is a failure, not stale.
        let wrong = auth.authenticate(Self.answering(challenge, password: "nope"), source: "192.0.2.10",
                                      now: clock.now, lookup: Self.lookup)
        #expect(wrong == .challenge(stale: false, failure: .wrongPassword))
    }

    /// A nonce count must grow: the same nc again is a replay; a higher one is accepted.
    @Test func nonceCountReplay() throws {
        let clock = TestClock()
        var auth = Self.authenticator(clock)
        let challenge = auth.makeChallenges(now: clock.now)[0]
        let first = Self.answering(challenge, nc: "00000001")
        #expect(auth.authenticate(first, source: "192.0.2.10", now: clock.now, lookup: Self.lookup)
                == .authenticated(username: "alice"))
        #expect(auth.authenticate(first, source: "192.0.2.10", now: clock.now, lookup: Self.lookup)
                == .challenge(stale: true, failure: .replayedNonceCount))
        #expect(auth.authenticate(Self.answering(challenge, nc: "00000002", method: .bye), source: "192.0.2.10",
                                  now: clock.now, lookup: Self.lookup) == .authenticated(username: "alice"))
    }

    /// Bounded nonce-count memory never lets a replay through: forgotten nonces become stale.
    @Test func nonceRegistryIsBounded() throws {
        var clock = TestClock()
        var auth = DigestAuthenticator(configuration: .init(realm: Self.realm, secret: Self.secret,
                                                            maximumTrackedNonces: 4), epoch: clock.start)
        var used: [DigestChallenge] = []
        for _ in 0..<6 {
            clock.advance(by: .milliseconds(5))
            let challenge = auth.makeChallenges(now: clock.now)[0]
            #expect(auth.authenticate(Self.answering(challenge), source: "192.0.2.10", now: clock.now,
                                      lookup: Self.lookup) == .authenticated(username: "alice"))
            used.append(challenge)
        }
        for challenge in used {
            let verdict = auth.authenticate(Self.answering(challenge), source: "192.0.2.10", now: clock.now,
                                            lookup: Self.lookup)
            #expect(verdict != .authenticated(username: "alice"))
        }
    }

    /// An unknown user and a wrong password get byte-identical 401s.
    @Test func unknownUserLooksLikeWrongPassword() throws {
        let clock = TestClock()
        var first = Self.authenticator(clock)
        var second = Self.authenticator(clock)
        let challenge = first.makeChallenges(now: clock.now)[0]
        _ = second.makeChallenges(now: clock.now)
        let unknown = first.authenticate(Self.answering(challenge, user: "mallory"), source: "192.0.2.10",
                                         now: clock.now, lookup: Self.lookup)
        let wrong = second.authenticate(Self.answering(challenge, password: "guess"), source: "192.0.2.10",
                                        now: clock.now, lookup: Self.lookup)
        #expect(unknown == .challenge(stale: false, failure: .unknownUser))
        #expect(wrong == .challenge(stale: false, failure: .wrongPassword))
        let a = first.challengeResponse(to: Self.invite, toTag: "t", stale: false, now: clock.now).serialized()
        let b = second.challengeResponse(to: Self.invite, toTag: "t", stale: false, now: clock.now).serialized()
        #expect(a == b)
    }

    /// More than five failures from one source within a minute throttle it (reported once), even with the right
    /// password; other sources are unaffected; the window passing lifts it.
    @Test func throttling() throws {
        var clock = TestClock()
        var auth = Self.authenticator(clock)
        let challenge = auth.makeChallenges(now: clock.now)[0]
        var verdicts: [DigestVerdict] = []
        for i in 0..<7 {
            clock.advance(by: .seconds(1))
            verdicts.append(auth.authenticate(Self.answering(challenge, password: "guess\(i)"), source: "198.51.100.9",
                                              now: clock.now, lookup: Self.lookup))
        }
        #expect(verdicts.prefix(5).allSatisfy { $0 == .challenge(stale: false, failure: .wrongPassword) })
        #expect(verdicts[5] == .throttled(firstTime: true))
        #expect(verdicts[6] == .throttled(firstTime: false))
        let fresh = auth.makeChallenges(now: clock.now)[0]
        #expect(auth.authenticate(Self.answering(fresh), source: "198.51.100.9", now: clock.now, lookup: Self.lookup)
                == .throttled(firstTime: false))
        #expect(auth.authenticate(Self.answering(fresh), source: "192.0.2.10", now: clock.now, lookup: Self.lookup)
                == .authenticated(username: "alice"))
        clock.advance(by: .seconds(60))
        let later = auth.makeChallenges(now: clock.now)[0]
        #expect(auth.authenticate(Self.answering(later), source: "198.51.100.9", now: clock.now, lookup: Self.lookup)
                == .authenticated(username: "alice"))
    }

    /// Forged nonces, another realm's credentials, a digest-uri for another resource, and missing qop fail.
    @Test func invalidCredentials() throws {
        let clock = TestClock()
        var auth = Self.authenticator(clock)
        let challenge = auth.makeChallenges(now: clock.now)[0]
        var forged = challenge
        forged.nonce = Base64URL.encode([UInt8](repeating: 1, count: 28))
        #expect(auth.authenticate(Self.answering(forged), source: "a", now: clock.now, lookup: Self.lookup)
                == .challenge(stale: false, failure: .invalidNonce))
        var otherRealm = challenge
        otherRealm.realm = "elsewhere"
        #expect(auth.authenticate(Self.answering(otherRealm), source: "b", now: clock.now, lookup: Self.lookup)
                == .challenge(stale: false, failure: .missingCredentials))
        #expect(auth.authenticate(Self.answering(challenge, uri: "sip:other@bridge.example"), source: "c",
                                  now: clock.now, lookup: Self.lookup)
                == .challenge(stale: false, failure: .uriMismatch))
        var noQop = Self.answering(challenge)
        let value = try #require(noQop.headers[.authorization]).replacing(", qop=auth", with: "")
        noQop.headers.set(.authorization, value)
        #expect(auth.authenticate(noQop, source: "d", now: clock.now, lookup: Self.lookup)
                == .challenge(stale: false, failure: .malformedCredentials))
        // An equivalent URI spelling is the same resource.
        #expect(auth.authenticate(Self.answering(challenge, nc: "00000003", uri: "sip:demo@BRIDGE.example"),
                                  source: "e", now: clock.now, lookup: Self.lookup)
                == .authenticated(username: "alice"))
    }

    /// A proxy challenges with 407 and Proxy-Authenticate, and reads Proxy-Authorization.
    @Test func proxyChallenge() throws {
        let clock = TestClock()
        var auth = DigestAuthenticator(configuration: .init(realm: Self.realm, secret: Self.secret,
                                                            challengesAsProxy: true), epoch: clock.start)
        let response = auth.challengeResponse(to: Self.invite, toTag: "t", stale: false, now: clock.now)
        #expect(response.statusCode == 407)
        #expect(response.headers.values(.proxyAuthenticate).count == 2)
    }
}

@Suite struct DigestAlgorithmChoiceTests {
    /// The offered algorithms and their order are configurable; credentials for an algorithm not offered fail.
    @Test func md5First() throws {
        let clock = TestClock()
        var auth = DigestAuthenticator(configuration: .init(realm: DigestTests.realm, secret: DigestTests.secret,
                                                            algorithms: [.md5]), epoch: clock.start)
        let response = auth.challengeResponse(to: DigestTests.invite, toTag: "t", stale: false, now: clock.now)
        let offered = response.headers.values(.wwwAuthenticate).compactMap { DigestChallenge($0) }
        #expect(offered.map(\.algorithm) == [.md5])
        #expect(auth.authenticate(DigestTests.answering(offered[0]), source: "a", now: clock.now,
                                  lookup: DigestTests.lookup) == .authenticated(username: "alice"))
        var sha = offered[0]
        sha.algorithm = .sha256
        #expect(auth.authenticate(DigestTests.answering(sha), source: "a", now: clock.now, lookup: DigestTests.lookup)
                == .challenge(stale: false, failure: .malformedCredentials))
    }
}
