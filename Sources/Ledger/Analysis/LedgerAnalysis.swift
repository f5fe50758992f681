import Foundation
import Lighting
import Savings

/// A cabinet's measured figures over a period, read from its ledger alone — the intervals
/// through the exporter (so a report, an ROI and a CSV of the same period always agree) and
/// every other figure from the ledger's chained declarations: monthly rows, per-circuit
/// totals, the previous period's PV, the site, circuits, tariff, investment case and emission
/// factors, and — when a baseline period is given — an IPMVP option B model fitted on it.
public struct LedgerAnalysis: Sendable {
    public var cabinetID: String
    /// The site and circuits as declared at the end of the period.
    public var site: CabinetRecord
    public var declaredCircuits: [CircuitRecord]
    public var from: Date, to: Date
    /// Cabinet rows, one per local month.
    public var months: [ExportedRow]
    /// Circuit rows summed over the period, by circuit id.
    public var circuits: [String: ExportTotals]
    public var totals: ExportTotals
    /// PV over the equal-length period just before, when the ledger covers it.
    public var previousPVWh: Int64?
    /// The currency of the tariffs over the period, nil when none is declared.
    public var currency: String?
    /// The tariff and the investment case declared in force at the end of the period.
    public var tariff: TariffDeclaration?
    public var investment: InvestmentDeclaration?
    /// The emission factors the rows used.
    public var emissionFactors: [ExportEmissionFactor]
    /// The ledger's signing key in force, and how many declarations predate any key.
    public var signingKey: DeclarationLog.KeyEpoch?
    public var unsignedDeclarations: Int
    /// This cabinet's declarations that changed intervals recorded before them and take
    /// effect before the end of the period.
    public var retroactiveDeclarations: [DeclarationLog.Entry] = []
    /// The IPMVP option B model and the adjusted baseline of each month, when fitted.
    public var ipmvp: (model: BaselineModel, period: String, adjustedKWh: [Double])?

    /// Seconds in the period.
    public var seconds: Double { to.timeIntervalSince(from) }

    /// Avoided energy per year (kWh), from the period's avoided energy scaled to 365.25 days.
    public var annualisedAvoidedKWh: Double {
        let avoided = ipmvp.map { $0.adjustedKWh.reduce(0, +) - Double(totals.energyWh) / 1000 }
            ?? Double(totals.baselineWh - totals.energyWh) / 1000
        return avoided * 365.25 * 86_400 / max(1, seconds)
    }

    /// The site of `cabinet` in a ledger, or of its only cabinet when `cabinet` is nil.
    ///
    /// - Throws: `ExportError` naming the cabinets the ledger has when there is no such cabinet,
    ///   or several and none was chosen; `LedgerError`.
    public static func site(in store: LedgerStore, cabinet: String?) throws -> CabinetRecord {
        let sites = try store.cabinets()
        if let cabinet {
            guard let s = sites.first(where: { $0.id == cabinet }) else {
                throw ExportError("the ledger \(store.path) has no cabinet \(cabinet)"
                                  + (sites.isEmpty ? "" : " (it has \(sites.map(\.id).joined(separator: ", ")))"))
            }
            return s
        }
        guard sites.count == 1 else {
            throw ExportError(sites.isEmpty ? "the ledger \(store.path) has no cabinet"
                              : "the ledger \(store.path) has cabinets \(sites.map(\.id).joined(separator: ", ")): choose one with --cabinet")
        }
        return sites[0]
    }

    /// Reads the figures.
    ///
    /// - Parameter baselinePeriod: a metered period of the old installation in the same ledger
    ///   for an IPMVP option B model (monthly energy against dark hours); nil for none.
    /// - Throws: `ExportError` (no data in the period, no such cabinet), `LedgerError`,
    ///   `BaselineFitError`.
    public static func analyse(store: LedgerStore, cabinet: String, from: Date, to: Date,
                               baselinePeriod: (Date, Date)? = nil) throws -> LedgerAnalysis {
        func export(_ a: Date, _ b: Date, _ grouping: ExportGrouping) throws -> ExportResult {
            var options = ExportOptions(from: a, to: b, interval: .month, grouping: grouping, cabinetID: cabinet)
            options.collectRows = true
            return try store.export(options, to: FileHandle.nullDevice)
        }
        let byCabinet = try export(from, to, .cabinet)
        let byCircuit = try export(from, to, .circuit)
        var circuits: [String: ExportTotals] = [:]
        for (key, t) in byCircuit.byKey { circuits[String(key.dropFirst(cabinet.count + 1))] = t }
        let previousStart = from.addingTimeInterval(-to.timeIntervalSince(from))
        let previous = try? export(previousStart, from, .cabinet)
        let log = try store.declarationLog()
        let end = Int64(to.timeIntervalSince1970.rounded(.up)) - 1
        guard let site = log.site(of: cabinet, at: end) else { throw ExportError("the ledger \(store.path) has no cabinet \(cabinet)") }
        var tariff: TariffDeclaration?, investment: InvestmentDeclaration?
        if case .tariff(let t)? = log.inForce(cabinet: cabinet, kind: "tariff", at: end)?.content { tariff = t }
        if case .investment(let i)? = log.inForce(cabinet: cabinet, kind: "investment", at: end)?.content { investment = i }
        var analysis = LedgerAnalysis(cabinetID: cabinet, site: site, declaredCircuits: log.circuits(cabinet: cabinet, at: end),
                                      from: from, to: to, months: byCabinet.collected, circuits: circuits,
                                      totals: byCabinet.totals,
                                      previousPVWh: previous.flatMap { $0.totals.pvWh > 0 ? $0.totals.pvWh : nil },
                                      currency: byCabinet.currency, tariff: tariff, investment: investment,
                                      emissionFactors: byCabinet.emissionFactors, signingKey: log.currentKey,
                                      unsignedDeclarations: log.unsignedCount, ipmvp: nil)
        analysis.retroactiveDeclarations = log.retroactive.filter { $0.cabinetID == cabinet && $0.effective <= end }
        if let (a, b) = baselinePeriod {
            let model = try store.fitBaselineModel(cabinet: cabinet, from: a, to: b)
            let adjusted = analysis.months.map { model.adjustedBaseline(darkHours: $0.coveredDarkSeconds / 3600) }
            let f = DateFormatter()
            f.dateFormat = "yyyy-MM-dd"
            f.timeZone = TimeZone(identifier: site.timeZone)
            analysis.ipmvp = (model, "\(f.string(from: a)) to \(f.string(from: b.addingTimeInterval(-1)))", adjusted)
        }
        return analysis
    }

    /// The declared investment case with the measured, annualised savings, valued at the
    /// tariff in force at the end of the period; nil when the ledger declares no investment or
    /// no tariff.
    ///
    /// - Throws: `ExportError` when the investment and the tariff are in different currencies.
    public func investmentCase() throws -> InvestmentCase? {
        guard let i = investment, let tariff else { return nil }
        guard i.currency == tariff.currency else {
            throw ExportError("the investment is declared in \(i.currency) and the tariff in \(tariff.currency): the return on investment would mix currencies")
        }
        return InvestmentCase(capex: i.capex, currency: i.currency, annualEnergySavingsKWh: annualisedAvoidedKWh,
                              energyPrice: .flat(perKWh: tariff.pricePerKilowattHour),
                              annualMaintenanceSavings: i.annualMaintenanceSavings, discountRate: i.discountRate,
                              lifetimeYears: i.years, priceEscalation: i.priceEscalation)
    }
}
