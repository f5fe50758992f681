import Foundation

/// What a saved kWh is worth: one flat price, or a time-of-use tariff weighted by when the
/// savings happen.
public enum EnergyPrice: Sendable, Hashable {
    /// One price per kWh, in the investment case's currency.
    case flat(perKWh: Decimal)
    /// A time-of-use tariff and the energy saved in each local hour 0...23 (24 values, any
    /// unit: only proportions matter). Street-lighting savings fall mostly at night, which is
    /// where off-peak prices are.
    case timeOfUse(TimeOfUseTariff, hourlySavings: [Double])

    /// The price of a saved kWh in the first year, in the tariff's currency: the flat price, or
    /// the savings-weighted average of the time-of-use prices (rounded to 1e-6 per kWh).
    ///
    /// - Throws: `FinanceError.negativePrice`, or what `TimeOfUseTariff.weightedAveragePrice`
    ///   throws.
    public func pricePerKWh() throws(FinanceError) -> Decimal {
        switch self {
        case .flat(let price):
            guard price >= 0 else { throw .negativePrice(price) }
            return price
        case .timeOfUse(let tariff, let profile):
            return try tariff.weightedAveragePrice(hourlySavings: profile)
        }
    }

    /// The currency the price itself carries (a time-of-use tariff's); nil for a flat price,
    /// which takes the investment case's.
    public var currency: String? {
        if case .timeOfUse(let tariff, _) = self { return tariff.currency }
        return nil
    }
}
