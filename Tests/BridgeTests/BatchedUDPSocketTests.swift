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
}

nonisolated(unsafe) private var echoSocket: BatchedUDPSocket?
