/// Avoided energy over a reporting period: the adjusted baseline (what the old installation,
/// or the baseline model, says would have been used in the reporting period's conditions)
/// minus what was metered.
///
/// Gaps are reported, never filled: `coverage` says which fraction of the reporting period's
/// intervals were metered. Below 1, `reportingKWh` misses the gaps' energy and the avoided
/// energy is over-stated unless the baseline was computed over the same covered intervals
/// (which the per-interval legacy baseline does naturally).
public struct SavingsResult: Sendable, Hashable {
    /// The baseline energy for the reporting period's conditions, in kWh.
    public let adjustedBaselineKWh: Double
    /// The metered (or recorded) energy of the reporting period, in kWh.
    public let reportingKWh: Double
    /// Fraction of the reporting period's intervals that are not gaps, 0...1.
    public let coverage: Double
    /// Number of reporting periods whose dark hours fall outside the baseline's range (an
    /// extrapolation of the model); 0 for a legacy baseline.
    public let extrapolatedPeriods: Int

    /// Avoided energy, in kWh: adjusted baseline − reporting (negative when more was used).
    public var avoidedKWh: Double { adjustedBaselineKWh - reportingKWh }

    /// Avoided energy as a percentage of the adjusted baseline (27 means 27 %); nil when the
    /// adjusted baseline is not positive.
    public var avoidedPercent: Double? {
        adjustedBaselineKWh > 0 ? 100 * avoidedKWh / adjustedBaselineKWh : nil
    }

    /// - Throws: `SavingsError.notFinite` for a NaN or infinite energy or coverage,
    ///   `.negative` for a negative reporting energy or extrapolated count,
    ///   `.coverageOutOfRange` when `coverage` is outside 0...1. A negative adjusted baseline is
    ///   accepted (a regression may predict one) and reported as such.
    public init(adjustedBaselineKWh: Double, reportingKWh: Double, coverage: Double,
                extrapolatedPeriods: Int = 0) throws(SavingsError) {
        guard adjustedBaselineKWh.isFinite else { throw .notFinite(what: "adjusted baseline") }
        guard reportingKWh.isFinite else { throw .notFinite(what: "reporting-period energy") }
        guard reportingKWh >= 0 else { throw .negative(what: "reporting-period energy", value: reportingKWh) }
        guard coverage.isFinite else { throw .notFinite(what: "coverage") }
        guard (0...1).contains(coverage) else { throw .coverageOutOfRange(coverage) }
        guard extrapolatedPeriods >= 0 else {
            throw .negative(what: "extrapolated period count", value: Double(extrapolatedPeriods))
        }
        self.adjustedBaselineKWh = adjustedBaselineKWh
        self.reportingKWh = reportingKWh
        self.coverage = coverage
        self.extrapolatedPeriods = extrapolatedPeriods
    }
}
