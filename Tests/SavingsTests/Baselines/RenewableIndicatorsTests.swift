import Foundation
import Savings
import Testing

@Suite("Renewable indicators")
struct RenewableIndicatorsTests {
    @Test("Montdidier's figures: production up 52 %, consumption down 27 %")
    func change() throws {
        #expect(abs(try RenewableIndicators.changePercent(previousKWh: 25_000, currentKWh: 38_000) - 52) < 1e-12)
        #expect(abs(try RenewableIndicators.changePercent(previousKWh: 100_000, currentKWh: 73_000) + 27) < 1e-12)
        #expect(try RenewableIndicators.changePercent(previousKWh: 5, currentKWh: 5) == 0)
        #expect(throws: SavingsError.zeroReference(what: "previous-period energy")) {
            try RenewableIndicators.changePercent(previousKWh: 0, currentKWh: 10)
        }
        #expect(throws: SavingsError.notFinite(what: "current-period energy")) {
            try RenewableIndicators.changePercent(previousKWh: 1, currentKWh: .infinity)
        }
    }

    @Test("Share of lighting consumption: may exceed 100 %")
    func share() throws {
        #expect(try RenewableIndicators.sharePercent(productionKWh: 37_805.8, consumptionKWh: 11_229.9) > 336)
        #expect(try RenewableIndicators.sharePercent(productionKWh: 50, consumptionKWh: 200) == 25)
        #expect(throws: SavingsError.zeroReference(what: "lighting consumption")) {
            try RenewableIndicators.sharePercent(productionKWh: 1, consumptionKWh: 0)
        }
        #expect(throws: SavingsError.negative(what: "renewable production", value: -1)) {
            try RenewableIndicators.sharePercent(productionKWh: -1, consumptionKWh: 1)
        }
        #expect(SavingsError.zeroReference(what: "lighting consumption").description
                == "lighting consumption is 0 kWh: a ratio relative to it does not exist")
    }
}
