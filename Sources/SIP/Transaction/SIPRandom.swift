/// The randomness the cores need (branches, tags, Call-IDs, CSeq starts, the glare timer of RFC 3261
/// section 14.1), from a seed the driver draws once: xoshiro256** (Blackman and Vigna), so tests replay exactly.
///
/// Tags and branches need uniqueness, not secrecy (RFC 3261 section 19.3 asks for 32 bits of randomness);
/// nothing secret derives from this generator. The digest nonces use the server secret instead.
public struct SIPRandom: RandomNumberGenerator, Sendable, Hashable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        // SplitMix64 spreads the seed over the state, which must not be all zero.
        var x = seed
        func next() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (next(), next(), next(), next())
    }

    public static func == (lhs: SIPRandom, rhs: SIPRandom) -> Bool { lhs.state == rhs.state }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(state.0)
        hasher.combine(state.1)
        hasher.combine(state.2)
        hasher.combine(state.3)
    }

    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// `length` characters from [a-z0-9]: token characters, safe in any SIP position.
    public mutating func token(length: Int) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        for _ in 0..<length {
            bytes.append(Self.alphabet[Int(next() % UInt64(Self.alphabet.count))])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A branch with the magic cookie (RFC 3261 section 8.1.1.7).
    public mutating func branch() -> String { Via.magicCookie + token(length: 16) }
    /// A From/To tag (RFC 3261 section 19.3).
    public mutating func tag() -> String { token(length: 12) }
    /// A Call-ID, globally unique with the host appended (RFC 3261 section 8.1.1.4).
    public mutating func callID(host: String) -> String { token(length: 24) + "@" + host }
    /// An initial CSeq number below 2**31 (RFC 3261 section 8.1.1.5), leaving room to count up.
    public mutating func sequenceNumber() -> UInt32 { UInt32(next() % (1 << 30)) + 1 }
}
