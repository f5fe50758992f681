import Astronomy
import Foundation
@testable import Lighting
import SourceFiles
import Testing
import Units

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

func loadProfile(_ yaml: String) -> Loaded<Profile> { ProfileLoader.load(text: yaml, file: "p.yaml") }

/// A minimal valid profile, to break on purpose.
let minimal = """
profile: test
plans:
  - id: night
    switch:
      - { at: sunset, level: 100 }
      - { at: sunrise, level: 0 }
programs:
  - id: prog
    default: night
groups:
  - id: g
    circuits: [c1]
    program: prog
"""

@Suite struct ShippedProfiles {
    static let files = ["residential-part-night", "main-road-m-class", "footpath-presence",
                        "town-centre-festive", "montdidier"]

    @Test(arguments: files)
    func loadsWithoutFindings(name: String) throws {
        let path = repositoryRoot.appendingPathComponent("profiles/\(name).yaml").path
        let loaded = ProfileLoader.load(path: path)
        #expect(loaded.diagnostics.items.isEmpty, "\(loaded.diagnostics)")
        let profile = try #require(loaded.value)
        #expect(profile.id == name)
        #expect(!profile.plans.isEmpty && !profile.groups.isEmpty)
    }

    @Test func residentialSwitchesOffAt0100() throws {
        let p = try #require(ProfileLoader.load(path: repositoryRoot.appendingPathComponent("profiles/residential-part-night.yaml").path).value)
        let plan = try #require(p.plan("part-night"))
        #expect(plan.points.map(\.time.description) == ["sunset+10m", "01:00", "05:00", "sunrise-10m"])
        #expect(plan.points.map(\.level.tenths) == [1000, 0, 1000, 0])
        #expect(plan.points[0].photocell)
    }

    @Test func townCentreCalendar() throws {
        let p = try #require(ProfileLoader.load(path: repositoryRoot.appendingPathComponent("profiles/town-centre-festive.yaml").path).value)
        let program = try #require(p.program("town-centre"))
        let sets = Dictionary(uniqueKeysWithValues: p.specialDays.map { ($0.id, $0) })
        func planFor(_ s: String) -> String {
            let d = CivilDate(s)!
            return program.rules.first { $0.matches(d, specialDays: sets) }?.plan ?? program.defaultPlan
        }
        #expect(planFor("2026-12-15") == "festive")        // Christmas season
        #expect(planFor("2027-01-06") == "festive")        // wraps the new year
        #expect(planFor("2026-06-21") == "festive")        // Fête de la musique
        #expect(planFor("2026-10-31") == "market-night")   // last Saturday of October
        #expect(planFor("2026-10-30") == "late")           // a Friday
        #expect(planFor("2026-05-13") == "late")           // eve of Ascension 2026 (Easter 5 April + 38)
        #expect(planFor("2026-05-12") == "ordinary")       // a Tuesday
    }
}

@Suite struct ProfileValidation {
    func errors(_ yaml: String) -> [String] { loadProfile(yaml).diagnostics.errors.map(\.description) }

    @Test func minimalIsValid() {
        #expect(loadProfile(minimal).value != nil)
    }

    @Test func unknownKeyWithSuggestionAndPosition() {
        let e = errors(minimal.replacingOccurrences(of: "programs:", with: "progams:"))
        #expect(e.contains("p.yaml:7:1: error: unknown key 'progams' in the document; did you mean 'programs'?"))
        #expect(e.contains("p.yaml:1:1: error: missing required key 'programs' in the document"))
        #expect(e.count == 2)   // no cascade of "unknown program" errors
    }

    @Test func levelOutOfRange() {
        let e = errors(minimal.replacingOccurrences(of: "level: 100", with: "level: 120"))
        #expect(e == ["p.yaml:5:30: error: 'plans[0].switch[0].level' is 120 %, expected 0 to 100 %"])
    }

    @Test func badTimeSuggestsEvent() {
        let e = errors(minimal.replacingOccurrences(of: "at: sunset,", with: "at: sunst+10m,"))
        #expect(e.count == 1)
        #expect(e[0].hasPrefix("p.yaml:5:15: error: 'plans[0].switch[0].at' must be a local time"))
        #expect(e[0].hasSuffix("did you mean 'sunset'?"))
    }

    @Test func duplicateIDs() {
        let yaml = minimal + "\n  - id: g\n    circuits: [c2]\n    program: prog\n"
        #expect(errors(yaml) == ["p.yaml:14:5: error: duplicate group id 'g' (first defined at 11:5)"])
    }

    @Test func danglingReferences() {
        let e = errors(minimal.replacingOccurrences(of: "default: night", with: "default: nigth")
            .replacingOccurrences(of: "program: prog", with: "program: prgo"))
        #expect(e.contains { $0.contains("unknown plan 'nigth'; did you mean 'night'?") })
        #expect(e.contains { $0.contains("unknown program 'prgo'; did you mean 'prog'?") })
    }

    @Test func missingDefaultPlan() {
        let e = errors(minimal.replacingOccurrences(of: "    default: night\n", with: "    rules:\n      - { weekdays: [fri], plan: night }\n"))
        #expect(e == ["p.yaml:8:5: error: program 'prog' has no default plan: add 'default: PLAN' for the days no rule matches"])
    }

    @Test func contradictoryAndUnreachablePoints() {
        let yaml = minimal.replacingOccurrences(of: "      - { at: sunrise, level: 0 }", with: """
              - { at: "23:00", level: 50 }
              - { at: "23:00", level: 30 }
              - { at: "22:00", level: 40 }
              - { at: sunrise, level: 0 }
        """)
        let e = errors(yaml)
        #expect(e.contains { $0.hasPrefix("p.yaml:7:9: error: contradictory switch points: '23:00' asks for level 30") })
        #expect(e.contains { $0.hasPrefix("p.yaml:8:9: error: switch point '22:00' is never reached in this order") })
    }

    @Test func dawnBeforeDuskIsUnreachable() {
        let yaml = minimal.replacingOccurrences(of: "      - { at: sunset, level: 100 }\n      - { at: sunrise, level: 0 }",
                                                with: "      - { at: sunrise, level: 100 }\n      - { at: sunset, level: 0 }")
        #expect(errors(yaml).contains { $0.contains("switch point 'sunset' is never reached") })
    }

    @Test func planMustEndOff() {
        let e = errors(minimal.replacingOccurrences(of: "{ at: sunrise, level: 0 }", with: "{ at: sunrise, level: 20 }"))
        #expect(e == ["p.yaml:6:9: error: plan 'night' ends at level 20: its last switch point must turn the lights off (level 0) before the lighting day ends at noon"])
    }

    @Test func photocellOnFixedTime() {
        let e = errors(minimal.replacingOccurrences(of: "{ at: sunrise, level: 0 }", with: "{ at: \"06:00\", level: 0, photocell: true }"))
        #expect(e.contains { $0.contains("photocell confirmation applies to solar switch points only") })
    }

    @Test func weekdayAndDatesCheck() {
        let yaml = minimal.replacingOccurrences(of: "    default: night", with: """
                rules:
                  - { weekdays: [fryday], plan: night }
                  - { dates: [2026-02-30], plan: night }
                  - { plan: night }
                default: night
            """)
        let e = errors(yaml)
        #expect(e.contains { $0.contains("must be a weekday (mon, tue, wed, thu, fri, sat, sun), found 'fryday'") })
        #expect(e.contains { $0.contains("found '2026-02-30'") })
        #expect(e.contains { $0.contains("a calendar rule needs a condition") })
    }

    @Test func syntaxErrorHasPosition() {
        let e = errors("profile: x\nplans: [\n")
        #expect(e.count == 1)
        #expect(e[0].hasPrefix("p.yaml:3:1: error: invalid YAML"))
    }

    @Test func circuitInTwoGroups() {
        let yaml = minimal + "\n  - id: h\n    circuits: [c1]\n    program: prog\n"
        #expect(errors(yaml).contains { $0.contains("circuit 'c1' is in group 'g' and in group 'h'") })
    }

    @Test func missingFileIsOneClearError() {
        let loaded = ProfileLoader.load(path: "/nonexistent/x.yaml")
        #expect(loaded.diagnostics.description == "/nonexistent/x.yaml:1:1: error: cannot read profile: no such file")
    }
}

@Suite struct Parsing {
    @Test func switchTimes() {
        #expect(SwitchTime("22:30") == .local(minutes: 1350))
        #expect(SwitchTime("1:05") == .local(minutes: 65))
        #expect(SwitchTime("sunset+10m") == .solar(.sunset, offsetSeconds: 600))
        #expect(SwitchTime("sunrise-1h30m") == .solar(.sunrise, offsetSeconds: -5400))
        #expect(SwitchTime("24:00") == nil)
        #expect(SwitchTime("sunset+7h") == nil)
        #expect(SwitchTime("noon") == nil)
        #expect(SwitchTime("civilDusk+90s")?.description == "civilDusk+1m30s")
    }

    @Test func datePatterns() {
        #expect(DatePattern("12-20..01-06")!.matches(CivilDate("2027-01-02")!))
        #expect(!DatePattern("12-20..01-06")!.matches(CivilDate("2027-01-07")!))
        #expect(DatePattern("2026-12-01..2026-11-01") == nil)
        #expect(DatePattern("02-30") == nil)
        #expect(DatePattern("02-29")!.matches(CivilDate("2028-02-29")!))
    }

    @Test func nthAndLastWeekday() {
        let lastSunday = CalendarRule(plan: "x", nth: -1, nthWeekday: 7, location: .init(file: "", line: 1, column: 1))
        #expect(lastSunday.matches(CivilDate("2026-03-29")!, specialDays: [:]))
        #expect(!lastSunday.matches(CivilDate("2026-03-22")!, specialDays: [:]))
        let secondTuesday = CalendarRule(plan: "x", nth: 2, nthWeekday: 2, location: .init(file: "", line: 1, column: 1))
        #expect(secondTuesday.matches(CivilDate("2026-11-10")!, specialDays: [:]))
        #expect(!secondTuesday.matches(CivilDate("2026-11-03")!, specialDays: [:]))
    }

    @Test func easter() {
        // Published dates of Easter Sunday (Gregorian).
        #expect(CivilDate.easter(year: 2026) == CivilDate("2026-04-05"))
        #expect(CivilDate.easter(year: 2027) == CivilDate("2027-03-28"))
        #expect(CivilDate.easter(year: 2038) == CivilDate("2038-04-25"))
        #expect(CivilDate.easter(year: 1818) == CivilDate("1818-03-22"))
    }

    @Test func durations() {
        #expect(DurationText.parseSeconds("1h30m") == 5400)
        #expect(DurationText.parseSeconds("90") == 90)
        #expect(DurationText.parseSeconds("10x") == nil)
        #expect(DurationText.parseSeconds("m") == nil)
    }

    @Test func levelsAndClamp() {
        #expect(DimLevel(percent: 33.33)?.tenths == 333)
        #expect(DimLevel(percent: 100.01) == nil)
        #expect(DimLevel(percent: 5)!.clamped(toMinimum: DimLevel(percent: 10)!) == DimLevel(percent: 10))
        #expect(DimLevel.off.clamped(toMinimum: DimLevel(percent: 10)!) == .off)
    }
}
