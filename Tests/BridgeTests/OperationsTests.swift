import Foundation
import Testing

extension LiveBridgeTests {
/// Operating the running bridge (issue 6): rooms and users over the admin API, the callers they admit, kick, lock,
/// drain, state that outlives the process, and metrics that a Prometheus parser reads.
@Suite struct OperationsTests {
    /// A room with a PIN refuses callers without it (403 before any challenge), admits `ROOM*PIN` callers who also
    /// pass digest, and a wrong PIN is refused like a missing one.
    @Test func roomPINIsRequired() throws {
        let bridge = try BridgeProcess()
        try bridge.waitForLog(containing: "(admin API)", timeout: 10)
        #expect(try bridge.api("POST", "/v1/rooms", #"{"id":"pinned","name":"PIN room","pin":"4321"}"#).0 == 201)
        let missing = try bridge.sipp("locked-room.xml", service: "pinned")
        #expect(missing.0 == 0, "no PIN must answer 403: \(missing.1)")
        let wrong = try bridge.sipp("locked-room.xml", service: "pinned*1111")
        #expect(wrong.0 == 0, "a wrong PIN must answer 403: \(wrong.1)")
        #expect(bridge.log.contains("room PIN missing or wrong"))
        let admitted = try bridge.sipp("clue-call.xml", service: "pinned*4321")
        #expect(admitted.0 == 0, "the right PIN and password must be admitted: \(admitted.1)\n\(bridge.log)")
        #expect(bridge.log.contains("call admitted") && bridge.log.contains("room=pinned"))
    }

    /// A room and a user made over the API admit a sipp caller; the participant is listed, muted and kicked (sipp
    /// sees the BYE); a locked room refuses the next caller with 403; /metrics counts it all.
    @Test func apiRoomAndUserAdmitAndKick() throws {
        let bridge = try BridgeProcess()
        try bridge.waitForLog(containing: "(admin API)", timeout: 10)
        #expect(try bridge.api("POST", "/v1/rooms", #"{"id":"board","name":"Board room","max_participants":4}"#).0
            == 201)
        let created = try bridge.api("POST", "/v1/users", #"{"name":"carol","password":"carols-secret"}"#)
        #expect(created.0 == 201, "\(created)")
        #expect(!created.1.contains("carols-secret") && !created.1.contains("ha1"))

        let call = try bridge.startSipp("bye-from-bridge.xml", service: "board", user: "carol",
                                        password: "carols-secret")
        try bridge.waitForLog(containing: "call admitted", timeout: 15)
        let listed = try bridge.api("GET", "/v1/rooms/board/participants")
        #expect(listed.0 == 200)
        let participants = try #require(try Self.object(listed.1)["participants"] as? [[String: Any]])
        #expect(participants.count == 1)
        let participant = try #require(participants.first)
        #expect(participant["user"] as? String == "carol")
        #expect(participant["display_name"] as? String == "Room A")
        #expect(participant["transport"] as? String == "udp")
        #expect(participant["streams"] as? [Any] != nil)
        let id = try #require(participant["id"] as? String)
        #expect(try bridge.api("GET", "/v1/rooms/board").1.contains(#""participants":1"#))

        let muted = try bridge.api("POST", "/v1/rooms/board/participants/\(id)/mute",
                                   #"{"media":"audio","muted":true}"#)
        #expect(muted.0 == 200, "\(muted)")
        #expect(muted.1.contains(#""muted":{"audio":true,"video":false}"#), "\(muted)")
        #expect(try bridge.api("POST", "/v1/rooms/board/participants/\(id)/mute", #"{"media":"smell","muted":1}"#).0
            == 400)
        #expect(try bridge.api("DELETE", "/v1/rooms/board/participants/nobody").0 == 404)

        #expect(try bridge.api("DELETE", "/v1/rooms/board/participants/\(id)").0 == 202)
        let (status, errors) = try call()
        #expect(status == 0, "sipp never saw the BYE: \(errors)\nbridge:\n\(bridge.log)")

        #expect(try bridge.api("POST", "/v1/rooms/board/lock").1.contains(#""locked":true"#))
        let refused = try bridge.sipp("locked-room.xml", service: "board", user: "carol", password: "carols-secret")
        #expect(refused.0 == 0, "a locked room must answer 403: \(refused.1)")
        #expect(try bridge.api("DELETE", "/v1/rooms/board/lock").1.contains(#""locked":false"#))

        let metrics = try Self.parseMetrics(bridge)
        #expect(metrics["cluemcu_calls_started_total"] == 1, "\(metrics)")
        #expect(metrics["cluemcu_calls_failed_total{reason=room_locked}"] == 1, "\(metrics)")
        #expect(metrics["cluemcu_active_participants"] == 0, "\(metrics)")
        #expect(metrics["cluemcu_join_time_seconds_count"] != nil, "\(metrics)")
    }

    /// Bad requests get the right 4xx with a JSON error code and change nothing; configuration entries are
    /// read-only over the API.
    @Test func refusals() throws {
        let bridge = try BridgeProcess()
        try bridge.waitForLog(containing: "(admin API)", timeout: 10)
        let cases: [(String, String, String?, Int, String)] = [
            ("POST", "/v1/rooms", #"{"id":"x","colour":"red"}"#, 400, "unknown_field"),
            ("POST", "/v1/rooms", #"{"id":"x","allow_anonymous":"yes"}"#, 400, "invalid_field"),
            ("POST", "/v1/rooms", #"{"id":"x","video_layout":"mosaic"}"#, 400, "invalid_field"),
            ("POST", "/v1/rooms", #"{"id":"bad id"}"#, 400, "invalid_field"),
            ("POST", "/v1/rooms", #"{"name":"no id"}"#, 400, "missing_field"),
            ("POST", "/v1/rooms", #"{"id": "#, 400, "invalid_json"),
            ("POST", "/v1/rooms", #"{"id":"demo"}"#, 409, "defined_in_config"),
            ("PATCH", "/v1/rooms/demo", #"{"name":"mine now"}"#, 409, "defined_in_config"),
            ("DELETE", "/v1/rooms/demo", nil, 409, "defined_in_config"),
            ("PATCH", "/v1/users/alice", #"{"password":"x"}"#, 409, "defined_in_config"),
            ("GET", "/v1/rooms/nowhere", nil, 404, "room_not_found"),
            ("PUT", "/v1/rooms", "{}", 405, "method_not_allowed"),
            ("POST", "/v1/users", #"{"name":"dave"}"#, 400, "missing_field"),
            ("PUT", "/v1/log/levels", #"{"sip":"loud"}"#, 400, "invalid_field"),
            ("PUT", "/v1/log/levels", #"{"Not A Subsystem":"debug"}"#, 400, "invalid_field"),
            ("POST", "/v1/rooms", "{\"id\":\"big\",\"name\":\"" + String(repeating: "a", count: 70_000) + "\"}", 413,
             "body_too_large"),
        ]
        for (method, path, body, status, code) in cases {
            let (got, text) = try bridge.api(method, path, body)
            #expect(got == status, "\(method) \(path): \(text)")
            #expect(text.contains(#""code":"\#(code)""#), "\(method) \(path): \(text)")
        }
        let rooms = try bridge.api("GET", "/v1/rooms").1
        #expect(rooms.contains(#""id":"demo""#) && !rooms.contains(#""id":"x""#) && !rooms.contains("big"))
        #expect(try bridge.api("PUT", "/v1/log/levels", #"{"sip":"debug"}"#).1.contains(#""sip":"debug""#))
        // A room's video layout is set and changed over the API, and shown (speaker when not set).
        let created = try bridge.api("POST", "/v1/rooms", #"{"id":"grid","video_layout":"composed"}"#)
        #expect(created.0 == 201 && created.1.contains(#""video_layout":"composed""#), "\(created)")
        let changed = try bridge.api("PATCH", "/v1/rooms/grid", #"{"video_layout":"speaker"}"#)
        #expect(changed.0 == 200 && changed.1.contains(#""video_layout":"speaker""#), "\(changed)")
        #expect(try bridge.api("GET", "/v1/rooms/demo").1.contains(#""video_layout":"speaker""#))
    }

    /// Drain with a call in progress (SIGTERM): not ready, no new rooms, new INVITEs get 503, the call goes on;
    /// when it ends the bridge exits by itself with status 0.
    @Test func drainWithCallInProgress() throws {
        let bridge = try BridgeProcess(extraYAML: "lifecycle:\n  drain_timeout_seconds: 300")
        try bridge.waitForLog(containing: "(admin API)", timeout: 10)
        let call = try bridge.startSipp("bye-from-bridge.xml")
        try bridge.waitForLog(containing: "call admitted", timeout: 15)
        bridge.process.terminate()
        try bridge.waitForLog(containing: "draining (SIGTERM)", timeout: 10)

        #expect(try bridge.api("GET", "/readyz", token: nil).0 == 503)
        let refused = try bridge.api("POST", "/v1/rooms", #"{"id":"late"}"#)
        #expect(refused.0 == 503 && refused.1.contains(#""code":"draining""#), "\(refused)")
        let newCall = try bridge.sipp("draining.xml")
        #expect(newCall.0 == 0, "a new INVITE must get 503: \(newCall.1)")
        #expect(bridge.process.isRunning)
        let listed = try bridge.api("GET", "/v1/rooms/demo/participants")
        let participants = try #require(try Self.object(listed.1)["participants"] as? [[String: Any]])
        #expect(participants.count == 1, "the call in progress goes on")

        let id = try #require(participants.first?["id"] as? String)
        #expect(try bridge.api("DELETE", "/v1/rooms/demo/participants/\(id)").0 == 202)
        #expect(try call().0 == 0)
        try bridge.waitForExit(timeout: 20)
        #expect(bridge.process.terminationStatus == 0)
        #expect(bridge.log.contains("drained: no calls left"))
    }

    /// POST /v1/node/drain drains like SIGTERM; a second SIGTERM exits at once although a call is in progress.
    @Test func drainOverAPIThenSecondSIGTERM() throws {
        let bridge = try BridgeProcess(extraYAML: "lifecycle:\n  drain_timeout_seconds: 300")
        try bridge.waitForLog(containing: "(admin API)", timeout: 10)
        let call = try bridge.startSipp("bye-from-bridge.xml", timeout: 5)
        try bridge.waitForLog(containing: "call admitted", timeout: 15)
        let drained = try bridge.api("POST", "/v1/node/drain")
        #expect(drained.0 == 202 && drained.1.contains(#""calls":1"#), "\(drained)")
        #expect(try bridge.api("GET", "/readyz", token: nil).0 == 503)
        bridge.process.terminate()
        try bridge.waitForLog(containing: "SIGTERM received", timeout: 10)
        #expect(bridge.process.isRunning)
        bridge.process.terminate()
        try bridge.waitForExit(timeout: 10)
        #expect(bridge.process.terminationStatus == 1)
        _ = call  // sipp gives up by itself (-timeout 5s): the BYE never comes
    }

    /// Rooms, users and locks made over the API survive `kill -9` in the middle of API traffic: every creation that
    /// was answered 201 is there after a restart, and the user can call into the room.
    @Test func stateSurvivesKill9() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("clue-mcu-state-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let stateFile = folder.appendingPathComponent("state.sqlite")

        let first = try BridgeProcess(stateFile: stateFile)
        try first.waitForLog(containing: "(admin API)", timeout: 10)
        #expect(try first.api("POST", "/v1/users", #"{"name":"erin","password":"erins-secret"}"#).0 == 201)
        #expect(try first.api("POST", "/v1/rooms/demo/lock").0 == 200)
        let created = folder.appendingPathComponent("created.txt")
        let traffic = try Self.startRoomTraffic(url: first.adminURL, into: created)
        let deadline = Date().addingTimeInterval(30)
        while Self.lines(created).count < 20, Date() < deadline, traffic.isRunning {
            Thread.sleep(forTimeInterval: 0.02)
        }
        first.kill()
        traffic.waitUntilExit()
        let answered = Self.lines(created)
        #expect(answered.count >= 20, "traffic created too little before the kill: \(answered.count)")

        let second = try BridgeProcess(stateFile: stateFile)
        try second.waitForLog(containing: "(admin API)", timeout: 10)
        let rooms = try second.api("GET", "/v1/rooms").1
        let missing = answered.filter { !rooms.contains(#""id":"\#($0)""#) }
        #expect(missing.isEmpty, "answered 201 but lost: \(missing)")
        #expect(try second.api("GET", "/v1/rooms/demo").1.contains(#""locked":true"#))
        #expect(try second.api("GET", "/v1/users/erin").0 == 200)
        let room = try #require(answered.first)
        let (status, errors) = try second.sipp("clue-call.xml", service: room, user: "erin", password: "erins-secret")
        #expect(status == 0, "sipp: \(errors)\nbridge:\n\(second.log)")
    }

    // MARK: Helpers

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// /metrics read by prometheus_client's own parser: `name{label=value,...}` -> value.
    static func parseMetrics(_ bridge: BridgeProcess) throws -> [String: Double] {
        let (status, text) = try bridge.api("GET", "/metrics", token: nil)
        #expect(status == 200)
        let script = """
            import sys, json
            from prometheus_client.parser import text_string_to_metric_families
            samples = {}
            for family in text_string_to_metric_families(sys.stdin.read()):
                for sample in family.samples:
                    labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()) if k != "le")
                    if "le" in sample.labels: continue
                    samples[sample.name + ("{" + labels + "}" if labels else "")] = sample.value
            print(json.dumps(samples))
            """
        let (exit, output) = try bridge.venv(["-c", script], input: text + "\n")
        #expect(exit == 0, "prometheus_client refused /metrics: \(output)")
        let values = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Double])
        return values
    }

    /// Four Python threads creating rooms as fast as the API answers, each 201 appended (flushed) to `file`.
    static func startRoomTraffic(url: String, into file: URL) throws -> Process {
        let script = """
            import sys, threading, urllib.request
            url, path = sys.argv[1], sys.argv[2]
            out = open(path, "a", buffering=1)
            lock = threading.Lock()
            def work(worker):
                for n in range(500):
                    room = f"r{worker}-{n}"
                    request = urllib.request.Request(url + "/v1/rooms", method="POST",
                        data=('{"id":"%s","name":"traffic"}' % room).encode(),
                        headers={"Authorization": "Bearer test-admin-token", "Content-Type": "application/json"})
                    try:
                        if urllib.request.urlopen(request, timeout=5).status == 201:
                            with lock: out.write(room + "\\n")
                    except Exception:
                        return
            threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
            for t in threads: t.start()
            for t in threads: t.join()
            """
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", script, url, file.path]
        python.standardOutput = FileHandle.nullDevice
        python.standardError = FileHandle.nullDevice
        try python.run()
        return python
    }

    static func lines(_ file: URL) -> [String] {
        ((try? String(contentsOf: file, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
}
}
