import Astronomy
import Foundation
import SourceFiles

/// Loads and validates a profile file. Every problem is reported with its position
/// (`FILE:LINE:COL: error: ...`); a profile with any error yields no value, so an invalid
/// profile can never reach the engine.
public enum ProfileLoader {
    static let weekdayNames = ["mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7]

    /// Reads and validates the file at `path`. I/O failures are reported as a diagnostic at
    /// line 1 of the file.
    public static func load(path: String) -> Loaded<Profile> {
        do {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            return load(text: text, file: path)
        } catch {
            var d = Diagnostics()
            d.error("cannot read profile: \(FileProblem.describe(error, path: path))",
                    at: SourceLocation(file: path, line: 1, column: 1))
            return Loaded(value: nil, diagnostics: d)
        }
    }

    /// Parses and validates profile YAML `text`; `file` names it in findings.
    public static func load(text: String, file: String) -> Loaded<Profile> {
        let r = SourceReader(file: file)
        guard let root = r.parse(text), r.expect(.profile, root) else { return Loaded(value: nil, diagnostics: r.diagnostics) }
        let profile = read(root, r)
        if let profile { validate(profile, r) }
        return Loaded(value: profile, diagnostics: r.diagnostics)
    }

    // MARK: reading

    static func read(_ root: SourceNode, _ r: SourceReader) -> Profile? {
        guard let m = r.mapping(root, allowed: ["profile", "version", "description", "limits", "photocell",
                                                "specialDays", "plans", "programs", "groups", "presence"],
                                required: ["profile", "plans", "programs", "groups"]) else { return nil }
        let id = m["profile"].flatMap(r.identifier)
        let description = m["description"].flatMap(r.string)
        let version = m["version"].flatMap { r.int($0, in: 1...2_000_000_000) }
        let limits = m["limits"].map { readLimits($0, r) } ?? .default
        let photocell = m["photocell"].map { readPhotocell($0, r) } ?? .default
        let specialDays = m["specialDays"].flatMap { r.sequence($0) }?.compactMap { readSpecialDays($0, r) } ?? []
        let plans = m["plans"].flatMap { r.sequence($0) }?.compactMap { readPlan($0, r, defaultFade: limits.defaultFadeSeconds) } ?? []
        let programs = m["programs"].flatMap { r.sequence($0) }?.compactMap { readProgram($0, r) } ?? []
        let groups = m["groups"].flatMap { r.sequence($0) }?.compactMap { readGroup($0, r) } ?? []
        let presence = m["presence"].flatMap { r.sequence($0) }?.compactMap { readPresence($0, r) } ?? []
        // A missing section was reported already; checking references into it would only add noise.
        guard let id, m["plans"] != nil, m["programs"] != nil, m["groups"] != nil else { return nil }
        return Profile(id: id, description: description, groups: groups, programs: programs, plans: plans,
                       specialDays: specialDays, presence: presence, photocell: photocell, limits: limits,
                       location: root.location, version: version)
    }

    static func readLimits(_ n: SourceNode, _ r: SourceReader) -> Limits {
        guard let m = r.mapping(n, allowed: ["minimumBurn", "minimumLevel", "minimumRelayCycle", "fade"]) else { return .default }
        var l = Limits.default
        if let v = m["minimumBurn"].flatMap({ r.duration($0, in: 0...4 * 3600) }) { l.minimumBurnSeconds = v }
        if let v = m["minimumLevel"].flatMap({ r.level($0) }) { l.minimumLevel = v }
        if let v = m["minimumRelayCycle"].flatMap({ r.duration($0, in: 0...4 * 3600) }) { l.minimumRelayCycleSeconds = v }
        if let v = m["fade"].flatMap({ r.duration($0, in: 0...3600) }) { l.defaultFadeSeconds = v }
        return l
    }

    static func readPhotocell(_ n: SourceNode, _ r: SourceReader) -> PhotocellWindow {
        guard let m = r.mapping(n, allowed: ["before", "after"]) else { return .default }
        var w = PhotocellWindow.default
        if let v = m["before"].flatMap({ r.duration($0, in: 0...2 * 3600) }) { w.beforeSeconds = v }
        if let v = m["after"].flatMap({ r.duration($0, in: 0...2 * 3600) }) { w.afterSeconds = v }
        return w
    }

    static func readDatePatterns(_ n: SourceNode, _ r: SourceReader) -> [DatePattern]? {
        guard let items = r.sequence(n, allowScalar: true) else { return nil }
        var out: [DatePattern] = []
        for item in items {
            guard let s = r.string(item) else { continue }
            if let p = DatePattern(s) { out.append(p) } else {
                r.error("'\(item.path)' must be a date (2026-07-14), a range (2026-12-01..2027-01-06), a yearly date (07-14) or a yearly range (12-20..01-06), found '\(s)'", at: item)
            }
        }
        return out
    }

    static func readSpecialDays(_ n: SourceNode, _ r: SourceReader) -> SpecialDaySet? {
        guard let m = r.mapping(n, allowed: ["id", "dates", "easter"], required: ["id"]) else { return nil }
        let id = m["id"].flatMap(r.identifier)
        let dates = m["dates"].flatMap { readDatePatterns($0, r) } ?? []
        let easter = m["easter"].flatMap { r.sequence($0, allowScalar: true) }?.compactMap { r.int($0, in: -70...70) } ?? []
        if m["dates"] == nil && m["easter"] == nil {
            r.error("special days '\(id ?? "?")' list no day: give 'dates' or 'easter'", at: n)
        }
        guard let id else { return nil }
        return SpecialDaySet(id: id, dates: dates, easterOffsets: easter, location: n.location)
    }

    static func readPlan(_ n: SourceNode, _ r: SourceReader, defaultFade: Int) -> Plan? {
        guard let m = r.mapping(n, allowed: ["id", "description", "switch"], required: ["id", "switch"]) else { return nil }
        let id = m["id"].flatMap(r.identifier)
        var points: [SwitchPoint] = []
        if let items = m["switch"].flatMap({ r.sequence($0) }) {
            for item in items {
                guard let pm = r.mapping(item, allowed: ["at", "level", "fade", "photocell"], required: ["at", "level"]) else { continue }
                var time: SwitchTime?
                if let at = pm["at"], let text = r.string(at) {
                    time = SwitchTime(text)
                    if time == nil {
                        r.error("'\(at.path)' must be a local time (22:30) or a solar event with an optional offset (sunset+10m, civilDusk, sunrise-15m), found '\(text)'\(Suggestion.hint(for: text.prefix { $0.isLetter }.description, in: SolarEvent.allCases.map(\.rawValue)))", at: at)
                    }
                }
                let level = pm["level"].flatMap(r.level)
                let fade = pm["fade"].flatMap { r.duration($0, in: 0...3600) } ?? defaultFade
                let photocell = pm["photocell"].flatMap(r.bool) ?? false
                if let time, let level {
                    points.append(SwitchPoint(time: time, level: level, fadeSeconds: fade, photocell: photocell,
                                              location: item.location))
                }
            }
            if items.isEmpty {
                r.error("plan '\(id ?? "?")' has no switch points; to keep the lights off, give one point at level 0", at: m["switch"]!)
            }
        }
        guard let id else { return nil }
        return Plan(id: id, points: points, location: n.location)
    }

    static func readProgram(_ n: SourceNode, _ r: SourceReader) -> Program? {
        guard let m = r.mapping(n, allowed: ["id", "description", "rules", "default"], required: ["id"]) else { return nil }
        let id = m["id"].flatMap(r.identifier)
        let rules = m["rules"].flatMap { r.sequence($0) }?.compactMap { readRule($0, r) } ?? []
        let def = m["default"].flatMap(r.identifier)
        if m["default"] == nil {
            r.error("program '\(id ?? "?")' has no default plan: add 'default: PLAN' for the days no rule matches", at: n)
        }
        guard let id else { return nil }
        // Without a default (an error already), keep the program so references to it resolve.
        return Program(id: id, rules: rules, defaultPlan: def ?? "", location: n.location)
    }

    static func readRule(_ n: SourceNode, _ r: SourceReader) -> CalendarRule? {
        let conditions = ["weekdays", "dates", "months", "nth", "weekday", "specialDays"]
        guard let m = r.mapping(n, allowed: conditions + ["plan"], required: ["plan"]) else { return nil }
        let plan = m["plan"].flatMap(r.identifier)
        var rule = CalendarRule(plan: plan ?? "", location: n.location)
        if let w = m["weekdays"], let items = r.sequence(w, allowScalar: true) {
            rule.weekdays = Set(items.compactMap { readWeekday($0, r) })
        }
        if let d = m["dates"] { rule.dates = readDatePatterns(d, r) }
        if let mo = m["months"], let items = r.sequence(mo, allowScalar: true) {
            rule.months = Set(items.compactMap { r.int($0, in: 1...12) })
        }
        if let nth = m["nth"] {
            if nth.scalarText == "last" { rule.nth = -1 } else { rule.nth = r.int(nth, in: 1...5) }
            if let wd = m["weekday"] { rule.nthWeekday = readWeekday(wd, r) } else {
                r.error("'nth' needs 'weekday' (e.g. nth: last, weekday: sun)", at: nth)
            }
        } else if let wd = m["weekday"] {
            r.error("'weekday' is used with 'nth' (e.g. nth: 2, weekday: sun); for every such weekday write 'weekdays: [\(wd.scalarText ?? "sun")]'", at: wd)
        }
        if let s = m["specialDays"], let items = r.sequence(s, allowScalar: true) {
            rule.specialDays = items.compactMap { r.identifier($0) }
        }
        if !m.keys.contains(where: conditions.contains) {
            r.error("a calendar rule needs a condition (weekdays, dates, months, nth + weekday, specialDays); for every other day use the program's 'default'", at: n)
            return nil
        }
        return plan == nil ? nil : rule
    }

    static func readWeekday(_ n: SourceNode, _ r: SourceReader) -> Int? {
        guard let s = r.string(n) else { return nil }
        let key = String(s.lowercased().prefix(3))
        guard s.count >= 3, let v = weekdayNames[key],
              ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
                .contains(where: { $0.hasPrefix(s.lowercased()) }) else {
            r.error("'\(n.path)' must be a weekday (mon, tue, wed, thu, fri, sat, sun), found '\(s)'\(Suggestion.hint(for: s, in: weekdayNames.keys.sorted()))", at: n)
            return nil
        }
        return v
    }

    static func readGroup(_ n: SourceNode, _ r: SourceReader) -> LightingGroup? {
        guard let m = r.mapping(n, allowed: ["id", "description", "circuits", "program"],
                                required: ["id", "circuits", "program"]) else { return nil }
        let id = m["id"].flatMap(r.identifier)
        let circuits = m["circuits"].flatMap { r.sequence($0, allowScalar: true) }?.compactMap { r.identifier($0) }
        let program = m["program"].flatMap(r.identifier)
        if let c = m["circuits"], circuits?.isEmpty == true {
            r.error("group '\(id ?? "?")' has no circuits", at: c)
        }
        guard let id, let circuits, let program else { return nil }
        return LightingGroup(id: id, circuits: circuits, program: program, location: n.location)
    }

    static func readPresence(_ n: SourceNode, _ r: SourceReader) -> PresenceRule? {
        guard let m = r.mapping(n, allowed: ["id", "sensors", "level", "hold", "fadeIn", "fadeOut", "neighbours", "onlyWhenDark"],
                                required: ["id", "sensors", "level"]) else { return nil }
        let id = m["id"].flatMap(r.identifier)
        var sensors: [PresenceSensorPlacement] = []
        for s in m["sensors"].flatMap({ r.sequence($0) }) ?? [] {
            guard let sm = r.mapping(s, allowed: ["id", "group", "position"], required: ["id", "group", "position"]),
                  let sid = sm["id"].flatMap(r.identifier), let g = sm["group"].flatMap(r.identifier),
                  let pos = sm["position"].flatMap({ r.int($0, in: 1...10_000) }) else { continue }
            sensors.append(PresenceSensorPlacement(id: sid, group: g, position: pos, location: s.location))
        }
        let level = m["level"].flatMap(r.level)
        let hold = m["hold"].flatMap { r.duration($0, in: 1...3600) } ?? 60
        let fadeIn = m["fadeIn"].flatMap { r.duration($0, in: 0...600) } ?? 1
        let fadeOut = m["fadeOut"].flatMap { r.duration($0, in: 0...3600) } ?? 30
        let neighbours = m["neighbours"].flatMap { r.int($0, in: 0...50) } ?? 1
        let dark = m["onlyWhenDark"].flatMap(r.bool) ?? true
        if let l = level, l.isOff, let node = m["level"] {
            r.error("presence rule '\(id ?? "?")' raises to level 0, which does nothing (presence never lowers the plan)", at: node)
        }
        guard let id, let level else { return nil }
        return PresenceRule(id: id, sensors: sensors, level: level, holdSeconds: hold, fadeInSeconds: fadeIn,
                            fadeOutSeconds: fadeOut, neighbours: neighbours, onlyWhenDark: dark, location: n.location)
    }

    // MARK: validation of the whole

    static func validate(_ p: Profile, _ r: SourceReader) {
        func unique<T>(_ items: [T], _ kind: String, id: (T) -> String, loc: (T) -> SourceLocation) {
            var seen: [String: SourceLocation] = [:]
            for item in items {
                if let first = seen[id(item)] {
                    r.error("duplicate \(kind) id '\(id(item))' (first defined at \(first.line):\(first.column))", at: loc(item))
                } else { seen[id(item)] = loc(item) }
            }
        }
        unique(p.plans, "plan", id: \.id, loc: \.location)
        unique(p.programs, "program", id: \.id, loc: \.location)
        unique(p.groups, "group", id: \.id, loc: \.location)
        unique(p.specialDays, "special days", id: \.id, loc: \.location)
        unique(p.presence, "presence rule", id: \.id, loc: \.location)
        unique(p.presence.flatMap(\.sensors), "sensor", id: \.id, loc: \.location)

        let planIDs = p.plans.map(\.id), programIDs = p.programs.map(\.id)
        let groupIDs = p.groups.map(\.id), specialIDs = p.specialDays.map(\.id)
        func ref(_ name: String, _ kind: String, in ids: [String], at loc: SourceLocation) {
            if !ids.contains(name) {
                r.error("unknown \(kind) '\(name)'\(Suggestion.hint(for: name, in: ids))", at: loc)
            }
        }
        var usedPlans: Set<String> = [], usedPrograms: Set<String> = []
        for prog in p.programs {
            if !prog.defaultPlan.isEmpty { ref(prog.defaultPlan, "plan", in: planIDs, at: prog.location) }
            usedPlans.insert(prog.defaultPlan)
            for rule in prog.rules {
                ref(rule.plan, "plan", in: planIDs, at: rule.location)
                usedPlans.insert(rule.plan)
                for s in rule.specialDays ?? [] { ref(s, "special days", in: specialIDs, at: rule.location) }
            }
            validateRules(prog, r)
        }
        var circuitOwner: [String: String] = [:]
        for g in p.groups {
            ref(g.program, "program", in: programIDs, at: g.location)
            usedPrograms.insert(g.program)
            for c in g.circuits {
                if let other = circuitOwner[c] {
                    r.error("circuit '\(c)' is in group '\(other)' and in group '\(g.id)'; a circuit belongs to one group", at: g.location)
                } else { circuitOwner[c] = g.id }
            }
        }
        for rule in p.presence {
            if rule.sensors.isEmpty { r.error("presence rule '\(rule.id)' has no sensors", at: rule.location) }
            for s in rule.sensors { ref(s.group, "group", in: groupIDs, at: s.location) }
        }
        for plan in p.plans {
            validatePlan(plan, r)
            if !usedPlans.contains(plan.id) { r.warning("plan '\(plan.id)' is not used by any program", at: plan.location) }
        }
        for prog in p.programs where !usedPrograms.contains(prog.id) {
            r.warning("program '\(prog.id)' is not used by any group", at: prog.location)
        }
    }

    /// Order, contradictions and reachability of a plan's switch points.
    static func validatePlan(_ plan: Plan, _ r: SourceReader) {
        for pt in plan.points where pt.photocell && !pt.time.isSolar {
            r.error("photocell confirmation applies to solar switch points only; '\(pt.time)' is a fixed time", at: pt.location)
        }
        for (i, a) in plan.points.enumerated() {
            for b in plan.points[(i + 1)...] {
                if a.time == b.time {
                    if a.level == b.level {
                        r.error("switch point '\(b.time)' repeats the one at line \(a.location.line)", at: b.location)
                    } else {
                        r.error("contradictory switch points: '\(b.time)' asks for level \(b.level) and, at line \(a.location.line), level \(a.level)", at: b.location)
                    }
                    continue
                }
                if let order = definitelyBefore(b.time, a.time), order {
                    r.error("switch point '\(b.time)' is never reached in this order: it comes after '\(a.time)' (line \(a.location.line)) in the plan but always earlier in the lighting day (noon to noon)", at: b.location)
                }
            }
        }
        if let last = plan.points.last, !last.level.isOff {
            r.error("plan '\(plan.id)' ends at level \(last.level): its last switch point must turn the lights off (level 0) before the lighting day ends at noon", at: last.location)
        }
    }

    /// True when `x` is certainly earlier than `y` in every lighting day (whatever the place),
    /// false when certainly not earlier, nil when it depends on the place and date.
    static func definitelyBefore(_ x: SwitchTime, _ y: SwitchTime) -> Bool? {
        switch (x, y) {
        case (.local, .local): return x.minutesFromNoon! < y.minutesFromNoon!
        case (.solar(let e1, let o1), .solar(let e2, let o2)):
            if e1 == e2 { return o1 < o2 }
            if e1.isDusk != e2.isDusk { return e1.isDusk && o1 <= o2 + 4 * 3600 ? true : nil }
            // same half of the night, different twilight: order known when the offsets agree
            if e1.nightOrder < e2.nightOrder && o1 <= o2 { return true }
            if e1.nightOrder > e2.nightOrder && o1 >= o2 { return false }
            return nil
        default: return nil
        }
    }

    static func validateRules(_ prog: Program, _ r: SourceReader) {
        for (i, a) in prog.rules.enumerated() {
            for b in prog.rules[(i + 1)...] where a.weekdays == b.weekdays && a.dates == b.dates && a.months == b.months
                && a.nth == b.nth && a.nthWeekday == b.nthWeekday && a.specialDays == b.specialDays {
                r.warning("this rule can never match: the rule at line \(a.location.line) has the same conditions and comes first", at: b.location)
            }
        }
    }
}
