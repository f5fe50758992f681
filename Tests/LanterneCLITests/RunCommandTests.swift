import Foundation
import ModbusTestSupport
import Testing

/// `lanterne run` on a Modbus TCP cabinet (pymodbus peers): it drives the outputs and, on
/// SIGTERM, leaves every circuit in its safe state.
@Suite(.serialized) struct RunCommandTests {
    @Test func runsUntilSigtermAndLeavesTheSafeState() throws {
        let io = try ModbusPeer(tcp: ["1:io:4"])
        let dali = try ModbusPeer(tcp: ["3:gateway:4"])
        try io.command("set 1 co 0 0 0")
        try dali.command("set 3 hr 0 0")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
            board: tcp-test
            driver: hardware
            buses:
              - { id: io, tcp: "\(io.address)", timeout: 200ms, retries: 0 }
              - { id: dali, tcp: "\(dali.address)", timeout: 200ms, retries: 0 }
            gateways:
              - { id: gw, bus: dali, unit: 3, channels: 4, level: { register: 0, fullScale: 254 } }
            outputs:
              - { id: k1, kind: relay, safeState: "on", coil: { bus: io, unit: 1, address: 0 } }
              - { id: k2, kind: relay, safeState: "on", coil: { bus: io, unit: 1, address: 1 } }
              - { id: d1, kind: dimmer, safeState: "on", gateway: { id: gw, channel: 0 } }
            """.write(to: dir.appendingPathComponent("board.yaml"), atomically: true, encoding: .utf8)
        let profile = CLIRunner.packageRoot.appendingPathComponent("tools/gpio-sim/check/testbed-profile.yaml").path
        try """
            cabinet: run-test
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

        let process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = ["run", "--cabinet", dir.appendingPathComponent("cabinet.yaml").path]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // The plan is applied within a second or two (day or night, whatever the time now).
        var applied = false
        for _ in 0..<100 {
            if (try? dali.stats()["3"]?["6"]) != nil || (try? dali.stats()["3"]?["16"]) != nil { applied = true; break }
            if (try? io.stats()["1"]?["5"]) != nil { applied = true; break }
            usleep(50_000)
        }
        #expect(applied, "no output was written")
        process.terminate()   // SIGTERM
        process.waitUntilExit()
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(log)")
        #expect(log.contains("cabinet run-test: board tcp-test, profile gpio-sim-check, 3 circuit(s)"))
        #expect(log.contains("every circuit to its safe state"))
        // Safe state 'on' everywhere: contactors closed, the dimmer at full.
        #expect(try io.get(unit: 1, table: "co", address: 0, count: 2) == [1, 1])
        #expect(try dali.get(unit: 3, table: "hr", address: 0, count: 1) == [254])
    }

    @Test func aSimulatedBoardIsRefused() throws {
        let r = try CLIRunner.run(["run", "--cabinet", "examples/montdidier.yaml"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("error: board 'simulated' is simulated: there is no hardware to drive (use 'lanterne simulate')"))
    }
}
