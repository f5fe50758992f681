import Foundation

/// The figures of one local calendar month of a report.
public struct MonthFigures: Sendable {
    /// The first instant of the local month (UTC), in the report's time zone.
    public var month: Date
    /// Baseline (counterfactual) lighting consumption of the month, kWh.
    public var baselineKWh: Double
    /// The baseline adjusted to the month's conditions by an IPMVP fit, kWh; nil when none.
    public var adjustedBaselineKWh: Double?
    /// Lighting consumption recorded in the ledger for the month, kWh.
    public var actualKWh: Double
    /// Renewable (PV) production of the month, kWh.
    public var pvKWh: Double
    /// Share of the month's intervals present in the ledger, 0 ... 100 percent.
    public var coveragePercent: Double
    /// Number of intervals whose energy was estimated from the power model, not metered.
    public var estimatedIntervals: Int
    /// Number of intervals missing from the ledger.
    public var gapIntervals: Int

    /// Creates a month's figures.
    public init(month: Date, baselineKWh: Double, adjustedBaselineKWh: Double? = nil,
                actualKWh: Double, pvKWh: Double, coveragePercent: Double,
                estimatedIntervals: Int = 0, gapIntervals: Int = 0) {
        self.month = month
        self.baselineKWh = baselineKWh
        self.adjustedBaselineKWh = adjustedBaselineKWh
        self.actualKWh = actualKWh
        self.pvKWh = pvKWh
        self.coveragePercent = coveragePercent
        self.estimatedIntervals = estimatedIntervals
        self.gapIntervals = gapIntervals
    }

    /// The baseline savings are counted against: the adjusted one when present, kWh.
    public var effectiveBaselineKWh: Double { adjustedBaselineKWh ?? baselineKWh }

    /// Consumption avoided in the month, `effectiveBaselineKWh − actualKWh`, kWh (negative
    /// when more was consumed than the baseline).
    public var avoidedKWh: Double { effectiveBaselineKWh - actualKWh }

    /// Avoided consumption as a percentage of the effective baseline; nil when the baseline
    /// is not positive or a figure is not finite.
    public var avoidedPercent: Double? {
        ReportMath.percent(avoidedKWh, of: effectiveBaselineKWh)
    }

    /// PV production as a percentage of the month's consumption (may exceed 100); nil when
    /// nothing was consumed or a figure is not finite.
    public var renewableSharePercent: Double? {
        ReportMath.percent(pvKWh, of: actualKWh)
    }
}
