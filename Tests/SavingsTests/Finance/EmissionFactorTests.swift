import Foundation
import Savings
import Testing

@Suite("Emission factors")
struct EmissionFactorTests {
    @Test("Presets carry their value, name and source; avoided CO2e = kWh × factor")
    func presets() throws {
        let fr = try #require(EmissionFactor.preset("fr-ademe"))
        #expect(fr.kgCO2ePerKWh == 0.052)
        #expect(fr.source.contains("ADEME") && fr.source.contains("Base Empreinte"))
        #expect(fr.note.contains("lighting"))
        let eu = try #require(EmissionFactor.preset("eu-eea"))
        #expect(eu.kgCO2ePerKWh == 0.281 && eu.year == 2018)
        #expect(eu.source.contains("European Environment Agency"))
        #expect(EmissionFactor.preset("nowhere") == nil)
        // 100 000 kWh avoided at 0.052 kg/kWh: 5 200 kg.
        #expect(abs(fr.avoidedKgCO2e(kWh: 100_000) - 5_200) < 1e-9)
        #expect(abs(eu.avoidedKgCO2e(kWh: 1_000) - 281) < 1e-9)
    }

    @Test("Custom factors: any finite value of 0 or more")
    func custom() throws {
        let c = try EmissionFactor.custom(kgCO2ePerKWh: 0.1)
        #expect(c.id == "custom" && c.year == nil)
        #expect(c.avoidedKgCO2e(kWh: 10) == 1)
        #expect(throws: FinanceError.invalidEmissionFactor(-0.1)) { try EmissionFactor.custom(kgCO2ePerKWh: -0.1) }
        #expect(throws: FinanceError.self) { try EmissionFactor.custom(kgCO2ePerKWh: .nan) }
    }
}
