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
import Crypto
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

/// What `lanterne simulate --cabinet examples/montdidier.yaml --from 2026-01-01 --to 2027-01-01
/// --ledger PATH` does after parsing its arguments (Sources/lanterne/SimulateCommand.swift): a new
/// ledger with a new key file, the key's declaration, the recorder (declarations, run events),
/// the year simulated into it, the store closed. Returns the rows written.
func simulateIntoLedger(at ledger: String) throws -> Int {
    for suffix in ["", "-wal", "-shm", ".key"] { try? FileManager.default.removeItem(atPath: ledger + suffix) }
    let path = repository.appendingPathComponent("examples/montdidier.yaml").path
    guard let config = CabinetLoader.load(path: path).value else {
        fatalError("cannot load \(path)")   // benchmark harness only
    }
    let simulator = try CabinetSimulator(configuration: config, seed: config.simulation.seed)
    let store = try LedgerStore.open(path: ledger)
    let log = try store.declarationLog()
    precondition(log.currentKey == nil, "a new ledger has no key")
    let (signing, _) = try SigningKeyFile.loadOrCreate(at: ledger + ".key")
    try store.createSigningKey(signing, effective: year2026.from)
    var recorder = try LedgerRecorder(
        store: store, configuration: config, from: year2026.from,
        origin: .simulation(generator: "lanterne benchmark", from: year2026.from, to: year2026.to, seed: config.simulation.seed),
        signer: signing)
    blackHole(try simulator.run(from: year2026.from, to: year2026.to, recorder: &recorder))
    try store.close()
    return recorder.rows
}

/// What `lanterne ledger export --ledger LEDGER --from 2026-01-01 --to 2027-01-01 --interval 15m
/// --by circuit --out CSV` does (Sources/lanterne/LedgerExportCommand.swift): the key in force
/// checked against the key file, the CSV, its summary, the manifest signed. Returns the rows.
func exportLikeTheCLI(ledger: String, csvPath: String) throws -> Int {
    let store = try LedgerStore.open(path: ledger)
    defer { try? store.close() }
    guard let zone = try store.cabinets().first.flatMap({ TimeZone(identifier: $0.timeZone) }) else {
        fatalError("\(ledger) has no cabinet")   // benchmark harness only
    }
    blackHole(zone)
    let options = ExportOptions(from: year2026.from, to: year2026.to, interval: .native, grouping: .circuit)
    guard let inForce = try store.declarationLog().currentKey else { fatalError("\(ledger) has no signing key") }
    let signingKey = try SigningKeyFile.load(at: ledger + ".key")
    precondition(signingKey.publicKeyHex == inForce.publicKey, "not the ledger's key")
    guard FileManager.default.createFile(atPath: csvPath, contents: nil), let handle = FileHandle(forWritingAtPath: csvPath) else {
        fatalError("cannot create \(csvPath)")
    }
    let result = try store.export(options, to: handle)
    try handle.close()
    let summaryPath = csvPath + ".summary.csv"
    let summary = ExportSummaryWriter.text(result, options: options)
    try Data(summary.utf8).write(to: URL(fileURLWithPath: summaryPath))
    let head = try store.chainHeadForExport()
    let iso = ISO8601DateFormatter()
    var manifest = ExportManifest(
        csvFile: (csvPath as NSString).lastPathComponent, csvSHA256: result.sha256, csvBytes: result.bytes, rows: result.rows,
        columns: result.columns, periodStartUTC: iso.string(from: options.from), periodEndUTC: iso.string(from: options.to),
        interval: "15m", grouping: "circuit", cabinet: nil, delimiter: ",", decimalComma: false,
        ledgerFile: (ledger as NSString).lastPathComponent, chainHead: head.hash.hex, chainRecords: head.records,
        summaryFile: (summaryPath as NSString).lastPathComponent,
        summarySHA256: Hex.encode(Data(SHA256.hash(data: Data(summary.utf8)))),
        generator: "lanterne benchmark", createdAtUTC: iso.string(from: Date()), publicKey: "")
    try manifest.sign(with: signingKey)
    try manifest.json().write(to: URL(fileURLWithPath: csvPath + ".manifest.json"))
    return result.rows
}
