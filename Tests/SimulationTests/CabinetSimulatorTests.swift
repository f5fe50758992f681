import Astronomy
import Cabinet
import Foundation
import Lighting
import Simulation
import Testing
import Units

/// The repository's example cabinets and profiles.
enum Examples {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let montdidier = root.appendingPathComponent("examples/montdidier.yaml").path
    static let profiles = root.appendingPathComponent("profiles").path
}

/// The cabinet simulator over the Montdidier example: deterministic, its intervals tile the
/// period and add up to its totals, a year is plausible, polar sites behave.
@Suite struct CabinetSimulatorTests {
    let config: CabinetConfiguration
    let paris: TimeZone

    init() throws {
        config = try #require(CabinetLoader.load(path: Examples.montdidier).value)
        paris = try #require(TimeZone(identifier: "Europe/Paris"))
    }

    /// Local midnights of two dates in `zone` (Paris by default).
    func period(_ a: String, _ b: String, in zone: TimeZone? = nil) throws -> (Date, Date) {
        let clock = LocalClock(timeZone: zone ?? paris)
        return (clock.instant(try #require(CivilDate(a)), secondsOfDay: 0), clock.instant(try #require(CivilDate(b)), secondsOfDay: 0))
    }

    struct Collector: SimulationRecorder {
        var circuits: [SimulatedCircuitInterval] = []
        var production: [SimulatedProductionInterval] = []
        var meter: [Energy] = []
        var switching: [SimulatedSwitching] = []
        mutating func record(_ intervals: [SimulatedInterval]) {
            for i in intervals {
                circuits += i.circuits
                production += i.production
                if let m = i.meter { meter.append(m.energy) }
                switching += i.switching
            }
        }
    }

    @Test func sameSeedSameResult() throws {
        let (a, b) = try period("2026-03-01", "2026-04-01")
        let r1 = try CabinetSimulator(configuration: config, seed: 5).run(from: a, to: b)
        let r2 = try CabinetSimulator(configuration: config, seed: 5).run(from: a, to: b)
        let r3 = try CabinetSimulator(configuration: config, seed: 6).run(from: a, to: b)
        #expect(r1 == r2)
        #expect(r1.lighting != r3.lighting)
    }

    @Test func intervalsTileThePeriodAndSumToTheTotals() throws {
        let (a, b) = try period("2026-03-27", "2026-04-03")   // spans the spring DST change
        var collector = Collector()
        let report = try CabinetSimulator(configuration: config, seed: 1).run(from: a, to: b, recorder: &collector)
        // 7 days minus the hour DST removed, in quarter-hours, per circuit.
        let quarters = Int(b.timeIntervalSince(a) / 900)
        #expect(quarters == 7 * 96 - 4)
        #expect(collector.circuits.count == quarters * 3)
        #expect(collector.production.count == quarters)
        for circuit in ["c1", "c2", "c3"] {
            let rows = collector.circuits.filter { $0.circuit == circuit }
            #expect(rows.first?.start == a && rows.last?.end == b)
            #expect(zip(rows, rows.dropFirst()).allSatisfy { $0.end == $1.start })
        }
        #expect(collector.circuits.reduce(Energy.zero) { $0 + $1.energy } == report.lighting)
        #expect(collector.circuits.reduce(Energy.zero) { $0 + $1.baseline } == report.baseline)
        #expect(collector.production.reduce(Energy.zero) { $0 + $1.energy } == report.production)
        #expect(collector.meter.reduce(Energy.zero, +) == report.lighting)   // the meter counts every circuit
        // Every plan step of every circuit is logged once, inside its interval, in time order.
        #expect(collector.switching.count >= 7 * 3 * 4)
        #expect(zip(collector.switching, collector.switching.dropFirst()).allSatisfy { $0.at <= $1.at })
        #expect(collector.switching.allSatisfy { $0.at >= a && $0.at < b })
        // No light and no consumption in broad daylight; full legacy baseline at 2 a.m.
        let noon = collector.circuits.filter { LocalClock(timeZone: paris).local($0.start).secondsOfDay == 13 * 3600 }
        #expect(!noon.isEmpty && noon.allSatisfy { $0.energy == .zero && $0.burningSeconds == 0 && $0.baseline == .zero })
    }

    @Test func aYearAtMontdidierIsPlausible() throws {
        let (a, b) = try period("2026-01-01", "2027-01-01")
        let r = try CabinetSimulator(configuration: config, seed: 2026).run(from: a, to: b)
        // Legacy load 15.328 kW (40×171 + 56×116 + 24×83 W) for the year's dark hours, which
        // are about 4,300 at 49.6° N (sunset to sunrise).
        let darkHours = r.baseline.kilowattHours / 15.328
        #expect(darkHours > 4_200 && darkHours < 4_400)
        #expect(r.savingsPercent > 60 && r.savingsPercent < 95)
        // PV: about 1,050 kWh/kWp/yr for 36 kWp facing south at 30°.
        let yield = r.production.kilowattHours / 36
        #expect(yield > 950 && yield < 1_150)
        // Part-night and presence: luminaires burn less than the dark hours.
        #expect(r.burningHours > 2_000 && r.burningHours < darkHours)
    }

    @Test func polarSiteRunsWithoutGarbage() throws {
        var polar = config
        polar.installation.site = Site(id: "tromso", name: "Tromsø", coordinate: try #require(GeoCoordinate(latitude: 69.65, longitude: 18.96)),
                                       timeZone: try #require(TimeZone(identifier: "Europe/Oslo")))
        let (a, b) = try period("2026-06-10", "2026-06-20", in: polar.site.timeZone)
        let summer = try CabinetSimulator(configuration: polar, seed: 1).run(from: a, to: b)
        #expect(summer.lighting == .zero && summer.baseline == .zero)   // midnight sun: no dark period
        let (c, d) = try period("2026-12-10", "2026-12-20", in: polar.site.timeZone)
        let winter = try CabinetSimulator(configuration: polar, seed: 1).run(from: c, to: d)
        // Polar night: the baseline burns around the clock.
        #expect(abs(winter.baseline.kilowattHours - 15.328 * 240) < 1)
    }
}
