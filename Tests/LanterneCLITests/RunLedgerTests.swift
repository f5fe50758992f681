import Foundation
import ModbusTestSupport
import Testing

/// `lanterne run --ledger` end to end: the controller drives the test bed's cabinet peer (real
/// Modbus TCP), records an interval every 2 s while the clock is trusted — and the cabinet's
/// door, opened meanwhile — and leaves a ledger that `ledger verify` finds sound and whose
/// meter rows add up to what the peer's meter counted. The kernel is told its clock is synchronised first (as an NTP client does, with
/// ntp_adjtime): the controller records nothing while the clock is not trusted.
@Suite(.serialized) struct RunLedgerTests {
    /// Clears STA_UNSYNC and sets a small maximum error (tools/declare-clock-synchronised.py,
    /// glibc's ntp_adjtime through Python's ctypes). Needs root, as the tests have.
    static func declareKernelClockSynchronised() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [CLIRunner.packageRoot.appendingPathComponent("tools/declare-clock-synchronised.py").path]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw TestbedError("ntp_adjtime refused (not root?)") }
    }

    @Test func aRunRecordsTheRealMetersIntervalsAndTheLedgerVerifies() async throws {
        try Self.declareKernelClockSynchronised()
        let peer = try CabinetPeer(timeScale: 1)
        try peer.command("meter-set 10")   // a small register: a float32 of kWh resolves milliwatt-hours
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-run-ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cabinet = try peer.writeCabinet(in: dir, id: "run-ledger")
        let ledger = dir.appendingPathComponent("ledger.sqlite").path
        // Lit or not depends on the hour the test runs: the checks hold whatever the peer's meter
        // counted (its register's differences, interval by interval).
        let (process, err) = try Self.start(["run", "--cabinet", cabinet, "--ledger", ledger, "--interval", "2s"])
        try peer.command("set io/1 co 0 1")   // k1 drawn whatever the plan says until the loop's next write
        try await Task.sleep(for: .microseconds(3_000_000))
        try peer.command("door open")   // a technician opens the cabinet
        try await Task.sleep(for: .microseconds(4_500_000))
        process.terminate()
        process.waitUntilExit()
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(log)")
        #expect(log.contains("recording every 2 s"), "\(log)")

        let verify = try CLIRunner.run(["ledger", "verify", "--ledger", ledger])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.contains("chain sound"), "\(verify.stdout)")
        // The meter's rows: metered, consecutive, and their energies the register's differences.
        let rows = try Self.query(ledger, "SELECT start_unix, end_unix, register_wh, energy_wh, source FROM measurement WHERE kind = 'meter' ORDER BY start_unix")
        #expect(rows.count >= 2, "\(rows) \(log)")
        for (a, b) in zip(rows, rows.dropFirst()) {
            #expect(a[1] == b[0], "consecutive: \(rows)")
            if a[4] == "metered" && b[4] == "metered" {
                #expect(Int(b[2])! - Int(a[2])! == Int(b[3])!, "\(rows)")
            }
        }
        #expect(rows.allSatisfy { $0[4] == "metered" }, "\(rows)")
        // The circuits' estimated shares add up to the meter, interval by interval.
        for row in rows {
            let shares = try Self.query(ledger, "SELECT sum(energy_wh), count(*), min(source), max(source) FROM measurement WHERE kind = 'circuit' AND start_unix = \(row[0])")
            #expect(shares.first?[0] == row[3] && shares.first?[1] == "3", "\(shares) vs \(row)")
            #expect(shares.first?[2] == "estimated" && shares.first?[3] == "estimated")
        }
        let events = try Self.query(ledger, "SELECT kind || '/' || subject FROM event ORDER BY seq").map { $0[0] }
        #expect(events.first == "ledger/run" && events.contains("profile/gpio-sim-check") && events.last == "ledger/stop", "\(events)")
        #expect(events.contains("clock/clock"), "\(events)")   // the clock trusted at the first step, in the first interval
        // Each circuit's level as decided at the first step, as a switching event.
        let switchings = try Self.query(ledger, "SELECT subject, detail FROM event WHERE kind = 'switching' ORDER BY seq")
        #expect(Set(switchings.prefix(3).map { $0[0] }) == ["c1", "c2", "c3"], "\(switchings)")
        #expect(switchings.allSatisfy { $0[1].hasPrefix("level ") }, "\(switchings)")
        // SIGTERM: every circuit to its safe state, recorded in the last interval before the stop,
        // and the ledger checkpointed (no WAL left beside it).
        let ordered = try Self.query(ledger, "SELECT kind, subject, detail FROM event ORDER BY seq")
        let failSafe = ordered.suffix(4)
        #expect(failSafe.prefix(3).allSatisfy { $0[0] == "switching" && $0[2].hasSuffix(": fail-safe: controller stopping") }, "\(ordered.suffix(6))")
        #expect(Set(failSafe.prefix(3).map { $0[1] }) == ["c1", "c2", "c3"] && failSafe.last?[1] == "stop", "\(ordered.suffix(6))")
        #expect(!FileManager.default.fileExists(atPath: ledger + "-wal"))
        let doors = try Self.query(ledger, "SELECT detail FROM event WHERE kind = 'input' AND subject = 'door' ORDER BY seq").map { $0[0] }
        #expect(doors == ["door door: closed", "door door: open"], "\(doors)")
        #expect(!log.contains("was not recorded"), "\(log)")
        // A new ledger got its signing key: the auditor's export is signed and checks.
        #expect(log.contains("signing key ") && FileManager.default.fileExists(atPath: ledger + ".key"), "\(log)")
        let day = { (d: Date) in String(ISO8601DateFormatter().string(from: d).prefix(10)) }
        let csv = dir.appendingPathComponent("run.csv").path
        // Days two either side of today in UTC: the export's days are the cabinet's (Paris), which
        // may already be tomorrow.
        let export = try CLIRunner.run(["ledger", "export", "--ledger", ledger, "--from", day(Date().addingTimeInterval(-2 * 86_400)),
                                        "--to", day(Date().addingTimeInterval(2 * 86_400)), "--interval", "hour", "--out", csv, "--quiet"])
        #expect(export.status == 0, "\(export.stderr)")
        let checked = try CLIRunner.run(["ledger", "verify-export", csv, "--ledger", ledger])
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
    }

    /// A board whose meter's phases feed different outputs: each phase is a register of the
    /// ledger (`meter-main/L1`…), each circuit alone on its phase is `metered` with its phase's
    /// figure, and each phase's register carries on across a restart.
    @Test func aMeterByPhaseMetersEachCircuitAcrossARestart() async throws {
        try Self.declareKernelClockSynchronised()
        let peer = try CabinetPeer(timeScale: 1)
        try peer.command("meter-set 30 10 10 10")
        try peer.command("day-burner k1")   // L1 counts whatever the plan says
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-run-phases-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Faults sampled every second, held a second: a contactor stuck during the first run.
        let cabinet = try peer.writeCabinet(in: dir, id: "phases", extra: """
            faults:
              sampleEvery: 1s
              contactor: { hold: 1s }
              dayBurner: { hold: 1s }
            """)
        let boardFile = dir.appendingPathComponent("board.yaml")
        let board = try String(contentsOf: boardFile, encoding: .utf8).replacingOccurrences(
            of: "bus: meter-gw, unit: 1 }", with: "bus: meter-gw, unit: 1, phases: { L1: [k1, k4], L2: [k2, dali-1], L3: [k3, dali-2] } }")
        try board.write(to: boardFile, atomically: true, encoding: .utf8)
        let ledger = dir.appendingPathComponent("ledger.sqlite").path
        var stuck: String?
        for seconds in [7.0, 3.5] {   // a run, a stop, a second run
            let (process, err) = try Self.start(["run", "--cabinet", cabinet, "--ledger", ledger, "--interval", "1s"])
            if stuck == nil {
                // c2's contactor sticks in the state the plan does not want at this hour.
                try await Task.sleep(for: .seconds(1))
                let coils = try #require(peer.state()["coils"] as? [Int])
                stuck = coils[1] == 1 ? "off" : "on"
                try peer.command("stuck k2 \(stuck!)")
                try await Task.sleep(for: .seconds(3.5))
                try peer.command("unstick k2")   // found by then; its end too before the stop
                try await Task.sleep(for: .seconds(seconds - 4.5))
            } else {
                try await Task.sleep(for: .seconds(seconds))
            }
            process.terminate()
            process.waitUntilExit()
            let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus == 0 && !log.contains("was not recorded"), "\(log)")
        }
        let verify = try CLIRunner.run(["ledger", "verify", "--ledger", ledger])
        #expect(verify.status == 0 && verify.stdout.contains("chain sound"), "\(verify.stdout)\(verify.stderr)")
        let channels = try Self.query(ledger, "SELECT DISTINCT channel_id FROM measurement WHERE kind = 'meter' ORDER BY channel_id").map { $0[0] }
        #expect(channels == ["meter-main/L1", "meter-main/L2", "meter-main/L3"])
        var phaseEnergy: [String: [String: String]] = [:]   // channel → start → energy
        for channel in channels {
            let rows = try Self.query(ledger, "SELECT start_unix, end_unix, register_wh, energy_wh, source FROM measurement WHERE kind = 'meter' AND channel_id = '\(channel)' ORDER BY start_unix")
            #expect(rows.count >= 6 && rows.allSatisfy { $0[4] == "metered" }, "\(channel): \(rows)")
            #expect(Int(rows[0][2])! - Int(rows[0][3])! == 10_000, "\(channel) began at 10 kWh: \(rows[0])")
            for (a, b) in zip(rows, rows.dropFirst()) {
                #expect(a[1] == b[0], "\(channel): consecutive across the restart: \(rows)")
                #expect(Int(b[2])! - Int(a[2])! == Int(b[3])!, "\(channel): \(a) → \(b)")
            }
            phaseEnergy[channel] = Dictionary(uniqueKeysWithValues: rows.map { ($0[0], $0[3]) })
        }
        #expect((phaseEnergy["meter-main/L1"]?.values.compactMap { Int($0) }.reduce(0, +) ?? 0) > 0, "the day-burner counted on L1")
        // The stuck contactor, found from L2's power: on when off was written (or off when on).
        let faults = try Self.query(ledger, "SELECT subject, detail FROM event WHERE kind = 'fault' ORDER BY seq")
        let want = stuck == "on" ? "contactor or relay failure on c2: power still drawn after switching off"
                                 : "contactor or relay failure on c2: no power with the supply present"
        #expect(faults.contains { $0[0] == "c2" && $0[1].hasPrefix(want) }, "stuck \(stuck ?? "?"): \(faults)")
        #expect(faults.contains { $0[0] == "c2" && $0[1].hasPrefix("contactor or relay failure on c2 ended") }, "\(faults)")
        // A day-burner on L1 (k1 draws whatever is written): found when the plan has it off.
        if stuck == "on" { #expect(faults.contains { $0[1].hasPrefix("day-burner on c1") || $0[1].hasPrefix("contactor or relay failure on c1") }, "\(faults)") }
        // c1 on k1 (L1), c2 on k2 (L2), c3 on k3 (L3): each metered, its phase's figure.
        for (circuit, phase) in [("c1", "L1"), ("c2", "L2"), ("c3", "L3")] {
            let rows = try Self.query(ledger, "SELECT start_unix, energy_wh, source FROM measurement WHERE kind = 'circuit' AND channel_id = '\(circuit)' ORDER BY start_unix")
            #expect(!rows.isEmpty && rows.allSatisfy { $0[2] == "metered" }, "\(circuit): \(rows)")
            for row in rows { #expect(phaseEnergy["meter-main/\(phase)"]?[row[0]] == row[1], "\(circuit) at \(row[0])") }
        }
    }

    /// `lanterne ARGUMENTS` started, its standard error in the pipe returned. A `run` without
    /// `--control` gets `--control none` (the default socket is the machine's).
    static func start(_ arguments: [String]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = arguments.first == "run" && !arguments.contains("--control") ? arguments + ["--control", "none"] : arguments
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return (process, err)
    }

    /// Rows of a query by the sqlite3 module of Python: read independently of our code.
    static func query(_ path: String, _ sql: String) throws -> [[String]] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", "sqlite3, sys = __import__('sqlite3'), __import__('sys')\n"
                       + "for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]): print('\\t'.join(str(v) for v in r))", path, sql]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }
}
