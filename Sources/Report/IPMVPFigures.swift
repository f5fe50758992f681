/// The statistics of an IPMVP option B baseline: a linear fit of consumption on dark hours.
public struct IPMVPFigures: Sendable {
    /// Slope of the fit, kWh per dark hour.
    public var slopeKWhPerDarkHour: Double
    /// Intercept of the fit, kWh per period of the fit (month or day).
    public var interceptKWh: Double
    /// Number of observations in the fit.
    public var n: Int
    /// Coefficient of determination, 0 ... 1.
    public var rSquared: Double
    /// Coefficient of variation of the root-mean-square error, percent.
    public var cvRMSEPercent: Double
    /// Normalised mean bias error, percent.
    public var nmbePercent: Double
    /// Whether the fit meets the ASHRAE Guideline 14 criteria that the fitting code applied.
    public var meetsASHRAE14: Bool
    /// The baseline period in words (`"Jan 2023 – Dec 2023, 12 monthly readings"`).
    public var baselinePeriod: String
    /// The criteria applied, in words (`"CV(RMSE) ≤ 20 %, |NMBE| ≤ 5 %"`), when known.
    public var criteria: String?

    /// Creates fit statistics.
    public init(slopeKWhPerDarkHour: Double, interceptKWh: Double, n: Int, rSquared: Double,
                cvRMSEPercent: Double, nmbePercent: Double, meetsASHRAE14: Bool,
                baselinePeriod: String, criteria: String? = nil) {
        self.slopeKWhPerDarkHour = slopeKWhPerDarkHour
        self.interceptKWh = interceptKWh
        self.n = n
        self.rSquared = rSquared
        self.cvRMSEPercent = cvRMSEPercent
        self.nmbePercent = nmbePercent
        self.meetsASHRAE14 = meetsASHRAE14
        self.baselinePeriod = baselinePeriod
        self.criteria = criteria
    }
}
