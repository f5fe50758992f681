import ArgumentParser
import Astronomy
import Cabinet
import Foundation
import Ledger
import Lighting

/// `lanterne report --ledger PATH --cabinet C --from D --to D --out report.html`
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "A savings report people want to read: one self-contained HTML page with charts and tables.",
        discussion: """
            Reads the ledger's figures for the cabinet over the period (the same figures \
            'lanterne ledger export' writes), computes the return on investment from the cabinet \
            file's 'investment' section and the measured savings, the EN 13201-5 AECI from the \
            circuits' areas, and checks the ledger's hash chain. With --baseline-from/--baseline-to \
            (a metered period of the old installation in the same ledger) it also fits an IPMVP \
            option B baseline. Render it to PNG or PDF with headless Chromium (docs/REPORT.md).
            """)

    @Option(help: ArgumentHelp("Ledger file (SQLite).", valueName: "path"))
    var ledger: String

    @Option(help: ArgumentHelp("Cabinet file.", valueName: "file"))
    var cabinet: String

    @Option(help: ArgumentHelp("First day, in the cabinet's time zone.", valueName: "YYYY-MM-DD"))
    var from: String

    @Option(help: ArgumentHelp("Day after the last, in the cabinet's time zone.", valueName: "YYYY-MM-DD"))
    var to: String

    @Option(help: ArgumentHelp("HTML file to write.", valueName: "file"))
    var out: String = "report.html"

    @Option(help: ArgumentHelp("Start of a metered baseline period for an IPMVP option B model.", valueName: "YYYY-MM-DD"))
    var baselineFrom: String?

    @Option(help: ArgumentHelp("End (exclusive) of the baseline period.", valueName: "YYYY-MM-DD"))
    var baselineTo: String?

    @Option(help: ArgumentHelp("Emission factor: fr-ademe (default), eu-eea, or kg CO2e per kWh.", valueName: "factor"))
    var emissionFactor: String = "fr-ademe"

    func validate() throws {
        for (name, value) in [("--from", from), ("--to", to)] where CivilDate(value) == nil {
            throw ValidationError("\(name) '\(value)' is not a calendar date: expected YYYY-MM-DD")
        }
        guard CivilDate(from)! < CivilDate(to)! else { throw ValidationError("--to \(to) must be after --from \(from)") }
        guard (baselineFrom == nil) == (baselineTo == nil) else {
            throw ValidationError("give both --baseline-from and --baseline-to, or neither")
        }
        if let a = baselineFrom, let b = baselineTo {
            guard let x = CivilDate(a), let y = CivilDate(b), x < y else {
                throw ValidationError("--baseline-from and --baseline-to must be dates YYYY-MM-DD, the second after the first")
            }
        }
        guard RoiCommand.emissionFactor(emissionFactor) != nil else {
            throw ValidationError("--emission-factor '\(emissionFactor)' is not fr-ademe, eu-eea or a number of kg CO2e per kWh")
        }
    }

    func run() throws {
        let loaded = CabinetLoader.load(path: cabinet)
        Console.report(loaded.diagnostics)
        guard let config = loaded.value else { throw ExitCode(1) }
        guard FileManager.default.fileExists(atPath: ledger) else {
            Console.error("no ledger at \(ledger)")
            throw ExitCode(1)
        }
        do {
            let store = try LedgerStore.open(path: ledger)
            let data = try Self.reportData(store: store, config: config, from: from, to: to, baseline: baselineFrom.flatMap { a in baselineTo.map { (a, $0) } },
                                           factorID: emissionFactor)
            let html = ReportRenderer.html(data)
            try Data(html.utf8).write(to: URL(fileURLWithPath: out))
            print("\(out): \(data.months.count) months, \(SimulateCommand.number(data.totals.avoidedKWh, decimals: 0)) kWh avoided (\(SimulateCommand.number(data.totals.avoidedPercent, decimals: 1)) %), chain \(data.integrity.verified ? "sound" : "BROKEN")")
            if !data.integrity.verified { Console.stderr("warning: \(data.integrity.note)\n") }
        } catch let e as ExportError {
            Console.error(e.description)
            throw ExitCode(1)
        } catch let e as LedgerError {
            Console.error(e.description)
            throw ExitCode(1)
        } catch let e as BaselineFitError {
            Console.error("IPMVP baseline: \(e)")
            throw ExitCode(1)
        }
    }

    static func reportData(store: LedgerStore, config: CabinetConfiguration, from: String, to: String,
                           baseline: (String, String)?, factorID: String) throws -> ReportData {
        let clock = LocalClock(timeZone: config.site.timeZone)
        let start = clock.instant(CivilDate(from)!, secondsOfDay: 0), end = clock.instant(CivilDate(to)!, secondsOfDay: 0)
        guard let factor = RoiCommand.emissionFactor(factorID) else {
            throw ExportError("'\(factorID)' is not an emission factor (fr-ademe, eu-eea, or kg CO2e per kWh)")
        }
        let exportFactor = ExportEmissionFactor(name: factor.name, kgPerKilowattHour: factor.kgCO2ePerKWh, source: factor.source)
        let basePeriod = baseline.map { (clock.instant(CivilDate($0.0)!, secondsOfDay: 0), clock.instant(CivilDate($0.1)!, secondsOfDay: 0)) }
        let a = try LedgerAnalysis.analyse(store: store, configuration: config, from: start, to: end,
                                           emissionFactor: exportFactor, baselinePeriod: basePeriod)
        let months = a.months.enumerated().map { k, m in
            MonthFigures(month: m.periodStart, baselineKWh: Double(m.baselineWh) / 1000,
                         adjustedBaselineKWh: a.ipmvp?.adjustedKWh[k], actualKWh: Double(m.energyWh) / 1000,
                         pvKWh: Double(m.pvWh) / 1000, coveragePercent: m.coveragePercent,
                         estimatedIntervals: Int(m.estimatedIntervals), gapIntervals: Int(m.gapIntervals))
        }
        let t = a.totals
        let coverage = t.intervals > 0 ? 100 * Double(t.intervals - t.gapIntervals) / Double(t.intervals) : 0
        let totals = ReportTotals(baselineKWh: Double(t.baselineWh) / 1000, actualKWh: Double(t.energyWh) / 1000,
                                  pvKWh: Double(t.pvWh) / 1000, coveragePercent: coverage,
                                  previousPeriodPVKWh: a.previousPVWh.map { Double($0) / 1000 },
                                  avoidedCost: a.pricePerKilowattHour == nil ? nil : Decimal(t.avoidedCostTenThousandths) / 10_000,
                                  avoidedCO2eKg: Double(t.avoidedCO2eGrams) / 1000, emissionFactorName: factor.name)
        var roi: ROIFigures?
        var notes: [String] = []
        if let investment = a.investmentCase() {
            let r = try investment.evaluate()
            roi = ROIFigures(capex: r.capex, simplePaybackYears: r.simplePaybackYears, discountedPaybackYears: r.discountedPaybackYears,
                             npv: r.npv, irr: r.irr, sir: r.sir ?? 0, discountRate: r.discountRate, years: r.lifetimeYears,
                             cumulativeDiscounted: r.years.map(\.cumulativeDiscounted))
            notes.append("Return on investment: capex, discount rate, lifetime and maintenance savings from \(config.cabinetPath); annual energy savings of \(SimulateCommand.number(a.annualisedAvoidedKWh, decimals: 0)) kWh measured over the period and scaled to a year, at \(a.pricePerKilowattHour.map { "\($0)" } ?? "?") \(a.currency ?? "") per kWh.")
        } else {
            notes.append("No return on investment: the cabinet file has no 'investment' section, or no tariff is known.")
        }
        let years = max(1.0 / 365, a.seconds / (365.25 * 86_400))
        let aeci = config.installation.circuits.compactMap { c -> AECIRow? in
            guard let area = config.areas[c.id], let totals = a.circuits[c.id] else { return nil }
            return AECIRow(name: "\(c.id) \(c.name)", areaSquareMetres: area, annualKWh: Double(totals.energyWh) / 1000 / years)
        }
        let verification = try store.verifyChain()
        let integrity = ReportIntegrity(chainHeadHex: verification.head.hex, records: Int(verification.records), verified: verification.isSound,
                                        note: verification.problem.map { "The ledger's hash chain is broken: \($0.description)." }
                                            ?? "Every record of the ledger was checked against its SHA-256 chain (lanterne ledger verify).")
        if t.estimatedIntervals > 0 {
            notes.append("\(t.estimatedIntervals) of \(t.intervals) circuit intervals are estimated from the power model (rated watts × level curve + driver standby), not metered.")
        }
        if t.gapIntervals > 0 {
            notes.append("\(t.gapIntervals) circuit intervals have no data: they are counted in the coverage, and the baseline leaves them out too, so savings are not inflated.")
        }
        if let ip = a.ipmvp, ip.model.observationCount < 12 {
            notes.append("The IPMVP baseline is fitted on \(ip.model.observationCount) months only.")
        }
        let legacy = config.installation.circuits.reduce(0.0) { $0 + $1.legacyPower.value * Double($1.luminaireCount) }
        let ipmvp = a.ipmvp.map { ip in
            IPMVPFigures(slopeKWhPerDarkHour: ip.model.slope, interceptKWh: ip.model.intercept, n: ip.model.observationCount,
                         rSquared: ip.model.rSquared ?? .nan, cvRMSEPercent: 100 * ip.model.cvRMSE, nmbePercent: 100 * ip.model.nmbe,
                         meetsASHRAE14: ip.model.meetsASHRAE14Monthly, baselinePeriod: ip.period,
                         criteria: "ASHRAE Guideline 14, monthly data: CV(RMSE) ≤ 15 %, |NMBE| ≤ 5 %")
        }
        return ReportData(
            title: config.site.name, cabinetID: config.site.id,
            siteDescription: String(format: "%.3f° %@, %.3f° %@ — %@", abs(config.site.coordinate.latitude),
                                    config.site.coordinate.latitude >= 0 ? "N" : "S", abs(config.site.coordinate.longitude),
                                    config.site.coordinate.longitude >= 0 ? "E" : "W", config.site.timeZone.identifier),
            periodStart: start, periodEnd: end, timeZone: config.site.timeZone, generatedAt: Date(),
            generator: "lanterne \(LanterneVersion.string)", currency: a.currency ?? config.tariff?.currency ?? "EUR",
            months: months, totals: totals,
            baselineMethod: "Legacy counterfactual: the \(config.installation.luminaireCount) replaced luminaires (\(SimulateCommand.number(legacy / 1000, decimals: 1)) kW with their ballasts) at full power from sunset to sunrise, over the intervals recorded",
            ipmvp: ipmvp, roi: roi, aeci: aeci, integrity: integrity, notes: notes)
    }
}
