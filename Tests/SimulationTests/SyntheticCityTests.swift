import Astronomy
import Foundation
import Lighting
import Simulation
import Testing
import Units

/// The benchmark city: twenty cabinets, four profiles, simulated together or one by one.
@Suite struct SyntheticCityTests {
    @Test func aWeekOfTwentyCabinets() throws {
        let cabinets = try SyntheticCity.cabinets(count: 20, luminairesPerCabinet: 100,
                                                  profilesDirectory: Examples.profiles)
        #expect(cabinets.count == 20)
        #expect(cabinets.map(\.installation.luminaireCount).reduce(0, +) == 2_000)
        #expect(Set(cabinets.map(\.profile.id)) == ["main-road-m-class", "residential-part-night", "town-centre-festive", "footpath-presence"])
        #expect(cabinets.filter { !$0.pvArrays.isEmpty }.count == 2)
        let clock = LocalClock(timeZone: try #require(TimeZone(identifier: "Europe/Paris")))
        let from = clock.instant(try #require(CivilDate("2026-11-02")), secondsOfDay: 0)
        let to = clock.instant(try #require(CivilDate("2026-11-09")), secondsOfDay: 0)
        let report = try SyntheticCity.simulate(cabinets, from: from, to: to, seed: 1)
        #expect(report.luminaires == 2_000)
        #expect(report.lighting > .zero && report.lighting < report.baseline)
        #expect(report.production > .zero)
        // Every cabinet simulated on its own gives the same sum.
        var sum = Energy.zero
        for (k, c) in cabinets.enumerated() {
            sum += try CabinetSimulator(configuration: c, seed: 1 &+ UInt64(k)).run(from: from, to: to).lighting
        }
        #expect(sum == report.lighting)
    }
}
