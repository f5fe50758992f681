import ArgumentParser
import Astronomy
import Cabinet
import Foundation
import Lighting
import SourceFiles
import Units

/// `lanterne profile`: what technicians do with profiles before flashing them.
struct ProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Validate profiles, preview what they do, sign them, flash them to a running controller, roll them back.",
        subcommands: [ValidateProfile.self, PlanProfile.self, SignProfile.self, FlashProfile.self, ProfileHistoryCommand.self,
                      RollbackProfile.self])
}

/// `lanterne profile validate FILE...`
struct ValidateProfile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check profile files; print every problem as FILE:LINE:COL: error: ...",
        discussion: "Exit status: 0 when every file is valid, 1 when any is not, 2 on a usage error.")

    @Argument(help: ArgumentHelp("Profile files (YAML).", valueName: "file"))
    var files: [String]

    @Flag(name: .customLong("quiet"), help: "Print only problems, nothing for valid files.")
    var quiet = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one profile file") }
    }

    func run() throws {
        var failed = false
        for file in files {
            let loaded = ProfileLoader.load(path: file)
            Console.report(loaded.diagnostics)
            if let p = loaded.value {
                if !quiet {
                    let warnings = loaded.diagnostics.warnings.count
                    print("\(file): valid — profile '\(p.id)', \(p.groups.count) group(s), \(p.programs.count) program(s), \(p.plans.count) plan(s)\(p.presence.isEmpty ? "" : ", \(p.presence.count) presence rule(s)")\(warnings > 0 ? ", \(warnings) warning(s)" : "")")
                }
            } else {
                failed = true
                Console.stderr("\(file): invalid (\(loaded.diagnostics.errors.count) error(s))\n")
            }
        }
        if failed { throw ExitCode(1) }
    }
}

/// `lanterne profile plan --cabinet C [--profile P] --date D [--json]`
struct PlanProfile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Tonight's timeline per group: when each group switches and dims, and why.",
        discussion: """
            The date names the lighting day (the night that begins on its evening, noon to noon \
            local time). Solar switch points are shown at their astronomical time; a photocell \
            may move them inside the window shown.
            """)

    @Option(help: ArgumentHelp("Cabinet file.", valueName: "file"))
    var cabinet: String

    @Option(help: ArgumentHelp("Profile file (default: the one the cabinet names).", valueName: "file"))
    var profile: String?

    @Option(help: ArgumentHelp("Lighting day, in the cabinet's time zone.", valueName: Day.valueName))
    var date: Day

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let config = try CabinetFile.load(cabinet, profile: profile)
        let engine = try DimmingEngine.compile(profile: config.profile, installation: config.installation).get()
        let view = NightView(config: config, day: date.date, night: engine.night(date.date, photocell: nil), clock: engine.clock)
        print(json ? try Console.json(view.jsonObject()) : view.text())
    }
}

/// One lighting day's plan of a cabinet, as `lanterne profile plan` shows it.
struct NightView {
    let config: CabinetConfiguration
    let day: CivilDate
    let night: DimmingEngine.Night
    let clock: LocalClock
    var profile: Profile { config.profile }

    /// `Sat 17:02:11 +01:00`.
    func local(_ d: Date) -> String {
        let f = DateFormatter()
        f.timeZone = clock.timeZone
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "EEE HH:mm:ss xxx"
        return f.string(from: d)
    }

    /// The photocell window of a step, when its point asks for confirmation and the board has
    /// a photocell.
    func window(_ step: PlanTimeline.Step, planID: String) -> ClosedRange<Date>? {
        guard case .plan(_, let text) = step.reason, let plan = profile.plan(planID),
              plan.points.contains(where: { $0.time.description == text && $0.photocell }),
              config.board.inputs.contains(where: { $0.kind == .photocell }) else { return nil }
        return step.at.addingTimeInterval(-Double(profile.photocell.beforeSeconds))...step.at.addingTimeInterval(Double(profile.photocell.afterSeconds))
    }

    func jsonObject() -> [String: Any] {
        let groups = profile.groups.enumerated().map { g, group -> [String: Any] in
            let timeline = night.timelines[g]
            return [
                "id": group.id, "plan": timeline.plan, "circuits": group.circuits,
                "steps": timeline.steps.map { s -> [String: Any] in
                    var o: [String: Any] = ["at": InstantText.isoUTC(s.at), "local": local(s.at), "level": s.level.percent,
                                            "fadeSeconds": s.fadeSeconds, "reason": s.reason.description]
                    if let w = window(s, planID: timeline.plan) {
                        o["photocellWindow"] = [InstantText.isoUTC(w.lowerBound), InstantText.isoUTC(w.upperBound)]
                    }
                    return o
                },
            ]
        }
        let sun = night.sun
        return [
            "cabinet": config.site.id, "profile": profile.id, "date": day.description,
            "timeZone": clock.timeZone.identifier, "status": sun.status.rawValue,
            "sun": Dictionary(uniqueKeysWithValues: SolarEvent.allCases.map { ($0.rawValue, InstantText.isoUTC(sun[$0])) }),
            "lightingDay": ["start": InstantText.isoUTC(sun.start), "end": InstantText.isoUTC(sun.end)],
            "groups": groups,
        ]
    }

    func text() -> String {
        let sun = night.sun
        var lines = ["\(config.site.name) — profile '\(profile.id)' — lighting day \(day) (\(clock.timeZone.identifier))"]
        switch sun.status {
        case .polarNight: lines.append("Polar night: dark from noon to noon.")
        case .midnightSun: lines.append("Midnight sun: no dark period.")
        case .normal:
            lines.append("Sunset \(local(sun[.sunset])), civil dusk \(local(sun[.civilDusk])); civil dawn \(local(sun[.civilDawn])), sunrise \(local(sun[.sunrise])).")
            lines.append("Times are local (with their UTC offset) and UTC.")
        }
        for (g, group) in profile.groups.enumerated() {
            lines += groupLines(group, timeline: night.timelines[g])
        }
        return lines.joined(separator: "\n")
    }

    func groupLines(_ group: LightingGroup, timeline: PlanTimeline) -> [String] {
        let luminaires = group.circuits.compactMap { config.installation.circuit($0)?.luminaireCount }.reduce(0, +)
        var lines = ["", "Group \(group.id) — circuits \(group.circuits.joined(separator: ", ")) (\(luminaires) luminaires) — plan \(timeline.plan)"]
        if timeline.steps.isEmpty { lines.append("  (no switching this night)") }
        for s in timeline.steps {
            let level = String(format: "%5.1f %%", s.level.percent)
            let fade = s.fadeSeconds > 0 ? " over \(DurationText.format(Int(s.fadeSeconds)))" : ""
            var line = "  \(local(s.at))  \(InstantText.isoUTC(s.at))  \(level)\(fade)  \(s.reason)"
            if let w = window(s, planID: timeline.plan) {
                let f = DateFormatter()
                f.timeZone = clock.timeZone
                f.dateFormat = "HH:mm"
                line += " — photocell may switch \(f.string(from: w.lowerBound))–\(f.string(from: w.upperBound))"
            }
            lines.append(line)
        }
        for rule in profile.presence where rule.sensors.contains(where: { $0.group == group.id }) {
            let sensors = rule.sensors.filter { $0.group == group.id }.map { "\($0.id)@\($0.position)" }.joined(separator: ", ")
            lines.append("  presence '\(rule.id)': \(sensors) raise ±\(rule.neighbours) luminaires to \(rule.level) %, hold \(DurationText.format(rule.holdSeconds))\(rule.onlyWhenDark ? ", only when dark" : "")")
        }
        return lines
    }
}
