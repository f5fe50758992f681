// Ledger speed goals of issue 3:
// - ingest at least 200,000 interval records per second, in batches;
// - export a year at 15 min for 64 circuits (2.24 million rows) to CSV in under 5 s,
//   streaming, under 100 MB resident;
// - verify that ledger's chain in under 5 s.
// Run: cd Benchmarks && swift package --allow-writing-to-package-directory benchmark --target LedgerBenchmarks
import Benchmark
import Foundation
import Ledger
import Units

let circuits = 64
let quarters = 35_040   // 365 days × 96
let yearStart = Date(timeIntervalSince1970: 1_767_222_000)   // 2026-01-01T00:00+01:00

/// Writes a year of 64 circuits into a fresh ledger, a day (6,144 rows) per transaction.
func writeLedger(at path: String) throws -> Int {
    try? FileManager.default.removeItem(atPath: path)
    for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    let store = try LedgerStore.open(path: path)
    let since = Date(timeIntervalSince1970: 0)
    let factor = EmissionFactorDeclaration(id: "fr-ademe", name: "ADEME", kgPerKilowattHour: 0.052, source: "ADEME")
    try store.declare([
        Declaration(cabinetID: "bench", effective: since,
                    content: .site(CabinetRecord(id: "bench", name: "Benchmark", latitude: 49.648, longitude: 2.570, timeZone: "Europe/Paris"))),
    ] + (0..<circuits).map {
        Declaration(cabinetID: "bench", effective: since,
                    content: .circuit(CircuitRecord(cabinetID: "bench", circuitID: String(format: "c%02d", $0), name: "Circuit \($0)",
                                                    luminaires: 20, ratedWatts: 800, legacyWatts: 2_320, areaSquareMetres: 3_000)))
    } + [
        Declaration(cabinetID: "bench", effective: since,
                    content: .tariff(TariffDeclaration(currency: "EUR", pricePerKilowattHour: Decimal(string: "0.18")!))),
        Declaration(cabinetID: "bench", effective: since, content: .emissionFactor(factor)),
    ])
    let ids = (0..<circuits).map { String(format: "c%02d", $0) }
    var rows = 0
    for day in 0..<365 {
        var batch = LedgerBatch()
        batch.circuits.reserveCapacity(96 * circuits)
        for q in 0..<96 {
            let start = yearStart.addingTimeInterval(Double((day * 96 + q) * 900)), end = start.addingTimeInterval(900)
            let lit = q < 28 || q >= 68
            for id in ids {
                batch.circuits.append(CircuitInterval(cabinetID: "bench", circuitID: id, start: start, end: end,
                                                      energyWh: lit ? 180 : 0, source: .estimated, burningSeconds: lit ? 900 : 0,
                                                      meanLevel: lit ? DimLevel(percent: 75)! : .off))
            }
        }
        try store.append(batch)
        rows += batch.count
    }
    try store.close()
    return rows
}

let fixture = NSTemporaryDirectory() + "lanterne-bench-ledger.sqlite"

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration.maxDuration = .seconds(120)

    Benchmark("Ingest a year of 64 circuits at 15 min (2.24 M records, a day per transaction)",
              configuration: .init(metrics: [.wallClock, .throughput, .peakMemoryResident], maxIterations: 2)) { benchmark in
        for _ in benchmark.scaledIterations {
            let rows = try writeLedger(at: fixture)
            blackHole(rows)
        }
    }

    Benchmark("Export a year at 15 min for 64 circuits (2.24 M rows) to CSV",
              configuration: .init(metrics: [.wallClock, .peakMemoryResident, .mallocCountTotal], maxIterations: 3)) { benchmark in
        if !FileManager.default.fileExists(atPath: fixture) { _ = try writeLedger(at: fixture) }
        let store = try LedgerStore.open(path: fixture)
        let out = NSTemporaryDirectory() + "lanterne-bench-export.csv"
        benchmark.startMeasurement()
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        let handle = FileHandle(forWritingAtPath: out)!
        let result = try store.export(ExportOptions(from: yearStart, to: yearStart.addingTimeInterval(365 * 86_400)), to: handle)
        try handle.close()
        benchmark.stopMeasurement()
        precondition(result.rows == circuits * quarters, "expected \(circuits * quarters) rows, got \(result.rows)")
        try store.close()
    }

    Benchmark("Verify the hash chain of that ledger (2.24 M records)",
              configuration: .init(metrics: [.wallClock, .peakMemoryResident], maxIterations: 3)) { benchmark in
        if !FileManager.default.fileExists(atPath: fixture) { _ = try writeLedger(at: fixture) }
        let store = try LedgerStore.open(path: fixture)
        benchmark.startMeasurement()
        let v = try store.verifyChain()
        benchmark.stopMeasurement()
        precondition(v.isSound && v.measurements == Int64(circuits * quarters) && v.declarations == Int64(circuits + 3), "chain not sound")
        try store.close()
    }
}
