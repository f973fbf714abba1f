/// An SDP session description (RFC 8866 section 5).
///
/// Session-level fields come first, then the media descriptions in order. Attributes keep the order they were
/// written in, known and unknown alike, so a description that is parsed and written again loses nothing the bridge
/// would need to relay or log. `v=` is always 0: the parser refuses any other version (section 5.1).
public struct SessionDescription: Sendable, Hashable {
    /// `o=` (section 5.2).
    public var origin: Origin
    /// `s=` (section 5.3). RFC 8866 recommends a single space when there is no meaningful name; "-" is common.
    public var sessionName: String
    /// `i=` (section 5.4).
    public var information: String?
    /// `u=` (section 5.5).
    public var uri: String?
    /// `e=` (section 5.6).
    public var emails: [String]
    /// `p=` (section 5.6).
    public var phones: [String]
    /// `c=` at session level (section 5.7): the default for media descriptions without their own.
    public var connection: ConnectionData?
    /// `b=` (section 5.8).
    public var bandwidths: [Bandwidth]
    /// `t=` with its `r=` lines (sections 5.9 and 5.10); at least one. SIP sessions use `t=0 0` (RFC 3264 section 5).
    public var timing: [TimeDescription]
    /// `z=` (section 5.11).
    public var timeZoneAdjustments: [TimeZoneAdjustment]
    /// `k=` (section 5.12), obsolete and kept only so that nothing is silently lost.
    public var encryptionKey: String?
    /// Session-level `a=` lines, in order.
    public var attributes: [Attribute]
    /// `m=` sections, in order.
    public var media: [MediaDescription]

    public init(origin: Origin, sessionName: String = "-", information: String? = nil, uri: String? = nil,
                emails: [String] = [], phones: [String] = [], connection: ConnectionData? = nil,
                bandwidths: [Bandwidth] = [], timing: [TimeDescription] = [TimeDescription()],
                timeZoneAdjustments: [TimeZoneAdjustment] = [], encryptionKey: String? = nil,
                attributes: [Attribute] = [], media: [MediaDescription] = []) {
        self.origin = origin
        self.sessionName = sessionName
        self.information = information
        self.uri = uri
        self.emails = emails
        self.phones = phones
        self.connection = connection
        self.bandwidths = bandwidths
        self.timing = timing
        self.timeZoneAdjustments = timeZoneAdjustments
        self.encryptionKey = encryptionKey
        self.attributes = attributes
        self.media = media
    }
}

/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>` (RFC 8866 section 5.2).
public struct Origin: Sendable, Hashable {
    /// "-" when the host has no user concept.
    public var username: String
    public var sessionID: UInt64
    /// Incremented on every change of the description (RFC 3264 section 8).
    public var sessionVersion: UInt64
    public var networkType: NetworkType
    public var addressType: AddressType
    public var address: String

    public init(username: String = "-", sessionID: UInt64, sessionVersion: UInt64,
                networkType: NetworkType = .internet, addressType: AddressType, address: String) {
        self.username = username
        self.sessionID = sessionID
        self.sessionVersion = sessionVersion
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }
}

/// `nettype` (RFC 8866 section 5.7): "IN" is the only one defined.
public enum NetworkType: Sendable, Hashable, CustomStringConvertible {
    case internet
    case other(String)

    init(token: String) { self = token == "IN" ? .internet : .other(token) }

    public var description: String {
        switch self {
        case .internet: "IN"
        case .other(let token): token
        }
    }
}

/// `addrtype` (RFC 8866 section 5.7).
public enum AddressType: Sendable, Hashable, CustomStringConvertible {
    case ipv4
    case ipv6
    case other(String)

    init(token: String) {
        switch token {
        case "IP4": self = .ipv4
        case "IP6": self = .ipv6
        default: self = .other(token)
        }
    }

    /// IP6 when the address contains a colon, IP4 otherwise.
    public init(address: String) { self = address.contains(":") ? .ipv6 : .ipv4 }

    public var description: String {
        switch self {
        case .ipv4: "IP4"
        case .ipv6: "IP6"
        case .other(let token): token
        }
    }
}

/// `c=<nettype> <addrtype> <connection-address>` (RFC 8866 section 5.7). A multicast address keeps its `/ttl` and
/// `/count` suffixes in `address`; the bridge only takes unicast.
public struct ConnectionData: Sendable, Hashable {
    public var networkType: NetworkType
    public var addressType: AddressType
    public var address: String

    public init(networkType: NetworkType = .internet, addressType: AddressType, address: String) {
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }

    /// `IN IP4|IP6 address`, the type from the address's shape.
    public init(address: String) {
        self.init(addressType: AddressType(address: address), address: address)
    }
}

/// `b=<bwtype>:<bandwidth>` (RFC 8866 section 5.8).
public struct Bandwidth: Sendable, Hashable {
    public var type: String
    /// Kilobits per second for CT and AS, bits per second for TIAS (RFC 3890).
    public var value: UInt64

    public init(type: String, value: UInt64) {
        self.type = type
        self.value = value
    }
}

/// `t=<start-time> <stop-time>` and its `r=` lines (RFC 8866 sections 5.9 and 5.10).
public struct TimeDescription: Sendable, Hashable {
    /// NTP seconds, 0 for unbounded.
    public var start: UInt64
    public var stop: UInt64
    public var repeats: [RepeatTime]

    public init(start: UInt64 = 0, stop: UInt64 = 0, repeats: [RepeatTime] = []) {
        self.start = start
        self.stop = stop
        self.repeats = repeats
    }
}

/// `r=<repeat interval> <active duration> <offsets from start-time>` (RFC 8866 section 5.10).
public struct RepeatTime: Sendable, Hashable {
    public var interval: TypedTime
    public var activeDuration: TypedTime
    /// At least one.
    public var offsets: [TypedTime]

    public init(interval: TypedTime, activeDuration: TypedTime, offsets: [TypedTime]) {
        self.interval = interval
        self.activeDuration = activeDuration
        self.offsets = offsets
    }
}

/// `typed-time = 1*DIGIT [fixed-len-time-unit]` (RFC 8866 section 9). The unit is kept as written.
public struct TypedTime: Sendable, Hashable, CustomStringConvertible {
    public enum Unit: String, Sendable, Hashable {
        case days = "d", hours = "h", minutes = "m", seconds = "s"
    }

    public var value: UInt64
    public var unit: Unit?

    public init(_ value: UInt64, unit: Unit? = nil) {
        self.value = value
        self.unit = unit
    }

    public var description: String { "\(value)\(unit?.rawValue ?? "")" }
}

/// One `<adjustment time> <offset>` pair of `z=` (RFC 8866 section 5.11).
public struct TimeZoneAdjustment: Sendable, Hashable {
    public var time: UInt64
    public var offset: TypedTime
    public var isNegative: Bool

    public init(time: UInt64, offset: TypedTime, isNegative: Bool = false) {
        self.time = time
        self.offset = offset
        self.isNegative = isNegative
    }
}
