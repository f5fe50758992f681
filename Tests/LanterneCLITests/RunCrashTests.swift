import Foundation
import Glibc
import ModbusTestSupport
import Testing

/// `lanterne run --ledger` killed with SIGKILL at random moments, 100 times, against the test
/// bed's cabinet peer, whose meter counts all along (a day-burner draws 1,800 W whatever the
/// controller writes; at most 3,900 W with the plan's, within what the circuits can draw, so no
/// interval is refused as implausible). After the last run, stopped with
/// SIGTERM once the peer's meter has been stopped:
/// - `ledger verify` finds the chain sound;
/// - every interval the ledger held after a kill is still there (none closed is lost);
/// - the meter's intervals follow one another without a hole, each one's energy is its
///   register's difference, and what the peer's meter counted from start to end equals the
///   ledger's sum: what was drawn while the controller was down lies in the interval after the
///   outage, which spans it.
@Suite(.serialized) struct RunCrashTests {
    @Test func killedAHundredTimesTheLedgerLosesNothing() async throws {
        try RunLedgerTests.declareKernelClockSynchronised()
        let peer = try CabinetPeer(timeScale: 1)
        // The meter stands still until the ledger holds its first register.
        try peer.command("meter-set 10")
        try peer.command("phase-lost L1")
        try peer.command("phase-lost L2")
        try peer.command("phase-lost L3")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cabinet = try peer.writeCabinet(in: dir, id: "crash")
        let ledger = dir.appendingPathComponent("ledger.sqlite").path
        let log = dir.appendingPathComponent("run.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: log)
        defer { try? logHandle.close() }

        func start() throws -> Process {
            let process = Process()
            process.executableURL = CLIRunner.executable
            process.arguments = ["run", "--cabinet", cabinet, "--ledger", ledger, "--interval", "1s", "--log-level", "notice", "--control", "none"]
            process.standardError = logHandle
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            return process
        }
        func meterRows() throws -> [(start: Int, end: Int, register: Int, energy: Int, source: String)] {
            guard FileManager.default.fileExists(atPath: ledger) else { return [] }
            return try RunLedgerTests.query(ledger, "SELECT start_unix, end_unix, ifnull(register_wh, -1), energy_wh, source FROM measurement WHERE kind = 'meter' ORDER BY start_unix")
                .map { (Int($0[0])!, Int($0[1])!, Int($0[2])!, Int($0[3])!, $0[4]) }
        }

        var generator = SystemRandomNumberGenerator()
        var flowing = false
        var kept: Set<Int> = []   // the ends of the intervals held after each kill
        var kills = 0
        while kills < 100 {
            let process = try start()
            // Alive from 0.1 s to 1.8 s: killed while starting, opening the ledger, between
            // intervals or while one is written.
            try await Task.sleep(for: .microseconds(Int.random(in: 100_000...1_800_000, using: &generator)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
            kills += 1
            let rows = try meterRows()
            for row in rows { kept.insert(row.end) }
            if !flowing, !rows.isEmpty {
                // The ledger holds the register at rest: from now on the meter counts.
                for phase in ["L1", "L2", "L3"] { try peer.command("phase-restored \(phase)") }
                try peer.command("day-burner k1")
                flowing = true
            }
            // Down for up to 0.8 s: the meter counts meanwhile.
            try await Task.sleep(for: .microseconds(Int.random(in: 0...800_000, using: &generator)))
        }
        #expect(flowing, "no run recorded an interval")

        // The last run: the meter is stopped while it runs, then it is stopped with SIGTERM.
        let last = try start()
        try await Task.sleep(for: .microseconds(2_500_000))
        for phase in ["L1", "L2", "L3"] { try peer.command("phase-lost \(phase)") }
        try await Task.sleep(for: .microseconds(2_500_000))
        last.terminate()
        last.waitUntilExit()
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(last.terminationStatus == 0, "\(text.suffix(2000))")
        let counted = try #require(peer.state()["importKWh"] as? Double)

        let verify = try CLIRunner.run(["ledger", "verify", "--ledger", ledger])
        #expect(verify.status == 0 && verify.stdout.contains("chain sound"), "\(verify.stdout)\(verify.stderr)")
        let rows = try meterRows()
        let ends = Set(rows.map(\.end))
        #expect(kept.subtracting(ends).isEmpty, "intervals lost: \(kept.subtracting(ends).sorted())")
        #expect(rows.allSatisfy { $0.source == "metered" }, "\(rows.filter { $0.source != "metered" })")
        for (a, b) in zip(rows, rows.dropFirst()) {
            #expect(a.end == b.start, "a hole between \(a) and \(b)")
            #expect(b.register - a.register == b.energy, "\(a) → \(b)")
        }
        let first = try #require(rows.first), final = try #require(rows.last)
        #expect(first.register - first.energy == 10_000, "the meter stood at 10 kWh when the ledger began: \(first)")
        let total = rows.reduce(0) { $0 + $1.energy }
        #expect(total == final.register - 10_000)
        #expect(Int((counted * 1000).rounded()) == final.register, "the peer's meter counted \(counted) kWh; the ledger ends at \(final.register) Wh")
        // The intervals that span an outage: longer than one, and they carry its energy.
        let spans = rows.filter { $0.end - $0.start > 1 }
        #expect(spans.count >= 20, "\(spans.count) intervals span an outage")
        #expect(total > 50, "the meter counted \(total) Wh over the runs and the outages")
        let events = try RunLedgerTests.query(ledger, "SELECT subject, count(*) FROM event WHERE kind = 'ledger' GROUP BY subject")
        print("crash test: \(kills) kills, \(rows.count) meter intervals, \(spans.count) spanning an outage, \(total) Wh; ledger events \(events)")
    }
}
