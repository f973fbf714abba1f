/// Per-SSRC state of one direction of one kind of packet (SRTP or SRTCP): the highest packet index accepted and a
/// sliding replay window behind it (RFC 3711 sections 3.3.1 and 3.3.2).
///
/// The state lives in flat arrays that grow only when an SSRC is first seen; afterwards lookups and updates
/// allocate nothing. The last SSRC looked up is cached, since packets come in runs from one stream.
struct SRTPStreamTable {
    /// How far behind the highest index a packet may be and still be accepted (once).
    let windowSize: UInt64
    /// The window is a ring of `mask + 1` bits (a power of two, at least `windowSize`), indexed by packet index.
    private let mask: UInt64
    private let wordsPerStream: Int

    private var highest: [UInt64] = []
    private var window: [UInt64] = []
    private var slots: [UInt32: Int] = [:]
    private var cachedSSRC: UInt32 = 0
    private var cachedSlot = -1

    init(windowSize: Int) {
        precondition(windowSize >= 1)
        var ring = 64
        while ring < windowSize { ring <<= 1 }
        self.windowSize = UInt64(windowSize)
        mask = UInt64(ring - 1)
        wordsPerStream = ring / 64
    }

    var count: Int { highest.count }

    /// The slot of an SSRC seen before, or nil.
    @inline(__always)
    mutating func slot(of ssrc: UInt32) -> Int? {
        if cachedSlot >= 0, cachedSSRC == ssrc { return cachedSlot }
        guard let slot = slots[ssrc] else { return nil }
        cachedSSRC = ssrc
        cachedSlot = slot
        return slot
    }

    /// Starts tracking an SSRC whose first packet has `index`; the only call that allocates.
    mutating func insert(ssrc: UInt32, index: UInt64) -> Int {
        let slot = highest.count
        highest.append(index)
        window.append(contentsOf: repeatElement(0, count: wordsPerStream))
        slots[ssrc] = slot
        cachedSSRC = ssrc
        cachedSlot = slot
        setBit(slot: slot, index: index)
        return slot
    }

    @inline(__always)
    func highestIndex(slot: Int) -> UInt64 { highest[slot] }

    /// Why a packet with `index` must be refused, or nil if it is new (RFC 3711 section 3.3.2).
    @inline(__always)
    func check(slot: Int, index: UInt64) -> SRTPError? {
        let top = highest[slot]
        if index > top { return nil }
        if top - index >= windowSize { return .tooOld }
        let bit = index & mask
        return window[slot * wordsPerStream + Int(bit >> 6)] & (1 << (bit & 63)) != 0 ? .replayed : nil
    }

    /// Records an authenticated packet: marks its index and, if it is the newest, slides the window up to it.
    @inline(__always)
    mutating func accept(slot: Int, index: UInt64) {
        let top = highest[slot]
        if index > top {
            let base = slot * wordsPerStream
            if index - top > mask {
                for word in base..<(base + wordsPerStream) { window[word] = 0 }
            } else {
                // Indices top+1 ... index reuse the ring positions of ones now behind the window: clear them.
                var next = top + 1
                while next <= index {
                    let bit = next & mask
                    if bit & 63 == 0, index - next >= 63 {
                        window[base + Int(bit >> 6)] = 0
                        next += 64
                    } else {
                        window[base + Int(bit >> 6)] &= ~(1 << (bit & 63))
                        next += 1
                    }
                }
            }
            highest[slot] = index
        }
        setBit(slot: slot, index: index)
    }

    // One call per packet and side of the cipher: the owner keeps the table in a class property, and each access
    // to it costs a dynamic exclusivity check.

    /// The sender's side: the index of the SRTP packet with `sequence` from `ssrc`, recorded as protected.
    @inline(__always)
    mutating func admitOutbound(ssrc: UInt32, sequence: UInt16, allowRepeat: Bool) throws(SRTPError) -> UInt64 {
        guard let slot = slot(of: ssrc) else {
            let index = UInt64(sequence)
            _ = insert(ssrc: ssrc, index: index)
            return index
        }
        let index = Self.estimateRTPIndex(highest: highest[slot], sequence: sequence)
        guard index <= maximumRTPIndex else { throw .keyExpired }
        switch check(slot: slot, index: index) {
        case nil: accept(slot: slot, index: index)
        case .replayed? where allowRepeat: break
        case let refusal?: throw refusal
        }
        return index
    }

    /// The receiver's side before authentication: the slot (-1 for an SSRC not seen yet, whose ROC starts at 0)
    /// and index of an SRTP packet, or why the window refuses it.
    @inline(__always)
    mutating func estimateInbound(ssrc: UInt32, sequence: UInt16) throws(SRTPError) -> (slot: Int, index: UInt64) {
        guard let slot = slot(of: ssrc) else { return (-1, UInt64(sequence)) }
        let index = Self.estimateRTPIndex(highest: highest[slot], sequence: sequence)
        guard index <= maximumRTPIndex else { throw .keyExpired }
        if let refusal = check(slot: slot, index: index) { throw refusal }
        return (slot, index)
    }

    /// The receiver's side for a packet with an explicit index (SRTCP): its slot or -1, or why it is refused.
    @inline(__always)
    mutating func checkInbound(ssrc: UInt32, index: UInt64) throws(SRTPError) -> Int {
        guard let slot = slot(of: ssrc) else { return -1 }
        if let refusal = check(slot: slot, index: index) { throw refusal }
        return slot
    }

    /// The receiver's side after authentication: records the packet, creating the SSRC's state if `slot` is -1.
    @inline(__always)
    mutating func commitInbound(slot: Int, ssrc: UInt32, index: UInt64) {
        if slot >= 0 { accept(slot: slot, index: index) } else { _ = insert(ssrc: ssrc, index: index) }
    }

    /// The sender's SRTCP index for `ssrc`: 0 first, then one more per packet (RFC 3711 section 3.4).
    @inline(__always)
    mutating func nextOutboundRTCPIndex(ssrc: UInt32) throws(SRTPError) -> UInt64 {
        guard let slot = slot(of: ssrc) else {
            _ = insert(ssrc: ssrc, index: 0)
            return 0
        }
        let index = highest[slot] + 1
        // RFC 3711 section 9.2: a master key protects at most 2^31 SRTCP packets.
        guard index <= maximumRTCPIndex else { throw .keyExpired }
        accept(slot: slot, index: index)
        return index
    }

    @inline(__always)
    private mutating func setBit(slot: Int, index: UInt64) {
        let bit = index & mask
        window[slot * wordsPerStream + Int(bit >> 6)] |= 1 << (bit & 63)
    }

    /// RFC 3711 section 3.3.1 and appendix A: the 48-bit index (ROC || SEQ) of a packet with sequence number
    /// `sequence`, guessed from the highest index accepted so far. A guess of ROC - 1 while ROC is 0 means the
    /// packet precedes the stream's first one in sequence order, which only happens at its start: like libsrtp2,
    /// take it as ROC 0.
    @inline(__always)
    static func estimateRTPIndex(highest: UInt64, sequence: UInt16) -> UInt64 {
        let rolloverCounter = highest >> 16
        let highestSequence = highest & 0xffff
        let sequence = UInt64(sequence)
        var guess = rolloverCounter
        if highestSequence < 0x8000 {
            if sequence > highestSequence, sequence - highestSequence > 0x8000, rolloverCounter > 0 {
                guess = rolloverCounter - 1
            }
        } else if highestSequence - 0x8000 > sequence {
            guess = rolloverCounter + 1
        }
        return guess << 16 | sequence
    }
}

/// RFC 3711 section 3.3.1: the packet index is 48 bits (a 32-bit ROC); the key must not protect beyond it.
let maximumRTPIndex: UInt64 = (1 << 48) - 1
/// RFC 3711 section 3.4: the SRTCP index is 31 bits.
let maximumRTCPIndex: UInt64 = (1 << 31) - 1
