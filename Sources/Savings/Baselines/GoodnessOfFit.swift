/// How well predicted energies match observed ones, with the statistics of ASHRAE Guideline
/// 14-2014 (Annex B):
///
/// - CV(RMSE) = √(Σ(yᵢ − ŷᵢ)² / (n − p)) / ȳ
/// - NMBE = Σ(yᵢ − ŷᵢ) / ((n − p) × ȳ)
/// - R² = 1 − Σ(yᵢ − ŷᵢ)² / Σ(yᵢ − ȳ)²
///
/// where yᵢ is observed, ŷᵢ predicted, ȳ the mean observed value, n the number of observations
/// and p the number of parameters the model estimated from them.
///
/// Both CV(RMSE) and NMBE are fractions (0.15 is 15 %). **Sign convention**: residuals are
/// observed − predicted, as in Guideline 14, so a positive NMBE means the model predicts less
/// than was observed (it under-predicts). Some tools use predicted − observed: their NMBE has
/// the opposite sign. On the data a least-squares model with an intercept was fitted to, the
/// residuals sum to zero, so NMBE is zero up to rounding; it tells something when the model is
/// checked against other data.
public struct GoodnessOfFit: Sendable, Hashable {
    /// Ceiling for CV(RMSE) on monthly data in ASHRAE Guideline 14: 15 %.
    public static let ashrae14MonthlyCVRMSELimit = 0.15
    /// Ceiling for |NMBE| on monthly data in ASHRAE Guideline 14: 5 %.
    public static let ashrae14MonthlyNMBELimit = 0.05

    /// Number of observations, n.
    public let observationCount: Int
    /// Number of parameters the model estimated from the observations, p.
    public let parameterCount: Int
    /// Mean observed value ȳ, in the observations' unit (kWh for a baseline).
    public let meanObserved: Double
    /// Σ(yᵢ − ŷᵢ)², in the unit squared.
    public let sumOfSquaredResiduals: Double
    /// Σ(yᵢ − ŷᵢ), in the unit (observed − predicted).
    public let sumOfResiduals: Double
    /// Coefficient of determination; nil when the observed values do not vary (Σ(yᵢ − ȳ)² = 0),
    /// where it does not exist.
    public let rSquared: Double?
    /// Coefficient of variation of the root-mean-square error, a fraction (0.15 = 15 %).
    public let cvRMSE: Double
    /// Normalised mean bias error, a fraction, positive when the model under-predicts.
    public let nmbe: Double

    /// Residual degrees of freedom, n − p.
    public var degreesOfFreedom: Int { observationCount - parameterCount }

    /// Whether the statistics meet ASHRAE Guideline 14's criteria for monthly data:
    /// CV(RMSE) ≤ 15 % and |NMBE| ≤ 5 %.
    public var meetsASHRAE14Monthly: Bool {
        cvRMSE <= Self.ashrae14MonthlyCVRMSELimit && abs(nmbe) <= Self.ashrae14MonthlyNMBELimit
    }

    /// Computes the statistics of `predicted` against `observed`.
    ///
    /// `observed` and `predicted` must have the same count (a programmer error otherwise), and
    /// `parameterCount` must be 0 or more.
    ///
    /// - Throws: `BaselineFitError.tooFewObservations` when n ≤ p (no degree of freedom left),
    ///   `.notFinite` for a NaN or infinite value (field `observed` or `predicted`),
    ///   `.nonPositiveMeanEnergy` when ȳ ≤ 0.
    public init(observed: [Double], predicted: [Double], parameterCount: Int) throws(BaselineFitError) {
        precondition(observed.count == predicted.count, "observed and predicted differ in count")
        precondition(parameterCount >= 0, "negative parameter count")
        let n = observed.count
        guard n > parameterCount else {
            throw .tooFewObservations(count: n, minimum: parameterCount + 1)
        }
        for i in 0..<n {
            guard observed[i].isFinite else { throw .notFinite(index: i, field: "observed") }
            guard predicted[i].isFinite else { throw .notFinite(index: i, field: "predicted") }
        }
        let mean = observed.reduce(0, +) / Double(n)
        guard mean > 0 else { throw .nonPositiveMeanEnergy(mean) }
        var ssRes = 0.0, sumRes = 0.0, ssTot = 0.0
        for i in 0..<n {
            let r = observed[i] - predicted[i]
            ssRes += r * r
            sumRes += r
            let d = observed[i] - mean
            ssTot += d * d
        }
        let dof = Double(n - parameterCount)
        observationCount = n
        self.parameterCount = parameterCount
        meanObserved = mean
        sumOfSquaredResiduals = ssRes
        sumOfResiduals = sumRes
        rSquared = ssTot > 0 ? 1 - ssRes / ssTot : nil
        cvRMSE = (ssRes / dof).squareRoot() / mean
        nmbe = sumRes / (dof * mean)
    }
}
