import Foundation
import ModbusTestSupport
import Testing

/// `lanterne run` on a Modbus TCP cabinet (pymodbus peers): it drives the outputs and, on
/// SIGTERM, leaves every circuit in its safe state; `--ledger` is a floor for the clock.
@Suite(.serialized) struct RunCommandTests {
    /// Two peers, a board and a cabinet file named `cabinet` in a fresh directory.
    struct Cabinet {
        let io: ModbusPeer, dali: ModbusPeer
        let dir: URL
        var file: String { dir.appendingPathComponent("cabinet.yaml").path }

        init(id: String = "run-test") throws {
            io = try ModbusPeer(tcp: ["1:io:4"])
            dali = try ModbusPeer(tcp: ["3:gateway:4"])
            try io.command("set 1 co 0 0 0")
            try dali.command("set 3 hr 0 0")
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-run-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try ModbusTestbed.twoPeerBoard(id: "tcp-test", io: io.address, dali: dali.address, timeout: "200ms", outputs: [
                "{ id: k1, kind: relay, safeState: \"on\", coil: { bus: io, unit: 1, address: 0 } }",
                "{ id: k2, kind: relay, safeState: \"on\", coil: { bus: io, unit: 1, address: 1 } }",
                "{ id: d1, kind: dimmer, safeState: \"on\", gateway: { id: gw, channel: 0 } }",
            ]).write(to: dir.appendingPathComponent("board.yaml"), atomically: true, encoding: .utf8)
            let profile = CLIRunner.packageRoot.appendingPathComponent("tools/gpio-sim/check/testbed-profile.yaml").path
            try """
                cabinet: \(id)
                site: { latitude: 49.648, longitude: 2.570, timeZone: Europe/Paris }
                board: board.yaml
                profile: \(profile)
                luminaires:
                  - { id: led, ratedWatts: 40, legacyWatts: 150 }
                circuits:
                  - { id: c1, output: k1, luminaire: led, count: 4 }
                  - { id: c2, output: k2, luminaire: led, count: 4 }
                  - { id: c3, output: d1, luminaire: led, count: 5 }
                """.write(to: dir.appendingPathComponent("cabinet.yaml"), atomically: true, encoding: .utf8)
        }

        /// Runs `lanterne run` with `arguments` until an output was written, then SIGTERM.
        /// Returns the exit status and standard error.
        /// With `journal`, `$JOURNAL_STREAM` names the standard-error pipe, as systemd does
        /// when it connects a service's output to the journal.
        func runUntilWritten(_ arguments: [String], environment: [String: String] = [:], journal: Bool = false,
                             thenWait: TimeInterval = 0) throws -> (status: Int32, log: String, applied: Bool) {
            try io.command("reset-stats")   // the writes seen below are this run's
            try dali.command("reset-stats")
            let process = Process()
            process.executableURL = CLIRunner.executable
            process.arguments = ["run", "--cabinet", file, "--control", "none"] + arguments
            let err = Pipe()
            var environment = environment
            if journal {
                var status = stat()
                fstat(err.fileHandleForWriting.fileDescriptor, &status)
                environment["JOURNAL_STREAM"] = "\(status.st_dev):\(status.st_ino)"
            }
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            process.standardError = err
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            // The plan, or the fail-safe while the clock is not trusted, within a second or two.
            var applied = false
            for _ in 0..<100 {
                if (try? dali.stats()["3"]?["6"]) != nil || (try? dali.stats()["3"]?["16"]) != nil { applied = true; break }
                if (try? io.stats()["1"]?["5"]) != nil { applied = true; break }
                usleep(50_000)
            }
            if thenWait > 0 { usleep(UInt32(thenWait * 1_000_000)) }
            process.terminate()   // SIGTERM
            process.waitUntilExit()
            let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            return (process.terminationStatus, log, applied)
        }
    }

    @Test func runsUntilSigtermAndLeavesTheSafeState() throws {
        let cabinet = try Cabinet()
        defer { try? FileManager.default.removeItem(at: cabinet.dir) }
        let missing = cabinet.dir.appendingPathComponent("missing.sqlite").path
        let r = try cabinet.runUntilWritten(["--ledger", missing])
        #expect(r.applied, "no output was written")
        #expect(r.status == 0, "\(r.log)")
        #expect(r.log.contains("cabinet run-test: board tcp-test, profile gpio-sim-check, 3 circuit(s)"))
        // The clock's trust is decided and said (this machine's kernel may or may not be synchronised).
        #expect(r.log.contains(" clock trusted: ") || r.log.contains(" clock not trusted: "), "\(r.log)")
        #expect(r.log.contains("every circuit to its safe state"))
        // A missing ledger is no floor; it is created once the clock is trusted (intervals carry
        // wall-clock instants), not before.
        #expect(r.log.contains("ledger \(missing) does not exist: no ledger floor for the clock"))
        if r.log.contains(" clock trusted: ") {
            // Created within the run's half second or not, but never refused.
            #expect(!r.log.contains("the run goes on without a ledger"), "\(r.log)")
        } else {
            #expect(!FileManager.default.fileExists(atPath: missing))
            #expect(r.log.contains("ledger \(missing): waiting for a trusted clock before recording"), "\(r.log)")
        }
        // Safe state 'on' everywhere: contactors closed, the dimmer at full.
        #expect(try cabinet.io.get(unit: 1, table: "co", address: 0, count: 2) == [1, 1])
        #expect(try cabinet.dali.get(unit: 3, table: "hr", address: 0, count: 1) == [254])
    }

    /// A ledger holding records of 2100 for this cabinet: today's clock reads earlier than its
    /// last record, so it is not trusted whatever the kernel says, and the circuits follow
    /// their fail-safe (here 'on').
    @Test func theLedgersLastRecordIsAFloorForTheClock() throws {
        let cabinet = try Cabinet(id: "montdidier-remparts")
        defer { try? FileManager.default.removeItem(at: cabinet.dir) }
        let ledger = cabinet.dir.appendingPathComponent("ledger.sqlite").path
        let sim = try CLIRunner.run(["simulate", "--cabinet", "examples/montdidier.yaml", "--from", "2100-01-01", "--to", "2100-01-02",
                                     "--ledger", ledger, "--quiet"])
        #expect(sim.status == 0, "\(sim.stderr)")
        let r = try cabinet.runUntilWritten(["--ledger", ledger])
        #expect(r.status == 0, "\(r.log)")
        #expect(r.log.contains("ledger \(ledger): the clock is not trusted before its last record, 2100-01-01T23:00:00Z"), "\(r.log)")
        #expect(r.log.contains("clock not trusted: ") && r.log.contains("the clock reads earlier than the ledger's last record (2100-01-01T23:00:00Z)"),
                "\(r.log)")
        // The fail-safe ('on') was written while running, not only at the shutdown.
        #expect(r.applied)
        #expect(try cabinet.io.get(unit: 1, table: "co", address: 0, count: 2) == [1, 1])
    }

    /// Ten seconds after the first step, the run gives back the pages only its start needed
    /// (``StartupPages``) and says so; it goes on driving the outputs and stops cleanly.
    @Test func theStartsPagesAreGivenBackAndTheRunGoesOn() throws {
        let cabinet = try Cabinet()
        defer { try? FileManager.default.removeItem(at: cabinet.dir) }
        let r = try cabinet.runUntilWritten([], thenWait: 12)
        #expect(r.applied)
        #expect(r.status == 0, "\(r.log)")
        let line = r.log.split(separator: "\n").first { $0.contains("released the start-up's pages of ") }
        #expect(line?.contains(" read-only file mapping(s): resident ") == true, "\(r.log)")
        #expect(r.log.contains("every circuit to its safe state"))
        #expect(try cabinet.io.get(unit: 1, table: "co", address: 0, count: 2) == [1, 1])
    }

    /// Under systemd (`Type=notify`, `WatchdogSec=`): READY=1 once the outputs are written, the
    /// watchdog fed while the loop steps, STOPPING=1 on SIGTERM. systemd is not PID 1 here: an
    /// independent listener (Python's socket module) stands in for its notify socket.
    @Test func tellsSystemdWhenReadyFeedsTheWatchdogAndSaysWhenStopping() throws {
        let cabinet = try Cabinet()
        defer { try? FileManager.default.removeItem(at: cabinet.dir) }
        let socket = cabinet.dir.appendingPathComponent("notify").path
        let listener = try NotifyListener(at: socket)
        let r = try cabinet.runUntilWritten([], environment: ["NOTIFY_SOCKET": socket, "WATCHDOG_USEC": "400000"], thenWait: 1.0)
        #expect(r.status == 0, "\(r.log)")
        let messages = listener.messages().map(\.text)
        #expect(messages.first == "'READY=1\\nSTATUS=driving 3 circuit(s) of cabinet run-test with profile gpio-sim-check'", "\(messages)")
        #expect(messages.filter { $0 == "'WATCHDOG=1'" }.count >= 2, "\(messages)")   // every 200 ms for about a second
        #expect(messages.last == "'STOPPING=1'", "\(messages)")
        #expect(r.log.contains("systemd watchdog: 0.4 seconds timeout"), "\(r.log)")
    }

    /// Each line carries its level: for the journal as a syslog priority (`<5>` a notice,
    /// `<6>` information), elsewhere as a word after the instant; `--log-level` drops the
    /// less important ones.
    @Test func logLinesCarryTheirLevel() throws {
        let cabinet = try Cabinet()
        defer { try? FileManager.default.removeItem(at: cabinet.dir) }
        let journal = try cabinet.runUntilWritten([], journal: true)
        #expect(journal.status == 0, "\(journal.log)")
        let lines = journal.log.split(separator: "\n")
        #expect(lines.contains("<6>cabinet run-test: board tcp-test, profile gpio-sim-check, 3 circuit(s)"), "\(journal.log)")
        #expect(lines.contains("<5>stopping: every circuit to its safe state, then the ledger's interval in progress"), "\(journal.log)")
        #expect(lines.last == "<5>stopped", "\(journal.log)")
        #expect(lines.allSatisfy { $0.hasPrefix("<") }, "\(journal.log)")   // the profile's finding too
        #expect(lines.contains { $0.hasPrefix("<4>") && $0.contains("testbed-profile.yaml:43:9: warning: profile sensor 'pir-1'") },
                "\(journal.log)")
        let plain = try cabinet.runUntilWritten(["--log-level", "notice"])
        #expect(plain.status == 0, "\(plain.log)")
        #expect(plain.log.contains("Z notice: stopping: every circuit to its safe state, then the ledger's interval in progress"), "\(plain.log)")
        #expect(!plain.log.contains("info:"), "\(plain.log)")   // the cabinet's line is information
        let wrong = try CLIRunner.run(["run", "--cabinet", cabinet.file, "--log-level", "loud"])
        #expect(wrong.status == 2)   // a usage error
        #expect(wrong.stderr.contains("loud"), "\(wrong.stderr)")
    }

    @Test func aSimulatedBoardIsRefused() throws {
        let r = try CLIRunner.run(["run", "--cabinet", "examples/montdidier.yaml"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("error: board 'simulated' is simulated: there is no hardware to drive (use 'lanterne simulate')"))
    }
}
