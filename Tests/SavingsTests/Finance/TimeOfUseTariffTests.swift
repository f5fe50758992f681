import Foundation
import Savings
import Testing

@Suite("Time-of-use tariffs")
struct TimeOfUseTariffTests {
    static func d(_ s: String) -> Decimal { Decimal(string: s)! }

    @Test("Heures creuses 22:00-06:00: prices by local hour")
    func heuresCreuses() throws {
        let tariff = try TimeOfUseTariff.peakOffPeak(currency: "EUR", peakPrice: Self.d("0.2700"), offPeakPrice: Self.d("0.2068"))
        for hour in [22, 23, 0, 3, 5] { #expect(tariff.price(atLocalHour: hour) == Self.d("0.2068"), "hour \(hour)") }
        for hour in [6, 12, 21] { #expect(tariff.price(atLocalHour: hour) == Self.d("0.27"), "hour \(hour)") }
        #expect(tariff.period(atLocalHour: 2).name == "heures creuses")
        #expect(tariff.period(atLocalHour: 18).name == "heures pleines")
        #expect(TimeOfUseTariff.Hours(from: 22, to: 6).description == "22:00-06:00")
    }

    @Test("Weighted average price: by hand, 8 off-peak hours and 4 peak hours of equal savings")
    func weightedAverage() throws {
        let tariff = try TimeOfUseTariff.peakOffPeak(currency: "EUR", peakPrice: Self.d("0.30"), offPeakPrice: Self.d("0.15"))
        var profile = [Double](repeating: 0, count: 24)
        for hour in [22, 23, 0, 1, 2, 3, 4, 5] { profile[hour] = 10 }  // off-peak
        for hour in [18, 19, 20, 21] { profile[hour] = 10 }            // peak
        // (8 × 0.15 + 4 × 0.30) / 12 = 2.4 / 12 = 0.2
        #expect(try tariff.weightedAveragePrice(hourlySavings: profile) == Self.d("0.2"))
        // Thirds: rounded to 1e-6, halves away from zero.
        var thirds = [Double](repeating: 0, count: 24)
        thirds[0] = 1; thirds[12] = 2   // (0.15 + 2 × 0.30) / 3 = 0.25
        #expect(try tariff.weightedAveragePrice(hourlySavings: thirds) == Self.d("0.25"))
        thirds[12] = 0.5                // (0.15 + 0.15) / 1.5 = 0.2
        #expect(try tariff.weightedAveragePrice(hourlySavings: thirds) == Self.d("0.2"))
        let single = try TimeOfUseTariff(currency: "EUR", periods: [
            .init(name: "a", pricePerKWh: Self.d("0.1"), hours: [.init(from: 0, to: 12)]),
            .init(name: "b", pricePerKWh: Self.d("0.2"), hours: [.init(from: 12, to: 24)]),
        ])
        var third = [Double](repeating: 0, count: 24)
        third[1] = 2; third[13] = 1     // (0.2 + 0.2) / 3 = 0.1333333...
        #expect(try single.weightedAveragePrice(hourlySavings: third) == Self.d("0.133333"))
    }

    @Test("The investment case values savings at the weighted price")
    func inInvestmentCase() throws {
        let tariff = try TimeOfUseTariff.peakOffPeak(currency: "EUR", peakPrice: Self.d("0.30"), offPeakPrice: Self.d("0.15"))
        var profile = [Double](repeating: 0, count: 24)
        for hour in [22, 23, 0, 1, 2, 3, 4, 5, 18, 19, 20, 21] { profile[hour] = 1 }
        let result = try InvestmentCase(capex: 10_000, currency: "EUR", annualEnergySavingsKWh: 10_000,
                                        energyPrice: .timeOfUse(tariff, hourlySavings: profile),
                                        discountRate: 0.04, lifetimeYears: 10).evaluate()
        #expect(result.pricePerKWh == Self.d("0.2"))
        #expect(result.annualAvoidedCost == 2_000)
        let dollars = try TimeOfUseTariff.peakOffPeak(currency: "USD", peakPrice: 1, offPeakPrice: 1)
        #expect(throws: FinanceError.currencyMismatch(expected: "EUR", found: "USD")) {
            try InvestmentCase(capex: 1, currency: "EUR", annualEnergySavingsKWh: 1,
                               energyPrice: .timeOfUse(dollars, hourlySavings: profile),
                               discountRate: 0.04, lifetimeYears: 1).validate()
        }
    }

    @Test("Malformed tariffs and profiles are refused with the hour at fault")
    func invalid() {
        #expect(throws: FinanceError.invalidTariff(reason: "hour 6 (06:00-07:00) is in no period")) {
            try TimeOfUseTariff(currency: "EUR", periods: [
                .init(name: "night", pricePerKWh: 1, hours: [.init(from: 22, to: 6)]),
                .init(name: "day", pricePerKWh: 2, hours: [.init(from: 7, to: 22)]),
            ])
        }
        #expect(throws: FinanceError.invalidTariff(reason: "hour 22 is in both 'night' and 'evening'")) {
            try TimeOfUseTariff(currency: "EUR", periods: [
                .init(name: "night", pricePerKWh: 1, hours: [.init(from: 22, to: 6)]),
                .init(name: "evening", pricePerKWh: 2, hours: [.init(from: 6, to: 23)]),
            ])
        }
        #expect(throws: FinanceError.self) {
            try TimeOfUseTariff(currency: "EUR", periods: [.init(name: "x", pricePerKWh: 1, hours: [.init(from: 5, to: 5)])])
        }
        #expect(throws: FinanceError.negativePrice(-1)) {
            try TimeOfUseTariff(currency: "EUR", periods: [.init(name: "x", pricePerKWh: -1, hours: [.init(from: 0, to: 24)])])
        }
        #expect(throws: FinanceError.invalidTariff(reason: "it has no period")) {
            try TimeOfUseTariff(currency: "EUR", periods: [])
        }
        let flat = try? TimeOfUseTariff(currency: "EUR", periods: [.init(name: "all", pricePerKWh: 1, hours: [.init(from: 0, to: 24)])])
        #expect(flat?.price(atLocalHour: 23) == 1)
        #expect(throws: FinanceError.invalidSavingsProfile(reason: "expected 24 hourly values, found 3")) {
            try flat?.weightedAveragePrice(hourlySavings: [1, 2, 3])
        }
        #expect(throws: FinanceError.invalidSavingsProfile(reason: "the 24 values sum to 0")) {
            try flat?.weightedAveragePrice(hourlySavings: Array(repeating: 0, count: 24))
        }
        var bad = [Double](repeating: 1, count: 24)
        bad[5] = -1
        #expect(throws: FinanceError.invalidSavingsProfile(reason: "hour 5 has -1.0: expected a finite value, 0 or more")) {
            try flat?.weightedAveragePrice(hourlySavings: bad)
        }
    }
}
