import Foundation
import RTP

/// RTP payloads on their way from the media I/O queue to a queue that takes them in batches (a room's 20 ms mixing
/// tick, a composition's frame tick), without an allocation or a queue hop per packet: a fixed ring of payload slots
/// that the I/O queue fills under a lock and the consumer's tick drains. Both consumers use packets only at their
/// tick, so nothing waits longer than it would have.
///
/// When the ring is full (the consumer stalled for a long time) new packets are dropped and counted; rings are sized
/// for many sources' packets over several ticks.
final class PacketInbox: @unchecked Sendable {
    struct Entry {
        var source: ObjectIdentifier
        var ssrc: UInt32
        var sequenceNumber: UInt16
        var timestamp: UInt32
        var payloadType: UInt8
        var marker: Bool
        var length: Int
        /// RFC 6464 level (-dBov), if the packet carried one.
        var level: UInt8?
    }

    /// Larger than any audio payload the bridge decodes (Opus tops out at 1275 octets per frame).
    static let audioSlotBytes = 1_280
    /// Larger than any video payload that fits a datagram on the media port.
    static let videoSlotBytes = 1_500

    let capacity: Int
    let slotBytes: Int
    private let lock = NSLock()
    private let storage: UnsafeMutableRawBufferPointer
    private let entries: UnsafeMutableBufferPointer<Entry>
    private var head = 0
    private var count = 0
    /// Packets refused because the ring was full, or too large for a slot.
    private(set) var dropped = 0

    init(capacity: Int = 1_024, slotBytes: Int = PacketInbox.audioSlotBytes) {
        self.capacity = capacity
        self.slotBytes = slotBytes
        storage = .allocate(byteCount: capacity * slotBytes, alignment: 8)
        entries = .allocate(capacity: capacity)
    }

    deinit {
        storage.deallocate()
        entries.deallocate()
    }

    /// On the I/O queue: keeps a copy of one packet's payload; false when it was dropped.
    @discardableResult
    func put(from source: ObjectIdentifier, header: RTPHeader, payload: UnsafeRawBufferPointer,
             level: UInt8? = nil) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard count < capacity, payload.count <= slotBytes else {
            dropped += 1
            return false
        }
        let slot = (head + count) % capacity
        if let base = payload.baseAddress, !payload.isEmpty {
            (storage.baseAddress! + slot * slotBytes).copyMemory(from: base, byteCount: payload.count)
        }
        entries.baseAddress!.advanced(by: slot).initialize(to: Entry(
            source: source, ssrc: header.ssrc, sequenceNumber: header.sequenceNumber, timestamp: header.timestamp,
            payloadType: header.payloadType, marker: header.marker, length: payload.count, level: level))
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
            body(entry, UnsafeRawBufferPointer(start: storage.baseAddress! + head * slotBytes, count: entry.length))
            head = (head + 1) % capacity
            count -= 1
        }
    }
}
