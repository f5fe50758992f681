import Foundation
import Ledger
import Lighting

/// A cabinet's measured figures over a period, read from its ledger through the exporter (so
/// a report, an ROI and a CSV of the same period always agree): monthly rows, per-circuit
/// totals, the previous period's PV, and — when a baseline period is given — an IPMVP option B
/// model fitted on it.
public struct LedgerAnalysis: Sendable {
    public var configuration: CabinetConfiguration
    public var from: Date, to: Date
    /// Cabinet rows, one per local month.
    public var months: [ExportedRow]
    /// Circuit rows summed over the period, by circuit id.
    public var circuits: [String: ExportTotals]
    public var totals: ExportTotals
    /// PV over the equal-length period just before, when the ledger covers it.
    public var previousPVWh: Int64?
    public var currency: String?
    public var pricePerKilowattHour: Decimal?
    public var emissionFactor: ExportEmissionFactor
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

    /// Reads the figures.
    ///
    /// - Parameter baselinePeriod: a metered period of the old installation in the same ledger
    ///   for an IPMVP option B model (monthly energy against dark hours); nil for none.
    /// - Throws: `ExportError` (no data in the period, no such cabinet), `LedgerError`,
    ///   `BaselineFitError`.
    public static func analyse(store: LedgerStore, configuration: CabinetConfiguration, from: Date, to: Date,
                               emissionFactor: ExportEmissionFactor, baselinePeriod: (Date, Date)? = nil) throws -> LedgerAnalysis {
        let cabinet = configuration.site.id
        func export(_ a: Date, _ b: Date, _ grouping: ExportGrouping) throws -> ExportResult {
            var options = ExportOptions(from: a, to: b, interval: .month, grouping: grouping, cabinetID: cabinet, emissionFactor: emissionFactor)
            options.collectRows = true
            return try store.export(options, to: FileHandle.nullDevice)
        }
        let byCabinet = try export(from, to, .cabinet)
        let byCircuit = try export(from, to, .circuit)
        var circuits: [String: ExportTotals] = [:]
        for (key, t) in byCircuit.byKey { circuits[String(key.dropFirst(cabinet.count + 1))] = t }
        let previousStart = from.addingTimeInterval(-to.timeIntervalSince(from))
        let previous = try? export(previousStart, from, .cabinet)
        var analysis = LedgerAnalysis(configuration: configuration, from: from, to: to, months: byCabinet.collected, circuits: circuits,
                                      totals: byCabinet.totals,
                                      previousPVWh: previous.flatMap { $0.totals.pvWh > 0 ? $0.totals.pvWh : nil },
                                      currency: byCabinet.currency, pricePerKilowattHour: byCabinet.pricePerKilowattHour,
                                      emissionFactor: emissionFactor, ipmvp: nil)
        if let (a, b) = baselinePeriod {
            let model = try store.fitBaselineModel(cabinet: cabinet, from: a, to: b)
            let adjusted = analysis.months.map { model.adjustedBaseline(darkHours: $0.coveredDarkSeconds / 3600) }
            let f = DateFormatter()
            f.dateFormat = "yyyy-MM-dd"
            f.timeZone = configuration.site.timeZone
            analysis.ipmvp = (model, "\(f.string(from: a)) to \(f.string(from: b.addingTimeInterval(-1)))", adjusted)
        }
        return analysis
    }

    /// The investment case of the cabinet file's `investment` section with the measured,
    /// annualised savings; nil when the cabinet file has no investment or no tariff is known.
    public func investmentCase() -> InvestmentCase? {
        guard let i = configuration.investment else { return nil }
        let price = pricePerKilowattHour ?? configuration.tariff?.pricePerKilowattHour
        guard let price else { return nil }
        return InvestmentCase(capex: i.capex, currency: currency ?? configuration.tariff?.currency ?? "EUR",
                              annualEnergySavingsKWh: annualisedAvoidedKWh, energyPrice: .flat(perKWh: price),
                              annualMaintenanceSavings: i.annualMaintenanceSavings, discountRate: i.discountRate,
                              lifetimeYears: i.years, priceEscalation: i.priceEscalation)
    }
}
