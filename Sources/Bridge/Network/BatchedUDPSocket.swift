import CSocketBatch
import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The media port: a non-blocking UDP socket read and written in batches (`recvmmsg`/`sendmmsg`) through buffers
/// allocated once, so the media hot path allocates nothing per packet.
///
/// Confined to its queue. The handler sees each datagram as a view into the receive slab, valid only during the
/// call; `enqueue` copies into the send slab (or a datagram is built in place in `sendSlot` and queued with
/// `commitSend`), and `flush` (called after each receive batch, and when the slab is
/// full) hands the whole batch to the kernel at once: with segmentation offload (UDP GSO, on where the kernel has
/// it), each run of same-size datagrams to one receiver goes down the socket and IP layers as one.
public final class BatchedUDPSocket: @unchecked Sendable {
    /// One received datagram, its source, and when its batch was read (one clock read per batch, not per packet).
    public typealias Handler = (UnsafeMutableRawBufferPointer, SocketAddress, ContinuousClock.Instant) -> Void

    public static let batchSize = 32
    /// Sends are batched wider than receives: one received video packet fans out to every receiver watching it.
    public static let sendBatchSize = 128
    public static let slotBytes = 2048
    /// At most this many datagrams, and about this long, per wake-up.
    public static let datagramsPerWakeUp = 512
    public static let maximumDrain = Duration.milliseconds(10)
    /// How long a drain waits for the next datagram before it gives the queue back (at once when `interrupt` is
    /// signalled: other work was queued behind it).
    public static let lingerMicroseconds = 1000

    public let localAddress: SocketAddress
    /// Signalled by whoever queues work on the socket's queue, so that a lingering drain gives the queue back.
    public let interrupt: DrainInterrupt
    private let descriptor: Int32
    private let source: DispatchSourceRead
    private let receive: OpaquePointer
    private let send: OpaquePointer
    private var pendingSends = 0
    /// Datagrams the kernel would not take (full socket buffer): dropped, as the network would.
    public private(set) var droppedSends = 0
    public private(set) var receivedDatagrams = 0
    /// Whether runs of datagrams to one destination are sent as one (UDP generic segmentation offload).
    public let segmentationOffload: Bool
    /// Runs the kernel refused as one (a path MTU below the segment size) and that went datagram by datagram.
    public var segmentationFallbacks: Int { Int(clue_batch_segmentation_fallbacks(send)) }
    /// Runs of two or more datagrams that went out as one.
    public var segmentedRuns: Int { Int(clue_batch_segmented_runs(send)) }

    /// `segmentationOffload`: send runs of same-size datagrams to one destination as one (when the kernel can).
    public init(bind address: SocketAddress, queue: DispatchQueue, bufferBytes: Int = 4 << 20,
                segmentationOffload: Bool = true, interrupt: DrainInterrupt = DrainInterrupt(),
                handler: @escaping Handler) throws {
        self.interrupt = interrupt
        let fd = socket(address.family, Int32(Glibc.SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket") }
        var size = Int32(bufferBytes)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        guard address.withSockaddr({ bind(fd, $0, $1) }) == 0 else {
            let error = SocketError("bind \(address)")
            Glibc.close(fd)
            throw error
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        descriptor = fd
        localAddress = UDPSocket.localAddress(of: fd) ?? address
        guard let receive = clue_batch_create(UInt32(Self.batchSize), UInt32(Self.slotBytes)),
              let send = clue_batch_create(UInt32(Self.sendBatchSize), UInt32(Self.slotBytes)) else {
            Glibc.close(fd)
            throw SocketError("allocate batch", code: ENOMEM)
        }
        self.receive = receive
        self.send = send
        self.segmentationOffload = clue_batch_enable_segmentation(send, fd, segmentationOffload ? 1 : 0) == 1
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setCancelHandler {
            Glibc.close(fd)
            clue_batch_destroy(receive)
            clue_batch_destroy(send)
        }
        source.setEventHandler { [unowned self] in self.drain(handler) }
        source.resume()
    }

    deinit {
        source.cancel()
    }

    public func close() {
        source.cancel()
    }

    /// Queues one datagram; sent with the next `flush`.
    public func enqueue(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress) {
        guard bytes.count <= Self.slotBytes else {
            droppedSends += 1
            return
        }
        sendSlot().copyMemory(from: bytes)
        commitSend(length: bytes.count, to: address)
    }

    /// The slot the next datagram can be built in (the batch goes to the kernel first when it is full), valid
    /// until the next call on this socket; `commitSend` queues what was built there, or it is simply left unused.
    public func sendSlot() -> UnsafeMutableRawBufferPointer {
        if pendingSends == Self.sendBatchSize { flush() }
        return UnsafeMutableRawBufferPointer(start: clue_batch_slot(send, UInt32(pendingSends)), count: Self.slotBytes)
    }

    /// Queues the datagram of `length` bytes built in the slot `sendSlot` returned.
    public func commitSend(length: Int, to address: SocketAddress) {
        let committed = address.withSockaddr { pointer, addressLength in
            clue_batch_commit(send, UInt32(pendingSends), length, pointer, addressLength)
        }
        if committed == 0 { pendingSends += 1 } else { droppedSends += 1 }
    }

    /// Hands every queued datagram to the kernel with `sendmmsg` (repeated for what one call did not take); what
    /// a full socket buffer refuses is dropped and counted.
    public func flush() {
        guard pendingSends > 0 else { return }
        let sent = Int(clue_batch_send_all(send, descriptor, UInt32(pendingSends)))
        droppedSends += pendingSends - sent
        pendingSends = 0
    }

    enum Wait { case readable, interrupted, timedOut }

    /// Waits up to `microseconds` for `descriptor` to be readable or `interrupt` to be signalled.
    static func waitReadable(_ descriptor: Int32, interrupt: DrainInterrupt, microseconds: Int) -> Wait {
        switch clue_batch_wait_readable(descriptor, interrupt.descriptor, microseconds) {
        case 1: .readable
        case 2: .interrupted
        default: .timedOut
        }
    }

    private func drain(_ handler: Handler) {
        // Reads until the socket stays empty for `lingerMicroseconds`, for at most `maximumDrain` and
        // `datagramsPerWakeUp` datagrams so that one busy port cannot hold up the queue's other work (the mixer's
        // audio, the rooms' plans, timers). Each return to Dispatch costs hand-offs between its threads before the
        // next datagram is read (its event thread wakes a worker, and the source is re-armed through the event
        // thread): measured at 6-10% of a forwarder's time when every short batch ended the drain, and about a
        // third of the bridge's CPU per packet at 30,000 packets/s in bursts 1 ms apart with a 200 us linger.
        // Waiting in the kernel instead reads a stream the way a blocking loop does and costs nothing while it
        // waits; work queued behind the drain signals `interrupt` and ends the wait at once.
        var handled = 0
        var deadline: ContinuousClock.Instant?
        while handled < Self.datagramsPerWakeUp {
            let count = Int(clue_batch_receive(receive, descriptor))
            guard count > 0 else {
                switch Self.waitReadable(descriptor, interrupt: interrupt, microseconds: Self.lingerMicroseconds) {
                case .readable: continue
                case .interrupted: _ = interrupt.take()
                case .timedOut: break
                }
                break
            }
            receivedDatagrams += count
            handled += count
            let now = ContinuousClock.now
            for index in 0..<count {
                var length = 0
                let payload = clue_batch_payload(receive, UInt32(index), &length)
                var addressLength: socklen_t = 0
                let storage = clue_batch_source(receive, UInt32(index), &addressLength)!.pointee
                handler(UnsafeMutableRawBufferPointer(start: payload, count: length),
                        SocketAddress(storage: storage, length: addressLength), now)
            }
            flush()
            // Work was queued behind the drain: it runs now, the datagrams left wait for the next wake-up.
            if interrupt.take() { break }
            if let deadline {
                if now >= deadline { break }
            } else {
                deadline = now + Self.maximumDrain
            }
        }
        flush()
    }
}

/// An eventfd that ends a `BatchedUDPSocket` drain's wait for the next datagram: signalled (from any thread) by
/// whoever queues work on the socket's queue, so that the work runs without waiting out the linger.
public final class DrainInterrupt: Sendable {
    let descriptor: Int32
    /// Set with the eventfd, read by the drain between batches (an atomic load, not a system call).
    private let pending = Atomic<Bool>(false)

    public init() {
        descriptor = clue_interrupt_create()
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    /// Call after queueing the work.
    public func signal() {
        pending.store(true, ordering: .releasing)
        if descriptor >= 0 { clue_interrupt_signal(descriptor) }
    }

    /// On the drain's queue: whether a signal came since the last `take`, which clears it.
    func take() -> Bool {
        guard pending.load(ordering: .acquiring) else { return false }
        // The eventfd first, then the flag in one exchange: a signal that lands in between keeps its flag (or is
        // taken now), so none is lost.
        if descriptor >= 0 { clue_interrupt_clear(descriptor) }
        return pending.exchange(false, ordering: .acquiringAndReleasing)
    }
}
