import ArgumentParser
import Cabinet
import Foundation
import Ledger
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

    @OptionGroup var period: PeriodOptions

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
        guard period.from.date.days(to: period.to.date) <= 366 * 50 else { throw ValidationError("the period is longer than 50 years") }
    }

    func run() throws {
        let config = try CabinetFile.load(cabinet, profile: profile)
        let seed = self.seed ?? config.simulation.seed
        let (start, end) = period.instants(in: config.site.timeZone)
        let simulator = try CabinetSimulator(configuration: config, seed: seed)
        let bar = ProgressBar(enabled: !quiet && Console.stderrIsTerminal, label: "simulating \(period.from) → \(period.to)")
        let began = ContinuousClock.now
        let report: SimulationReport
        var rows = 0
        if let ledger {
            let run = try bar.finishing {
                try simulator.run(from: start, to: end, ledger: ledger, keyPath: key ?? ledger + ".key",
                                  generator: "lanterne \(LanterneVersion.string)", progress: bar.update)
            }
            if let key = run.newKey, !quiet {
                Console.stderr("\(ledger): signing key \(key.fingerprint) (\(key.written ? "written to" : "read from") \(key.path))\n")
            }
            report = run.report
            rows = run.rows
        } else {
            report = try bar.finishing { try simulator.run(from: start, to: end, progress: bar.update) }
        }
        let seconds = (ContinuousClock.now - began).inSeconds
        if json {
            print(try Console.json(jsonObject(report, config: config, seed: seed, start: start, end: end, rows: rows)))
        } else {
            print(text(report, config: config, seed: seed))
            var footer = "\(report.events) engine events in \(NumberText.fixed(seconds, decimals: 2)) s"
            if let ledger { footer += "; \(rows) interval records written to \(ledger)" }
            print(footer)
        }
    }

    func jsonObject(_ report: SimulationReport, config: CabinetConfiguration, seed: UInt64, start: Date, end: Date, rows: Int) -> [String: Any] {
        var o: [String: Any] = [
            "cabinet": config.site.id, "profile": config.profile.id, "seed": seed,
            "from": InstantText.isoUTC(start), "to": InstantText.isoUTC(end), "timeZone": config.site.timeZone.identifier,
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
            o["avoidedCost"] = ["amount": NSDecimalNumber(decimal: avoidedCost(report, tariff)).doubleValue, "currency": tariff.currency]
        }
        if let ledger { o["ledger"] = ["path": ledger, "rows": rows] }
        return o
    }

    /// The avoided cost at the cabinet file's tariff, to the cent.
    func avoidedCost(_ report: SimulationReport, _ tariff: Tariff) -> Decimal {
        rounded(Decimal(report.baseline.milliwattHours - report.lighting.milliwattHours) / 1_000_000 * tariff.pricePerKilowattHour, 2)
    }

    func text(_ report: SimulationReport, config: CabinetConfiguration, seed: UInt64) -> String {
        var lines: [String] = []
        let kwh = { (e: Energy) in NumberText.fixed(e.kilowattHours, decimals: 1) + " kWh" }
        lines.append("\(config.site.name)")
        lines.append("\(period.from) → \(period.to) (\(config.site.timeZone.identifier)), profile '\(config.profile.id)', seed \(seed)")
        lines.append("\(report.luminaires) luminaires on \(config.installation.circuits.count) circuits")
        lines.append("")
        func row(_ label: String, _ value: String, _ note: String = "") {
            let padded = label.padding(toLength: 24, withPad: " ", startingAt: 0)
            let v = String(repeating: " ", count: max(0, 16 - value.count)) + value
            lines.append("  \(padded)\(v)\(note.isEmpty ? "" : "   " + note)")
        }
        row("Lighting energy", kwh(report.lighting), "power model: rated W × level curve + standby")
        row("Baseline (legacy)", kwh(report.baseline), "legacy lamps at full power, sunset to sunrise")
        row("Savings", NumberText.fixed(report.savingsPercent, decimals: 1) + " %")
        row("Burning hours", NumberText.fixed(report.burningHours, decimals: 0) + " h", "per luminaire, level above 0")
        row("PV production", kwh(report.production), config.pvArrays.map { "\($0.id) \(NumberText.fixed($0.peakKilowatts, decimals: 1)) kWp" }.joined(separator: ", "))
        row("Renewable share", NumberText.fixed(report.renewableSharePercent, decimals: 1) + " %", "PV production / lighting energy")
        if let tariff = config.tariff {
            row("Avoided cost", NumberText.fixed(NSDecimalNumber(decimal: avoidedCost(report, tariff)).doubleValue, decimals: 2) + " \(tariff.currency)",
                "at \(tariff.pricePerKilowattHour) \(tariff.currency)/kWh")
        }
        lines.append("")
        let names = config.installation.circuits.map { "\($0.id) \($0.name)" }
        let width = max(10, names.map(\.count).max() ?? 0) + 2
        lines.append("  " + "By circuit".padding(toLength: width, withPad: " ", startingAt: 0)
                     + "lighting".leftPadded(14) + "baseline".leftPadded(16) + "savings".leftPadded(10))
        for (c, name) in zip(config.installation.circuits, names) {
            let t = report.circuits[c.id] ?? .init()
            let saving = t.baseline.milliwattHours > 0 ? 100 * Double(t.baseline.milliwattHours - t.lighting.milliwattHours) / Double(t.baseline.milliwattHours) : 0
            lines.append("  " + name.padding(toLength: width, withPad: " ", startingAt: 0)
                         + kwh(t.lighting).leftPadded(14) + kwh(t.baseline).leftPadded(16)
                         + (NumberText.fixed(saving, decimals: 1) + " %").leftPadded(10))
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }

    func round2(_ v: Double) -> Double { (v * 100).rounded() / 100 }
    func round3(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }
    func rounded(_ d: Decimal, _ scale: Int) -> Decimal {
        var x = d, r = Decimal()
        NSDecimalRound(&r, &x, scale, .plain)
        return r
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

    /// Runs `body`, then clears the bar, whether `body` returns or throws.
    func finishing<T>(_ body: () throws -> T) throws -> T {
        defer { finish() }
        return try body()
    }
}
