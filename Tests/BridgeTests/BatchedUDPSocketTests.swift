import Dispatch
import Foundation
import Testing

@testable import Bridge

@Suite struct BatchedUDPSocketTests {
    /// Datagrams read in batches come back intact when echoed through the batched send path, in order per sender.
    @Test func echoesBatches() throws {
        let queue = DispatchQueue(label: "test.media")
        let echo = try BatchedUDPSocket(bind: SocketAddress(host: "127.0.0.1", port: 0)!, queue: queue) {
            payload, source, _ in
            // A sender of the echo: the buffer is only valid during this call. Half the echoes are copied by
            // enqueue, half are built in the next send slot and committed.
            guard let socket = echoSocket else { return }
            if payload.count % 2 == 0 {
                socket.enqueue(UnsafeRawBufferPointer(payload), to: source)
            } else {
                let slot = socket.sendSlot()
                slot.copyMemory(from: UnsafeRawBufferPointer(payload))
                socket.commitSend(length: payload.count, to: source)
            }
        }
        echoSocket = echo
        defer { echoSocket = nil; echo.close() }

        let client = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(client) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let count = 200
        for index in 0..<count {
            let payload = Array("packet-\(index)-".utf8) + [UInt8](repeating: UInt8(index & 0xff), count: index % 1200)
            _ = echo.localAddress.withSockaddr { address, length in
                payload.withUnsafeBytes { sendto(client, $0.baseAddress, $0.count, 0, address, length) }
            }
        }
        var received: [Int] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while received.count < count {
            let length = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            guard length > 0 else { break }
            let text = String(decoding: buffer[..<min(length, 16)], as: UTF8.self)
            let index = Int(text.split(separator: "-")[1])!
            #expect(length == "packet-\(index)-".utf8.count + index % 1200)
            #expect(buffer[length - 1] == (index % 1200 == 0 ? UInt8(ascii: "-") : UInt8(index & 0xff)))
            received.append(index)
        }
        #expect(received == Array(0..<count))
        #expect(queue.sync { echo.receivedDatagrams } == count)
        #expect(queue.sync { echo.droppedSends } == 0)
    }

    /// Datagrams queued for several receivers, interleaved as forwarding queues them (one packet to every
    /// receiver, then the next), reach each receiver intact and in order, with and without segmentation offload:
    /// runs of one size, a shorter datagram ending a run, a longer one starting the next, empty and oversized ones
    /// (never segmented), and more than one run's worth of segments in one batch.
    @Test(arguments: [true, false]) func sendsEveryDestinationItsDatagramsInOrder(segmentation: Bool) throws {
        let queue = DispatchQueue(label: "test.media.send")
        let sender = try BatchedUDPSocket(bind: SocketAddress(host: "127.0.0.1", port: 0)!, queue: queue,
                                          segmentationOffload: segmentation) { _, _, _ in }
        defer { sender.close() }
        #expect(sender.segmentationOffload == segmentation)
        let receivers = (0..<3).map { _ in socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0) }
        defer { receivers.forEach { close($0) } }
        var addresses: [SocketAddress] = []
        for receiver in receivers {
            var size = Int32(8 << 20)
            setsockopt(receiver, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(receiver, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let local = SocketAddress(host: "127.0.0.1", port: 0)!
            #expect(local.withSockaddr { bind(receiver, $0, $1) } == 0)
            addresses.append(UDPSocket.localAddress(of: receiver)!)
        }
        /// Datagram `index` to receiver `receiver`: its length, then its bytes (receiver, index, a pattern).
        func length(_ index: Int, _ receiver: Int) -> Int {
            switch (index + receiver * 7) % 41 {
            case 9: 0
            case 17: 1500
            case 23, 24: 300 + index % 5
            case 30: 1300
            default: 1200
            }
        }
        func bytes(_ index: Int, _ receiver: Int) -> [UInt8] {
            let count = length(index, receiver)
            guard count >= 3 else { return [] }
            return [UInt8(receiver), UInt8(index >> 8), UInt8(index & 0xff)]
                + (3..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index &+ receiver) }
        }
        let count = 400
        queue.sync {
            for index in 0..<count {
                for (receiver, address) in addresses.enumerated() {
                    bytes(index, receiver).withUnsafeBytes { sender.enqueue($0, to: address) }
                }
                if index % 90 == 89 { sender.flush() }
            }
            sender.flush()
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        for (receiver, descriptor) in receivers.enumerated() {
            for index in 0..<count {
                let received = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                let expected = bytes(index, receiver)
                guard received == expected.count, Array(buffer[..<received]) == expected else {
                    Issue.record("receiver \(receiver), datagram \(index): got \(received) bytes, wanted \(expected.count)")
                    return
                }
            }
        }
        #expect(queue.sync { sender.droppedSends } == 0)
        // Batches of 90 and 128 datagrams to three receivers hold runs; without offload none are formed.
        #expect(queue.sync { sender.segmentedRuns > 0 } == segmentation)
        #expect(queue.sync { sender.segmentationFallbacks } == 0)
    }

    /// A drain waiting for the next datagram gives its queue back when work is queued behind it: the wait ends at
    /// once when signalled (a broken signal would wait out the 10 s), and the signal is taken once.
    @Test func aSignalEndsTheWaitForTheNextDatagram() throws {
        let interrupt = DrainInterrupt()
        let idle = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(idle) }
        #expect(BatchedUDPSocket.waitReadable(idle, interrupt: interrupt, microseconds: 1000) == .timedOut)
        interrupt.signal()
        #expect(BatchedUDPSocket.waitReadable(idle, interrupt: interrupt, microseconds: 10_000_000) == .interrupted)
        #expect(interrupt.take())
        #expect(!interrupt.take())
        interrupt.signal()
        interrupt.signal()
        #expect(interrupt.take())
        #expect(BatchedUDPSocket.waitReadable(idle, interrupt: interrupt, microseconds: 1000) == .timedOut)
    }
}

nonisolated(unsafe) private var echoSocket: BatchedUDPSocket?
