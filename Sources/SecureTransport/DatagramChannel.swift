import COpenSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The datagram side of a DTLS session: what OpenSSL reads and writes, and its retransmission timer expressed in
/// the caller's clock.
///
/// Why not two memory BIOs: a memory BIO is a byte stream, so the records OpenSSL writes for a flight run together
/// and the datagram boundaries that DTLS fragmentation (and the MTU) rely on are lost; `BIO_s_dgram_pair`, which
/// keeps them, only arrived in OpenSSL 3.2 and this machine has 3.0. So a small custom `BIO_METHOD` stands in.
/// OpenSSL's DTLS code reaches it with exactly one `BIO_write` per datagram: during the handshake it gathers
/// records in its own buffering BIO and flushes before the next record would exceed the MTU (so one flight may
/// be several datagrams, each holding several records); afterwards every record is written on its own. It reads
/// with one `BIO_read` per datagram and processes every record in it. This BIO keeps each write as one datagram
/// and offers the one received datagram to the first read.
///
/// Why it sees the timer: OpenSSL 3.0 schedules retransmissions on its own wall clock (`gettimeofday`), checked
/// on every read. To keep the session sans-IO (deadlines from the caller's `now`, a test clock advanced by hand),
/// the BIO receives OpenSSL's `BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT` notifications - in 3.0 they carry the address of
/// the SSL's own `next_timeout` - computes the deadline in the caller's clock, and parks OpenSSL's wall-clock
/// deadline a year ahead so that it never fires by itself. When the caller's deadline passes, `forceExpiry()`
/// marks OpenSSL's deadline as past and `DTLSv1_handle_timeout` retransmits. That address is only trusted on the
/// OpenSSL versions where it is known to be the live field (3.0.x); on any other version the channel leaves
/// OpenSSL's timer alone and deadlines follow OpenSSL's own clock (`wallClockMode`).
final class DatagramChannel {
    /// The datagram offered to OpenSSL during one call, borrowed from the caller; consumed by the first read.
    var inbound: UnsafeRawBufferPointer?
    /// Datagrams OpenSSL wrote, in order.
    private(set) var outbound: [[UInt8]] = []
    /// The caller's time during the current call.
    var now: ContinuousClock.Instant?

    let initialTimeoutMicroseconds: UInt32
    let maximumTimeoutMicroseconds: UInt32
    /// The retransmission timeout OpenSSL is running with (its timer callback returns what we decide).
    private(set) var timeoutMicroseconds: UInt32
    /// When the current flight must be retransmitted, in the caller's clock; nil when no timer runs.
    private(set) var deadline: ContinuousClock.Instant?
    /// Retransmissions of the current flight.
    var retransmissions = 0
    /// OpenSSL's `next_timeout` field, while parked (3.0.x only).
    private var parkedTimer: UnsafeMutablePointer<timeval>?
    /// Where OpenSSL's timer is parked: a year ahead of its own clock.
    private static let parkingOffset: Int = 365 * 86_400

    /// Whether OpenSSL's own clock drives retransmissions (versions where the timer cannot be parked).
    private(set) var wallClockMode: Bool = !DatagramChannel.canParkOpenSSLTimer

    init(initialTimeout: Duration, maximumTimeout: Duration) {
        initialTimeoutMicroseconds = Self.microseconds(initialTimeout)
        maximumTimeoutMicroseconds = Self.microseconds(maximumTimeout)
        timeoutMicroseconds = initialTimeoutMicroseconds
    }

    static func microseconds(_ duration: Duration) -> UInt32 {
        let (seconds, attoseconds) = duration.components
        let total = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        return UInt32(clamping: total)
    }

    /// OpenSSL 3.0.x passes `&s->d1->next_timeout` with `BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT` (d1_lib.c,
    /// `dtls1_start_timer` and `dtls1_stop_timer`); 3.2 moved to `OSSL_TIME` and passes a copy on the stack, which
    /// must never be kept.
    static let canParkOpenSSLTimer: Bool = {
        let version = OpenSSL_version_num()  // 0xMNN00PP0: major, minor, patch
        return version >> 28 == 3 && (version >> 20) & 0xFF == 0
    }()

    func takeOutbound() -> [[UInt8]] {
        defer { outbound = [] }
        return outbound
    }

    // MARK: Called from OpenSSL (through the BIO and timer callbacks)

    func write(_ bytes: UnsafeRawBufferPointer) {
        outbound.append(Array(bytes))
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        guard let datagram = inbound else { return nil }
        inbound = nil
        // Like a UDP socket, a datagram larger than the buffer is truncated (OpenSSL's buffer holds any record).
        let count = min(buffer.count, datagram.count)
        if count > 0 { buffer.baseAddress!.copyMemory(from: datagram.baseAddress!, byteCount: count) }
        return count
    }

    /// The timer callback: the first timeout of a flight, then doubling up to the maximum (RFC 6347 4.2.4.1).
    func nextTimeout(afterPrevious previous: UInt32) -> UInt32 {
        timeoutMicroseconds = previous == 0
            ? initialTimeoutMicroseconds
            : min(maximumTimeoutMicroseconds, previous.multipliedReportingOverflow(by: 2).partialValue)
        return timeoutMicroseconds
    }

    /// OpenSSL started (non-zero time) or stopped (zero) its retransmission timer.
    func timerChanged(_ timer: UnsafeMutablePointer<timeval>) {
        if timer.pointee.tv_sec == 0 && timer.pointee.tv_usec == 0 {
            deadline = nil
            parkedTimer = nil
            retransmissions = 0
            return
        }
        if let now {
            deadline = now + .microseconds(Int64(timeoutMicroseconds))
        }
        guard !wallClockMode else { return }
        timer.pointee.tv_sec += Self.parkingOffset
        parkedTimer = timer
    }

    /// Stops parking for good; OpenSSL's next arming restarts its timer on its own clock.
    func fallBackToWallClock() {
        wallClockMode = true
        parkedTimer = nil
    }

    /// Makes OpenSSL's parked timer look expired, so that `DTLSv1_handle_timeout` acts now. False in wall-clock
    /// mode or when nothing is parked.
    func forceExpiry() -> Bool {
        guard let parkedTimer else { return false }
        parkedTimer.pointee = timeval(tv_sec: 0, tv_usec: 1)  // non-zero (a timer is set) and long past
        return true
    }
}

/// The process-wide `BIO_METHOD` for `DatagramChannel`. Created once and never freed; immutable, so Sendable.
final class DatagramBIOMethod: @unchecked Sendable {
    static let shared = DatagramBIOMethod()

    /// `BIO_METHOD *`.
    let method: OpaquePointer

    private init() {
        let type = BIO_get_new_index() | BIO_TYPE_SOURCE_SINK
        guard let method = BIO_meth_new(type, "clue-mcu datagram channel") else {
            fatalError("BIO_meth_new failed: \(OpenSSLErrorQueue.drainedText(fallback: "out of memory"))")
        }
        BIO_meth_set_write(method, datagramBIOWrite)
        BIO_meth_set_read(method, datagramBIORead)
        BIO_meth_set_ctrl(method, datagramBIOControl)
        BIO_meth_set_create(method, datagramBIOCreate)
        BIO_meth_set_destroy(method, datagramBIODestroy)
        self.method = method
    }

    /// A BIO bound to `channel` (unretained: the session owns both and frees the BIO, through `SSL_free`, first).
    func makeBIO(for channel: DatagramChannel) -> OpaquePointer? {
        guard let bio = BIO_new(method) else { return nil }
        BIO_set_data(bio, Unmanaged.passUnretained(channel).toOpaque())
        return bio
    }
}

private func channel(of bio: OpaquePointer?) -> DatagramChannel? {
    guard let bio, let data = BIO_get_data(bio) else { return nil }
    return Unmanaged<DatagramChannel>.fromOpaque(data).takeUnretainedValue()
}

private func datagramBIOWrite(_ bio: OpaquePointer?, _ data: UnsafePointer<CChar>?, _ length: Int32) -> Int32 {
    guard let channel = channel(of: bio), let data, length >= 0 else { return -1 }
    clue_bio_clear_retry_flags(bio)
    channel.write(UnsafeRawBufferPointer(start: data, count: Int(length)))
    return length
}

private func datagramBIORead(_ bio: OpaquePointer?, _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int32) -> Int32 {
    guard let channel = channel(of: bio), let buffer, capacity >= 0 else { return -1 }
    clue_bio_clear_retry_flags(bio)
    guard let count = channel.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: Int(capacity))) else {
        clue_bio_set_retry_read(bio)  // nothing to read yet: "try again", never end of stream
        return -1
    }
    return Int32(count)
}

private func datagramBIOControl(_ bio: OpaquePointer?, _ command: Int32, _ argument: Int,
                                _ pointer: UnsafeMutableRawPointer?) -> Int {
    switch command {
    case BIO_CTRL_FLUSH:
        return 1  // every write is already a whole datagram
    case BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT:
        if let pointer, let channel = channel(of: bio) {
            channel.timerChanged(pointer.assumingMemoryBound(to: timeval.self))
        }
        return 1
    case BIO_CTRL_PENDING:
        return channel(of: bio)?.inbound?.count ?? 0
    default:
        // Includes BIO_CTRL_DGRAM_GET_MTU_OVERHEAD: 0, so the configured link MTU is the datagram size.
        return 0
    }
}

private func datagramBIOCreate(_ bio: OpaquePointer?) -> Int32 {
    BIO_set_init(bio, 1)
    return 1
}

private func datagramBIODestroy(_ bio: OpaquePointer?) -> Int32 {
    BIO_set_data(bio, nil)
    BIO_set_init(bio, 0)
    return 1
}

/// `DTLS_set_timer_cb`: OpenSSL asks how long to wait before the first (previous == 0) or next retransmission.
func dtlsTimerCallback(_ ssl: OpaquePointer?, _ previous: UInt32) -> UInt32 {
    guard let ssl, let channel = channel(of: SSL_get_rbio(ssl)) else { return 1_000_000 }
    return channel.nextTimeout(afterPrevious: previous)
}
