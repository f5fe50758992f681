// Simulation speed and memory goals of issue 2:
// - a year of examples/montdidier.yaml under 1 s (release build);
// - a year of a synthetic city of 10,000 luminaires in 100 cabinets under 10 s on one core,
//   under 200 MB resident.
// - what `lanterne simulate --ledger` does: the same year written into a new ledger, one
//   transaction per 15-minute interval (as the controller writes), declarations and events
//   included.
// Run: cd Benchmarks && swift package --allow-writing-to-package-directory benchmark --target SimulationBenchmarks
import Benchmark
import Cabinet
import Foundation
import Ledger
import Recording
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

    Benchmark("Simulate a year of examples/montdidier.yaml into a new ledger (simulate --ledger: a transaction per interval)",
              configuration: .init(metrics: [.wallClock, .cpuTotal, .peakMemoryResident, .throughput], maxIterations: 3)) { benchmark in
        let path = repository.appendingPathComponent("examples/montdidier.yaml").path
        guard let config = CabinetLoader.load(path: path).value else {
            fatalError("cannot load \(path)")   // benchmark harness only
        }
        let ledger = NSTemporaryDirectory() + "lanterne-bench-simulate.sqlite"
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: ledger + suffix) }
        let simulator = try CabinetSimulator(configuration: config, seed: 2026)
        benchmark.startMeasurement()
        let store = try LedgerStore.open(path: ledger)
        var recorder = try LedgerRecorder(
            store: store, configuration: config, from: year2026.from,
            origin: .simulation(generator: "benchmark", from: year2026.from, to: year2026.to, seed: 2026))
        blackHole(try simulator.run(from: year2026.from, to: year2026.to, recorder: &recorder))
        try store.close()
        benchmark.stopMeasurement()
        blackHole(recorder.rows)
    }
}
