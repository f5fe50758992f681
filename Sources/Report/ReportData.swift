import Foundation

/// Everything a savings report shows, computed beforehand: `ReportRenderer` only lays it out.
///
/// Energies are in kilowatt-hours, money is `Decimal` in `currency`, percentages are
/// 0 ... 100 (they may exceed 100 or be negative where the quantity allows it). Any `Double`
/// that is not finite is shown as "—", never as `nan` or `inf`.
public struct ReportData: Sendable {
    /// The report's heading (`"Montdidier — armoire des Remparts"`); plain text, escaped when rendered.
    public var title: String
    /// The site id of the cabinet (`"MTD-01"`).
    public var cabinetID: String
    /// Where the cabinet is, in words (`"49.648° N, 2.570° E — Europe/Paris"`).
    public var siteDescription: String
    /// The first instant of the reported period (UTC); the period is half-open.
    public var periodStart: Date
    /// The first instant after the reported period (UTC, exclusive).
    public var periodEnd: Date
    /// The time zone in which dates, months and the generation time are shown.
    public var timeZone: TimeZone
    /// When the report was generated (UTC); injected, never read from the clock.
    public var generatedAt: Date
    /// What generated the report (`"lanterne 0.1.0"`).
    public var generator: String
    /// ISO 4217 code of every amount of money in the report (`"EUR"`).
    public var currency: String
    /// One entry per local calendar month of the period, oldest first; may be empty.
    public var months: [MonthFigures]
    /// The figures of the whole period.
    public var totals: ReportTotals
    /// How the baseline was established, in words (`"Legacy counterfactual: 120 HPS luminaires …"`).
    public var baselineMethod: String
    /// The statistics of an IPMVP option B baseline fit, when one was made.
    public var ipmvp: IPMVPFigures?
    /// The return on the investment, when investment figures are known.
    public var roi: ROIFigures?
    /// EN 13201-5 annual energy consumption indicators, one per road or circuit; may be empty.
    public var aeci: [AECIRow]
    /// The state of the ledger's hash chain the figures were computed from.
    public var integrity: ReportIntegrity
    /// Caveats shown at the end (gaps, estimated data, assumptions); plain text.
    public var notes: [String]

    /// Creates report data; nothing is validated, and the renderer copes with any values.
    public init(title: String, cabinetID: String, siteDescription: String,
                periodStart: Date, periodEnd: Date, timeZone: TimeZone,
                generatedAt: Date, generator: String, currency: String,
                months: [MonthFigures], totals: ReportTotals, baselineMethod: String,
                ipmvp: IPMVPFigures? = nil, roi: ROIFigures? = nil, aeci: [AECIRow] = [],
                integrity: ReportIntegrity, notes: [String] = []) {
        self.title = title
        self.cabinetID = cabinetID
        self.siteDescription = siteDescription
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.timeZone = timeZone
        self.generatedAt = generatedAt
        self.generator = generator
        self.currency = currency
        self.months = months
        self.totals = totals
        self.baselineMethod = baselineMethod
        self.ipmvp = ipmvp
        self.roi = roi
        self.aeci = aeci
        self.integrity = integrity
        self.notes = notes
    }
}
