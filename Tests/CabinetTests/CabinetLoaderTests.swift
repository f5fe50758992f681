import Astronomy
import Foundation
import HAL
import Lighting
@testable import Cabinet
import Simulation
import SourceFiles
import Testing
import Units

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let montdidierPath = root.appendingPathComponent("examples/montdidier.yaml").path

func montdidierText() throws -> String { try String(contentsOfFile: montdidierPath, encoding: .utf8) }

/// Loads a variant of the example cabinet from the examples folder (so relative paths resolve).
func loadVariant(_ edit: (String) -> String) throws -> Loaded<CabinetConfiguration> {
    CabinetLoader.load(text: edit(try montdidierText()), file: root.appendingPathComponent("examples/variant.yaml").path)
}

@Suite struct CabinetLoading {
    @Test func exampleLoads() throws {
        let loaded = CabinetLoader.load(path: montdidierPath)
        #expect(loaded.diagnostics.items.isEmpty, "\(loaded.diagnostics)")
        let c = try #require(loaded.value)
        #expect(c.installation.luminaireCount == 120)
        #expect(c.installation.circuits.map(\.id) == ["c1", "c2", "c3"])
        #expect(c.installation.circuits[2].safeState == .photocell)     // from the board
        #expect(c.pvArrays.first?.peakKilowatts == 36)
        #expect(c.tariff?.pricePerKilowattHour == Decimal(string: "0.18"))
        #expect(c.site.timeZone.identifier == "Europe/Paris")
        #expect(c.boardPath.hasSuffix("boards/simulated.yaml") && !c.boardPath.contains(".."))
    }

    @Test func emissionFactorAndCurrency() throws {
        // Absent: France's average mix; a preset; a mapping; a wrong value, positioned.
        #expect(try #require(CabinetLoader.load(path: montdidierPath).value).emissionFactor.id == "fr-ademe")
        let eea = try loadVariant { $0 + "\nemissionFactor: eu-eea\n" }
        #expect(eea.value?.emissionFactor.kgCO2ePerKWh == 0.281)
        let custom = try loadVariant { $0 + "\nemissionFactor: { name: Régie locale, kgPerKWh: 0.04, source: contrat 2026 }\n" }
        #expect(custom.value?.emissionFactor.name == "Régie locale" && custom.value?.emissionFactor.kgCO2ePerKWh == 0.04)
        let declared = try #require(custom.value).declarations(effective: Date(timeIntervalSince1970: 0))
        #expect(declared.map(\.content.kind) == ["site", "circuit", "circuit", "circuit", "tariff", "investment", "emission-factor"])
        let wrong = try loadVariant { $0 + "\nemissionFactor: fr-edf\n" }
        #expect(wrong.value == nil)
        #expect(wrong.diagnostics.errors.first?.message.hasPrefix("'emissionFactor' must be fr-ademe, eu-eea or a mapping") == true)
        let currency = try loadVariant { $0.replacingOccurrences(of: "currency: EUR", with: "currency: euro") }
        #expect(currency.diagnostics.errors.map(\.message) == ["'tariff.currency' must be an ISO 4217 currency code such as EUR, found 'euro'"])
    }

    @Test func unknownOutputAndLuminaireType() throws {
        let loaded = try loadVariant {
            $0.replacingOccurrences(of: "output: out-3", with: "output: out-33")
              .replacingOccurrences(of: "luminaire: led-30w-street", with: "luminaire: led-30w-stret")
        }
        #expect(loaded.value == nil)
        let messages = loaded.diagnostics.errors.map(\.message)
        #expect(messages.contains("board 'simulated' has no output 'out-33'; did you mean 'out-3'?"))
        #expect(messages.contains("unknown luminaire type 'led-30w-stret'; did you mean 'led-30w-street'?"))
    }

    @Test func profileCircuitsMustExist() throws {
        #expect(try montdidierText().contains("  - { id: c3, name: Promenade des Remparts, output: out-3, luminaire: led-20w-path, count: 24, area: 1440 }\n"))
        let loaded = try loadVariant {
            $0.replacingOccurrences(of: "  - { id: c3, name: Promenade des Remparts, output: out-3, luminaire: led-20w-path, count: 24, area: 1440 }\n", with: "")
        }
        #expect(loaded.value == nil)
        #expect(loaded.diagnostics.errors.contains {
            $0.message == "group 'promenade-des-remparts' names circuit 'c3', which the cabinet does not have; did you mean 'c1'?"
                && $0.location.file.hasSuffix("profiles/montdidier.yaml")
        })
    }

    @Test func unknownTimeZone() throws {
        let loaded = try loadVariant { $0.replacingOccurrences(of: "timeZone: Europe/Paris", with: "timeZone: Europe/Pariss") }
        #expect(loaded.diagnostics.errors.first?.message.hasPrefix("unknown time zone 'Europe/Pariss'; did you mean 'Europe/Paris'?") == true)
    }

    @Test func invalidProfileIsNamedAtTheCabinetLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-cab-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "profile: broken\nplans: []\nprograms: []\ngroups: []\nextra: 1\n".write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let text = try montdidierText()
            .replacingOccurrences(of: "board: ../boards/simulated.yaml", with: "board: \(root.path)/boards/simulated.yaml")
            .replacingOccurrences(of: "profile: ../profiles/montdidier.yaml", with: "profile: p.yaml")
        let loaded = CabinetLoader.load(text: text, file: dir.appendingPathComponent("c.yaml").path)
        #expect(loaded.value == nil)
        #expect(loaded.diagnostics.errors.contains { $0.message == "profile 'p.yaml' is not valid (see the errors above)" && $0.location.line == 18 })
        #expect(loaded.diagnostics.errors.contains { $0.message.hasPrefix("unknown key 'extra'") && $0.location.file.hasSuffix("p.yaml") })
    }

    @Test func pathsFoldLexically() {
        #expect(CabinetLoader.resolve("../boards/x.yaml", base: "examples") == "boards/x.yaml")
        #expect(CabinetLoader.resolve("../../x.yaml", base: "a") == "../x.yaml")
        #expect(CabinetLoader.resolve("/etc/x.yaml", base: "a") == "/etc/x.yaml")
        #expect(CabinetLoader.resolve("b/./c.yaml", base: "/srv/a") == "/srv/a/b/c.yaml")
    }
}

@Suite struct Simulation {
    let config = CabinetLoader.load(path: montdidierPath).value!
    let paris = TimeZone(identifier: "Europe/Paris")!

    func period(_ a: String, _ b: String) -> (Date, Date) {
        let clock = LocalClock(timeZone: paris)
        return (clock.instant(CivilDate(a)!, secondsOfDay: 0), clock.instant(CivilDate(b)!, secondsOfDay: 0))
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
        let (a, b) = period("2026-03-01", "2026-04-01")
        let r1 = try CabinetSimulator(configuration: config, seed: 5).run(from: a, to: b)
        let r2 = try CabinetSimulator(configuration: config, seed: 5).run(from: a, to: b)
        let r3 = try CabinetSimulator(configuration: config, seed: 6).run(from: a, to: b)
        #expect(r1 == r2)
        #expect(r1.lighting != r3.lighting)
    }

    @Test func intervalsTileThePeriodAndSumToTheTotals() throws {
        let (a, b) = period("2026-03-27", "2026-04-03")   // spans the spring DST change
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
        let (a, b) = period("2026-01-01", "2027-01-01")
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
        polar.installation.site = Site(id: "tromso", name: "Tromsø", coordinate: GeoCoordinate(latitude: 69.65, longitude: 18.96)!,
                                       timeZone: TimeZone(identifier: "Europe/Oslo")!)
        let clock = LocalClock(timeZone: polar.site.timeZone)
        let (a, b) = (clock.instant(CivilDate("2026-06-10")!, secondsOfDay: 0), clock.instant(CivilDate("2026-06-20")!, secondsOfDay: 0))
        let summer = try CabinetSimulator(configuration: polar, seed: 1).run(from: a, to: b)
        #expect(summer.lighting == .zero && summer.baseline == .zero)   // midnight sun: no dark period
        let (c, d) = (clock.instant(CivilDate("2026-12-10")!, secondsOfDay: 0), clock.instant(CivilDate("2026-12-20")!, secondsOfDay: 0))
        let winter = try CabinetSimulator(configuration: polar, seed: 1).run(from: c, to: d)
        // Polar night: the baseline burns around the clock.
        #expect(abs(winter.baseline.kilowattHours - 15.328 * 240) < 1)
    }
}

@Suite struct SyntheticCityTests {
    @Test func aWeekOfTwentyCabinets() throws {
        let cabinets = try SyntheticCity.cabinets(count: 20, luminairesPerCabinet: 100,
                                                  profilesDirectory: root.appendingPathComponent("profiles").path)
        #expect(cabinets.count == 20)
        #expect(cabinets.map(\.installation.luminaireCount).reduce(0, +) == 2_000)
        #expect(Set(cabinets.map(\.profile.id)) == ["main-road-m-class", "residential-part-night", "town-centre-festive", "footpath-presence"])
        #expect(cabinets.filter { !$0.pvArrays.isEmpty }.count == 2)
        let clock = LocalClock(timeZone: TimeZone(identifier: "Europe/Paris")!)
        let from = clock.instant(CivilDate("2026-11-02")!, secondsOfDay: 0), to = clock.instant(CivilDate("2026-11-09")!, secondsOfDay: 0)
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
