/// `a=ssrc:<ssrc-id> <attribute>[:<value>]` (RFC 5576 section 4.1): a source-level attribute such as `cname` or
/// `msid`.
public struct SSRCAttribute: Sendable, Hashable {
    public var ssrc: UInt32
    public var name: String
    /// Everything after the colon, as written; nil for a flag attribute.
    public var value: String?

    public init(ssrc: UInt32, name: String, value: String? = nil) {
        self.ssrc = ssrc
        self.name = name
        self.value = value
    }

    init(sdpValue: ArraySlice<UInt8>) throws(ValueSyntaxError) {
        let (head, rest) = ByteText.splitFirstField(ByteText.trimmedLeading(sdpValue))
        guard let ssrc = ByteText.decimal(head, as: UInt32.self), let rest, !rest.isEmpty else {
            throw ValueSyntaxError("expected <ssrc-id> <attribute>[:<value>]")
        }
        self.ssrc = ssrc
        let (name, value) = ByteText.splitOnce(rest, at: ByteText.colon)
        guard ByteText.isToken(name) else { throw ValueSyntaxError("source attribute name is not a token") }
        self.name = ByteText.string(name)
        self.value = value.map(ByteText.string)
    }

    public var sdpValue: String { "\(ssrc) \(name)" + (value.map { ":" + $0 } ?? "") }
}

/// `a=ssrc-group:<semantics> *(SP <ssrc-id>)` (RFC 5576 section 4.2): FID (RTX), FEC, SIM, ...
public struct SSRCGroup: Sendable, Hashable {
    public var semantics: String
    public var ssrcs: [UInt32]

    public init(semantics: String, ssrcs: [UInt32]) {
        self.semantics = semantics
        self.ssrcs = ssrcs
    }

    init(sdpValue: ArraySlice<UInt8>) throws(ValueSyntaxError) {
        let fields = ByteText.fields(sdpValue)
        guard let first = fields.first, ByteText.isToken(first) else {
            throw ValueSyntaxError("expected <semantics> <ssrc-id>...")
        }
        semantics = ByteText.string(first)
        var ssrcs: [UInt32] = []
        for field in fields.dropFirst() {
            guard let ssrc = ByteText.decimal(field, as: UInt32.self) else {
                throw ValueSyntaxError("SSRC must be a 32-bit number")
            }
            ssrcs.append(ssrc)
        }
        self.ssrcs = ssrcs
    }

    public var sdpValue: String { ([semantics] + ssrcs.map(String.init)).joined(separator: " ") }
}

/// `a=msid:<msid-id> [<msid-appdata>]` (RFC 8830 section 2): the media stream and track of a section.
public struct MediaStreamID: Sendable, Hashable {
    public var identifier: String
    public var applicationData: String?

    public init(identifier: String, applicationData: String? = nil) {
        self.identifier = identifier
        self.applicationData = applicationData
    }

    init(sdpValue: ArraySlice<UInt8>) throws(ValueSyntaxError) {
        let fields = ByteText.fields(sdpValue)
        guard fields.count == 1 || fields.count == 2 else {
            throw ValueSyntaxError("expected <msid-id> [<msid-appdata>]")
        }
        identifier = ByteText.string(fields[0])
        applicationData = fields.count == 2 ? ByteText.string(fields[1]) : nil
    }

    public var sdpValue: String { identifier + (applicationData.map { " " + $0 } ?? "") }
}

/// `a=crypto:<tag> <crypto-suite> <key-params> [<session-params>]` (RFC 4568 section 9.1): SDES keying. The bridge
/// parses it only to recognise SDES and refuse it; the key never appears in `description`.
public struct CryptoAttribute: Sendable, Hashable, CustomStringConvertible {
    public var tag: UInt32
    public var suite: String
    /// Holds the master key (`inline:...`).
    public var keyParameters: String
    public var sessionParameters: [String]

    public init(tag: UInt32, suite: String, keyParameters: String, sessionParameters: [String] = []) {
        self.tag = tag
        self.suite = suite
        self.keyParameters = keyParameters
        self.sessionParameters = sessionParameters
    }

    init(sdpValue: ArraySlice<UInt8>) throws(ValueSyntaxError) {
        let fields = ByteText.fields(sdpValue)
        guard fields.count >= 3, fields[0].count <= 9, let tag = ByteText.decimal(fields[0], as: UInt32.self),
              ByteText.isToken(fields[1]) else {
            throw ValueSyntaxError("expected <tag> <crypto-suite> <key-params>")
        }
        self.tag = tag
        suite = ByteText.string(fields[1])
        keyParameters = ByteText.string(fields[2])
        sessionParameters = fields.dropFirst(3).map(ByteText.string)
    }

    public var sdpValue: String {
        ([String(tag), suite, keyParameters] + sessionParameters).joined(separator: " ")
    }

    public var description: String { "crypto:\(tag) \(suite) <key redacted>" }
}

/// `a=rtcp:<port> [<nettype> <addrtype> <connection-address>]` (RFC 3605 section 2.1).
public struct RTCPAddress: Sendable, Hashable {
    public var port: UInt16
    public var connection: ConnectionData?

    public init(port: UInt16, connection: ConnectionData? = nil) {
        self.port = port
        self.connection = connection
    }

    init(sdpValue: ArraySlice<UInt8>) throws(ValueSyntaxError) {
        let fields = ByteText.fields(sdpValue)
        guard fields.count == 1 || fields.count == 4, let port = ByteText.decimal(fields[0], as: UInt16.self) else {
            throw ValueSyntaxError("expected <port> [<nettype> <addrtype> <connection-address>]")
        }
        self.port = port
        if fields.count == 4 {
            guard ByteText.isToken(fields[1]), ByteText.isToken(fields[2]) else {
                throw ValueSyntaxError("nettype and addrtype must be tokens")
            }
            connection = ConnectionData(networkType: NetworkType(token: ByteText.string(fields[1])),
                                        addressType: AddressType(token: ByteText.string(fields[2])),
                                        address: ByteText.string(fields[3]))
        }
    }

    public var sdpValue: String {
        String(port) + (connection.map { " \($0.networkType) \($0.addressType) \($0.address)" } ?? "")
    }
}
