import Testing
@testable import DataChannel

struct InboundMessageAssemblerTests {
    func feed(_ assembler: inout InboundMessageAssembler, _ pieces: [[UInt8]], stream: UInt16 = 3, ppid: UInt32 = 51,
              unordered: Bool = false) -> [SCTPEvent] {
        var events: [SCTPEvent] = []
        for (index, piece) in pieces.enumerated() {
            piece.withUnsafeBytes {
                assembler.receiveData($0, stream: stream, ppid: ppid, unordered: unordered,
                                      endOfMessage: index == pieces.count - 1, into: &events)
            }
        }
        return events
    }

    /// Pieces are joined into one message at MSG_EOR.
    @Test func reassemblesPieces() {
        var assembler = InboundMessageAssembler(maximumMessageSize: 10, clueStream: 3)
        #expect(feed(&assembler, [[1, 2], [3], [4, 5, 6]]) == [.message(stream: 3, ppid: 51, data: [1, 2, 3, 4, 5, 6])])
    }

    /// A message exactly at the limit passes; one byte over is reported once, as soon as it crosses, and dropped.
    @Test func sizeLimitIsExact() {
        var assembler = InboundMessageAssembler(maximumMessageSize: 4, clueStream: 3)
        #expect(feed(&assembler, [[1, 2], [3, 4]]).count == 1)
        let events = feed(&assembler, [[1, 2], [3, 4], [5], [6]])
        #expect(events.count == 1)
        if case .protocolViolation = events.first {} else { Issue.record("expected a violation, got \(events)") }
        #expect(feed(&assembler, [[9]]) == [.message(stream: 3, ppid: 51, data: [9])])
    }

    /// Empty-message PPIDs map to their kind; on the CLUE stream only the empty string is allowed.
    @Test func emptyMessagePPIDs() {
        var assembler = InboundMessageAssembler(maximumMessageSize: 4, clueStream: 3)
        #expect(feed(&assembler, [[0]], ppid: 56) == [.message(stream: 3, ppid: 51, data: [])])
        #expect(feed(&assembler, [[0]], stream: 4, ppid: 57) == [.message(stream: 4, ppid: 53, data: [])])
        #expect(feed(&assembler, [[0]], ppid: 57).count == 1)
        #expect(feed(&assembler, [[0]], ppid: 57).first != .message(stream: 3, ppid: 53, data: []))
    }

    /// The end of the association is reported once, whichever notifications say it.
    @Test func closedOnce() {
        var assembler = InboundMessageAssembler(maximumMessageSize: 4, clueStream: nil)
        var events: [SCTPEvent] = []
        var shutdown = [UInt8](repeating: 0, count: 12)
        shutdown[0] = 5  // SCTP_SHUTDOWN_EVENT (host order, little endian here)
        shutdown.withUnsafeBytes { assembler.receiveNotification($0, into: &events) }
        shutdown.withUnsafeBytes { assembler.receiveNotification($0, into: &events) }
        #expect(events == [.closed(reason: "shutdown by the peer")])
        // Truncated notifications are ignored.
        [UInt8]([1, 0, 0]).withUnsafeBytes { assembler.receiveNotification($0, into: &events) }
        #expect(events.count == 1)
    }
}
