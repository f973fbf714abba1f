import Foundation

/// Audio packets on their way from the media I/O queue to one room's mixer, without an allocation or a queue hop
/// per packet: a fixed ring of payload slots that the I/O queue fills under a lock and the room's 20 ms mixing tick
/// drains before it mixes. The mixer takes packets only at its tick anyway, so nothing waits longer than before.
///
/// When the ring is full (the room's queue stalled for a long time) new packets are dropped and counted; the ring
/// is sized for many participants' packets over several ticks.
final class AudioInbox: @unchecked Sendable {
    struct Entry {
        var source: ObjectIdentifier
        var sequenceNumber: UInt16
        var length: Int
        /// RFC 6464 level (-dBov), if the packet carried one.
        var level: UInt8?
    }

    /// Larger than any audio payload the bridge decodes (Opus tops out at 1275 octets per frame).
    static let slotBytes = 1_280

    let capacity: Int
    private let lock = NSLock()
    private let storage: UnsafeMutableRawBufferPointer
    private let entries: UnsafeMutableBufferPointer<Entry>
    private var head = 0
    private var count = 0
    /// Packets refused because the ring was full, or too large for a slot.
    private(set) var dropped = 0

    init(capacity: Int = 1_024) {
        self.capacity = capacity
        storage = .allocate(byteCount: capacity * Self.slotBytes, alignment: 8)
        entries = .allocate(capacity: capacity)
    }

    deinit {
        storage.deallocate()
        entries.deallocate()
    }

    /// On the I/O queue: keeps a copy of one packet's payload; false when it was dropped.
    @discardableResult
    func put(from source: ObjectIdentifier, sequenceNumber: UInt16, payload: UnsafeRawBufferPointer,
             level: UInt8?) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard count < capacity, payload.count <= Self.slotBytes else {
            dropped += 1
            return false
        }
        let slot = (head + count) % capacity
        if let base = payload.baseAddress, !payload.isEmpty {
            (storage.baseAddress! + slot * Self.slotBytes).copyMemory(from: base, byteCount: payload.count)
        }
        entries.baseAddress!.advanced(by: slot).initialize(to: Entry(
            source: source, sequenceNumber: sequenceNumber, length: payload.count, level: level))
        count += 1
        return true
    }

    /// On the room's queue: every packet kept since the last drain, oldest first. The payload is valid only inside
    /// `body`.
    func drain(_ body: (Entry, UnsafeRawBufferPointer) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        while count > 0 {
            let entry = entries[head]
            body(entry, UnsafeRawBufferPointer(start: storage.baseAddress! + head * Self.slotBytes, count: entry.length))
            head = (head + 1) % capacity
            count -= 1
        }
    }
}
