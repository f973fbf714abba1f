/// A user's digest secret as the bridge stores it: HA1 = H(username ":" realm ":" password) for each algorithm
/// (RFC 7616 sections 3.4.2 and 5.2). The password itself is never kept.
public struct DigestHA1: Sendable, Hashable {
    public let sha256: String
    public let md5: String

    public init(sha256: String, md5: String) {
        self.sha256 = sha256.asciiLowercased
        self.md5 = md5.asciiLowercased
    }

    /// Hashes the password once, for both algorithms; drop the password afterwards.
    public static func derive(username: String, realm: String, password: String) -> DigestHA1 {
        let a1 = "\(username):\(realm):\(password)"
        return DigestHA1(sha256: DigestAlgorithm.sha256.hash(a1), md5: DigestAlgorithm.md5.hash(a1))
    }

    public func value(for algorithm: DigestAlgorithm) -> String {
        algorithm == .sha256 ? sha256 : md5
    }
}

/// Why a request did not authenticate: for the bridge's log and counters, never for the wire (the peer sees the
/// same challenge for every failure).
public enum DigestFailure: Sendable, Hashable {
    /// No credentials for our realm: the usual first request. Not counted as a failure.
    case missingCredentials
    /// Credentials without a required parameter, an unsupported algorithm or qop, or a wrong opaque.
    case malformedCredentials
    /// A nonce we did not issue.
    case invalidNonce
    /// The digest `uri` is not the Request-URI.
    case uriMismatch
    case unknownUser
    case wrongPassword
    /// A correct response with an expired nonce (answered with stale=true, not counted).
    case staleNonce
    /// A nonce count not above the last one seen for the nonce (answered with stale=true, not counted).
    case replayedNonceCount
}

/// The outcome of checking a request's credentials.
public enum DigestVerdict: Sendable, Hashable {
    case authenticated(username: String)
    /// Answer with `challengeResponse(...)`; `stale` is what the challenge says.
    case challenge(stale: Bool, failure: DigestFailure)
    /// Too many failures from this source within the window: answer 403 or drop. `firstTime` is true once per
    /// throttling episode, for the one log line.
    case throttled(firstTime: Bool)
}

/// Server-side digest authentication (RFC 7616 over SIP, RFC 3261 section 22): challenges offering SHA-256 and
/// MD5 with qop=auth, stateless nonces that expire, nonce-count replay protection with bounded memory, and a
/// per-source failure throttle.
///
/// Nonce = base64url(issued-ms(8) || counter(4) || HMAC-SHA256(secret, issued-ms || counter || realm)[0..<16]):
/// the server verifies it without remembering it, and only the nonce counts of nonces that authenticated
/// something are remembered.
public struct DigestAuthenticator: Sendable {
    public struct Configuration: Sendable, Hashable {
        public var realm: String
        /// The HMAC key for nonces and opaque: random bytes drawn when the process starts (at least 32).
        public var secret: [UInt8]
        public var nonceLifetime: Duration
        /// More than this many failures from one source within `failureWindow` throttle it.
        public var failureLimit: Int
        public var failureWindow: Duration
        /// 401 with WWW-Authenticate (a UAS, the bridge) or 407 with Proxy-Authenticate (a proxy).
        public var challengesAsProxy: Bool
        public var maximumTrackedNonces: Int
        public var maximumTrackedSources: Int
        /// The challenges offered, in order of preference (RFC 7616 section 3.7: SHA-256 first). Some clients only
        /// read the first challenge, so operators may put MD5 first for them.
        public var algorithms: [DigestAlgorithm]

        public init(realm: String, secret: [UInt8], nonceLifetime: Duration = .seconds(300), failureLimit: Int = 5,
                    failureWindow: Duration = .seconds(60), challengesAsProxy: Bool = false,
                    maximumTrackedNonces: Int = 10_000, maximumTrackedSources: Int = 10_000,
                    algorithms: [DigestAlgorithm] = [.sha256, .md5]) {
            self.algorithms = algorithms.isEmpty ? [.sha256, .md5] : algorithms
            self.realm = realm
            self.secret = secret
            self.nonceLifetime = nonceLifetime
            self.failureLimit = failureLimit
            self.failureWindow = failureWindow
            self.challengesAsProxy = challengesAsProxy
            self.maximumTrackedNonces = maximumTrackedNonces
            self.maximumTrackedSources = maximumTrackedSources
        }
    }

    public let configuration: Configuration
    /// Nonce timestamps count milliseconds from here.
    private let epoch: ContinuousClock.Instant
    private let opaque: String
    /// HA1 of no user, so that an unknown user costs the same hashing as a wrong password.
    private let decoy: DigestHA1
    private var counter: UInt32 = 0
    private var nonceCounts = NonceCountRegistry()
    private var failures = FailureTracker()

    public init(configuration: Configuration, epoch: ContinuousClock.Instant) {
        self.configuration = configuration
        self.epoch = epoch
        opaque = Base64URL.encode(Array(HMACSHA256.authenticationCode(
            key: configuration.secret, message: Array("opaque:\(configuration.realm)".utf8)).prefix(18)))
        decoy = DigestHA1.derive(username: "", realm: configuration.realm,
                                 password: Hex.encode(HMACSHA256.authenticationCode(key: configuration.secret,
                                                                                    message: [0])))
    }

    private var challengeHeader: SIPHeaderName {
        configuration.challengesAsProxy ? .proxyAuthenticate : .wwwAuthenticate
    }

    private var credentialsHeader: SIPHeaderName {
        configuration.challengesAsProxy ? .proxyAuthorization : .authorization
    }

    // MARK: Challenges

    /// A fresh nonce's challenges, one per configured algorithm in order (by default SHA-256, then MD5), the
    /// same nonce and opaque in each.
    public mutating func makeChallenges(now: ContinuousClock.Instant, stale: Bool = false) -> [DigestChallenge] {
        let nonce = issueNonce(now: now)
        return configuration.algorithms.map {
            DigestChallenge(realm: configuration.realm, nonce: nonce, opaque: opaque, algorithm: $0, stale: stale)
        }
    }

    /// The 401 (or 407) for `request` with fresh challenges.
    public mutating func challengeResponse(to request: SIPRequest, toTag: String, stale: Bool,
                                           now: ContinuousClock.Instant) -> SIPResponse {
        var response = SIPResponse(answering: request, statusCode: configuration.challengesAsProxy ? 407 : 401,
                                   toTag: toTag)
        for challenge in makeChallenges(now: now, stale: stale) {
            response.headers.append(challengeHeader, challenge.description)
        }
        return response
    }

    private mutating func issueNonce(now: ContinuousClock.Instant) -> String {
        counter &+= 1
        var payload = Self.bigEndian(milliseconds(now), 8) + Self.bigEndian(UInt64(counter), 4)
        payload += nonceMAC(payload)
        return Base64URL.encode(payload)
    }

    private func nonceMAC(_ payload: [UInt8]) -> [UInt8] {
        Array(HMACSHA256.authenticationCode(key: configuration.secret,
                                            message: payload + Array(configuration.realm.utf8)).prefix(16))
    }

    private func milliseconds(_ instant: ContinuousClock.Instant) -> UInt64 {
        let elapsed = instant - epoch
        guard elapsed > .zero else { return 0 }
        let (seconds, attoseconds) = elapsed.components
        return UInt64(seconds) * 1000 + UInt64(attoseconds / 1_000_000_000_000_000)
    }

    private static func milliseconds(of duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(seconds, 0)) * 1000 + UInt64(max(attoseconds, 0) / 1_000_000_000_000_000)
    }

    private static func bigEndian(_ value: UInt64, _ count: Int) -> [UInt8] {
        (0..<count).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    /// The issue time of a nonce we made, or nil for a forged or malformed one.
    private func verifyNonce(_ nonce: String) -> UInt64? {
        guard let bytes = Base64URL.decode(nonce), bytes.count == 28 else { return nil }
        let payload = Array(bytes[0..<12])
        guard Self.constantTimeEqual(Array(bytes[12...]), nonceMAC(payload)) else { return nil }
        return payload[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
    }

    // MARK: Verification

    /// Checks the request's credentials for our realm. `lookup` returns the stored HA1s of a user, nil for an
    /// unknown one. `source` is the address failures are counted against (the packet's source IP).
    ///
    /// For requests that can be challenged: never ACK or CANCEL (RFC 3261 section 22.1), which the bridge
    /// matches to the dialog or transaction instead.
    public mutating func authenticate(_ request: SIPRequest, source: String, now: ContinuousClock.Instant,
                                      lookup: (String) -> DigestHA1?) -> DigestVerdict {
        if failures.isThrottled(source, now: now, limit: configuration.failureLimit,
                                window: configuration.failureWindow) {
            return .throttled(firstTime: failures.takeFirstNotice(source))
        }
        let ours = request.headers.values(credentialsHeader).compactMap { DigestCredentials($0) }
            .first { $0.realm == configuration.realm }
        guard let credentials = ours else {
            return .challenge(stale: false, failure: .missingCredentials)
        }
        let outcome = check(credentials, request: request, now: now, lookup: lookup)
        switch outcome {
        case .authenticated, .challenge(_, .staleNonce), .challenge(_, .replayedNonceCount),
             .challenge(_, .missingCredentials), .throttled:
            return outcome
        case .challenge(_, let failure):
            failures.record(source, now: now, window: configuration.failureWindow,
                            capacity: configuration.maximumTrackedSources, limit: configuration.failureLimit)
            if failures.isThrottled(source, now: now, limit: configuration.failureLimit,
                                    window: configuration.failureWindow) {
                return .throttled(firstTime: failures.takeFirstNotice(source))
            }
            return .challenge(stale: false, failure: failure)
        }
    }

    private mutating func check(_ credentials: DigestCredentials, request: SIPRequest, now: ContinuousClock.Instant,
                                lookup: (String) -> DigestHA1?) -> DigestVerdict {
        guard let username = credentials.username, let nonce = credentials.nonce, let uri = credentials.uri,
              let response = credentials.response, let cnonce = credentials.cnonce,
              let nc = credentials.nonceCount, nc.utf8.count == 8, let count = UInt32(nc, radix: 16),
              credentials.qop?.equalsIgnoringASCIICase("auth") == true,
              let algorithm = DigestAlgorithm(parameter: credentials.algorithm),
              // Only what was offered: an operator who offers SHA-256 alone gets no MD5 downgrade.
              configuration.algorithms.contains(algorithm),
              credentials.opaque == opaque else {
            return .challenge(stale: false, failure: .malformedCredentials)
        }
        guard let issued = verifyNonce(nonce), issued <= milliseconds(now) else {
            return .challenge(stale: false, failure: .invalidNonce)
        }
        // The digest-uri must name the Request-URI (RFC 3261 section 22.4 via RFC 2617 section 3.2.2.5).
        let uriMatches = SIPURI(uri).map { $0.isEquivalent(to: request.uri) } ?? (uri == request.uri.description)
        guard uriMatches else { return .challenge(stale: false, failure: .uriMismatch) }

        let stored = lookup(username)
        let ha1 = (stored ?? decoy).value(for: algorithm)
        let expected = Self.response(ha1: ha1, algorithm: algorithm, method: request.method.rawValue, uri: uri,
                                     nonce: nonce, nonceCount: nc, cnonce: cnonce)
        let correct = Self.constantTimeEqual(Array(expected.utf8), Array(response.asciiLowercased.utf8))
        guard stored != nil else { return .challenge(stale: false, failure: .unknownUser) }
        guard correct else { return .challenge(stale: false, failure: .wrongPassword) }

        let age = milliseconds(now) - issued
        let lifetime = Self.milliseconds(of: configuration.nonceLifetime)
        if age > lifetime || issued < nonceCounts.floor {
            return .challenge(stale: true, failure: .staleNonce)
        }
        guard nonceCounts.accept(nonce, count: count, issued: issued, now: milliseconds(now), lifetime: lifetime,
                                 capacity: configuration.maximumTrackedNonces) else {
            return .challenge(stale: true, failure: .replayedNonceCount)
        }
        return .authenticated(username: username)
    }

    /// RFC 7616 section 3.4.1 with qop=auth:
    /// `KD(H(A1), nonce ":" nc ":" cnonce ":" qop ":" H(A2))`, `A2 = method ":" uri`.
    public static func response(ha1: String, algorithm: DigestAlgorithm, method: String, uri: String, nonce: String,
                                nonceCount: String, cnonce: String) -> String {
        let ha2 = algorithm.hash("\(method):\(uri)")
        return algorithm.keyedDigest(ha1, "\(nonce):\(nonceCount):\(cnonce):auth:\(ha2)")
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}

/// The highest nonce count seen per nonce (RFC 7616 section 3.4: a count must grow, or the request is a
/// replay). Bounded: expired nonces are dropped first; if still full, the oldest nonce is dropped and every
/// nonce issued up to its millisecond is treated as stale from then on, so forgetting a count never lets a
/// replay through.
struct NonceCountRegistry: Sendable {
    private var entries: [String: (issued: UInt64, count: UInt32)] = [:]
    /// Nonces issued before this millisecond are stale.
    private(set) var floor: UInt64 = 0

    mutating func accept(_ nonce: String, count: UInt32, issued: UInt64, now: UInt64, lifetime: UInt64,
                         capacity: Int) -> Bool {
        if let entry = entries[nonce] {
            guard count > entry.count else { return false }
            entries[nonce] = (issued, count)
            return true
        }
        guard count >= 1 else { return false }
        if entries.count >= capacity {
            entries = entries.filter { now - $0.value.issued <= lifetime }
            while entries.count >= max(capacity, 1) {
                guard let oldest = entries.min(by: { $0.value.issued < $1.value.issued }) else { break }
                floor = max(floor, oldest.value.issued + 1)
                entries.removeValue(forKey: oldest.key)
            }
            if issued < floor { return false }
        }
        entries[nonce] = (issued, count)
        return true
    }
}

/// Failures per source address in a sliding window, bounded in memory.
struct FailureTracker: Sendable {
    private struct Record: Sendable {
        var failures: [ContinuousClock.Instant] = []
        var noticed = false
    }

    private var records: [String: Record] = [:]

    mutating func record(_ source: String, now: ContinuousClock.Instant, window: Duration, capacity: Int,
                         limit: Int) {
        if records[source] == nil, records.count >= capacity {
            records = records.filter { $0.value.failures.last.map { now - $0 < window } ?? false }
            if records.count >= capacity, let oldest = records.min(by: {
                ($0.value.failures.last ?? now) < ($1.value.failures.last ?? now)
            }) {
                records.removeValue(forKey: oldest.key)
            }
        }
        var record = records[source] ?? Record()
        record.failures.removeAll { now - $0 >= window }
        record.failures.append(now)
        // Only the last limit+1 failures matter.
        if record.failures.count > limit + 1 { record.failures.removeFirst(record.failures.count - limit - 1) }
        records[source] = record
    }

    mutating func isThrottled(_ source: String, now: ContinuousClock.Instant, limit: Int, window: Duration) -> Bool {
        guard var record = records[source] else { return false }
        record.failures.removeAll { now - $0 >= window }
        if record.failures.isEmpty {
            records.removeValue(forKey: source)
            return false
        }
        let throttled = record.failures.count > limit
        if !throttled { record.noticed = false }
        records[source] = record
        return throttled
    }

    /// True the first time it is asked during a throttling episode.
    mutating func takeFirstNotice(_ source: String) -> Bool {
        guard var record = records[source], !record.noticed else { return false }
        record.noticed = true
        records[source] = record
        return true
    }
}
