/// `a=candidate` (RFC 8839 section 5.1, the SDP grammar for the candidates of RFC 8445):
///
///     candidate-attribute = "candidate" ":" foundation SP component-id SP transport SP priority SP
///                           connection-address SP port SP cand-type [SP rel-addr] [SP rel-port]
///                           *(SP cand-extension)
///     cand-type           = "typ" SP candidate-types        ; host / srflx / prflx / relay / token
///     rel-addr            = "raddr" SP connection-address
///     rel-port            = "rport" SP port
///     cand-extension      = extension-att-name SP extension-att-value
///
/// Extensions (`generation 0`, `network-id 1`, `tcptype passive`, `ufrag ...`) are kept in order.
public struct Candidate: Sendable, Hashable {
    public var foundation: String
    /// 1 for RTP (or RTP and RTCP under rtcp-mux), 2 for RTCP.
    public var componentID: UInt16
    /// As written ("UDP", "udp", "TCP").
    public var transport: String
    public var priority: UInt32
    /// An IP address or, for privacy-preserving browsers, an mDNS host name.
    public var address: String
    public var port: UInt16
    public var type: CandidateType
    public var relatedAddress: String?
    public var relatedPort: UInt16?
    public var extensions: [Extension]

    public struct Extension: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(foundation: String, componentID: UInt16, transport: String, priority: UInt32, address: String,
                port: UInt16, type: CandidateType, relatedAddress: String? = nil, relatedPort: UInt16? = nil,
                extensions: [Extension] = []) {
        self.foundation = foundation
        self.componentID = componentID
        self.transport = transport
        self.priority = priority
        self.address = address
        self.port = port
        self.type = type
        self.relatedAddress = relatedAddress
        self.relatedPort = relatedPort
        self.extensions = extensions
    }

    public var isUDP: Bool { transport.uppercased() == "UDP" }

    init(sdpValue: ArraySlice<UInt8>) throws(ValueSyntaxError) {
        let fields = ByteText.fields(sdpValue)
        guard fields.count >= 8 else {
            throw ValueSyntaxError("expected foundation, component, transport, priority, address, port, typ, type")
        }
        guard fields[0].count <= 32 else { throw ValueSyntaxError("foundation longer than 32 characters") }
        foundation = ByteText.string(fields[0])
        guard let component = ByteText.decimal(fields[1], as: UInt16.self) else {
            throw ValueSyntaxError("component-id is not a number")
        }
        componentID = component
        guard ByteText.isToken(fields[2]) else { throw ValueSyntaxError("transport is not a token") }
        transport = ByteText.string(fields[2])
        guard let priority = ByteText.decimal(fields[3], as: UInt32.self) else {
            throw ValueSyntaxError("priority is not a 32-bit number")
        }
        self.priority = priority
        address = ByteText.string(fields[4])
        guard let port = ByteText.decimal(fields[5], as: UInt16.self) else {
            throw ValueSyntaxError("port is not a number below 65536")
        }
        self.port = port
        guard ByteText.equalsIgnoringCase(fields[6], "typ"), ByteText.isToken(fields[7]) else {
            throw ValueSyntaxError("expected typ <candidate-type>")
        }
        type = CandidateType(token: ByteText.string(fields[7]))
        var rest = fields.dropFirst(8)
        if let name = rest.first, ByteText.equalsIgnoringCase(name, "raddr") {
            guard rest.count >= 2 else { throw ValueSyntaxError("raddr without an address") }
            relatedAddress = ByteText.string(rest[rest.startIndex + 1])
            rest = rest.dropFirst(2)
        }
        if let name = rest.first, ByteText.equalsIgnoringCase(name, "rport") {
            guard rest.count >= 2, let port = ByteText.decimal(rest[rest.startIndex + 1], as: UInt16.self) else {
                throw ValueSyntaxError("rport without a port")
            }
            relatedPort = port
            rest = rest.dropFirst(2)
        }
        guard rest.count.isMultiple(of: 2) else {
            throw ValueSyntaxError("extension attribute without a value")
        }
        extensions = stride(from: rest.startIndex, to: rest.endIndex, by: 2).map { index in
            Extension(name: ByteText.string(rest[index]), value: ByteText.string(rest[index + 1]))
        }
    }

    public var sdpValue: String {
        var parts = [foundation, String(componentID), transport, String(priority), address, String(port), "typ",
                     type.description]
        if let relatedAddress { parts += ["raddr", relatedAddress] }
        if let relatedPort { parts += ["rport", String(relatedPort)] }
        for item in extensions { parts += [item.name, item.value] }
        return parts.joined(separator: " ")
    }

    /// The bridge's one host candidate (RFC 8445 section 5.1.2.1: type preference 126 for host, local preference
    /// 65535 because there is only one, component 1 because RTCP is multiplexed).
    public static func host(address: String, port: UInt16, foundation: String = "1") -> Candidate {
        let priority = (UInt32(126) << 24) | (UInt32(65535) << 8) | (256 - 1)
        return Candidate(foundation: foundation, componentID: 1, transport: "UDP", priority: priority,
                         address: address, port: port, type: .host)
    }
}

/// `candidate-types` (RFC 8839 section 5.1), matched without regard to case.
public enum CandidateType: Sendable, Hashable, CustomStringConvertible {
    case host
    case serverReflexive
    case peerReflexive
    case relay
    case other(String)

    init(token: String) {
        switch token.lowercased() {
        case "host": self = .host
        case "srflx": self = .serverReflexive
        case "prflx": self = .peerReflexive
        case "relay": self = .relay
        default: self = .other(token)
        }
    }

    public var description: String {
        switch self {
        case .host: "host"
        case .serverReflexive: "srflx"
        case .peerReflexive: "prflx"
        case .relay: "relay"
        case .other(let token): token
        }
    }
}
