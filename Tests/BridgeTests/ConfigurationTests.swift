import Foundation
import Testing

@testable import Bridge

@Suite struct ConfigurationTests {
    /// The contract keys of the SIP issue parse into their typed values.
    @Test func parsesContractKeys() throws {
        let config = try BridgeConfiguration.parse("""
            sip:
              listen: ["udp://127.0.0.1:5060", "tcp://127.0.0.1:5060", "tls://[::1]:5061"]
              domain: bridge.example
              tls: { certificate: /etc/c.pem, key: /etc/k.pem }
            media:
              address: 127.0.0.1
              port: 10000
            auth:
              realm: bridge.example
              users: { alice: secret, bob: "p:w" }
            rooms:
              - id: demo
                allow_anonymous: false
              - id: open
                allow_anonymous: true
                allow_plain_rtp: true
                max_participants: 12
                video_layout: composed
            admin:
              listen: 127.0.0.1:8080
              token: CHANGE-ME
            state: ./var/clue-mcu.sqlite
            """)
        #expect(config.sip.listen == [
            .init(transport: .udp, host: "127.0.0.1", port: 5060),
            .init(transport: .tcp, host: "127.0.0.1", port: 5060),
            .init(transport: .tls, host: "::1", port: 5061),
        ])
        #expect(config.sip.domain == "bridge.example")
        #expect(config.sip.tls == .init(certificate: "/etc/c.pem", key: "/etc/k.pem"))
        #expect(config.media == .init(address: "127.0.0.1", port: 10000))
        #expect(config.auth.users == ["alice": "secret", "bob": "p:w"])
        #expect(config.rooms == [.init(id: "demo"), .init(id: "open", allowAnonymous: true, allowPlainRTP: true,
                                                            maxParticipants: 12, videoLayout: .composed)])
        #expect(config.admin == .init(host: "127.0.0.1", port: 8080, token: "CHANGE-ME"))
        #expect(config.state == "./var/clue-mcu.sqlite")
    }

    /// The commented sample in deploy/ is valid and equals the embedded default.
    @Test func sampleIsValid() throws {
        let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../deploy/config.sample.yaml").standardized
        var config = try BridgeConfiguration.load(path: sample.path)
        #expect(config.sip.listen == BridgeConfiguration.embeddedDefault.sip.listen)
        config.auth.realm = BridgeConfiguration.embeddedDefault.auth.realm
        #expect(config == .embeddedDefault)
    }

    /// An empty file is the embedded default.
    @Test func emptyIsDefault() throws {
        #expect(try BridgeConfiguration.parse("") == .embeddedDefault)
    }

    /// Mistakes are reported with the line they are on.
    @Test(arguments: [
        ("sip:\n  listen: [\"udp://127.0.0.1:5060\"]\n  lissen: x\n", 3, "unknown key 'sip.lissen'"),
        ("media:\n  port: 70000\n", 2, "must be a port"),
        ("rooms:\n  - id: demo\n  - id: demo\n", 3, "defined twice"),
        ("rooms:\n  - name: x\n", 2, "needs an id"),
        ("sip:\n  listen: [\"sctp://1.2.3.4:5\"]\n", 2, "not a listen address"),
        ("admin:\n  listen: nowhere\n", 2, "not host:port"),
        ("state: [1, 2\n", 2, "not valid YAML"),
        ("rooms:\n  - id: \"a b\"\n", 2, "must be 1-64 characters"),
    ])
    func reportsLines(text: String, line: Int, fragment: String) {
        do {
            _ = try BridgeConfiguration.parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.message.contains(fragment), "\(error)")
        }
    }
}
