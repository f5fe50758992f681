import Foundation

/// An energy tariff whose price per kWh depends on the local hour: named periods, each with a
/// price and the local hours it applies to, together covering each of the 24 hours exactly once
/// — for example the French « heures creuses » (off-peak, typically 22:00-06:00) and
/// « heures pleines » (peak, the rest of the day).
///
/// Hours are whole local clock hours (0 is 00:00-01:00). Tariffs whose periods change on the
/// half hour (some French off-peak slots do) are approximated to the hour that holds most of
/// the slot. Weekday/weekend and seasonal variants are not modelled: use one tariff per
/// season and weight the results.
public struct TimeOfUseTariff: Sendable, Hashable {
    /// Local clock hours [from, to): `Hours(from: 22, to: 6)` is 22:00 to 06:00, across
    /// midnight. `from` is 0...23, `to` is 0...24 and differs from `from`; `Hours(from: 0, to: 24)`
    /// is the whole day.
    public struct Hours: Sendable, Hashable, CustomStringConvertible {
        /// First local hour, 0...23.
        public var from: Int
        /// Local hour at which the range ends (exclusive), 0...24; at or before `from`, the
        /// range runs across midnight.
        public var to: Int
        /// Hours from `from` to `to` (exclusive); checked by `TimeOfUseTariff.init`.
        public init(from: Int, to: Int) {
            self.from = from
            self.to = to
        }
        /// The hours of the day in the range, in order from `from`; empty when the range is
        /// malformed (checked by `TimeOfUseTariff.init`).
        public var hours: [Int] {
            guard (0...23).contains(from), (0...24).contains(to), from != to else { return [] }
            return to > from ? Array(from..<to) : Array(from..<24) + Array(0..<to)
        }
        /// `22:00-06:00`.
        public var description: String {
            func two(_ h: Int) -> String { h < 10 ? "0\(h):00" : "\(h):00" }
            return "\(two(from))-\(two(to))"
        }
    }

    /// A named price period.
    public struct Period: Sendable, Hashable {
        /// Name, e.g. "heures creuses".
        public var name: String
        /// Price of a kWh in this period, in the tariff's currency.
        public var pricePerKWh: Decimal
        /// The local hours the period covers.
        public var hours: [Hours]
        /// A period; checked by `TimeOfUseTariff.init`.
        public init(name: String, pricePerKWh: Decimal, hours: [Hours]) {
            self.name = name
            self.pricePerKWh = pricePerKWh
            self.hours = hours
        }
    }

    /// ISO 4217 currency of the prices.
    public let currency: String
    /// The periods, as given.
    public let periods: [Period]
    /// Index in `periods` of each local hour 0...23.
    private let periodOfHour: [Int]

    /// Scale to which `weightedAveragePrice` rounds: 1e-6 currency units per kWh.
    public static let averagePriceScale = 6

    /// - Throws: `FinanceError.invalidCurrency`, `.invalidTariff` (no period, an unnamed period,
    ///   a malformed hour range, an hour in no period or in two), `.negativePrice`.
    public init(currency: String, periods: [Period]) throws(FinanceError) {
        guard InvestmentCase.isCurrencyCode(currency) else { throw .invalidCurrency(currency) }
        guard !periods.isEmpty else { throw .invalidTariff(reason: "it has no period") }
        var owner = [Int?](repeating: nil, count: 24)
        for (index, period) in periods.enumerated() {
            guard !period.name.isEmpty else { throw .invalidTariff(reason: "period \(index) has no name") }
            guard period.pricePerKWh >= 0 else { throw .negativePrice(period.pricePerKWh) }
            for range in period.hours {
                let hours = range.hours
                guard !hours.isEmpty else {
                    throw .invalidTariff(reason: "'\(period.name)' has hours from \(range.from) to \(range.to): "
                                         + "expected from 0...23 and to 0...24, different")
                }
                for hour in hours {
                    if let other = owner[hour] {
                        throw .invalidTariff(reason: "hour \(hour) is in both '\(periods[other].name)' and '\(period.name)'")
                    }
                    owner[hour] = index
                }
            }
        }
        var periodOfHour: [Int] = []
        for hour in 0..<24 {
            guard let index = owner[hour] else {
                throw .invalidTariff(reason: "hour \(hour) (\(Hours(from: hour, to: hour + 1))) is in no period")
            }
            periodOfHour.append(index)
        }
        self.currency = currency
        self.periods = periods
        self.periodOfHour = periodOfHour
    }

    /// A two-period tariff: off-peak during `offPeak` (22:00-06:00 by default, as French
    /// « heures creuses » often are), peak the rest of the day.
    ///
    /// - Throws: as `init(currency:periods:)`.
    public static func peakOffPeak(currency: String, peakPrice: Decimal, offPeakPrice: Decimal,
                                   offPeak: Hours = Hours(from: 22, to: 6),
                                   peakName: String = "heures pleines",
                                   offPeakName: String = "heures creuses") throws(FinanceError) -> TimeOfUseTariff {
        let off = offPeak.hours
        guard !off.isEmpty else {
            throw .invalidTariff(reason: "off-peak hours from \(offPeak.from) to \(offPeak.to) are malformed")
        }
        let peak = off.count == 24 ? [] : [Hours(from: offPeak.to % 24, to: offPeak.from)]
        return try TimeOfUseTariff(currency: currency, periods: [
            Period(name: offPeakName, pricePerKWh: offPeakPrice, hours: [offPeak]),
            Period(name: peakName, pricePerKWh: peakPrice, hours: peak),
        ].filter { !$0.hours.isEmpty })
    }

    /// The period in force at local hour `hour` (0...23; another value is a programmer error).
    public func period(atLocalHour hour: Int) -> Period {
        precondition((0..<24).contains(hour), "local hour \(hour) is outside 0...23")
        return periods[periodOfHour[hour]]
    }

    /// The price of a kWh at local hour `hour` (0...23), in `currency`.
    public func price(atLocalHour hour: Int) -> Decimal {
        period(atLocalHour: hour).pricePerKWh
    }

    /// The average price of the saved kWh, weighted by when they are saved:
    /// Σₕ savingsₕ × priceₕ / Σₕ savingsₕ, rounded to 1e-6 of the currency per kWh (halves away
    /// from zero).
    ///
    /// - Parameter hourlySavings: 24 values, the energy saved in each local hour 0...23 (over a
    ///   typical day or a whole year; any unit, only the proportions matter).
    /// - Throws: `FinanceError.invalidSavingsProfile` when there are not 24 values, one is NaN,
    ///   infinite or negative, or they sum to 0.
    public func weightedAveragePrice(hourlySavings: [Double]) throws(FinanceError) -> Decimal {
        guard hourlySavings.count == 24 else {
            throw .invalidSavingsProfile(reason: "expected 24 hourly values, found \(hourlySavings.count)")
        }
        var total = Decimal(0), weighted = Decimal(0)
        for (hour, value) in hourlySavings.enumerated() {
            guard value.isFinite, value >= 0 else {
                throw .invalidSavingsProfile(reason: "hour \(hour) has \(value): expected a finite value, 0 or more")
            }
            let weight = DecimalMath.decimal(value)
            total += weight
            weighted += weight * price(atLocalHour: hour)
        }
        guard total > 0 else { throw .invalidSavingsProfile(reason: "the 24 values sum to 0") }
        return DecimalMath.rounded(weighted / total, scale: Self.averagePriceScale)
    }
}
