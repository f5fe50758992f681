import Foundation

/// An IPMVP option B baseline: the lighting energy of a period as a straight line in its dark
/// hours, fitted by ordinary least squares on a metered baseline period (monthly observations
/// typically):
///
///     energy (kWh) = intercept (kWh) + slope (kWh per dark hour) × dark hours
///
/// The slope is, in effect, the power drawn while dark (kW); the intercept collects what does
/// not scale with darkness (standby, controller, and the part of the load a photocell adds
/// around dusk and dawn). The model is per period: an intercept is counted once per period, so
/// reporting periods must have the granularity of the baseline's observations (see
/// `adjustedBaseline(periodDarkHours:)`).
///
/// Fit statistics follow ASHRAE Guideline 14-2014 (see `GoodnessOfFit`, p = 2).
public struct BaselineModel: Sendable, Hashable {
    /// Minimum number of observations: two parameters plus one degree of freedom.
    public static let minimumObservations = 3
    /// Number of parameters the model estimates (intercept and slope).
    public static let parameterCount = 2

    /// Energy per dark hour, in kWh per hour (that is, kW).
    public let slope: Double
    /// Energy per period that does not depend on darkness, in kWh.
    public let intercept: Double
    /// Statistics of the fit on its own observations.
    public let fit: GoodnessOfFit
    /// Smallest and largest dark hours among the observations, in hours: the range inside which
    /// predictions interpolate rather than extrapolate.
    public let darkHoursRange: ClosedRange<Double>
    /// The lowest coverage among the observations (0...1): below 1, some baseline energy is
    /// missing (gaps are never filled) and the model under-states the baseline.
    public let minimumCoverage: Double
    /// From the earliest observation's start to the latest one's end, UTC.
    public let period: DateInterval

    /// Number of observations, n.
    public var observationCount: Int { fit.observationCount }
    /// Residual degrees of freedom, n − p with p = 2.
    public var degreesOfFreedom: Int { fit.degreesOfFreedom }
    /// Coefficient of determination (nil when the observed energies do not vary).
    public var rSquared: Double? { fit.rSquared }
    /// CV(RMSE), a fraction (0.15 = 15 %).
    public var cvRMSE: Double { fit.cvRMSE }
    /// NMBE, a fraction, observed − predicted (positive: the model under-predicts).
    public var nmbe: Double { fit.nmbe }
    /// Whether the fit meets ASHRAE Guideline 14 for monthly data (CV(RMSE) ≤ 15 %,
    /// |NMBE| ≤ 5 %).
    public var meetsASHRAE14Monthly: Bool { fit.meetsASHRAE14Monthly }

    /// Fits the model to `observations` by ordinary least squares (centred sums, so that large
    /// dark-hour values lose no precision).
    ///
    /// - Throws: `BaselineFitError.tooFewObservations` (fewer than 3), `.notFinite`,
    ///   `.negative` (energy or dark hours), `.emptyPeriod`, `.coverageOutOfRange`,
    ///   `.constantDarkHours` (all dark hours equal: singular), `.nonPositiveMeanEnergy`.
    public static func fit(_ observations: [BaselineObservation]) throws(BaselineFitError) -> BaselineModel {
        let n = observations.count
        guard n >= minimumObservations else {
            throw .tooFewObservations(count: n, minimum: minimumObservations)
        }
        for (i, o) in observations.enumerated() {
            guard o.energyKWh.isFinite else { throw .notFinite(index: i, field: "energyKWh") }
            guard o.darkHours.isFinite else { throw .notFinite(index: i, field: "darkHours") }
            guard o.coverage.isFinite else { throw .notFinite(index: i, field: "coverage") }
            guard o.energyKWh >= 0 else { throw .negative(index: i, field: "energyKWh", value: o.energyKWh) }
            guard o.darkHours >= 0 else { throw .negative(index: i, field: "darkHours", value: o.darkHours) }
            guard (0...1).contains(o.coverage) else { throw .coverageOutOfRange(index: i, value: o.coverage) }
            guard o.end > o.start else { throw .emptyPeriod(index: i) }
        }
        let x = observations.map(\.darkHours), y = observations.map(\.energyKWh)
        let meanX = x.reduce(0, +) / Double(n), meanY = y.reduce(0, +) / Double(n)
        var sxx = 0.0, sxy = 0.0
        for i in 0..<n {
            let dx = x[i] - meanX
            sxx += dx * dx
            sxy += dx * (y[i] - meanY)
        }
        let lowest = x.min() ?? 0, highest = x.max() ?? 0
        // Singular when the dark hours do not vary, or vary by less than rounding noise.
        guard sxx > 0, highest - lowest > 1e-9 * max(1, abs(meanX)) else {
            throw .constantDarkHours(value: meanX)
        }
        let slope = sxy / sxx
        let intercept = meanY - slope * meanX
        let predicted = x.map { intercept + slope * $0 }
        let fit = try GoodnessOfFit(observed: y, predicted: predicted, parameterCount: parameterCount)
        let start = observations.map(\.start).min() ?? observations[0].start
        let end = observations.map(\.end).max() ?? observations[0].end
        return BaselineModel(slope: slope, intercept: intercept, fit: fit, darkHoursRange: lowest...highest,
                             minimumCoverage: observations.map(\.coverage).min() ?? 1,
                             period: DateInterval(start: start, end: end))
    }

    /// The baseline energy predicted for one reporting period with `darkHours` hours of
    /// darkness, in kWh: intercept + slope × darkHours. The period must be of the baseline's
    /// granularity (a month for a monthly model). A NaN gives NaN.
    public func adjustedBaseline(darkHours: Double) -> Double {
        intercept + slope * darkHours
    }

    /// The adjusted baseline of a reporting period made of several periods of the baseline's
    /// granularity (twelve months for a year), given each one's dark hours: the sum of their
    /// predictions, in kWh. The intercept counts once per period.
    public func adjustedBaseline(periodDarkHours: [Double]) -> Double {
        periodDarkHours.reduce(0) { $0 + adjustedBaseline(darkHours: $1) }
    }

    /// Whether `darkHours` lies outside the baseline's observed range (an extrapolation, which
    /// IPMVP advises against), with a tolerance of 1 % of the range.
    public func extrapolates(darkHours: Double) -> Bool {
        let tolerance = 0.01 * (darkHoursRange.upperBound - darkHoursRange.lowerBound)
        return darkHours < darkHoursRange.lowerBound - tolerance || darkHours > darkHoursRange.upperBound + tolerance
    }

    /// Savings over a reporting period made of periods of the baseline's granularity.
    ///
    /// - Parameters:
    ///   - periodDarkHours: dark hours of each period of the reporting period, in hours.
    ///   - reportingKWh: metered lighting energy over the reporting period, in kWh (gaps not
    ///     filled).
    ///   - coverage: fraction of the reporting period's intervals that are not gaps, 0...1.
    /// - Throws: `SavingsError.notFinite` or `.negative` for a bad dark hour or energy,
    ///   `.coverageOutOfRange`.
    public func savings(periodDarkHours: [Double], reportingKWh: Double,
                        coverage: Double) throws(SavingsError) -> SavingsResult {
        for (i, hours) in periodDarkHours.enumerated() {
            guard hours.isFinite else { throw .notFinite(what: "dark hours of reporting period \(i)") }
            guard hours >= 0 else { throw .negative(what: "dark hours of reporting period \(i)", value: hours) }
        }
        return try SavingsResult(adjustedBaselineKWh: adjustedBaseline(periodDarkHours: periodDarkHours),
                                 reportingKWh: reportingKWh, coverage: coverage,
                                 extrapolatedPeriods: periodDarkHours.filter(extrapolates).count)
    }
}
