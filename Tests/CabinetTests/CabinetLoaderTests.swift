import Foundation
import Lighting
@testable import Cabinet
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

    /// The README's cabinet on the Modbus test bed loads without a finding.
    @Test func theTestBedExampleLoads() throws {
        let loaded = CabinetLoader.load(path: root.appendingPathComponent("examples/testbed/cabinet.yaml").path)
        #expect(loaded.diagnostics.items.isEmpty, "\(loaded.diagnostics)")
        let c = try #require(loaded.value)
        #expect(c.board.meters.first?.measures == .phases([["k1", "k4"], ["k2", "dali-1"], ["k3", "dali-2"]]))
        #expect(c.outputs == ["c1": "k1", "c2": "k2", "c3": "k3"])
        #expect(c.metricsAddress?.host == "127.0.0.1" && c.metricsAddress?.port == 9464 && c.faults.sampleSeconds == 2)
    }

    @Test func faultThresholdsAndHoldTimes() throws {
        #expect(try #require(CabinetLoader.load(path: montdidierPath).value).faults == .default)
        let set = try loadVariant { $0 + "\nfaults:\n  sampleEvery: 5s\n  lampFailure: { below: 30, hold: 10m }\n  dayBurner: { above: 50 }\n  contactor: { hold: 2m, window: 5m }\n  supplyLoss: { below: 180, hold: 3s }\n" }
        let f = try #require(set.value, "\(set.diagnostics)").faults
        #expect(f.sampleSeconds == 5 && f.lampFailurePercent == 30 && f.lampFailureHoldSeconds == 600)
        #expect(f.dayBurnerWatts == 50 && f.dayBurnerHoldSeconds == FaultSettings.default.dayBurnerHoldSeconds)
        #expect(f.contactorHoldSeconds == 120 && f.contactorWindowSeconds == 300 && f.supplyLossVolts == 180 && f.supplyLossHoldSeconds == 3)
        let wrong = try loadVariant { $0 + "\nfaults:\n  lampFailure: { below: 120, hodl: 1m }\n" }
        #expect(wrong.value == nil)
        let errors = wrong.diagnostics.errors.map(\.message)
        #expect(errors.contains("unknown key 'hodl' in 'faults.lampFailure'; did you mean 'hold'?"), "\(errors)")
        #expect(errors.contains("'faults.lampFailure.below' is 120 %, expected 1 to 99 %"), "\(errors)")
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
