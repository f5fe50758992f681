import Foundation

/// The figures of a report's whole period.
public struct ReportTotals: Sendable {
    /// Baseline consumption the savings are counted against, kWh.
    public var baselineKWh: Double
    /// Lighting consumption recorded in the ledger, kWh.
    public var actualKWh: Double
    /// Consumption avoided, baseline − actual, kWh (negative when more was consumed).
    public var avoidedKWh: Double
    /// Avoided consumption as a percentage of the baseline.
    public var avoidedPercent: Double
    /// Renewable (PV) production, kWh.
    public var pvKWh: Double
    /// PV production as a percentage of consumption (`pv / actual × 100`; may exceed 100).
    public var renewableSharePercent: Double
    /// Money not spent on the avoided energy, in the report's currency; nil when no tariff is known.
    public var avoidedCost: Decimal?
    /// Greenhouse-gas emissions avoided, kg CO2-equivalent; nil when no emission factor is known.
    public var avoidedCO2eKg: Double?
    /// The emission factor used (`"ADEME Base Empreinte, France 2024: 52 g/kWh"`), if any.
    public var emissionFactorName: String?
    /// Share of the period's intervals present in the ledger, 0 ... 100 percent.
    public var coveragePercent: Double
    /// PV production of the previous period of the same length, kWh, when known.
    public var previousPeriodPVKWh: Double?
    /// Change of PV production against the previous period, percent (`52` for "+52 %").
    public var pvChangePercent: Double?

    /// Creates totals from figures computed elsewhere, stored as given.
    public init(baselineKWh: Double, actualKWh: Double, avoidedKWh: Double,
                avoidedPercent: Double, pvKWh: Double, renewableSharePercent: Double,
                avoidedCost: Decimal?, avoidedCO2eKg: Double?, emissionFactorName: String?,
                coveragePercent: Double, previousPeriodPVKWh: Double?, pvChangePercent: Double?) {
        self.baselineKWh = baselineKWh
        self.actualKWh = actualKWh
        self.avoidedKWh = avoidedKWh
        self.avoidedPercent = avoidedPercent
        self.pvKWh = pvKWh
        self.renewableSharePercent = renewableSharePercent
        self.avoidedCost = avoidedCost
        self.avoidedCO2eKg = avoidedCO2eKg
        self.emissionFactorName = emissionFactorName
        self.coveragePercent = coveragePercent
        self.previousPeriodPVKWh = previousPeriodPVKWh
        self.pvChangePercent = pvChangePercent
    }

    /// Creates totals, deriving the avoided energy, its percentage, the renewable share and
    /// the PV change. A ratio whose denominator is not positive becomes NaN, which the
    /// renderer shows as "—" (the PV change becomes nil).
    public init(baselineKWh: Double, actualKWh: Double, pvKWh: Double,
                coveragePercent: Double, previousPeriodPVKWh: Double? = nil,
                avoidedCost: Decimal? = nil, avoidedCO2eKg: Double? = nil,
                emissionFactorName: String? = nil) {
        let avoided = baselineKWh - actualKWh
        self.init(baselineKWh: baselineKWh, actualKWh: actualKWh, avoidedKWh: avoided,
                  avoidedPercent: ReportMath.percent(avoided, of: baselineKWh) ?? .nan,
                  pvKWh: pvKWh,
                  renewableSharePercent: ReportMath.percent(pvKWh, of: actualKWh) ?? .nan,
                  avoidedCost: avoidedCost, avoidedCO2eKg: avoidedCO2eKg,
                  emissionFactorName: emissionFactorName, coveragePercent: coveragePercent,
                  previousPeriodPVKWh: previousPeriodPVKWh,
                  pvChangePercent: previousPeriodPVKWh.flatMap { ReportMath.change(from: $0, to: pvKWh) })
    }
}
