import Foundation
import Logging
import SecureTransport

/// The bridge's certificates: the SIP-over-TLS one (from `sip.tls`, or a self-signed pair created next to the state
/// file on first run and reused afterwards) and the DTLS one whose fingerprint goes into every SDP answer (an ECDSA
/// P-256 certificate generated at each start: peers pin it per call through the fingerprint, not across calls).
struct BridgeIdentity: Sendable {
    let tlsContext: TLSServerContext
    let tlsCertificate: Certificate
    let dtlsCertificate: Certificate

    var dtlsFingerprint: CertificateFingerprint { dtlsCertificate.fingerprint(.sha256) }

    static func load(configuration: BridgeConfiguration, logger: Logger) throws -> BridgeIdentity {
        let files: BridgeConfiguration.TLSFiles
        if let configured = configuration.sip.tls {
            files = configured
        } else {
            let directory = URL(fileURLWithPath: configuration.state).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            files = .init(certificate: directory + "/sip-tls-certificate.pem", key: directory + "/sip-tls-key.pem")
        }
        let (certificate, generated) = try Certificate.loadOrGenerate(
            certificateFile: files.certificate, privateKeyFile: files.key, commonName: configuration.sip.domain,
            subjectAlternativeNames: [configuration.sip.domain])
        if generated {
            logger.notice("generated a self-signed SIP TLS certificate", metadata: [
                "certificate": "\(files.certificate)", "fingerprint": "\(certificate.fingerprint(.sha256))"])
        }
        let context = try TLSServerContext(configuration: TLSServerConfiguration(certificate: certificate))
        let dtls = try Certificate.generateSelfSigned(commonName: "clue-mcu")
        return BridgeIdentity(tlsContext: context, tlsCertificate: certificate, dtlsCertificate: dtls)
    }
}

/// SIP over TLS: a `TLSServerSession` as the stream layer of one TCP connection.
final class TLSStreamLayer: StreamLayer {
    private let session: TLSServerSession

    init(context: TLSServerContext) throws {
        session = try TLSServerSession(context: context)
    }

    func receive(_ bytes: UnsafeRawBufferPointer) -> StreamLayerOutput {
        let output = session.receive(bytes)
        var failure: String?
        for case .failed(let reason) in output.events { failure = "\(reason)" }
        // On failure `outgoing` usually holds the alert: it is sent before the connection closes.
        return StreamLayerOutput(application: output.applicationData, reply: output.outgoing, failure: failure)
    }

    func protect(_ bytes: [UInt8]) throws -> [UInt8] {
        try session.send(bytes).outgoing
    }
}
