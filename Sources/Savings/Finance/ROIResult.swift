import Foundation

/// The return on an `InvestmentCase`, all amounts in `currency`.
///
/// Rounding: every yearly cash flow is rounded to the cent (halves away from zero) — it is an
/// amount of money that changes hands. Discounted values are kept exact (to Decimal's 38
/// digits) while summed; the NPV, the present value of savings and the series' discounted
/// columns are rounded to the cent once, at the end. The series' last cumulative discounted
/// value therefore equals `npv`.
public struct ROIResult: Sendable, Hashable {
    /// One year of the cash-flow series, for a payback chart. Amounts in cents.
    public struct Year: Sendable, Hashable {
        /// 0 (the investment) to the lifetime.
        public let year: Int
        /// Cash flow at the end of the year: −capex in year 0, net savings after.
        public let cashFlow: Decimal
        /// `cashFlow` / (1 + discount rate)^year.
        public let discountedCashFlow: Decimal
        /// Sum of the cash flows of years 0...year.
        public let cumulative: Decimal
        /// Sum of the discounted cash flows of years 0...year; crosses zero at the discounted
        /// payback.
        public let cumulativeDiscounted: Decimal
    }

    /// ISO 4217 code of every amount.
    public let currency: String
    /// Capital expenditure, as given.
    public let capex: Decimal
    /// Value of a saved kWh in year 1 (the flat price, or the savings-weighted time-of-use
    /// average).
    public let pricePerKWh: Decimal
    /// Energy saved per year, kWh.
    public let annualEnergySavingsKWh: Double
    /// Energy cost avoided in year 1: annual kWh × `pricePerKWh`, to the cent.
    public let annualAvoidedCost: Decimal
    /// Year-1 net savings: `annualAvoidedCost` + maintenance savings, to the cent.
    public let annualNetSavings: Decimal
    /// Discount rate, a fraction.
    public let discountRate: Double
    /// Years of savings counted.
    public let lifetimeYears: Int
    /// capex / `annualNetSavings`, in years (undiscounted, year-1 prices); 0 when capex is 0,
    /// nil when the net savings are 0 or less.
    public let simplePaybackYears: Double?
    /// When the cumulative discounted cash flow first reaches zero, in years, interpolated
    /// linearly within that year; 0 when capex is 0, nil when it does not happen within the
    /// lifetime.
    public let discountedPaybackYears: Double?
    /// Net present value: −capex + Σ cash flowₜ / (1 + r)ᵗ, to the cent.
    public let npv: Decimal
    /// Present value of the savings, Σₜ≥₁ cash flowₜ / (1 + r)ᵗ, to the cent.
    public let presentValueOfSavings: Decimal
    /// Internal rate of return, a fraction (0.139 = 13.9 %): the rate at which the NPV is zero.
    /// nil when the cash flows never change sign (savings of 0 or less) or no rate above
    /// -99.9 % solves it. Negative when the savings do not repay the capex.
    public let irr: Double?
    /// Savings-to-investment ratio, `presentValueOfSavings` / capex; nil when capex is 0.
    public let sir: Double?
    /// Years 0...lifetime.
    public let years: [Year]
}
