import ArgumentParser
import Astronomy
import Cabinet
import Foundation
import Ledger
import Lighting
import Report
import Savings
import Units

/// `lanterne report --ledger PATH [--cabinet ID] --from D --to D --out report.html`
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "A savings report people want to read: one self-contained HTML page with charts and tables.",
        discussion: """
            Everything comes from the ledger: its intervals (the same figures 'lanterne ledger \
            export' writes) and its chained declarations — the site, the circuits and their \
            areas (EN 13201-5 AECI), the tariffs, the investment case (return on investment with \
            the measured savings) and the emission factors. The ledger's hash chain is checked \
            and the signing key's fingerprint printed. With --baseline-from/--baseline-to (a \
            metered period of the old installation in the same ledger) it also fits an IPMVP \
            option B baseline. Render it to PNG or PDF with headless Chromium (docs/REPORT.md).
            """)

    @Option(help: ArgumentHelp("Ledger file (SQLite).", valueName: "path"))
    var ledger: String

    @Option(help: ArgumentHelp("The cabinet: its id, or its cabinet file (only its id is used); needed when the ledger holds several.", valueName: "id|file"))
    var cabinet: String?

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
    }

    func run() throws {
        let id = try CabinetChoice.id(cabinet)
        let store = try openExistingLedger(ledger)
        try reportingLedgerErrors {
            let data = try Self.reportData(store: store, cabinet: id, from: from, to: to,
                                           baseline: baselineFrom.flatMap { a in baselineTo.map { (a, $0) } })
            let html = ReportRenderer.html(data)
            try Data(html.utf8).write(to: URL(fileURLWithPath: out))
            print("\(out): \(data.months.count) months, \(SimulateCommand.number(data.totals.avoidedKWh, decimals: 0)) kWh avoided (\(SimulateCommand.number(data.totals.avoidedPercent, decimals: 1)) %), chain \(data.integrity.verified ? "sound" : "BROKEN"), signing key \(data.integrity.signingKeyFingerprint ?? "none")")
            if !data.integrity.verified { Console.stderr("warning: \(data.integrity.note)\n") }
        }
    }

    static func reportData(store: LedgerStore, cabinet: String?, from: String, to: String, baseline: (String, String)?) throws -> ReportData {
        let site = try LedgerAnalysis.site(in: store, cabinet: cabinet)
        let zone = TimeZone(identifier: site.timeZone) ?? .gmt
        let clock = LocalClock(timeZone: zone)
        let start = clock.instant(CivilDate(from)!, secondsOfDay: 0), end = clock.instant(CivilDate(to)!, secondsOfDay: 0)
        let basePeriod = baseline.map { (clock.instant(CivilDate($0.0)!, secondsOfDay: 0), clock.instant(CivilDate($0.1)!, secondsOfDay: 0)) }
        let a = try LedgerAnalysis.analyse(store: store, cabinet: site.id, from: start, to: end, baselinePeriod: basePeriod)
        let months = a.months.enumerated().map { k, m in
            MonthFigures(month: m.periodStart, baselineKWh: Double(m.baselineWh) / 1000,
                         adjustedBaselineKWh: a.ipmvp?.adjustedKWh[k], actualKWh: Double(m.energyWh) / 1000,
                         pvKWh: Double(m.pvWh) / 1000, coveragePercent: m.coveragePercent,
                         estimatedIntervals: Int(m.estimatedIntervals), gapIntervals: Int(m.gapIntervals))
        }
        let t = a.totals
        let coverage = t.intervals > 0 ? 100 * Double(t.intervals - t.gapIntervals) / Double(t.intervals) : 0
        let factorName = a.emissionFactors.count == 1 ? a.emissionFactors[0].name
            : a.emissionFactors.isEmpty ? "no emission factor declared" : a.emissionFactors.map(\.name).joined(separator: ", then ")
        let totals = ReportTotals(baselineKWh: Double(t.baselineWh) / 1000, actualKWh: Double(t.energyWh) / 1000,
                                  pvKWh: Double(t.pvWh) / 1000, coveragePercent: coverage,
                                  previousPeriodPVKWh: a.previousPVWh.map { Double($0) / 1000 },
                                  avoidedCost: a.currency == nil ? nil : Decimal(t.avoidedCostTenThousandths) / 10_000,
                                  avoidedCO2eKg: Double(t.avoidedCO2eGrams) / 1000, emissionFactorName: factorName)
        var roi: ROIFigures?
        var notes: [String] = []
        if let investment = try a.investmentCase() {
            let r = try investment.evaluate()
            roi = ROIFigures(capex: r.capex, simplePaybackYears: r.simplePaybackYears, discountedPaybackYears: r.discountedPaybackYears,
                             npv: r.npv, irr: r.irr, sir: r.sir ?? 0, discountRate: r.discountRate, years: r.lifetimeYears,
                             cumulativeDiscounted: r.years.map(\.cumulativeDiscounted))
            notes.append("Return on investment: capex, discount rate, lifetime and maintenance savings as declared in the ledger; annual energy savings of \(SimulateCommand.number(a.annualisedAvoidedKWh, decimals: 0)) kWh measured over the period and scaled to a year, at the declared \(a.tariff.map { "\($0.pricePerKilowattHour) \($0.currency)" } ?? "?") per kWh.")
        } else {
            notes.append("No return on investment: the ledger declares no investment case or no tariff for this cabinet (lanterne ledger declare).")
        }
        let years = max(1.0 / 365, a.seconds / (365.25 * 86_400))
        let aeci = a.declaredCircuits.compactMap { c -> AECIRow? in
            guard let area = c.areaSquareMetres, let totals = a.circuits[c.circuitID] else { return nil }
            return AECIRow(name: "\(c.circuitID) \(c.name)", areaSquareMetres: area, annualKWh: Double(totals.energyWh) / 1000 / years)
        }
        let verification = try store.verifyChain()
        var integrity = ReportIntegrity(chainHeadHex: verification.head.hex, records: Int(verification.records), verified: verification.isSound,
                                        note: verification.problem.map { "The ledger's hash chain is broken: \($0.description)." }
                                            ?? "Every record of the ledger — measurements, events and the declarations every figure here is computed from — was checked against its SHA-256 chain, and every declaration's signature (lanterne ledger verify).")
        integrity.signingKeyFingerprint = a.signingKey?.fingerprint.text
        if !a.retroactiveDeclarations.isEmpty {
            let list = a.retroactiveDeclarations.map { "record \($0.seq) (\(DeclarationsLedger.describe($0.content)), from \(Console.isoUTC(Date(timeIntervalSince1970: TimeInterval($0.effective)))))" }
            notes.append("\(list.count) declaration\(list.count == 1 ? "" : "s") changed figures of intervals recorded before \(list.count == 1 ? "it" : "them") (retroactive): \(list.joined(separator: "; ")). See lanterne ledger declarations.")
        }
        if a.unsignedDeclarations > 0 {
            notes.append("\(a.unsignedDeclarations) declarations were written before the ledger had a signing key and are unsigned (lanterne ledger declarations).")
        }
        if t.estimatedIntervals > 0 {
            notes.append("\(t.estimatedIntervals) of \(t.intervals) circuit intervals are estimated from the power model (rated watts × level curve + driver standby), not metered.")
        }
        if t.gapIntervals > 0 {
            notes.append("\(t.gapIntervals) circuit intervals have no data: they are counted in the coverage, and the baseline leaves them out too, so savings are not inflated.")
        }
        if let ip = a.ipmvp, ip.model.observationCount < 12 {
            notes.append("The IPMVP baseline is fitted on \(ip.model.observationCount) months only.")
        }
        let legacy = a.declaredCircuits.reduce(0.0) { $0 + $1.legacyWatts }
        let luminaires = a.declaredCircuits.reduce(0) { $0 + $1.luminaires }
        let ipmvp = a.ipmvp.map { ip in
            IPMVPFigures(slopeKWhPerDarkHour: ip.model.slope, interceptKWh: ip.model.intercept, n: ip.model.observationCount,
                         rSquared: ip.model.rSquared ?? .nan, cvRMSEPercent: 100 * ip.model.cvRMSE, nmbePercent: 100 * ip.model.nmbe,
                         meetsASHRAE14: ip.model.meetsASHRAE14Monthly, baselinePeriod: ip.period,
                         criteria: "ASHRAE Guideline 14, monthly data: CV(RMSE) ≤ 15 %, |NMBE| ≤ 5 %")
        }
        let place = String(format: "%.3f° %@, %.3f° %@ — %@", abs(a.site.latitude), a.site.latitude >= 0 ? "N" : "S",
                           abs(a.site.longitude), a.site.longitude >= 0 ? "E" : "W", a.site.timeZone)
        return ReportData(
            title: a.site.name, cabinetID: a.cabinetID, siteDescription: place,
            periodStart: start, periodEnd: end, timeZone: zone, generatedAt: Date(),
            generator: "lanterne \(LanterneVersion.string)", currency: a.currency ?? a.investment?.currency ?? "EUR",
            months: months, totals: totals,
            baselineMethod: "Legacy counterfactual: the \(luminaires) replaced luminaires (\(SimulateCommand.number(legacy / 1000, decimals: 1)) kW with their ballasts) at full power from sunset to sunrise, over the intervals recorded",
            ipmvp: ipmvp, roi: roi, aeci: aeci, integrity: integrity, notes: notes)
    }
}

/// `--cabinet` of the commands that read a ledger: a cabinet id, or a cabinet file whose id
/// is taken (the figures always come from the ledger's declarations).
enum CabinetChoice {
    static func id(_ value: String?) throws -> String? {
        guard let value else { return nil }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: value, isDirectory: &isDirectory), !isDirectory.boolValue else { return value }
        let loaded = CabinetLoader.load(path: value)
        Console.report(loaded.diagnostics)
        guard let config = loaded.value else { throw ExitCode(1) }
        return config.site.id
    }
}
