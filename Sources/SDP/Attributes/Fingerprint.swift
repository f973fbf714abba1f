/// `a=fingerprint:<hash-func> <fingerprint>` (RFC 8122 section 5): the digest of the certificate the peer will
/// present in the DTLS handshake. Several may be given, with different hash functions (RFC 8122 section 5).
public struct Fingerprint: Sendable, Hashable, CustomStringConvertible {
    public var hashFunction: HashFunction
    public var digest: [UInt8]

    public init(hashFunction: HashFunction, digest: [UInt8]) {
        self.hashFunction = hashFunction
        self.digest = digest
    }

    /// `fingerprint = 2UHEX *(":" 2UHEX)`; lowercase hex is accepted on input.
    init(sdpValue: ArraySlice<UInt8>) throws(ValueSyntaxError) {
        let fields = ByteText.fields(sdpValue)
        guard fields.count == 2, ByteText.isToken(fields[0]) else {
            throw ValueSyntaxError("expected <hash-func> <fingerprint>")
        }
        hashFunction = HashFunction(token: ByteText.string(fields[0]))
        var digest: [UInt8] = []
        for pair in fields[1].split(separator: ByteText.colon, omittingEmptySubsequences: false) {
            guard pair.count == 2, let high = ByteText.hexValue(pair[pair.startIndex]),
                  let low = ByteText.hexValue(pair[pair.startIndex + 1]) else {
                throw ValueSyntaxError("fingerprint bytes must be two hex digits separated by colons")
            }
            digest.append(high << 4 | low)
        }
        if let length = hashFunction.digestLength, digest.count != length {
            throw ValueSyntaxError("\(hashFunction) digest must have \(length) bytes, not \(digest.count)")
        }
        self.digest = digest
    }

    /// Uppercase hex, as RFC 8122's grammar writes it.
    public var hexDigest: String {
        digest.map { byte in
            let digits = Array("0123456789ABCDEF")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }.joined(separator: ":")
    }

    public var sdpValue: String { "\(hashFunction) \(hexDigest)" }
    public var description: String { sdpValue }
}

/// The hash functions of RFC 8122 section 5 (`hash-func`), matched without regard to case.
public enum HashFunction: Sendable, Hashable, CustomStringConvertible {
    case sha1
    case sha224
    case sha256
    case sha384
    case sha512
    /// Listed for compatibility; RFC 8122 section 5 forbids their use, so the bridge never trusts them.
    case md5
    case md2
    case other(String)

    static let known: [HashFunction] = [.sha1, .sha224, .sha256, .sha384, .sha512, .md5, .md2]

    init(token: String) {
        let lower = token.lowercased()
        self = Self.known.first { $0.description == lower } ?? .other(token)
    }

    public var digestLength: Int? {
        switch self {
        case .sha1: 20
        case .sha224: 28
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        case .md5, .md2: 16
        case .other: nil
        }
    }

    /// The SHA family the DTLS layer can verify (RFC 8122 section 5: MD5 and MD2 MUST NOT be used).
    public var isAcceptable: Bool {
        switch self {
        case .sha1, .sha224, .sha256, .sha384, .sha512: true
        case .md5, .md2, .other: false
        }
    }

    public var description: String {
        switch self {
        case .sha1: "sha-1"
        case .sha224: "sha-224"
        case .sha256: "sha-256"
        case .sha384: "sha-384"
        case .sha512: "sha-512"
        case .md5: "md5"
        case .md2: "md2"
        case .other(let token): token
        }
    }
}
