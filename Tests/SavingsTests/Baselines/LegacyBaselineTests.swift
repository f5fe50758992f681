import Astronomy
import Foundation
import Lighting
import Savings
import Testing
import Units

@Suite("Legacy baseline")
struct LegacyBaselineTests {
    @Test("Rated watts × dark hours: 120 lamps of 150 W for 4 285.6 h")
    func energy() throws {
        #expect(try LegacyBaseline.energyKWh(ratedPower: Watts(18_000), darkHours: 4285.6) == 18_000 * 4285.6 / 1000)
        #expect(try LegacyBaseline.energyKWh(ratedPower: Watts(100), darkHours: 10) == 1)
        // Exact integer energy: 100 W for 36 s is 1 Wh.
        #expect(try LegacyBaseline.energy(ratedPower: Watts(100), darkSeconds: 36) == Energy(wattHours: 1))
        #expect(try LegacyBaseline.energy(ratedPower: Watts(0), darkSeconds: 3600) == .zero)
    }

    @Test("An installation's legacy power: legacy watts × luminaires, summed over circuits")
    func ratedPower() {
        let site = Site(id: "m", name: "M", coordinate: GeoCoordinate(latitude: 49.6, longitude: 2.6)!,
                        timeZone: TimeZone(identifier: "Europe/Paris")!)
        let led = LuminaireModel(ratedPower: Watts(40))
        let installation = Installation(site: site, circuits: [
            CircuitSpec(id: "c1", name: "a", luminaireCount: 40, model: led, legacyPower: Watts(171), safeState: .on),
            CircuitSpec(id: "c2", name: "b", luminaireCount: 10, model: led, legacyPower: Watts(96), safeState: .on),
        ])
        #expect(LegacyBaseline.ratedPower(of: installation) == Watts(40 * 171 + 10 * 96))
    }

    @Test("Negative or non-finite inputs throw")
    func errors() {
        #expect(throws: SavingsError.negative(what: "rated power", value: -1)) {
            try LegacyBaseline.energyKWh(ratedPower: Watts(-1), darkHours: 1)
        }
        #expect(throws: SavingsError.notFinite(what: "dark hours")) {
            try LegacyBaseline.energyKWh(ratedPower: Watts(1), darkHours: .nan)
        }
        #expect(throws: SavingsError.negative(what: "dark seconds", value: -5)) {
            try LegacyBaseline.energy(ratedPower: Watts(1), darkSeconds: -5)
        }
    }

    @Test("Savings against a legacy baseline: adjusted baseline − reporting")
    func savings() throws {
        let baseline = try LegacyBaseline.energyKWh(ratedPower: Watts(18_000), darkHours: 4000)   // 72 000 kWh
        let result = try SavingsResult(adjustedBaselineKWh: baseline, reportingKWh: 18_000, coverage: 1)
        #expect(result.avoidedKWh == 54_000)
        #expect(result.avoidedPercent == 75)
        #expect(result.extrapolatedPeriods == 0)
        #expect(try SavingsResult(adjustedBaselineKWh: 0, reportingKWh: 0, coverage: 1).avoidedPercent == nil)
        #expect(throws: SavingsError.negative(what: "reporting-period energy", value: -1)) {
            try SavingsResult(adjustedBaselineKWh: 1, reportingKWh: -1, coverage: 1)
        }
        #expect(throws: SavingsError.notFinite(what: "coverage")) {
            try SavingsResult(adjustedBaselineKWh: 1, reportingKWh: 1, coverage: .nan)
        }
    }
}
