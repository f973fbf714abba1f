import DataChannel

extension FuzzTargets {
    /// The CLUE stream of the fuzzed association, as an `a=dcmap` would name it.
    static let sctpClueStream: UInt16 = 3

    /// Arbitrary bytes as one SCTP packet that came out of DTLS. The bounds-checked chunk scanner must visit only
    /// chunks that lie inside the packet, and the FORWARD-TSN reader must report only streams it read from such a
    /// chunk; a live association fed the bytes must not trap, and never reports a message on the CLUE stream
    /// with another PPID than 51 (RFC 8850 section 3.2).
    public static func sctpPacket(_ bytes: UnsafeBufferPointer<UInt8>) {
        let raw = UnsafeRawBufferPointer(bytes)
        var chunks = 0
        SCTPPacketInspection.forEachChunk(in: raw) { chunk in
            chunks += 1
            guard chunk.value.lowerBound >= SCTPPacketInspection.commonHeaderLength,
                  chunk.value.upperBound <= raw.count else {
                fatalError("chunk \(chunk) lies outside the \(raw.count)-byte packet")
            }
        }
        if !SCTPPacketInspection.streamsSkippedByForwardTSN(in: raw).isEmpty, chunks == 0 {
            fatalError("FORWARD-TSN streams reported from a packet without chunks")
        }
        guard let association = fuzzAssociation else { return }
        for event in association.receive(raw).events {
            if case .message(let stream, let ppid, _) = event, stream == sctpClueStream,
               ppid != PayloadProtocolIdentifier.string {
                fatalError("message with PPID \(ppid) delivered on the CLUE stream")
            }
        }
    }

    /// One association for the whole run (usrsctp keeps process-wide state); it may be aborted by what it is fed,
    /// after which it stays inert, which is also a state worth fuzzing.
    static let fuzzAssociation: SCTPAssociation? = {
        let association = try? SCTPAssociation(configuration: SCTPConfiguration(clueStream: sctpClueStream))
        _ = association?.start()
        return association
    }()
}
