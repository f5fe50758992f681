// Simulation speed and memory goals of issue 2:
// - a year of examples/montdidier.yaml under 1 s (release build);
// - a year of a synthetic city of 10,000 luminaires in 100 cabinets under 10 s on one core,
//   under 200 MB resident.
// Run: cd Benchmarks && swift package --allow-writing-to-package-directory benchmark --target SimulationBenchmarks
import Benchmark
import Cabinet
import Foundation
import Lighting

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
}
