import Foundation
import ModbusTestSupport
import Testing

/// The control API against a running controller on the cabinet peer: `lanterne status`,
/// `lanterne override` and `override clear` through the Unix socket; an override's effect on
/// the peer's contactors, its expiry, its survival across a restart; the state file's fallback;
/// the socket's group.
@Suite(.serialized) struct ControlAPITests {
    /// A cabinet on `peer` in a new folder, with a one-second minimum cycle (the board's is a
    /// minute: an override would wait for it).
    static func cabinet(on peer: CabinetPeer, id: String, extra: String = "") throws -> (dir: URL, cabinet: String) {
        let dir = URL(fileURLWithPath: "/tmp").appendingPathComponent("lanterne-control-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let cabinet = try peer.writeCabinet(in: dir, id: id, extra: extra)
        let board = dir.appendingPathComponent("board.yaml")
        try String(contentsOf: board, encoding: .utf8).replacingOccurrences(of: "minimumCycle: 1m", with: "minimumCycle: 1s")
            .write(to: board, atomically: true, encoding: .utf8)
        return (dir, cabinet)
    }

    /// Starts `lanterne run` with its socket and state file in `dir`; returns once the socket answers.
    static func start(_ cabinet: String, in dir: URL, extra: [String] = []) async throws -> (Process, Pipe) {
        let socket = dir.appendingPathComponent("control.sock").path
        let (process, err) = try RunLedgerTests.start(["run", "--cabinet", cabinet, "--control", socket,
                                                       "--state", dir.appendingPathComponent("state.json").path] + extra)
        for _ in 0..<100 {
            if try CLIRunner.run(["status", "--control", socket]).status == 0 { return (process, err) }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.terminate()
        process.waitUntilExit()
        throw TestbedError("the control socket never answered: \(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
    }

    /// An instant as the API writes it (with milliseconds).
    static func instant(_ text: String) -> Date? {
        try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
    }

    /// `lanterne events --follow --json --kind override`, its lines collected as they come.
    final class Follower: @unchecked Sendable {
        let process = Process()
        private let lock = NSLock()
        private var collected: [[String: Any]] = []

        init(socket: String) throws {
            process.executableURL = CLIRunner.executable
            process.arguments = ["events", "--follow", "--json", "--kind", "override", "--control", socket]
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            let handle = out.fileHandleForReading
            Thread.detachNewThread { [self] in
                var pending = Data()
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { return }
                    pending.append(chunk)
                    while let nl = pending.firstIndex(of: 10) {
                        if let o = try? JSONSerialization.jsonObject(with: pending[pending.startIndex..<nl]) as? [String: Any] {
                            lock.lock(); collected.append(o); lock.unlock()
                        }
                        pending = Data(pending[pending.index(after: nl)...])
                    }
                }
            }
        }

        var lines: [[String: Any]] { lock.lock(); defer { lock.unlock() }; return collected }

        /// The instant of the first event whose detail contains `text`, waiting up to `limit`.
        func instant(of text: String, limit: Duration) async throws -> Date? {
            let end = ContinuousClock.now + limit
            while ContinuousClock.now < end {
                if let line = lines.first(where: { ($0["detail"] as? String)?.contains(text) == true }) {
                    return (line["at"] as? String).flatMap { ControlAPITests.instant($0) }
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            return nil
        }

        func stop() { if process.isRunning { process.terminate() } }
    }

    static func stop(_ process: Process, _ err: Pipe) -> String {
        if process.isRunning { process.terminate() }
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return log
    }

    /// Whether the peer's contactor `id` is closed.
    static func isOn(_ peer: CabinetPeer, _ id: String) throws -> Bool {
        let outputs = try peer.state()["outputs"] as? [[String: Any]] ?? []
        return outputs.first { $0["id"] as? String == id }?["on"] as? Bool ?? false
    }

    /// Polls until k1 shows `on`; returns when it did (nil: not within `limit`).
    static func waitFor(_ peer: CabinetPeer, on: Bool, limit: Duration) async throws -> Date? {
        let end = ContinuousClock.now + limit
        while ContinuousClock.now < end {
            if try isOn(peer, "k1") == on { return Date() }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    static func status(_ socket: String) throws -> [String: Any] {
        let r = try CLIRunner.run(["status", "--json", "--control", socket])
        guard r.status == 0 else { throw TestbedError("status: \(r.stderr)") }
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
    }

    static func circuit(_ status: [String: Any], _ id: String) -> [String: Any] {
        (status["circuits"] as? [[String: Any]] ?? []).first { $0["id"] as? String == id } ?? [:]
    }

    @Test func statusOverrideAndItsExpiryOnTheCabinet() async throws {
        try RunLedgerTests.declareKernelClockSynchronised()
        let peer = try CabinetPeer(timeScale: 1)
        let (dir, cabinet) = try Self.cabinet(on: peer, id: "control")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ledger = dir.appendingPathComponent("ledger.sqlite").path
        let (process, err) = try await Self.start(cabinet, in: dir, extra: ["--ledger", ledger, "--interval", "1s"])
        defer { _ = Self.stop(process, err) }
        let socket = dir.appendingPathComponent("control.sock").path

        let before = try Self.status(socket)
        #expect(before["cabinet"] as? String == "control")
        #expect((before["profile"] as? [String: Any])?["sha256"] as? String == ProfileDigest.of(before))
        #expect((before["clock"] as? [String: Any])?["trusted"] as? Bool == true)
        let level = try #require(Self.circuit(before, "c1")["level"] as? Double)
        let wasOn = level > 0
        #expect(try Self.isOn(peer, "k1") == wasOn)
        let text = try CLIRunner.run(["status", "--control", socket])
        #expect(text.status == 0 && text.stdout.contains("cabinet control") && text.stdout.contains("c1  k1"), "\(text)")

        // The opposite of the plan, for 3 s (after the minimum cycle of the start's write).
        let follower = try Follower(socket: socket)
        defer { follower.stop() }
        try await Task.sleep(for: .milliseconds(1200))
        let set = try CLIRunner.run(["override", "--level", wasOn ? "0" : "100", "--circuit", "c1", "--for", "3s",
                                     "--reason", "lamp change", "--control", socket])
        #expect(set.status == 0, "\(set)")
        let flipped = try await Self.waitFor(peer, on: !wasOn, limit: .seconds(2))
        #expect(flipped != nil, "k1 never followed the override")
        let during = try Self.status(socket)
        let overrides = during["overrides"] as? [[String: Any]] ?? []
        #expect(overrides.count == 1)
        #expect(overrides.first?["reason"] as? String == "lamp change")
        #expect((overrides.first?["by"] as? String)?.contains("uid 0") == true, "\(overrides)")
        #expect(Self.circuit(during, "c1")["override"] as? String == overrides.first?["id"] as? String)
        #expect(Self.circuit(during, "c2")["override"] == nil)
        let until = try #require((overrides.first?["until"] as? String).flatMap { Self.instant($0) })

        // Its end: the controller ends it within a second of it (its event's instant, taken when
        // its step decides), and the contactor follows. The wait for the follower's line is long:
        // on a loaded machine the follower prints late; the instant is the controller's.
        let ended = try await follower.instant(of: "expired: circuit c1", limit: .seconds(30))
        let late = try #require(ended, "no expiry event: \(follower.lines)").timeIntervalSince(until)
        #expect(late > -0.002 && late < 1.0, "the override ended \(late) s after its end")   // instants to the millisecond
        #expect(try await Self.waitFor(peer, on: wasOn, limit: .seconds(5)) != nil, "k1 never went back to its plan")
        #expect((try Self.status(socket)["overrides"] as? [Any])?.isEmpty == true)

        // Refusals, each with a message to act on.
        let unknown = try CLIRunner.run(["override", "--level", "30", "--circuit", "c9", "--for", "1m", "--control", socket])
        #expect(unknown.status == 1 && unknown.stderr.contains("has no circuit 'c9' (its circuits: c1, c2, c3)"), "\(unknown)")
        let group = try CLIRunner.run(["override", "--level", "30", "--group", "streat", "--for", "1m", "--control", socket])
        #expect(group.status == 1 && group.stderr.contains("did you mean 'street'?"), "\(group)")
        let nothing = try CLIRunner.run(["override", "clear", "--all", "--control", socket])
        #expect(nothing.status == 1 && nothing.stderr.contains("no override is in force"), "\(nothing)")
        let level130 = try CLIRunner.run(["override", "--level", "130", "--all", "--for", "1m", "--control", socket])
        #expect(level130.status == 2 && level130.stderr.contains("is not a level from 0 to 100"), "\(level130)")
        let tooLong = try CLIRunner.run(["override", "--level", "30", "--all", "--for", "200h", "--control", socket])
        #expect(tooLong.status == 2 && tooLong.stderr.contains("is not a duration from 1s to 7 days"), "\(tooLong)")
        let noTarget = try CLIRunner.run(["override", "--level", "30", "--for", "1m", "--control", socket])
        #expect(noTarget.status == 2 && noTarget.stderr.contains("say which circuits"), "\(noTarget)")

        // A group's override, cleared by hand.
        let roads = try CLIRunner.run(["override", "--level", "50", "--group", "street", "--for", "10m", "--control", socket])
        #expect(roads.status == 0, "\(roads)")
        let mid = try Self.status(socket)
        #expect(Self.circuit(mid, "c1")["level"] as? Double == 50 && Self.circuit(mid, "c2")["level"] as? Double == 50, "\(mid)")
        #expect(Self.circuit(mid, "c3")["override"] == nil)
        let clear = try CLIRunner.run(["override", "clear", "--group", "street", "--control", socket])
        #expect(clear.status == 0 && clear.stdout.contains("cleared: group street back to its plan"), "\(clear)")

        let log = Self.stop(process, err)
        #expect(log.contains("control API: \(socket)"), "\(log)")
        #expect(!FileManager.default.fileExists(atPath: socket), "the socket outlived the run")
        // The ledger has each override set, expired and cleared, with who and why.
        let events = try RunLedgerTests.query(ledger, "SELECT detail FROM event WHERE kind = 'override' ORDER BY seq").map { $0[0] }
        #expect(events.count == 4, "\(events)")
        #expect(events.first?.contains("set: circuit c1") == true && events.first?.contains("by root (uid 0): lamp change") == true, "\(events)")
        #expect(events.dropFirst().first?.contains("expired: circuit c1 back to its plan") == true, "\(events)")
        #expect(events.last?.contains("cleared by root (uid 0): group street back to its plan") == true, "\(events)")
    }

    @Test func anOverrideSurvivesARestartAndEndsOnTime() async throws {
        try RunLedgerTests.declareKernelClockSynchronised()
        let peer = try CabinetPeer(timeScale: 1)
        let (dir, cabinet) = try Self.cabinet(on: peer, id: "restart")
        defer { try? FileManager.default.removeItem(at: dir) }
        let socket = dir.appendingPathComponent("control.sock").path
        var (process, err) = try await Self.start(cabinet, in: dir)
        let wasOn = (Self.circuit(try Self.status(socket), "c1")["level"] as? Double ?? 0) > 0
        try await Task.sleep(for: .milliseconds(1200))
        let set = try CLIRunner.run(["override", "--level", wasOn ? "0" : "100", "--circuit", "c1", "--for", "6s", "--control", socket])
        #expect(set.status == 0, "\(set)")
        _ = Self.stop(process, err)
        // The state file holds it, written whole.
        let state = try String(contentsOf: dir.appendingPathComponent("state.json"), encoding: .utf8)
        #expect(state.contains("\"circuit\" : \"c1\""), "\(state)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("state.json.tmp").path))

        (process, err) = try await Self.start(cabinet, in: dir)
        defer { _ = Self.stop(process, err) }
        let follower = try Follower(socket: socket)
        defer { follower.stop() }
        let after = try Self.status(socket)
        let overrides = after["overrides"] as? [[String: Any]] ?? []
        #expect(overrides.count == 1, "\(after)")
        #expect(Self.circuit(after, "c1")["override"] as? String == overrides.first?["id"] as? String)
        let until = try #require((overrides.first?["until"] as? String).flatMap { Self.instant($0) })
        let ended = try await follower.instant(of: "expired: circuit c1", limit: .seconds(30))
        let late = try #require(ended, "no expiry event: \(follower.lines)").timeIntervalSince(until)
        #expect(late > -0.002 && late < 1.0, "the override ended \(late) s after its end")   // instants to the millisecond
        #expect(try await Self.waitFor(peer, on: wasOn, limit: .seconds(5)) != nil, "k1 never went back to its plan")
        let log = Self.stop(process, err)
        #expect(log.contains("1 override(s) in force again"), "\(log)")
        #expect(log.contains("resumed from the state file: circuit c1"), "\(log)")
    }

    @Test func aCorruptStateFileFallsBackToTheCabinetFileWithAnEvent() async throws {
        try RunLedgerTests.declareKernelClockSynchronised()
        let peer = try CabinetPeer(timeScale: 1)
        let (dir, cabinet) = try Self.cabinet(on: peer, id: "corrupt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let stateFile = dir.appendingPathComponent("state.json")
        for (bad, said) in [("{\"format\": 1, \"cabinet\": \"corrupt\", \"overr", "not valid JSON"),
                            ("{\"format\": 1, \"cabinet\": \"other\", \"overrides\": [], \"savedAt\": \"2026-11-30T00:00:00Z\"}",
                             "it is cabinet other's, this is cabinet corrupt"),
                            ("{\"format\": 1, \"cabinet\": \"corrupt\", \"overrides\": [{\"id\": \"x\", \"target\": {\"circuit\": \"c1\"}, \"level\": 140, \"from\": \"2026-11-30T00:00:00Z\", \"until\": \"2036-11-30T00:00:00Z\", \"reason\": \"\", \"by\": \"me\"}], \"savedAt\": \"2026-11-30T00:00:00Z\"}",
                             "level 140.0 is not 0 to 100 %")] {
            try bad.write(to: stateFile, atomically: true, encoding: .utf8)
            // The ledger's last record (the previous run's stop) is in whole seconds: the clock
            // is trusted, and events recorded, once it reads later.
            try await Task.sleep(for: .milliseconds(1100))
            let ledger = dir.appendingPathComponent("ledger.sqlite").path
            let (process, err) = try await Self.start(cabinet, in: dir, extra: ["--ledger", ledger, "--interval", "1s"])
            let overrides = try Self.status(dir.appendingPathComponent("control.sock").path)["overrides"] as? [Any]
            #expect(overrides?.isEmpty == true)
            let log = Self.stop(process, err)
            #expect(log.contains("error: state: \(stateFile.path)") && log.contains(said) && log.contains("starting from the cabinet file"),
                    "\(log)")
            #expect(try String(contentsOf: URL(fileURLWithPath: stateFile.path + ".unusable"), encoding: .utf8) == bad)
            // A new state file, whole, in its place.
            #expect(try String(contentsOf: stateFile, encoding: .utf8).contains("\"cabinet\" : \"corrupt\""))
            let events = try RunLedgerTests.query(ledger, "SELECT detail FROM event WHERE kind = 'ledger' AND subject = 'state' ORDER BY seq DESC LIMIT 1")
            #expect(events.first?.first?.contains(said) == true, "\(events) \(log)")
        }
    }

    /// `lanterne events`: the ledger's events and those not recorded yet, filtered; `--follow`
    /// prints each new one as it happens and ends when the controller stops.
    @Test func eventsListedAndFollowed() async throws {
        try RunLedgerTests.declareKernelClockSynchronised()
        let peer = try CabinetPeer(timeScale: 1)
        let (dir, cabinet) = try Self.cabinet(on: peer, id: "events")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ledger = dir.appendingPathComponent("ledger.sqlite").path
        let (process, err) = try await Self.start(cabinet, in: dir, extra: ["--ledger", ledger, "--interval", "1s"])
        defer { _ = Self.stop(process, err) }
        let socket = dir.appendingPathComponent("control.sock").path

        let follower = Process()
        follower.executableURL = CLIRunner.executable
        follower.arguments = ["events", "--follow", "--kind", "override", "--control", socket]
        let out = Pipe()
        follower.standardOutput = out
        try follower.run()
        try await Task.sleep(for: .milliseconds(500))
        let set = try CLIRunner.run(["override", "--level", "20", "--circuit", "c3", "--for", "1m", "--reason", "followed", "--control", socket])
        #expect(set.status == 0, "\(set)")
        // The follower prints it at once, before the ledger records it.
        let first = out.fileHandleForReading.availableData
        #expect(String(decoding: first, as: UTF8.self).contains("(pending)  override  ovr-"), "\(String(decoding: first, as: UTF8.self))")

        try await Task.sleep(for: .milliseconds(2500))   // recorded by the ledger's next intervals
        let listed = try CLIRunner.run(["events", "--kind", "override", "--kind", "ledger", "--control", socket])
        #expect(listed.status == 0, "\(listed)")
        let lines = listed.stdout.split(separator: "\n")
        #expect(lines.contains { $0.contains("#") && $0.contains("override  ovr-") && $0.contains("followed") }, "\(listed.stdout)")
        #expect(lines.contains { $0.contains("ledger  run  lanterne") }, "\(listed.stdout)")
        #expect(!lines.contains { $0.contains("  switching  ") }, "\(listed.stdout)")
        let json = try CLIRunner.run(["events", "--json", "--limit", "3", "--control", socket])
        #expect(json.stdout.split(separator: "\n").count == 3, "\(json.stdout)")
        let wrong = try CLIRunner.run(["events", "--kind", "overide", "--control", socket])
        #expect(wrong.status == 1 && wrong.stderr.contains("kind overide is not one of") && wrong.stderr.contains("did you mean 'override'?"), "\(wrong)")

        // The controller stops: so does the follower.
        _ = Self.stop(process, err)
        let deadline = ContinuousClock.now + .seconds(10)
        while follower.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!follower.isRunning, "the follower outlived the controller")
        if follower.isRunning { follower.terminate() }
    }

    /// A second user, outside the socket's group, is refused by the kernel; once in the group,
    /// the same user is answered.
    @Test func theSocketAnswersOnlyItsGroup() async throws {
        let group = "lanterne-ctl-test", user = "lanterne-outsider"
        try Self.shell("getent group \(group) >/dev/null || groupadd \(group)")
        try Self.shell("id \(user) >/dev/null 2>&1 || useradd --no-create-home --shell /usr/sbin/nologin \(user)")
        try Self.shell("gpasswd -d \(user) \(group) >/dev/null 2>&1 || true")
        let peer = try CabinetPeer(timeScale: 1)
        let (dir, cabinet) = try Self.cabinet(on: peer, id: "group")
        defer { try? FileManager.default.removeItem(at: dir) }
        chmod(dir.path, 0o755)
        let (process, err) = try await Self.start(cabinet, in: dir, extra: ["--control-group", group])
        defer { _ = Self.stop(process, err) }
        let socket = dir.appendingPathComponent("control.sock").path
        let attributes = try FileManager.default.attributesOfItem(atPath: socket)
        #expect((attributes[.posixPermissions] as? Int) == 0o660)
        #expect(attributes[.groupOwnerAccountName] as? String == group)

        let outside = try Self.shell("runuser -u \(user) -- \(CLIRunner.executable.path) status --control \(socket)", allowFailure: true)
        #expect(outside.status == 1, "\(outside)")
        #expect(outside.output.contains("Permission denied") && outside.output.contains("add your user to it"), "\(outside)")
        try Self.shell("usermod -a -G \(group) \(user)")
        defer { _ = try? Self.shell("gpasswd -d \(user) \(group) >/dev/null 2>&1 || true") }
        let inside = try Self.shell("runuser -u \(user) -- \(CLIRunner.executable.path) override --level 0 --all --for 1m --control \(socket)",
                                    allowFailure: true)
        #expect(inside.status == 0, "\(inside)")
        let overrides = try Self.status(socket)["overrides"] as? [[String: Any]] ?? []
        #expect((overrides.first?["by"] as? String)?.hasPrefix("\(user) (uid ") == true, "\(overrides)")
    }

    @discardableResult
    static func shell(_ command: String, allowFailure: Bool = false) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        if !allowFailure, p.terminationStatus != 0 { throw TestbedError("\(command): \(output)") }
        return (p.terminationStatus, output)
    }
}

/// The SHA-256 of the profile file a status names, computed here with sha256sum.
enum ProfileDigest {
    static func of(_ status: [String: Any]) -> String? {
        guard let path = (status["profile"] as? [String: Any])?["path"] as? String,
              let r = try? ControlAPITests.shell("sha256sum \(path)") else { return nil }
        return r.output.split(separator: " ").first.map(String.init)
    }
}
