import ArgumentParser
import Astronomy
import Cabinet
import Crypto
import Foundation
import Ledger
import Lighting
import Recording
import Simulation
import Synchronization
import Units

/// `lanterne simulate`: a cabinet over a period in simulated time.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate a cabinet over a period: switching, consumption against the old installation, PV production.",
        discussion: """
            The period runs from local midnight of --from to local midnight of --to (exclusive), \
            in the cabinet's time zone. The run is event-driven and deterministic: the same \
            cabinet, profile and seed give the same figures on every machine. The baseline is \
            the legacy installation (legacy watts of each luminaire type) at full power from \
            sunset to sunrise on the same nights.
            """)

    @Option(help: ArgumentHelp("Cabinet file.", valueName: "file"))
    var cabinet: String

    @Option(help: ArgumentHelp("Profile file (default: the one the cabinet names).", valueName: "file"))
    var profile: String?

    @Option(help: ArgumentHelp("First day, in the cabinet's time zone.", valueName: "YYYY-MM-DD"))
    var from: String

    @Option(help: ArgumentHelp("Day after the last, in the cabinet's time zone.", valueName: "YYYY-MM-DD"))
    var to: String

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Random seed of the simulated sensors and weather, 0 or more (default: the cabinet file's).", valueName: "n"))
    var seed: UInt64?

    @Option(help: ArgumentHelp("Write per-interval records to this SQLite ledger (created if missing, with its signing key).", valueName: "path"))
    var ledger: String?

    @Option(help: ArgumentHelp("The ledger's signing key file (default: <ledger>.key; written with a new ledger).", valueName: "file"))
    var key: String?

    @Flag(help: "Print one JSON object.")
    var json = false

    @Flag(help: "No progress bar.")
    var quiet = false

    func validate() throws {
        guard let a = CivilDate(from) else { throw ValidationError("--from '\(from)' is not a calendar date: expected YYYY-MM-DD") }
        guard let b = CivilDate(to) else { throw ValidationError("--to '\(to)' is not a calendar date: expected YYYY-MM-DD") }
        guard a < b else { throw ValidationError("--to \(to) must be after --from \(from)") }
        guard a.days(to: b) <= 366 * 50 else { throw ValidationError("the period is longer than 50 years") }
    }

    func run() throws {
        let loaded = CabinetLoader.load(path: cabinet, profileOverride: profile)
        Console.report(loaded.diagnostics)
        guard let config = loaded.value else { throw ExitCode(1) }
        let seed = self.seed ?? config.simulation.seed
        let clock = LocalClock(timeZone: config.site.timeZone)
        let start = clock.instant(CivilDate(from)!, secondsOfDay: 0)
        let end = clock.instant(CivilDate(to)!, secondsOfDay: 0)
        let simulator: CabinetSimulator
        do { simulator = try CabinetSimulator(configuration: config, seed: seed) } catch {
            Console.report(error)
            throw ExitCode(1)
        }

        let bar = ProgressBar(enabled: !quiet && Console.stderrIsTerminal, label: "simulating \(from) → \(to)")
        let began = ContinuousClock.now
        let report: SimulationReport
        var rows = 0
        do {
            if let ledger {
                let isNew = !FileManager.default.fileExists(atPath: ledger)
                let store: LedgerStore
                do { store = try LedgerStore.open(path: ledger) } catch {
                    Console.error("\(error)")
                    throw ExitCode(1)
                }
                var recorder: LedgerRecorder
                do {
                    let signer = try signingKey(store, ledger: ledger, isNew: isNew, effective: start)
                    recorder = try LedgerRecorder(
                        store: store, configuration: config, from: start,
                        origin: .simulation(generator: "lanterne \(LanterneVersion.string)", from: start, to: end, seed: seed),
                        signer: signer)
                } catch let overlap as LedgerRecorder.OverlapError {
                    Console.error("\(overlap)")
                    throw ExitCode(1)
                } catch let e as LedgerRecorder.ProfileFileError {
                    Console.error("\(e)")
                    throw ExitCode(1)
                } catch let e as ExportError {
                    Console.error(e.description)
                    throw ExitCode(1)
                }
                report = try simulator.run(from: start, to: end, recorder: &recorder, progress: bar.update)
                rows = recorder.rows
                try store.close()
            } else {
                report = try simulator.run(from: start, to: end, progress: bar.update)
            }
        } catch let e as LedgerError {
            bar.finish()
            Console.error("\(e)")
            throw ExitCode(1)
        }
        bar.finish()
        let elapsed = ContinuousClock.now - began
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18

        if json {
            var o: [String: Any] = [
                "cabinet": config.site.id, "profile": config.profile.id, "seed": seed,
                "from": Console.isoUTC(start), "to": Console.isoUTC(end), "timeZone": config.site.timeZone.identifier,
                "luminaires": report.luminaires,
                "lightingKWh": round3(report.lighting.kilowattHours),
                "baselineKWh": round3(report.baseline.kilowattHours),
                "savingsPercent": round2(report.savingsPercent),
                "pvKWh": round3(report.production.kilowattHours),
                "renewableSharePercent": round2(report.renewableSharePercent),
                "burningHours": round2(report.burningHours),
                "events": report.events,
                "circuits": config.installation.circuits.map { c -> [String: Any] in
                    let t = report.circuits[c.id] ?? .init()
                    return ["id": c.id, "lightingKWh": round3(t.lighting.kilowattHours),
                            "baselineKWh": round3(t.baseline.kilowattHours), "burningHours": round2(Double(t.burningSeconds) / 3600)]
                },
            ]
            if let tariff = config.tariff {
                let avoided = Decimal(report.baseline.milliwattHours - report.lighting.milliwattHours) / 1_000_000 * tariff.pricePerKilowattHour
                o["avoidedCost"] = ["amount": NSDecimalNumber(decimal: rounded(avoided, 2)).doubleValue, "currency": tariff.currency]
            }
            if let ledger { o["ledger"] = ["path": ledger, "rows": rows] }
            print(try Console.json(o))
            return
        }

        let kwh = { (e: Energy) in Self.number(e.kilowattHours, decimals: 1) + " kWh" }
        print("\(config.site.name)")
        print("\(from) → \(to) (\(config.site.timeZone.identifier)), profile '\(config.profile.id)', seed \(seed)")
        print("\(report.luminaires) luminaires on \(config.installation.circuits.count) circuits")
        print("")
        func row(_ label: String, _ value: String, _ note: String = "") {
            let padded = label.padding(toLength: 24, withPad: " ", startingAt: 0)
            let v = String(repeating: " ", count: max(0, 16 - value.count)) + value
            print("  \(padded)\(v)\(note.isEmpty ? "" : "   " + note)")
        }
        row("Lighting energy", kwh(report.lighting), "power model: rated W × level curve + standby")
        row("Baseline (legacy)", kwh(report.baseline), "legacy lamps at full power, sunset to sunrise")
        row("Savings", Self.number(report.savingsPercent, decimals: 1) + " %")
        row("Burning hours", Self.number(report.burningHours, decimals: 0) + " h", "per luminaire, level above 0")
        row("PV production", kwh(report.production), config.pvArrays.map { "\($0.id) \(Self.number($0.peakKilowatts, decimals: 1)) kWp" }.joined(separator: ", "))
        row("Renewable share", Self.number(report.renewableSharePercent, decimals: 1) + " %", "PV production / lighting energy")
        if let tariff = config.tariff {
            let avoided = Decimal(report.baseline.milliwattHours - report.lighting.milliwattHours) / 1_000_000 * tariff.pricePerKilowattHour
            row("Avoided cost", Self.number(NSDecimalNumber(decimal: rounded(avoided, 2)).doubleValue, decimals: 2) + " \(tariff.currency)",
                "at \(tariff.pricePerKilowattHour) \(tariff.currency)/kWh")
        }
        print("")
        let names = config.installation.circuits.map { "\($0.id) \($0.name)" }
        let width = max(10, names.map(\.count).max() ?? 0) + 2
        print("  " + "By circuit".padding(toLength: width, withPad: " ", startingAt: 0)
              + "lighting".leftPadded(14) + "baseline".leftPadded(16) + "savings".leftPadded(10))
        for (c, name) in zip(config.installation.circuits, names) {
            let t = report.circuits[c.id] ?? .init()
            let saving = t.baseline.milliwattHours > 0 ? 100 * Double(t.baseline.milliwattHours - t.lighting.milliwattHours) / Double(t.baseline.milliwattHours) : 0
            print("  " + name.padding(toLength: width, withPad: " ", startingAt: 0)
                  + kwh(t.lighting).leftPadded(14) + kwh(t.baseline).leftPadded(16)
                  + (Self.number(saving, decimals: 1) + " %").leftPadded(10))
        }
        print("")
        var footer = "\(report.events) engine events in \(Self.number(seconds, decimals: 2)) s"
        if let ledger { footer += "; \(rows) interval records written to \(ledger)" }
        print(footer)
    }

    func round2(_ v: Double) -> Double { (v * 100).rounded() / 100 }
    func round3(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }
    func rounded(_ d: Decimal, _ scale: Int) -> Decimal {
        var x = d, r = Decimal()
        NSDecimalRound(&r, &x, scale, .plain)
        return r
    }

    /// A number with thin grouping: 12 345.6
    static func number(_ v: Double, decimals: Int) -> String {
        let s = String(format: "%.\(decimals)f", v)
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        var integer = String(parts[0])
        let negative = integer.hasPrefix("-")
        if negative { integer.removeFirst() }
        var grouped = ""
        for (i, ch) in integer.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { grouped.append(" ") }
            grouped.append(ch)
        }
        let whole = (negative ? "-" : "") + String(grouped.reversed())
        return parts.count > 1 ? whole + "." + parts[1] : whole
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}

/// A one-line progress bar on standard error, redrawn at most every 1 %. Sendable: library
/// code may report progress from the thread it runs on.
final class ProgressBar: Sendable {
    let enabled: Bool
    let label: String
    let lastPercent = Mutex(-1)

    init(enabled: Bool, label: String) {
        self.enabled = enabled
        self.label = label
    }

    func update(_ fraction: Double) {
        guard enabled else { return }
        let percent = Int(fraction * 100)
        let changed = lastPercent.withLock { last in
            defer { last = percent }
            return last != percent
        }
        guard changed else { return }
        let width = 30
        let filled = min(width, max(0, Int(fraction * Double(width))))
        Console.stderr("\r\(label) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(percent) %")
    }

    func finish() {
        guard enabled, lastPercent.withLock({ $0 >= 0 }) else { return }
        Console.stderr("\r\u{1B}[2K")
    }
}

extension SimulateCommand {
    /// The ledger's signing key. A new ledger gets one now (the key file is written unless it
    /// exists) and its public half is chained; an existing ledger's key is read when its file is
    /// there (it signs what the cabinet file changed); a ledger without a key stays without
    /// one ('lanterne ledger key create' gives it one, explicitly).
    func signingKey(_ store: LedgerStore, ledger: String, isNew: Bool, effective: Date) throws -> Curve25519.Signing.PrivateKey? {
        let path = key ?? ledger + ".key"
        let log = try store.declarationLog()
        if log.currentKey == nil {
            guard isNew else { return nil }
            let (signing, created) = try SigningKeyFile.loadOrCreate(at: path)
            try store.createSigningKey(signing, effective: effective)
            if !quiet {
                Console.stderr("\(ledger): signing key \(KeyFingerprint(hex: signing.publicKeyHex).text) (\(created ? "written to" : "read from") \(path))\n")
            }
            return signing
        }
        return FileManager.default.fileExists(atPath: path) ? try SigningKeyFile.load(at: path) : nil
    }
}
