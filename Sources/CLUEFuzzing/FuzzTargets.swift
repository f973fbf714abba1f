/// Every fuzz property by name; the name is also the folder of its corpus under Fuzz/corpus/.
extension FuzzTargets {
    public static let all: [String: @Sendable (UnsafeBufferPointer<UInt8>) -> Void] = [
        "clue-xml": clueDocument,
        "sip": sipMessage,
        "sdp": sessionDescription,
        "stun": stunMessage,
        "rtp": rtpDatagram,
        "sctp": sctpPacket,
        "video-payload": videoPayloads,
    ]
}
