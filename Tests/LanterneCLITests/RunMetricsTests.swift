import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ModbusTestSupport
import Testing

/// `lanterne run --metrics HOST:PORT` against the cabinet peer: `GET /metrics` in Prometheus'
/// text format, read afresh at each scrape — circuit levels and expected power, measured power
/// and voltage per phase, a fault while it lasts, the bus's requests, the ledger's last
/// interval, clock trust.
@Suite(.serialized) struct RunMetricsTests {
    /// A port free now on loopback (the kernel's choice).
    static func freePort() throws -> Int {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        return Int(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// The body of `GET url`, or nil when nothing answers.
    static func get(_ url: String) async -> String? {
        guard let (data, response) = try? await URLSession.shared.data(from: URL(string: url)!),
              (response as? HTTPURLResponse)?.statusCode == 200 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The value of the sample `name{labels}` in a scrape.
    static func value(_ text: String, _ sample: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(sample + " ") }.flatMap { Double($0.split(separator: " ").last!) }
    }

    @Test func aScrapeShowsTheCabinetAsItIs() async throws {
        try RunLedgerTests.declareKernelClockSynchronised()
        let peer = try CabinetPeer(timeScale: 1)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cabinet = try peer.writeCabinet(in: dir, id: "metrics", extra: "faults: { sampleEvery: 1s, supplyLoss: { hold: 1s } }")
        let boardFile = dir.appendingPathComponent("board.yaml")
        try String(contentsOf: boardFile, encoding: .utf8).replacingOccurrences(
            of: "bus: meter-gw, unit: 1 }", with: "bus: meter-gw, unit: 1, phases: { L1: [k1, k4], L2: [k2, dali-1], L3: [k3, dali-2] } }")
            .write(to: boardFile, atomically: true, encoding: .utf8)
        let port = try Self.freePort()
        let ledger = dir.appendingPathComponent("ledger.sqlite").path
        let (process, err) = try RunLedgerTests.start(["run", "--cabinet", cabinet, "--ledger", ledger, "--interval", "1s",
                                                       "--metrics", "127.0.0.1:\(port)"])
        defer { if process.isRunning { process.terminate(); process.waitUntilExit() } }
        let url = "http://127.0.0.1:\(port)/metrics"
        try peer.command("phase-lost L3")
        var text = ""
        for _ in 0..<100 {   // up to 10 s for the first interval and the fault
            try await Task.sleep(for: .milliseconds(100))
            if let t = await Self.get(url), t.contains("lanterne_ledger_last_interval_end_seconds"), t.contains("lanterne_fault_active") {
                text = t
                break
            }
        }
        process.terminate()
        process.waitUntilExit()
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("metrics: http://127.0.0.1:\(port)/metrics"), "\(log)")
        #expect(!text.isEmpty, "no scrape with the ledger's interval and a fault: \(log)")
        #expect(Self.value(text, "lanterne_clock_trusted") == 1, "\(text)")
        for c in ["c1", "c2", "c3"] {
            #expect(Self.value(text, "lanterne_circuit_level_percent{circuit=\"\(c)\"}") != nil, "\(text)")
            #expect(Self.value(text, "lanterne_circuit_expected_watts{circuit=\"\(c)\"}") != nil, "\(text)")
        }
        #expect(Self.value(text, "lanterne_phase_voltage_volts{phase=\"meter-main/L1\"}") == 230, "\(text)")
        #expect(Self.value(text, "lanterne_phase_voltage_volts{phase=\"meter-main/L3\"}") == 0, "\(text)")
        #expect(Self.value(text, "lanterne_fault_active{fault=\"supply loss\",subject=\"meter-main/L3\"}") == 1, "\(text)")
        #expect((Self.value(text, "lanterne_bus_requests_total{bus=\"meter-gw\",unit=\"1\",result=\"answered\"}") ?? 0) > 0, "\(text)")
        #expect((Self.value(text, "lanterne_bus_answered_seconds_total{bus=\"io\",unit=\"1\"}") ?? 0) > 0, "\(text)")
        #expect((Self.value(text, "lanterne_output_writes_total") ?? 0) > 0, "\(text)")
        let end = try #require(Self.value(text, "lanterne_ledger_last_interval_end_seconds"), "\(text)")
        #expect(abs(end - Date().timeIntervalSince1970) < 60, "\(end)")
    }

    @Test func aWrongAddressIsAUsageError() throws {
        let r = try CLIRunner.run(["run", "--cabinet", "examples/montdidier.yaml", "--metrics", "localhost"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("'localhost' is not HOST:PORT"), "\(r.stderr)")
    }
}
