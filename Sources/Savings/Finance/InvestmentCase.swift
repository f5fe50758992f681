import Foundation

/// The figures of a lighting investment, from which `evaluate()` computes its return.
///
/// Conventions (see docs/SAVINGS.md): cash flows fall at year ends; year 0 is the investment
/// (−capex); year t (1...lifetime) brings the energy savings valued at the year-1 price grown by
/// the escalation, (1 + escalation)^(t−1), plus the maintenance savings (not escalated).
public struct InvestmentCase: Sendable, Hashable {
    /// Longest lifetime accepted, in years.
    public static let lifetimeRange = 1...100

    /// Capital expenditure, in `currency`, 0 or more.
    public var capex: Decimal
    /// ISO 4217 code of every amount (capex, prices, maintenance), e.g. "EUR".
    public var currency: String
    /// Energy saved per year, in kWh (negative when the project uses more).
    public var annualEnergySavingsKWh: Double
    /// Value of a saved kWh in year 1.
    public var energyPrice: EnergyPrice
    /// Maintenance costs avoided per year, in `currency` (negative for added costs such as a
    /// telemanagement subscription); not escalated.
    public var annualMaintenanceSavings: Decimal
    /// Discount rate per year, a fraction (0.04 = 4 %), greater than -1.
    public var discountRate: Double
    /// Years of savings counted, `lifetimeRange`.
    public var lifetimeYears: Int
    /// Growth of the energy price per year, a fraction (0.02 = 2 %), greater than -1.
    public var priceEscalation: Double

    /// Nothing is checked here; `validate()` and `evaluate()` check everything.
    public init(capex: Decimal, currency: String, annualEnergySavingsKWh: Double, energyPrice: EnergyPrice,
                annualMaintenanceSavings: Decimal = 0, discountRate: Double, lifetimeYears: Int,
                priceEscalation: Double = 0) {
        self.capex = capex
        self.currency = currency
        self.annualEnergySavingsKWh = annualEnergySavingsKWh
        self.energyPrice = energyPrice
        self.annualMaintenanceSavings = annualMaintenanceSavings
        self.discountRate = discountRate
        self.lifetimeYears = lifetimeYears
        self.priceEscalation = priceEscalation
    }

    /// Checks every figure.
    ///
    /// - Throws: `FinanceError.invalidCurrency`, `.negativeCapex`, `.notFinite` (an amount,
    ///   the savings, the discount rate, the escalation), `.discountRateTooLow` (≤ -1), `.escalationTooLow` (≤ -1),
    ///   `.lifetimeOutOfRange`, `.currencyMismatch` (a tariff in another currency), and what
    ///   `EnergyPrice.pricePerKWh()` throws.
    public func validate() throws(FinanceError) {
        _ = try validatedPrice()
    }

    /// Validates and returns the year-1 price per kWh.
    func validatedPrice() throws(FinanceError) -> Decimal {
        guard Self.isCurrencyCode(currency) else { throw .invalidCurrency(currency) }
        guard !capex.isNaN else { throw .notFinite(what: "the capital expenditure") }
        guard !annualMaintenanceSavings.isNaN else { throw .notFinite(what: "the annual maintenance savings") }
        guard capex >= 0 else { throw .negativeCapex(capex) }
        guard annualEnergySavingsKWh.isFinite else { throw .notFinite(what: "the annual energy savings") }
        guard discountRate.isFinite else { throw .notFinite(what: "the discount rate") }
        guard discountRate > -1 else { throw .discountRateTooLow(discountRate) }
        guard priceEscalation.isFinite else { throw .notFinite(what: "the energy price escalation") }
        guard priceEscalation > -1 else { throw .escalationTooLow(priceEscalation) }
        guard Self.lifetimeRange.contains(lifetimeYears) else {
            throw .lifetimeOutOfRange(lifetimeYears, allowed: Self.lifetimeRange)
        }
        if let tariffCurrency = energyPrice.currency, tariffCurrency != currency {
            throw .currencyMismatch(expected: currency, found: tariffCurrency)
        }
        return try energyPrice.pricePerKWh()
    }

    /// Whether `code` has the form of an ISO 4217 code: three letters A-Z.
    public static func isCurrencyCode(_ code: String) -> Bool {
        code.utf8.count == 3 && code.utf8.allSatisfy { (65...90).contains($0) }
    }
}
