import Foundation

/// Why an investment case, a tariff or an emission factor was refused. Every message is one line
/// that names the value at fault and what was expected.
public enum FinanceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The capital expenditure is negative.
    case negativeCapex(Decimal)
    /// The currency is not an ISO 4217 code (three capital letters, e.g. EUR).
    case invalidCurrency(String)
    /// `what` is NaN or infinite where a finite number is required.
    case notFinite(what: String)
    /// The discount rate is -1 (-100 %) or lower: discount factors would not exist.
    case discountRateTooLow(Double)
    /// The energy price escalation is -1 (-100 %) or lower.
    case escalationTooLow(Double)
    /// The lifetime is outside `allowed` years.
    case lifetimeOutOfRange(Int, allowed: ClosedRange<Int>)
    /// A price per kWh is negative.
    case negativePrice(Decimal)
    /// Two amounts are in different currencies.
    case currencyMismatch(expected: String, found: String)
    /// A time-of-use tariff is not well formed; `reason` says how.
    case invalidTariff(reason: String)
    /// An hourly savings profile is not 24 finite non-negative values with a positive sum.
    case invalidSavingsProfile(reason: String)
    /// An emission factor is not a finite number of kg CO2e per kWh, 0 or more.
    case invalidEmissionFactor(Double)

    /// One line, for example `the discount rate must be greater than -1 (-100 %), found -1.5`.
    public var description: String {
        switch self {
        case .negativeCapex(let capex):
            return "the capital expenditure must be 0 or more, found \(capex)"
        case .invalidCurrency(let code):
            return "'\(code)' is not a currency code: expected three capital letters (ISO 4217), e.g. EUR"
        case .notFinite(let what):
            return "\(what) is not a finite number"
        case .discountRateTooLow(let rate):
            return "the discount rate must be greater than -1 (-100 %), found \(rate)"
        case .escalationTooLow(let rate):
            return "the energy price escalation must be greater than -1 (-100 %), found \(rate)"
        case .lifetimeOutOfRange(let years, let allowed):
            return "the lifetime must be \(allowed.lowerBound) to \(allowed.upperBound) years, found \(years)"
        case .negativePrice(let price):
            return "a price per kWh must be 0 or more, found \(price)"
        case .currencyMismatch(let expected, let found):
            return "amounts are in \(found) where \(expected) was expected"
        case .invalidTariff(let reason):
            return "invalid time-of-use tariff: \(reason)"
        case .invalidSavingsProfile(let reason):
            return "invalid hourly savings profile: \(reason)"
        case .invalidEmissionFactor(let value):
            return "an emission factor must be a finite number of kg CO2e per kWh, 0 or more, found \(value)"
        }
    }
}
