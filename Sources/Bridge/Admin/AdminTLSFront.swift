import Dispatch
import Logging
import SecureTransport

#if canImport(Glibc)
import Glibc
#endif

/// HTTPS for the admin API. FlyingFox speaks plain HTTP only, so when `admin.tls` is set it listens on a loopback
/// port of its own and this front terminates TLS (OpenSSL, the same layer as SIP over TLS) on `admin.listen`,
/// relaying each connection's bytes both ways. Request limits and authentication stay in the API itself.
final class AdminTLSFront: @unchecked Sendable {
    let localAddress: SocketAddress
    private let listener: StreamListener
    private let queue = DispatchQueue(label: "admin-tls")
    private var pairs: [UInt64: (client: StreamConnection, backend: StreamConnection)] = [:]

    init(listen: SocketAddress, backend: SocketAddress, files: BridgeConfiguration.TLSFiles, domain: String,
         logger: Logger) throws {
        let (certificate, generated) = try Certificate.loadOrGenerate(
            certificateFile: files.certificate, privateKeyFile: files.key, commonName: domain,
            subjectAlternativeNames: [domain, "localhost", "127.0.0.1"])
        if generated {
            logger.notice("generated a self-signed admin TLS certificate",
                          metadata: ["certificate": "\(files.certificate)",
                                     "fingerprint": "\(certificate.fingerprint(.sha256))"])
        }
        let context = try TLSServerContext(configuration: TLSServerConfiguration(certificate: certificate))
        var relay: ((StreamConnection) -> Void)?
        listener = try StreamListener(bind: listen, queue: queue,
                                      makeLayer: { try TLSStreamLayer(context: context) },
                                      accepted: { connection in relay?(connection) })
        localAddress = listener.localAddress
        relay = { [unowned self] client in self.relay(client, to: backend) }
    }

    func close() {
        queue.sync {
            listener.close()
            for pair in pairs.values {
                pair.client.close(reason: "admin API stopping")
                pair.backend.close(reason: "admin API stopping")
            }
        }
    }

    /// On the front's queue: opens the plain connection to the API and pumps bytes until either side closes.
    private func relay(_ client: StreamConnection, to backend: SocketAddress) {
        let fd = socket(backend.family, Int32(Glibc.SOCK_STREAM.rawValue), 0)
        guard fd >= 0, backend.withSockaddr({ connect(fd, $0, $1) }) == 0 else {
            if fd >= 0 { Glibc.close(fd) }
            client.close(reason: "admin API unreachable")
            return
        }
        let inner = StreamConnection(descriptor: fd, id: client.id, remote: backend, queue: queue, layer: nil)
        pairs[client.id] = (client, inner)
        client.onData = { [weak inner] bytes in inner?.send(bytes) }
        inner.onData = { [weak client] bytes in client?.send(bytes) }
        client.onClose = { [weak self, weak inner] _ in
            inner?.close(reason: "client closed")
            self?.pairs[client.id] = nil
        }
        inner.onClose = { [weak self, weak client] _ in
            client?.close(reason: "admin API closed")
            if let id = client?.id { self?.pairs[id] = nil }
        }
        inner.start()
    }
}
