/// One `a=` line (RFC 8866 section 5.13): `a=<attribute-name>` or `a=<attribute-name>:<attribute-value>`.
///
/// The attributes a CLUE call depends on are typed; anything else is `.other` and is written back exactly as it
/// was read. Attribute names are matched as written (every implementation in the field spells them in lower case).
/// A known attribute whose value does not match its grammar makes the whole description unparseable: these are the
/// attributes the bridge decides on (transport, keys, codecs, CLUE), so guessing would be worse than refusing.
public enum Attribute: Sendable, Hashable {
    /// `a=group` (RFC 5888).
    case group(Group)
    /// `a=mid` (RFC 5888 section 4).
    case mid(String)
    /// `a=label` (RFC 4574): on CLUE-controlled media, the encoding ID (RFC 8848 section 4.4.1).
    case label(String)
    /// `a=sctp-port` (RFC 8841 section 5).
    case sctpPort(UInt16)
    /// `a=max-message-size` (RFC 8841 section 6); 0 means no limit.
    case maxMessageSize(UInt64)
    /// `a=dcmap` (RFC 8864 section 5.1).
    case dcmap(DataChannelMap)
    /// `a=dcsa` (RFC 8864 section 5.2).
    case dcsa(DataChannelSubprotocolAttribute)
    /// `a=setup` (RFC 4145, RFC 8842).
    case setup(SetupRole)
    /// `a=fingerprint` (RFC 8122).
    case fingerprint(Fingerprint)
    /// `a=ice-ufrag` (RFC 8839 section 5.4).
    case iceUfrag(String)
    /// `a=ice-pwd` (RFC 8839 section 5.4).
    case icePwd(String)
    /// `a=ice-lite` (RFC 8839 section 5.3).
    case iceLite
    /// `a=ice-options` (RFC 8839 section 5.6).
    case iceOptions([String])
    /// `a=candidate` (RFC 8839 section 5.1).
    case candidate(Candidate)
    /// `a=end-of-candidates` (RFC 8840 section 8.2).
    case endOfCandidates
    /// `a=rtcp-mux` (RFC 5761 section 5.1.1).
    case rtcpMux
    /// `a=rtcp-mux-only` (RFC 8858).
    case rtcpMuxOnly
    /// `a=rtcp` (RFC 3605).
    case rtcp(RTCPAddress)
    /// `a=extmap` (RFC 8285).
    case extmap(ExtensionMap)
    /// `a=rtpmap` (RFC 8866 section 6.6).
    case rtpmap(RTPMap)
    /// `a=fmtp` (RFC 8866 section 6.15).
    case fmtp(FormatParameters)
    /// `a=rtcp-fb` (RFC 4585 section 4.2).
    case rtcpFeedback(RTCPFeedback)
    /// `a=sendrecv`, `a=sendonly`, `a=recvonly`, `a=inactive` (RFC 8866 section 6.7).
    case direction(Direction)
    /// `a=ssrc` (RFC 5576).
    case ssrc(SSRCAttribute)
    /// `a=ssrc-group` (RFC 5576).
    case ssrcGroup(SSRCGroup)
    /// `a=msid` (RFC 8830).
    case msid(MediaStreamID)
    /// `a=crypto` (RFC 4568): SDES, recognised in order to refuse it.
    case crypto(CryptoAttribute)
    /// `a=content` (RFC 4796): slides, speaker, sl, main, alt, ...
    case content([String])
    /// Any other attribute, exactly as written: `value` is nil for `a=name`, "" for `a=name:`.
    case other(name: String, value: String?)

    /// Flag attributes: their name is their whole meaning.
    static let flags: [String: Attribute] = [
        "ice-lite": .iceLite, "end-of-candidates": .endOfCandidates, "rtcp-mux": .rtcpMux,
        "rtcp-mux-only": .rtcpMuxOnly, "sendrecv": .direction(.sendrecv), "sendonly": .direction(.sendonly),
        "recvonly": .direction(.recvonly), "inactive": .direction(.inactive),
    ]

    public var name: String {
        switch self {
        case .group: "group"
        case .mid: "mid"
        case .label: "label"
        case .sctpPort: "sctp-port"
        case .maxMessageSize: "max-message-size"
        case .dcmap: "dcmap"
        case .dcsa: "dcsa"
        case .setup: "setup"
        case .fingerprint: "fingerprint"
        case .iceUfrag: "ice-ufrag"
        case .icePwd: "ice-pwd"
        case .iceLite: "ice-lite"
        case .iceOptions: "ice-options"
        case .candidate: "candidate"
        case .endOfCandidates: "end-of-candidates"
        case .rtcpMux: "rtcp-mux"
        case .rtcpMuxOnly: "rtcp-mux-only"
        case .rtcp: "rtcp"
        case .extmap: "extmap"
        case .rtpmap: "rtpmap"
        case .fmtp: "fmtp"
        case .rtcpFeedback: "rtcp-fb"
        case .direction(let direction): direction.rawValue
        case .ssrc: "ssrc"
        case .ssrcGroup: "ssrc-group"
        case .msid: "msid"
        case .crypto: "crypto"
        case .content: "content"
        case .other(let name, _): name
        }
    }

    /// The text after the colon, nil for flags.
    public var value: String? {
        switch self {
        case .group(let group): group.sdpValue
        case .mid(let mid): mid
        case .label(let label): label
        case .sctpPort(let port): String(port)
        case .maxMessageSize(let size): String(size)
        case .dcmap(let map): map.sdpValue
        case .dcsa(let attribute): attribute.sdpValue
        case .setup(let role): role.rawValue
        case .fingerprint(let fingerprint): fingerprint.sdpValue
        case .iceUfrag(let ufrag): ufrag
        case .icePwd(let password): password
        case .iceOptions(let options): options.joined(separator: " ")
        case .candidate(let candidate): candidate.sdpValue
        case .rtcp(let address): address.sdpValue
        case .extmap(let map): map.sdpValue
        case .rtpmap(let map): map.sdpValue
        case .fmtp(let parameters): parameters.sdpValue
        case .rtcpFeedback(let feedback): feedback.sdpValue
        case .ssrc(let attribute): attribute.sdpValue
        case .ssrcGroup(let group): group.sdpValue
        case .msid(let msid): msid.sdpValue
        case .crypto(let crypto): crypto.sdpValue
        case .content(let tags): tags.joined(separator: ",")
        case .iceLite, .endOfCandidates, .rtcpMux, .rtcpMuxOnly, .direction: nil
        case .other(_, let value): value
        }
    }

    /// The line without `a=`.
    public var sdpText: String { value.map { "\(name):\($0)" } ?? name }

    /// Reads an attribute from its name and the text after the colon (nil when there was no colon).
    public static func parse(name: String, value: String?) throws(SDPParseError) -> Attribute {
        do {
            return try parse(name: name, value: value.map { ArraySlice($0.utf8) })
        } catch {
            throw .invalidAttribute(line: 0, name: name, reason: error.reason)
        }
    }

    static func parse(name: String, value: ArraySlice<UInt8>?) throws(ValueSyntaxError) -> Attribute {
        if let flag = flags[name] {
            guard value == nil else { throw ValueSyntaxError("a=\(name) takes no value") }
            return flag
        }
        guard valueAttributeNames.contains(name) else {
            return .other(name: name, value: value.map(ByteText.string))
        }
        guard let v = value else { throw ValueSyntaxError("a=\(name) needs a value") }
        switch name {
        case "group": return .group(try Group(sdpValue: v))
        case "mid": return .mid(try word(v, "mid"))
        case "label": return .label(try text(v, "label"))
        case "sctp-port": return .sctpPort(try number(v, UInt16.self, "sctp-port"))
        case "max-message-size": return .maxMessageSize(try number(v, UInt64.self, "max-message-size"))
        case "dcmap": return .dcmap(try DataChannelMap(sdpValue: v))
        case "dcsa": return .dcsa(try DataChannelSubprotocolAttribute(sdpValue: v))
        case "setup": return .setup(try SetupRole(sdpValue: v))
        case "fingerprint": return .fingerprint(try Fingerprint(sdpValue: v))
        case "ice-ufrag": return .iceUfrag(try iceCredential(v, "ice-ufrag"))
        case "ice-pwd": return .icePwd(try iceCredential(v, "ice-pwd"))
        case "ice-options": return .iceOptions(try tokens(v, "ice-options"))
        case "candidate": return .candidate(try Candidate(sdpValue: v))
        case "rtcp": return .rtcp(try RTCPAddress(sdpValue: v))
        case "extmap": return .extmap(try ExtensionMap(sdpValue: v))
        case "rtpmap": return .rtpmap(try RTPMap(sdpValue: v))
        case "fmtp": return .fmtp(try FormatParameters(sdpValue: v))
        case "rtcp-fb": return .rtcpFeedback(try RTCPFeedback(sdpValue: v))
        case "ssrc": return .ssrc(try SSRCAttribute(sdpValue: v))
        case "ssrc-group": return .ssrcGroup(try SSRCGroup(sdpValue: v))
        case "msid": return .msid(try MediaStreamID(sdpValue: v))
        case "crypto": return .crypto(try CryptoAttribute(sdpValue: v))
        case "content": return .content(try contentTags(v))
        default: return .other(name: name, value: ByteText.string(v))
        }
    }

    static let valueAttributeNames: Set<String> = [
        "group", "mid", "label", "sctp-port", "max-message-size", "dcmap", "dcsa", "setup", "fingerprint",
        "ice-ufrag", "ice-pwd", "ice-options", "candidate", "rtcp", "extmap", "rtpmap", "fmtp", "rtcp-fb", "ssrc",
        "ssrc-group", "msid", "crypto", "content",
    ]

    /// A single run of visible characters (surrounding blanks ignored, as in `a=sctp-port: 5000` of RFC 8848).
    static func word(_ value: ArraySlice<UInt8>, _ name: String) throws(ValueSyntaxError) -> String {
        let trimmed = ByteText.trimmed(value)
        guard ByteText.isNonWhitespaceString(trimmed) else {
            throw ValueSyntaxError("\(name) must be one word of visible characters")
        }
        return ByteText.string(trimmed)
    }

    static func text(_ value: ArraySlice<UInt8>, _ name: String) throws(ValueSyntaxError) -> String {
        let trimmed = ByteText.trimmed(value)
        guard !trimmed.isEmpty else { throw ValueSyntaxError("\(name) is empty") }
        return ByteText.string(trimmed)
    }

    static func number<T: FixedWidthInteger & UnsignedInteger>(_ value: ArraySlice<UInt8>, _ type: T.Type,
                                                              _ name: String) throws(ValueSyntaxError) -> T {
        guard let number = ByteText.decimal(ByteText.trimmed(value), as: T.self) else {
            throw ValueSyntaxError("\(name) must be a number no greater than \(T.max)")
        }
        return number
    }

    /// RFC 8839 section 5.4 asks for 4 (ufrag) or 22 (pwd) to 256 `ice-char`s (letters, digits, "+", "/"). Deployed
    /// SIP stacks stray from the alphabet, and a 400 for the whole INVITE would help no one, so any visible ASCII
    /// but ":" is taken: the colon is the one character that would break the STUN USERNAME `ufrag:ufrag`
    /// (RFC 8445 section 7.2.2). Lengths are left to the ICE layer.
    static func iceCredential(_ value: ArraySlice<UInt8>, _ name: String) throws(ValueSyntaxError) -> String {
        let trimmed = ByteText.trimmed(value)
        guard (1...256).contains(trimmed.count),
              trimmed.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E && $0 != ByteText.colon }) else {
            throw ValueSyntaxError("\(name) must be 1 to 256 visible ASCII characters other than a colon")
        }
        return ByteText.string(trimmed)
    }

    static func tokens(_ value: ArraySlice<UInt8>, _ name: String) throws(ValueSyntaxError) -> [String] {
        let fields = ByteText.fields(value)
        guard !fields.isEmpty, fields.allSatisfy(ByteText.isToken) else {
            throw ValueSyntaxError("\(name) must be a list of tokens")
        }
        return fields.map(ByteText.string)
    }

    /// `content-attribute = "a=content:" mediacnt-tag *("," mediacnt-tag)` (RFC 4796 section 5).
    static func contentTags(_ value: ArraySlice<UInt8>) throws(ValueSyntaxError) -> [String] {
        let tags = ByteText.trimmed(value).split(separator: ByteText.comma, omittingEmptySubsequences: false)
            .map(ByteText.trimmed)
        guard tags.allSatisfy(ByteText.isToken) else { throw ValueSyntaxError("content must be tokens") }
        return tags.map(ByteText.string)
    }
}
