import Foundation

/// The return on a lighting investment, in the report's currency.
public struct ROIFigures: Sendable {
    /// The investment (capital expenditure), positive.
    public var capex: Decimal
    /// Years until the undiscounted savings repay the investment; nil when they never do.
    public var simplePaybackYears: Double?
    /// Years until the discounted savings repay the investment; nil when they never do
    /// within `years`.
    public var discountedPaybackYears: Double?
    /// Net present value over `years` at `discountRate`.
    public var npv: Decimal
    /// Internal rate of return, as a fraction (`0.12` for 12 %); nil when it does not exist.
    public var irr: Double?
    /// Savings-to-investment ratio (present value of savings / investment).
    public var sir: Double
    /// Discount rate, as a fraction (`0.04` for 4 %).
    public var discountRate: Double
    /// Length of the analysis, years.
    public var years: Int
    /// Cumulative discounted cash flow at the end of each year: index 0 is year 0
    /// (`−capex`), index `years` the last year (equal to `npv`).
    public var cumulativeDiscounted: [Decimal]

    /// Creates return-on-investment figures.
    public init(capex: Decimal, simplePaybackYears: Double?, discountedPaybackYears: Double?,
                npv: Decimal, irr: Double?, sir: Double, discountRate: Double, years: Int,
                cumulativeDiscounted: [Decimal]) {
        self.capex = capex
        self.simplePaybackYears = simplePaybackYears
        self.discountedPaybackYears = discountedPaybackYears
        self.npv = npv
        self.irr = irr
        self.sir = sir
        self.discountRate = discountRate
        self.years = years
        self.cumulativeDiscounted = cumulativeDiscounted
    }
}
