/// `profile-level-id` (RFC 6184 section 8.1): three bytes in hex, `profile_idc`, `profile-iop` (the constraint
/// flags) and `level_idc`.
public struct H264ProfileLevelID: Sendable, Hashable, CustomStringConvertible {
    public var profileIDC: UInt8
    public var profileIOP: UInt8
    public var levelIDC: UInt8

    /// RFC 6184 section 8.1: without `profile-level-id`, Baseline at level 1.0.
    public static let `default` = H264ProfileLevelID(profileIDC: 0x42, profileIOP: 0x00, levelIDC: 10)

    public init(profileIDC: UInt8, profileIOP: UInt8, levelIDC: UInt8) {
        self.profileIDC = profileIDC
        self.profileIOP = profileIOP
        self.levelIDC = levelIDC
    }

    public init?(hex: String) {
        let bytes = Array(hex.utf8)
        guard bytes.count == 6 else { return nil }
        var values: [UInt8] = []
        for index in stride(from: 0, to: 6, by: 2) {
            guard let high = ByteText.hexValue(bytes[index]), let low = ByteText.hexValue(bytes[index + 1]) else {
                return nil
            }
            values.append(high << 4 | low)
        }
        self.init(profileIDC: values[0], profileIOP: values[1], levelIDC: values[2])
    }

    public var hex: String {
        [profileIDC, profileIOP, levelIDC].map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }.joined()
    }

    public var description: String { hex }

    /// Baseline, Main and Extended signal level 1b with level_idc 11 and constraint_set3_flag (RFC 6184
    /// section 8.2.2, informative note).
    var signalsLevel1bWithConstraintSet3: Bool { [66, 77, 88].contains(profileIDC) }

    static let constraintSet3: UInt8 = 0x10

    public var level: H264Level? {
        if levelIDC == 11 && signalsLevel1bWithConstraintSet3 && profileIOP & Self.constraintSet3 != 0 {
            return .level1b
        }
        if levelIDC == 9 { return .level1b }
        return H264Level.allCases.first { $0 != .level1b && $0.levelIDC == levelIDC }
    }

    /// The profile, by the profile_idc / profile-iop patterns of H.264 Annex A (the table WebRTC stacks use).
    public var profile: H264Profile? {
        // (profile_idc, mask, value): profile-iop & mask == value.
        let patterns: [(UInt8, UInt8, UInt8, H264Profile)] = [
            (0x42, 0x4F, 0x40, .constrainedBaseline),  // x1xx0000
            (0x4D, 0x8F, 0x80, .constrainedBaseline),  // 1xxx0000
            (0x58, 0xCF, 0xC0, .constrainedBaseline),  // 11xx0000
            (0x42, 0x4F, 0x00, .baseline),             // x0xx0000
            (0x58, 0xCF, 0x80, .baseline),             // 10xx0000
            (0x58, 0xCF, 0x00, .extended),             // 00xx0000
            (0x4D, 0xAF, 0x00, .main),                 // 0x0x0000
            (0x64, 0xFF, 0x00, .high),                 // 00000000
            (0x64, 0xFF, 0x0C, .constrainedHigh),      // 00001100
        ]
        return patterns.first { $0.0 == profileIDC && profileIOP & $0.1 == $0.2 }?.3
    }

    /// The same profile (profile_idc and flags) at another level. The level part includes constraint_set3_flag
    /// when it signals 1b (RFC 6184 section 8.2.2), so that flag follows the level.
    public func with(level: H264Level) -> H264ProfileLevelID {
        var result = self
        if signalsLevel1bWithConstraintSet3 {
            if level == .level1b {
                result.profileIOP |= Self.constraintSet3
                result.levelIDC = 11
                return result
            }
            if self.level == .level1b { result.profileIOP &= ~Self.constraintSet3 }
        }
        result.levelIDC = level.levelIDC
        return result
    }
}

public enum H264Profile: String, Sendable, Hashable, CaseIterable {
    case constrainedBaseline
    case baseline
    case main
    case extended
    case high
    case constrainedHigh

    /// What libavcodec decodes and the forwarding path can pass on (Extended's data partitioning is not).
    public var isSupported: Bool { self != .extended }
}

/// H.264 levels (H.264 Table A-1), in increasing order; 1b sits between 1 and 1.1.
public enum H264Level: Sendable, Hashable, Comparable, CaseIterable {
    case level1, level1b, level1_1, level1_2, level1_3, level2, level2_1, level2_2, level3, level3_1, level3_2
    case level4, level4_1, level4_2, level5, level5_1, level5_2

    /// level_idc for every profile but the 1b special case (see `H264ProfileLevelID.with(level:)`).
    public var levelIDC: UInt8 {
        switch self {
        case .level1: 10
        case .level1b: 9
        case .level1_1: 11
        case .level1_2: 12
        case .level1_3: 13
        case .level2: 20
        case .level2_1: 21
        case .level2_2: 22
        case .level3: 30
        case .level3_1: 31
        case .level3_2: 32
        case .level4: 40
        case .level4_1: 41
        case .level4_2: 42
        case .level5: 50
        case .level5_1: 51
        case .level5_2: 52
        }
    }
}

/// The outcome of H.264 negotiation for one payload type (RFC 6184 section 8.2.2).
public struct H264Parameters: Sendable, Hashable {
    public var profile: H264Profile
    /// The `profile-level-id` the bridge answered (or the peer answered, when the bridge offered).
    public var profileLevelID: H264ProfileLevelID
    /// The highest level the bridge may receive.
    public var receiveLevel: H264Level
    /// The highest level the bridge may send: the offerer's level when both sides allow level asymmetry,
    /// otherwise the common level.
    public var sendLevel: H264Level
    public var levelAsymmetryAllowed: Bool

    public init(profile: H264Profile, profileLevelID: H264ProfileLevelID, receiveLevel: H264Level,
                sendLevel: H264Level, levelAsymmetryAllowed: Bool) {
        self.profile = profile
        self.profileLevelID = profileLevelID
        self.receiveLevel = receiveLevel
        self.sendLevel = sendLevel
        self.levelAsymmetryAllowed = levelAsymmetryAllowed
    }
}

/// What an `a=fmtp` says about H.264.
struct H264FormatParameters {
    var profileLevelID: H264ProfileLevelID
    var packetizationMode: Int
    var levelAsymmetryAllowed: Bool

    /// nil when a parameter is malformed.
    init?(_ parameters: FormatParameters?) {
        if let text = parameters?.value(of: "profile-level-id") {
            guard let id = H264ProfileLevelID(hex: text) else { return nil }
            profileLevelID = id
        } else {
            profileLevelID = .default
        }
        if let mode = parameters?.value(of: "packetization-mode") {
            guard let number = Int(mode) else { return nil }
            packetizationMode = number
        } else {
            packetizationMode = 0
        }
        levelAsymmetryAllowed = parameters?.value(of: "level-asymmetry-allowed") == "1"
    }

    /// The fmtp text the bridge writes.
    static func text(profileLevelID: H264ProfileLevelID, levelAsymmetryAllowed: Bool) -> String {
        (levelAsymmetryAllowed ? "level-asymmetry-allowed=1;" : "")
            + "packetization-mode=1;profile-level-id=\(profileLevelID.hex)"
    }
}
