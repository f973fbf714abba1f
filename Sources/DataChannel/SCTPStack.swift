import CUsrsctp
import Foundation

/// usrsctp's process-wide state and the clock that drives its timers.
///
/// **Threading.** usrsctp is started with `usrsctp_init_nothreads`: it runs no thread of its own, so its callbacks
/// (packet output, message delivery) only ever run inside a call this module makes. Every call into usrsctp holds
/// one process-wide lock, so associations owned by different queues may be used concurrently; CLUE traffic is a few
/// messages a minute per participant, so one lock is cheap next to the certainty it buys over usrsctp's own locking.
/// The callbacks only append to the association's mailbox under a second, inner lock (taken after the first, never
/// the other way round), and each call takes its mailbox's contents before releasing the outer lock, so a call
/// returns exactly what usrsctp produced during it and the owner never runs while a lock is held.
///
/// **Timers.** The owner drives SCTP time: call `handleTimers(elapsedMilliseconds:)` about every
/// `timerInterval` (10 ms, the tick usrsctp's own timer thread uses) with the milliseconds that really elapsed since
/// the previous call, from any one thread (a `DispatchSourceTimer` on a utility queue will do). Retransmissions,
/// delayed SACKs, heartbeats and the events they cause (a lost association) come out of it through each
/// association's `asynchronousOutput`, called on the thread that called `handleTimers`. Tests step it by hand.
public enum SCTPStack {
    /// How often `handleTimers` should run; usrsctp's timer granularity.
    public static let timerInterval: Duration = .milliseconds(10)

    /// Advances usrsctp's clock by `elapsedMilliseconds`, runs the timers that expired, then hands each affected
    /// association's output to its `asynchronousOutput` (after all locks are released).
    public static func handleTimers(elapsedMilliseconds: UInt32) {
        initialize()
        usrsctpLock.lock()
        usrsctp_handle_timers(elapsedMilliseconds)
        let deliveries = registry.takeAsynchronousOutput()
        usrsctpLock.unlock()
        for (deliver, output) in deliveries { deliver(output) }
    }

    /// Associations alive in this process (registered with usrsctp).
    public static var associationCount: Int { registry.count }

    // MARK: - Process-wide state

    /// Held around every usrsctp call.
    static let usrsctpLock = NSLock()
    static let registry = AssociationRegistry()

    /// usrsctp starts once per process and is never finished: associations come and go for the process lifetime.
    static func initialize() { _ = started }

    private static let started: Void = {
        usrsctp_init_nothreads(0, sctpConnOutput, nil)
        // What WebRTC stacks set, and why:
        // ECN needs IP-level marks that DTLS over UDP does not carry to SCTP.
        usrsctp_sysctl_set_sctp_ecn_enable(0)
        // ASCONF is meaningless with one AF_CONN address, and AUTH is only needed for it.
        usrsctp_sysctl_set_sctp_asconf_enable(0)
        usrsctp_sysctl_set_sctp_auth_enable(0)
        // RFC 8831 section 6.2 requires PR-SCTP and RE-CONFIG support to be negotiated; this side never sends
        // partially reliable messages on the CLUE stream.
        usrsctp_sysctl_set_sctp_pr_enable(1)
        usrsctp_sysctl_set_sctp_reconfig_enable(1)
        // RFC 9260 section 16: RTO.Initial is 1 s (usrsctp defaults to 3 s), and an INIT that is lost should not
        // back off to a minute while the call is being set up.
        usrsctp_sysctl_set_sctp_rto_initial_default(1000)
        usrsctp_sysctl_set_sctp_init_rto_max_default(10_000)
        // CLUE messages are request/response: acknowledge quickly instead of after 200 ms.
        usrsctp_sysctl_set_sctp_delayed_sack_time_default(20)
    }()
}

/// One association's share of what usrsctp produced: packets to send and events. Guarded by the registry lock.
final class AssociationMailbox: @unchecked Sendable {
    var packets: [[UInt8]] = []
    var events: [SCTPEvent] = []
    var assembler: InboundMessageAssembler
    var asynchronousOutput: (@Sendable (SCTPOutput) -> Void)?

    init(assembler: InboundMessageAssembler) { self.assembler = assembler }

    var isEmpty: Bool { packets.isEmpty && events.isEmpty }

    func take() -> SCTPOutput {
        defer { packets = []; events = [] }
        return SCTPOutput(packets: packets, events: events)
    }
}

/// Maps the opaque per-association address usrsctp knows (a never-reused counter, as a pointer usrsctp never
/// dereferences) to the association's mailbox, so that a callback that comes after the association is gone finds
/// nothing instead of freed memory.
final class AssociationRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var mailboxes: [UInt: AssociationMailbox] = [:]
    private var nextIdentifier: UInt = 1

    var count: Int { lock.withLock { mailboxes.count } }

    func register(_ mailbox: AssociationMailbox) -> UInt {
        lock.withLock {
            let identifier = nextIdentifier
            nextIdentifier += 1
            mailboxes[identifier] = mailbox
            return identifier
        }
    }

    func contains(_ identifier: UInt) -> Bool { lock.withLock { mailboxes[identifier] != nil } }

    func remove(_ identifier: UInt) {
        lock.withLock { mailboxes[identifier] = nil }
    }

    /// Runs `body` on the mailbox of a live association; does nothing for an unknown or removed one.
    func withMailbox(_ identifier: UInt, _ body: (AssociationMailbox) -> Void) {
        lock.withLock {
            if let mailbox = mailboxes[identifier] { body(mailbox) }
        }
    }

    /// Mailbox fields are guarded by this lock.
    func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    func take(_ identifier: UInt) -> SCTPOutput {
        lock.withLock { mailboxes[identifier]?.take() ?? SCTPOutput() }
    }

    /// The pending output of every association that has an `asynchronousOutput`; the others keep theirs for their
    /// next call.
    func takeAsynchronousOutput() -> [(@Sendable (SCTPOutput) -> Void, SCTPOutput)] {
        lock.withLock {
            var deliveries: [(@Sendable (SCTPOutput) -> Void, SCTPOutput)] = []
            for mailbox in mailboxes.values where !mailbox.isEmpty {
                if let deliver = mailbox.asynchronousOutput { deliveries.append((deliver, mailbox.take())) }
            }
            return deliveries
        }
    }
}

extension UInt {
    /// The address usrsctp knows an association by.
    var associationAddress: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: self)! }
}

/// usrsctp's packet output (`conn_output`): runs inside a usrsctp call, with the usrsctp lock held by this thread.
private func sctpConnOutput(address: UnsafeMutableRawPointer?, buffer: UnsafeMutableRawPointer?, length: Int,
                            tos: UInt8, setDF: UInt8) -> Int32 {
    guard let address, let buffer, length > 0 else { return 0 }
    let packet = [UInt8](UnsafeRawBufferPointer(start: buffer, count: length))
    SCTPStack.registry.withMailbox(UInt(bitPattern: address)) { $0.packets.append(packet) }
    return 0
}

/// usrsctp's delivery of a message piece or a notification; `data` is ours to free.
func sctpReceive(socket: OpaquePointer?, address: sctp_sockstore, data: UnsafeMutableRawPointer?, length: Int,
                 info: sctp_rcvinfo, flags: Int32, ulpInfo: UnsafeMutableRawPointer?) -> Int32 {
    defer { free(data) }
    // On SHUTDOWN_COMPLETE usrsctp also calls with no data; the notification that came before says it all.
    guard let ulpInfo, let data else { return 1 }
    let bytes = UnsafeRawBufferPointer(start: data, count: length)
    SCTPStack.registry.withMailbox(UInt(bitPattern: ulpInfo)) { mailbox in
        if flags & Int32(MSG_NOTIFICATION) != 0 {
            mailbox.assembler.receiveNotification(bytes, into: &mailbox.events)
        } else {
            mailbox.assembler.receiveData(bytes, stream: info.rcv_sid, ppid: UInt32(bigEndian: info.rcv_ppid),
                                          unordered: Int32(info.rcv_flags) & SCTP_UNORDERED != 0,
                                          endOfMessage: flags & Int32(MSG_EOR) != 0, into: &mailbox.events)
        }
    }
    return 1
}

