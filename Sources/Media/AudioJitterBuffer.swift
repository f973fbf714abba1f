/// One participant's incoming audio packets, put back into RTP sequence order before they are decoded.
///
/// Stateful decoders (Opus, G.722) must see payloads in order, so reordering happens here, on the encoded payloads,
/// and decoding at playout. Bounded: `capacity` packets, a packet further ahead than that pushes the oldest out.
/// Playout starts once `playoutDelay` packets' worth of sequence numbers are buffered, which absorbs reordering
/// and jitter of that many packets; after an underrun it waits for that depth again. All storage is allocated once.
struct AudioJitterBuffer {
    enum Insertion: Equatable {
        case stored
        /// Its sequence number was already played or skipped.
        case late
        case duplicate
        case tooLarge
        /// Stored, and this many older packets were pushed out unplayed.
        case storedDroppingOldest(Int)
    }

    enum Playout: Equatable {
        /// The next packet in sequence: its length in `payload(of:)` and its RFC 6464 level (-dBov), if any.
        case packet(slot: Int, length: Int, audioLevel: UInt8?)
        /// The next packet is missing while later ones are here: lost (or later than the playout delay allows).
        case lost
        /// Nothing to play yet (still filling, or underrun).
        case waiting
    }

    let capacity: Int
    let playoutDelay: Int
    let maximumPayload: Int

    private var storage: [UInt8]
    private var lengths: [Int]  // -1: empty
    private var sequences: [Int64]
    private var levels: [UInt8?]
    /// Highest extended sequence number stored so far.
    private var highest: Int64?
    /// The extended sequence number to play next.
    private var next: Int64?
    private var playing = false
    /// Whether any packet was played since the last reset: from then on the sequence position only moves forward.
    private var played = false
    private(set) var count = 0

    init(capacity: Int, playoutDelay: Int, maximumPayload: Int = AudioDecoder.maximumPayloadBytes) {
        precondition(capacity >= 1 && playoutDelay >= 1 && playoutDelay <= capacity)
        self.capacity = capacity
        self.playoutDelay = playoutDelay
        self.maximumPayload = maximumPayload
        storage = [UInt8](repeating: 0, count: capacity * maximumPayload)
        lengths = [Int](repeating: -1, count: capacity)
        sequences = [Int64](repeating: 0, count: capacity)
        levels = [UInt8?](repeating: nil, count: capacity)
    }

    /// Forgets every packet and the sequence position (mute, or a new source).
    mutating func reset() {
        for slot in 0..<capacity { lengths[slot] = -1 }
        count = 0
        highest = nil
        next = nil
        playing = false
        played = false
    }

    mutating func insert(sequenceNumber: UInt16, payload: UnsafeRawBufferPointer, audioLevel: UInt8?) -> Insertion {
        guard payload.count <= maximumPayload else { return .tooLarge }
        // Extend the 16-bit sequence number to the one nearest the highest seen (RFC 3550 Appendix A.1 in spirit).
        let extended: Int64
        if let highest {
            let delta = Int16(bitPattern: sequenceNumber &- UInt16(truncatingIfNeeded: highest))
            extended = highest + Int64(delta)
        } else {
            extended = Int64(sequenceNumber) + 1 << 16  // room below for reordered first packets
        }

        if let current = next, extended < current {
            // Before playout starts a packet that precedes the first one received may still be waited for.
            guard !played, let highest, highest - extended < Int64(capacity) else { return .late }
            next = extended
        }
        let slot = self.slot(extended)
        if lengths[slot] >= 0 && sequences[slot] == extended { return .duplicate }

        var dropped = 0
        if next == nil { next = extended }
        if extended - next! >= Int64(capacity) {
            // Too far ahead: drop the oldest until it fits.
            let newNext = extended - Int64(capacity) + 1
            var sequence = next!
            while sequence < newNext && count > 0 {
                let old = self.slot(sequence)
                if lengths[old] >= 0 && sequences[old] == sequence {
                    lengths[old] = -1
                    count -= 1
                    dropped += 1
                }
                sequence += 1
            }
            // Nothing left in between (a jump): resynchronize on this packet instead of counting the gap as lost.
            next = count == 0 ? extended : newNext
        }

        storage.withUnsafeMutableBytes { storage in
            if payload.count > 0 {
                (storage.baseAddress! + slot * maximumPayload).copyMemory(from: payload.baseAddress!,
                                                                          byteCount: payload.count)
            }
        }
        lengths[slot] = payload.count
        sequences[slot] = extended
        levels[slot] = audioLevel
        count += 1
        highest = max(highest ?? extended, extended)
        return dropped > 0 ? .storedDroppingOldest(dropped) : .stored
    }

    /// Takes the next packet in sequence, if it is time to play one. A `.packet` stays readable through
    /// `payload(of:)` until the next `insert`.
    mutating func pop() -> Playout {
        guard let current = next, let highest else { return .waiting }
        if !playing {
            guard highest - current + 1 >= Int64(playoutDelay) else { return .waiting }
            playing = true
        }
        let slot = self.slot(current)
        if lengths[slot] >= 0 && sequences[slot] == current {
            let length = lengths[slot]
            lengths[slot] = -1
            count -= 1
            next = current + 1
            played = true
            return .packet(slot: slot, length: length, audioLevel: levels[slot])
        }
        if count > 0 {
            next = current + 1
            played = true
            return .lost
        }
        playing = false
        return .waiting
    }

    func withPayload<R>(slot: Int, length: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        storage.withUnsafeBytes { storage in
            body(UnsafeRawBufferPointer(rebasing: storage[(slot * maximumPayload)..<(slot * maximumPayload + length)]))
        }
    }

    private func slot(_ sequence: Int64) -> Int { Int(sequence % Int64(capacity)) }
}
