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

    @Test func aRunRecordsTheRealMetersIntervalsAndTheLedgerVerifies() throws {
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
        let process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = ["run", "--cabinet", cabinet, "--ledger", ledger, "--interval", "2s"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        try peer.command("set io/1 co 0 1")   // k1 drawn whatever the plan says until the loop's next write
        usleep(3_000_000)
        try peer.command("door open")   // a technician opens the cabinet
        usleep(4_500_000)
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
        let doors = try Self.query(ledger, "SELECT detail FROM event WHERE kind = 'input' AND subject = 'door' ORDER BY seq").map { $0[0] }
        #expect(doors == ["door door: closed", "door door: open"], "\(doors)")
        #expect(!log.contains("was not recorded"), "\(log)")
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
