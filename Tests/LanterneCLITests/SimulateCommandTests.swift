import Foundation
import Testing

@Suite struct SimulateCommand {
    func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-sim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func aMonthAsJSONIsDeterministic() throws {
        let args = ["simulate", "--cabinet", "examples/montdidier.yaml", "--from", "2026-12-01", "--to", "2027-01-01", "--seed", "7", "--json"]
        let a = try CLIRunner.run(args), b = try CLIRunner.run(args)
        #expect(a.status == 0, "\(a.stderr)")
        #expect(a.stdout == b.stdout)
        let o = try #require(try JSONSerialization.jsonObject(with: Data(a.stdout.utf8)) as? [String: Any])
        for key in ["lightingKWh", "baselineKWh", "savingsPercent", "pvKWh", "burningHours"] {
            #expect(o[key] is Double, "missing \(key)")
        }
        let lighting = try #require(o["lightingKWh"] as? Double), baseline = try #require(o["baselineKWh"] as? Double)
        #expect(lighting > 0 && lighting < baseline)
        // December: 15.3 kW of legacy load for about 16 dark hours a night, 31 nights.
        #expect(abs(baseline - 15.328 * 16 * 31) / baseline < 0.05)
        let other = try CLIRunner.run(["simulate", "--cabinet", "examples/montdidier.yaml", "--from", "2026-12-01", "--to", "2027-01-01", "--seed", "8", "--json"])
        #expect(other.stdout != a.stdout)   // the seed matters (presence, weather)
    }

    /// Every command that opens a ledger closes it whole: no `-wal` or `-shm` left beside it.
    @Test func commandsLeaveNoWALBehind() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ledger = dir.appendingPathComponent("ledger.sqlite").path
        func sidecars() -> [String] {
            ["-wal", "-shm"].filter { FileManager.default.fileExists(atPath: ledger + $0) }
        }
        let period = ["--from", "2026-06-01", "--to", "2026-06-03"]
        let commands: [[String]] = [
            ["simulate", "--cabinet", "examples/montdidier.yaml", "--ledger", ledger, "--quiet"] + period,
            ["ledger", "verify", "--ledger", ledger],
            ["ledger", "declarations", "--ledger", ledger],
            ["ledger", "export", "--ledger", ledger, "--out", dir.appendingPathComponent("x.csv").path, "--quiet"] + period,
            ["roi", "--ledger", ledger] + period,
            ["report", "--ledger", ledger, "--out", dir.appendingPathComponent("r.html").path] + period,
        ]
        for command in commands {
            let r = try CLIRunner.run(command)
            #expect(r.status == 0, "\(command.prefix(2)): \(r.stderr)")
            #expect(sidecars().isEmpty, "\(command.prefix(2).joined(separator: " ")) left \(sidecars())")
        }
    }

    @Test func ledgerRowsSumToTheReport() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ledger = dir.appendingPathComponent("ledger.sqlite").path
        let r = try CLIRunner.run(["simulate", "--cabinet", "examples/montdidier.yaml", "--from", "2026-06-01", "--to", "2026-06-08",
                                   "--ledger", ledger, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let rows = try #require((o["ledger"] as? [String: Any])?["rows"] as? Int)
        let counts = try sqlite(ledger, "SELECT count(*) FROM circuit_interval; SELECT count(*) FROM production_interval; SELECT count(*) FROM meter_reading; SELECT count(*) FROM event; SELECT count(*) FROM declaration WHERE kind != 'signing-key'")
        // 7 days × 96 quarter-hours × 3 circuits, 1 inverter, 1 meter; events: run, profile, switchings.
        #expect(counts.prefix(3) == ["\(7 * 96 * 3)", "\(7 * 96)", "\(7 * 96)"])
        // Declarations: the site, 3 circuits, tariff, investment, emission factor.
        #expect(counts[4] == "7")
        #expect(rows == 7 * 96 * 5 + Int(counts[3])! + 7)
        #expect(Int(counts[3])! > 2 + 7 * 3 * 2)   // several plan steps per circuit per night
        let sums = try sqlite(ledger, "SELECT SUM(energy_wh) FROM circuit_interval; SELECT SUM(energy_wh) FROM production_interval; SELECT max(register_wh) FROM meter_reading;")
        let lighting = try #require(o["lightingKWh"] as? Double), pv = try #require(o["pvKWh"] as? Double)
        #expect(abs(Double(sums[0])! - lighting * 1000) <= 3)   // within 1 Wh per circuit
        #expect(abs(Double(sums[1])! - pv * 1000) <= 1)
        #expect(abs(Double(sums[2])! - lighting * 1000) <= 1)   // the meter counts all circuits
        // The chain is sound, and a second run over the same period is refused.
        let verify = try CLIRunner.run(["ledger", "verify", "--ledger", ledger])
        #expect(verify.status == 0, "\(verify.stderr)")
        let again = try CLIRunner.run(["simulate", "--cabinet", "examples/montdidier.yaml", "--from", "2026-06-03", "--to", "2026-06-04", "--ledger", ledger])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already holds intervals of cabinet montdidier-remparts up to 2026-06-07T22:00:00Z"))
        // Continuing where it stopped works, and the meter register continues.
        let more = try CLIRunner.run(["simulate", "--cabinet", "examples/montdidier.yaml", "--from", "2026-06-08", "--to", "2026-06-09", "--ledger", ledger])
        #expect(more.status == 0, "\(more.stderr)")
        let registers = try sqlite(ledger, "SELECT min(register_wh) FROM meter_reading WHERE start_unix >= 1780869600")
        #expect(Int(registers[0])! > Int(Double(sums[2])!))
        #expect(try CLIRunner.run(["ledger", "verify", "--ledger", ledger]).status == 0)
    }

    @Test func textReportAndErrors() throws {
        let r = try CLIRunner.run(["simulate", "--cabinet", "examples/montdidier.yaml", "--from", "2026-01-01", "--to", "2026-01-08"])
        #expect(r.status == 0)
        for label in ["Lighting energy", "Baseline (legacy)", "Savings", "Burning hours", "PV production", "Renewable share"] {
            #expect(r.stdout.contains(label))
        }
        let backwards = try CLIRunner.run(["simulate", "--cabinet", "examples/montdidier.yaml", "--from", "2026-02-01", "--to", "2026-01-01"])
        #expect(backwards.status == 2)
        #expect(backwards.stderr.contains("--to 2026-01-01 must be after --from 2026-02-01"))
        let missing = try CLIRunner.run(["simulate", "--cabinet", "examples/nope.yaml", "--from", "2026-01-01", "--to", "2026-01-02"])
        #expect(missing.status == 1)
        #expect(missing.stderr == "examples/nope.yaml:1:1: error: cannot read cabinet file: no such file\n")
    }

    @Test func cabinetNamingAMissingBoardSaysWhichAndWhere() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = try String(contentsOf: CLIRunner.packageRoot.appendingPathComponent("examples/montdidier.yaml"), encoding: .utf8)
        let broken = original
            .replacingOccurrences(of: "board: ../boards/simulated.yaml", with: "board: ../boards/simulted.yaml")
            .replacingOccurrences(of: "profile: ../profiles/montdidier.yaml", with: "profile: \(CLIRunner.packageRoot.path)/profiles/montdidier.yaml")
        let path = dir.appendingPathComponent("cabinet.yaml").path
        try broken.write(toFile: path, atomically: true, encoding: .utf8)
        let r = try CLIRunner.run(["simulate", "--cabinet", path, "--from", "2026-01-01", "--to", "2026-01-02"])
        #expect(r.status == 1)
        let line = broken.components(separatedBy: "\n").firstIndex { $0.hasPrefix("board:") }! + 1
        #expect(r.stderr.contains("\(path):\(line):8: error: board file '../boards/simulted.yaml' not found"))
        #expect(!r.stderr.contains("Fatal"))
    }

    /// Runs the sqlite3 shell if present, else reads through Python's sqlite3 module.
    func sqlite(_ path: String, _ sql: String) throws -> [String] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nfor q in sys.argv[2].split(';'):\n  q=q.strip()\n  if q: print(c.execute(q).fetchone()[0])", path, sql]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
