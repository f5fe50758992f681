import Astronomy
import Foundation
import Ledger
import Lighting
import Savings
import Units

/// Builds a report's figures from a ledger alone: the period's intervals and the declarations
/// in force (through ``LedgerAnalysis``), the chain's verification and the notes an auditor
/// needs. What `lanterne report` renders.
public enum ReportBuilder {
    /// The period's local days, `[from, to)`, are read in the cabinet's declared time zone; a
    /// metered baseline period (IPMVP option B) likewise.
    public static func build(store: LedgerStore, cabinet: String?, from: CivilDate, to: CivilDate,
                             baselinePeriod: (from: CivilDate, to: CivilDate)? = nil,
                             generator: String, generatedAt: Date) throws -> ReportData {
        let site = try LedgerAnalysis.site(in: store, cabinet: cabinet)
        let zone = TimeZone(identifier: site.timeZone) ?? .gmt
        let clock = LocalClock(timeZone: zone)
        let start = clock.instant(from, secondsOfDay: 0), end = clock.instant(to, secondsOfDay: 0)
        let basePeriod = baselinePeriod.map { (clock.instant($0.from, secondsOfDay: 0), clock.instant($0.to, secondsOfDay: 0)) }
        let a = try LedgerAnalysis.analyse(store: store, cabinet: site.id, from: start, to: end, baselinePeriod: basePeriod)
        var notes: [String] = []
        let roi = try roiFigures(a, notes: &notes)
        let integrity = try self.integrity(store, a)
        notes += auditNotes(a)
        let legacy = a.declaredCircuits.reduce(0.0) { $0 + $1.legacyWatts }
        let luminaires = a.declaredCircuits.reduce(0) { $0 + $1.luminaires }
        return ReportData(
            title: a.site.name, cabinetID: a.cabinetID, siteDescription: place(a.site),
            periodStart: start, periodEnd: end, timeZone: zone, generatedAt: generatedAt,
            generator: generator, currency: a.currency ?? a.investment?.currency ?? "EUR",
            months: months(a), totals: totals(a),
            baselineMethod: "Legacy counterfactual: the \(luminaires) replaced luminaires (\(NumberText.fixed(legacy / 1000, decimals: 1)) kW with their ballasts) at full power from sunset to sunrise, over the intervals recorded",
            ipmvp: ipmvp(a), roi: roi, aeci: aeci(a), integrity: integrity, notes: notes)
    }

    static func months(_ a: LedgerAnalysis) -> [MonthFigures] {
        a.months.enumerated().map { k, m in
            MonthFigures(month: m.periodStart, baselineKWh: Double(m.baselineWh) / 1000,
                         adjustedBaselineKWh: a.ipmvp?.adjustedKWh[k], actualKWh: Double(m.energyWh) / 1000,
                         pvKWh: Double(m.pvWh) / 1000, coveragePercent: m.coveragePercent,
                         estimatedIntervals: Int(m.estimatedIntervals), gapIntervals: Int(m.gapIntervals))
        }
    }

    static func totals(_ a: LedgerAnalysis) -> ReportTotals {
        let t = a.totals
        let coverage = t.intervals > 0 ? 100 * Double(t.intervals - t.gapIntervals) / Double(t.intervals) : 0
        let factorName = a.emissionFactors.count == 1 ? a.emissionFactors[0].name
            : a.emissionFactors.isEmpty ? "no emission factor declared" : a.emissionFactors.map(\.name).joined(separator: ", then ")
        return ReportTotals(baselineKWh: Double(t.baselineWh) / 1000, actualKWh: Double(t.energyWh) / 1000,
                            pvKWh: Double(t.pvWh) / 1000, coveragePercent: coverage,
                            previousPeriodPVKWh: a.previousPVWh.map { Double($0) / 1000 },
                            avoidedCost: a.currency == nil ? nil : Decimal(t.avoidedCostTenThousandths) / 10_000,
                            avoidedCO2eKg: Double(t.avoidedCO2eGrams) / 1000, emissionFactorName: factorName)
    }

    /// The return on investment with the measured savings, when the ledger declares an
    /// investment case and a tariff; a note says which.
    static func roiFigures(_ a: LedgerAnalysis, notes: inout [String]) throws -> ROIFigures? {
        guard let investment = try a.investmentCase() else {
            notes.append("No return on investment: the ledger declares no investment case or no tariff for this cabinet (lanterne ledger declare).")
            return nil
        }
        let r = try investment.evaluate()
        notes.append("Return on investment: capex, discount rate, lifetime and maintenance savings as declared in the ledger; annual energy savings of \(NumberText.fixed(a.annualisedAvoidedKWh, decimals: 0)) kWh measured over the period and scaled to a year, at the declared \(a.tariff.map { "\($0.pricePerKilowattHour) \($0.currency)" } ?? "?") per kWh.")
        return ROIFigures(capex: r.capex, simplePaybackYears: r.simplePaybackYears, discountedPaybackYears: r.discountedPaybackYears,
                          npv: r.npv, irr: r.irr, sir: r.sir ?? 0, discountRate: r.discountRate, years: r.lifetimeYears,
                          cumulativeDiscounted: r.years.map(\.cumulativeDiscounted))
    }

    static func aeci(_ a: LedgerAnalysis) -> [AECIRow] {
        let years = max(1.0 / 365, a.seconds / (365.25 * 86_400))
        return a.declaredCircuits.compactMap { c -> AECIRow? in
            guard let area = c.areaSquareMetres, let totals = a.circuits[c.circuitID] else { return nil }
            return AECIRow(name: "\(c.circuitID) \(c.name)", areaSquareMetres: area, annualKWh: Double(totals.energyWh) / 1000 / years)
        }
    }

    /// The whole chain checked, and the signing key in force.
    static func integrity(_ store: LedgerStore, _ a: LedgerAnalysis) throws -> ReportIntegrity {
        let verification = try store.verifyChain()
        var integrity = ReportIntegrity(chainHeadHex: verification.head.hex, records: Int(verification.records), verified: verification.isSound,
                                        note: verification.problem.map { "The ledger's hash chain is broken: \($0.description)." }
                                            ?? "Every record of the ledger — measurements, events and the declarations every figure here is computed from — was checked against its SHA-256 chain, and every declaration's signature (lanterne ledger verify).")
        integrity.signingKeyFingerprint = a.signingKey?.fingerprint.text
        return integrity
    }

    /// What an auditor must know about how the figures were obtained.
    static func auditNotes(_ a: LedgerAnalysis) -> [String] {
        var notes: [String] = []
        let t = a.totals
        if !a.retroactiveDeclarations.isEmpty {
            let list = a.retroactiveDeclarations.map { "record \($0.seq) (\($0.content.summary), from \(InstantText.isoUTC(Date(timeIntervalSince1970: TimeInterval($0.effective)))))" }
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
        return notes
    }

    static func ipmvp(_ a: LedgerAnalysis) -> IPMVPFigures? {
        a.ipmvp.map { ip in
            IPMVPFigures(slopeKWhPerDarkHour: ip.model.slope, interceptKWh: ip.model.intercept, n: ip.model.observationCount,
                         rSquared: ip.model.rSquared ?? .nan, cvRMSEPercent: 100 * ip.model.cvRMSE, nmbePercent: 100 * ip.model.nmbe,
                         meetsASHRAE14: ip.model.meetsASHRAE14Monthly, baselinePeriod: ip.period,
                         criteria: "ASHRAE Guideline 14, monthly data: CV(RMSE) ≤ 15 %, |NMBE| ≤ 5 %")
        }
    }

    static func place(_ site: CabinetRecord) -> String {
        String(format: "%.3f° %@, %.3f° %@ — %@", abs(site.latitude), site.latitude >= 0 ? "N" : "S",
               abs(site.longitude), site.longitude >= 0 ? "E" : "W", site.timeZone)
    }
}
