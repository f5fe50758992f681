// Simulation speed and memory goals of issue 2:
// - a year of examples/montdidier.yaml under 1 s (release build);
// - a year of a synthetic city of 10,000 luminaires in 100 cabinets under 10 s on one core,
//   under 200 MB resident.
// - the commands as users run them on that year:
//   - `lanterne simulate --cabinet examples/montdidier.yaml --from 2026-01-01 --to 2027-01-01
//     --ledger m.sqlite`: a new ledger file, its signing key created, the cabinet's declarations,
//     the simulation recorded (a lighting day per transaction, as a simulation's origin decides),
//     the store closed;
//   - `lanterne ledger export --ledger m.sqlite --from 2026-01-01 --to 2027-01-01 --interval 15m
//     --by circuit --out x.csv`: the CSV (105,120 rows), its summary and the signed manifest.
// Run: cd Benchmarks && swift package --allow-writing-to-package-directory benchmark --target SimulationBenchmarks
import Benchmark
import Cabinet
import Astronomy
import Foundation
import Ledger
import Simulation

let repository = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

let year2026 = (from: Date(timeIntervalSince1970: 1_767_222_000),   // 2026-01-01T00:00+01:00
                to: Date(timeIntervalSince1970: 1_798_758_000))      // 2027-01-01T00:00+01:00

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration.maxDuration = .seconds(60)

    Benchmark("Simulate a year of examples/montdidier.yaml",
              configuration: .init(metrics: [.wallClock, .cpuTotal, .peakMemoryResident, .mallocCountTotal],
                                   maxIterations: 5)) { benchmark in
        let path = repository.appendingPathComponent("examples/montdidier.yaml").path
        guard let config = CabinetLoader.load(path: path).value else {
            fatalError("cannot load \(path)")   // benchmark harness only
        }
        let simulator = try CabinetSimulator(configuration: config, seed: 2026)
        benchmark.startMeasurement()
        blackHole(try simulator.run(from: year2026.from, to: year2026.to))
        benchmark.stopMeasurement()
    }

    Benchmark("Simulate a year of a 10,000-luminaire city (100 cabinets)",
              configuration: .init(metrics: [.wallClock, .cpuTotal, .peakMemoryResident, .mallocCountTotal],
                                   maxIterations: 2)) { benchmark in
        let cabinets = try SyntheticCity.cabinets(count: 100, luminairesPerCabinet: 100,
                                                  profilesDirectory: repository.appendingPathComponent("profiles").path)
        benchmark.startMeasurement()
        blackHole(try SyntheticCity.simulate(cabinets, from: year2026.from, to: year2026.to, seed: 1))
        benchmark.stopMeasurement()
    }

    Benchmark("lanterne simulate --ledger: a year of examples/montdidier.yaml into a new ledger",
              configuration: .init(metrics: [.wallClock, .cpuTotal, .peakMemoryResident, .throughput], maxIterations: 5)) { benchmark in
        let ledger = NSTemporaryDirectory() + "lanterne-bench-simulate.sqlite"
        benchmark.startMeasurement()
        let rows = try simulateIntoLedger(at: ledger)
        benchmark.stopMeasurement()
        blackHole(rows)
    }

    Benchmark("lanterne ledger export: that year at 15 min by circuit (CSV, summary, signed manifest)",
              configuration: .init(metrics: [.wallClock, .cpuTotal, .peakMemoryResident, rowsPerSecond], maxIterations: 10)) { benchmark in
        let ledger = NSTemporaryDirectory() + "lanterne-bench-export-source.sqlite"
        if !FileManager.default.fileExists(atPath: ledger) { _ = try simulateIntoLedger(at: ledger) }
        let out = NSTemporaryDirectory() + "lanterne-bench-montdidier-15m.csv"
        let began = ContinuousClock.now
        benchmark.startMeasurement()
        let rows = try exportLikeTheCLI(ledger: ledger, csvPath: out)
        benchmark.stopMeasurement()
        let elapsed = (ContinuousClock.now - began).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        precondition(rows == 105_120, "expected 105,120 rows, got \(rows)")   // 3 circuits × 35,040 quarters
        benchmark.measurement(rowsPerSecond, Int(Double(rows) / seconds))
    }
}

let rowsPerSecond = BenchmarkMetric.custom("rows/s", polarity: .prefersLarger, useScalingFactor: false)

/// `lanterne simulate --cabinet examples/montdidier.yaml --from 2026-01-01 --to 2027-01-01
/// --ledger PATH` after parsing: the cabinet file loaded, then the one function the command calls
/// (`CabinetSimulator.run(from:to:ledger:…)`: a new ledger and key file, the key's declaration,
/// the recorder, the year, the store closed). Returns the rows written.
func simulateIntoLedger(at ledger: String) throws -> Int {
    for suffix in ["", "-wal", "-shm", ".key"] { try? FileManager.default.removeItem(atPath: ledger + suffix) }
    let path = repository.appendingPathComponent("examples/montdidier.yaml").path
    guard let config = CabinetLoader.load(path: path).value else {
        fatalError("cannot load \(path)")   // benchmark harness only
    }
    let simulator = try CabinetSimulator(configuration: config, seed: config.simulation.seed)
    let run = try simulator.run(from: year2026.from, to: year2026.to, ledger: ledger, keyPath: ledger + ".key",
                                generator: "lanterne benchmark")
    return run.rows
}

/// `lanterne ledger export --ledger LEDGER --from 2026-01-01 --to 2027-01-01 --interval 15m
/// --by circuit --out CSV` after parsing: the one function the command calls
/// (`LedgerStore.exportFiles`: the key in force checked against the key file, the CSV, its
/// summary, the manifest signed). Returns the rows.
func exportLikeTheCLI(ledger: String, csvPath: String) throws -> Int {
    let store = try LedgerStore.open(path: ledger)
    defer { try? store.close() }
    guard let from = CivilDate("2026-01-01"), let to = CivilDate("2027-01-01") else { fatalError("dates") }
    let request = ExportRequest(
        from: from, to: to,
        interval: .native, grouping: .circuit, cabinet: nil, csvPath: csvPath, delimiter: ",", decimalComma: false,
        baselinePeriod: nil, keyPath: ledger + ".key", generator: "lanterne benchmark")
    return try store.exportFiles(request).result.rows
}
