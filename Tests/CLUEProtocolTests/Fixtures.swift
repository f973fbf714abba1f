import CLUEModel
import CLUEProtocol

/// A clock the test advances by hand. Only the origin comes from the real clock; every later instant is the origin
/// plus what the test added, so runs are deterministic.
struct TestClock {
    private(set) var now = ContinuousClock.now

    mutating func advance(by duration: Duration) {
        now += duration
    }
}

extension Array where Element == ClueAction {
    /// The messages to send, in order.
    var sent: [ClueMessage] {
        compactMap { if case .send(let message) = $0 { message } else { nil } }
    }

    /// The events for the application, in order.
    var delivered: [ClueEvent] {
        compactMap { if case .deliver(let event) = $0 { event } else { nil } }
    }

    var terminations: [ClueTermination] {
        compactMap { if case .terminate(let reason) = $0 { reason } else { nil } }
    }

    var armedDeadlines: [ContinuousClock.Instant] {
        compactMap { if case .armTimer(let deadline) = $0 { deadline } else { nil } }
    }

    var cancelsTimer: Bool { contains(.cancelTimer) }

    /// The only message sent, if exactly one was.
    var onlySent: ClueMessage? { sent.count == 1 ? sent[0] : nil }
}

extension ClueMessage {
    var options: OptionsMessage? { if case .options(let m) = self { m } else { nil } }
    var optionsResponse: OptionsResponseMessage? { if case .optionsResponse(let m) = self { m } else { nil } }
    var advertisement: AdvertisementMessage? { if case .advertisement(let m) = self { m } else { nil } }
    var ack: AckMessage? { if case .ack(let m) = self { m } else { nil } }
    var configure: ConfigureMessage? { if case .configure(let m) = self { m } else { nil } }
    var configureResponse: ConfigureResponseMessage? {
        if case .configureResponse(let m) = self { m } else { nil }
    }
}

extension ClueEvent {
    /// The error of a `.messageRejected` or `.messageIgnored`.
    var refusal: ClueProtocolError? {
        switch self {
        case .messageRejected(_, let error), .messageIgnored(_, let error): error
        default: nil
        }
    }
}

/// Test data shaped like the parties of RFC 8847 section 10: the bridge plays CP1, the endpoint CP2.
enum Fixture {
    static let bridgeID = "CP1"
    static let endpointID = "CP2"

    /// The context of a dialogue run by the bridge with the endpoint, at version 1.0.
    static let bridgeContext = DialogueContext(version: .v1_0, localClueID: bridgeID, peerClueID: endpointID)
    /// The same dialogue from the endpoint's side.
    static let endpointContext = DialogueContext(version: .v1_0, localClueID: endpointID, peerClueID: bridgeID)

    static func advertisement(scene: String) -> Advertisement {
        Advertisement(
            mediaCaptures: [MediaCapture(captureID: "VC-\(scene)", kind: .video, captureSceneID: scene)],
            encodingGroups: [EncodingGroup(encodingGroupID: "EG0", maxGroupBandwidth: 6_000_000,
                                           encodingIDs: ["ENC1"])],
            captureScenes: [CaptureScene(sceneID: scene, scale: .millimeters)])
    }

    static let encodings = [CaptureEncoding(id: "ce1", captureID: "VC-CS1", encodingID: "ENC1")]

    /// A header as the peer would send it.
    static func peerHeader(_ sequenceNumber: UInt64, clueID: String? = endpointID,
                           version: ProtocolVersion = .v1_0) -> MessageHeader {
        MessageHeader(clueID: clueID, sequenceNumber: sequenceNumber, version: version)
    }

    static func configure(_ sequenceNumber: UInt64, advertisement: UInt64, ack: UInt16? = nil,
                          clueID: String? = endpointID, version: ProtocolVersion = .v1_0) -> ConfigureMessage {
        ConfigureMessage(header: peerHeader(sequenceNumber, clueID: clueID, version: version),
                         advertisementSequenceNumber: advertisement, ack: ack, captureEncodings: encodings)
    }

    static func ack(_ sequenceNumber: UInt64, advertisement: UInt64, code: ResponseCode = .success) -> AckMessage {
        AckMessage(header: peerHeader(sequenceNumber), status: code.status,
                   advertisementSequenceNumber: advertisement)
    }

    static func advertisementMessage(_ sequenceNumber: UInt64, scene: String = "CS1",
                                     version: ProtocolVersion = .v1_0) -> AdvertisementMessage {
        AdvertisementMessage(header: peerHeader(sequenceNumber, clueID: bridgeID, version: version),
                             advertisement: advertisement(scene: scene))
    }

    static func configureResponse(_ sequenceNumber: UInt64, configure: UInt64,
                                  code: ResponseCode = .success) -> ConfigureResponseMessage {
        ConfigureResponseMessage(header: peerHeader(sequenceNumber, clueID: bridgeID), status: code.status,
                                 configureSequenceNumber: configure)
    }
}
