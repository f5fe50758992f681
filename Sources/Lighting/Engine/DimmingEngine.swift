import Astronomy
import Foundation
import SourceFiles
import Units

/// One circuit's decided levels at an instant.
public struct CircuitOutput: Sendable, Hashable {
    public var circuit: String
    /// The level of every luminaire of the circuit not listed in `raised` (after clamping to
    /// the minimum dim level).
    public var base: LevelSample
    public var reason: LevelReason
    /// Luminaires raised above `base` by presence: (0-based index within the circuit, level).
    public var raised: [RaisedLuminaire]
    /// Whether the circuit's contactor is closed (some luminaire is lit).
    public var energised: Bool { base.percent > 0 || !raised.isEmpty }

    /// The level of luminaire `index` (0-based within the circuit).
    public func level(ofLuminaire index: Int) -> LevelSample {
        raised.first { $0.index == index }?.sample ?? base
    }
}

/// A luminaire lit above its circuit's level by a presence sensor.
public struct RaisedLuminaire: Sendable, Hashable {
    public var index: Int
    public var sample: LevelSample
    public var sensor: String
}

/// The engine's decision at one instant.
public struct EngineOutput: Sendable, Hashable {
    public var at: Date
    public var circuits: [CircuitOutput]
    /// The next instant at which any level changes shape if no input changes (a presence
    /// detection, a photocell change, an override or a fault are inputs: re-evaluate then).
    public var nextChange: Date

    public init(at: Date, circuits: [CircuitOutput], nextChange: Date) {
        self.at = at
        self.circuits = circuits
        self.nextChange = nextChange
    }

    /// An output to pass to `evaluate(at:inputs:night:into:)` the first time.
    public static let empty = EngineOutput(at: .distantPast, circuits: [], nextChange: .distantPast)
}

/// What the light does: a pure function of (instant, inputs) for one cabinet.
///
/// Composition, highest priority first: fail-safe (clock not trusted, circuit faulted, no valid
/// profile, circuit in no group) > manual override > presence (max with the plan) > plan.
/// Non-zero levels are clamped up to the luminaire's and the profile's minimum dim level.
/// The engine never reads the clock: the instant is an argument.
public struct DimmingEngine: Sendable {
    public let installation: Installation
    /// The active profile; nil when none is valid (every circuit then follows its safe state).
    public let profile: Profile?
    public let clock: LocalClock

    struct Member: Sendable { var circuit: Int; var index: Int }
    /// For each circuit (installation order): its group index in the profile, if any.
    let groupOfCircuit: [Int?]
    /// For each group: its luminaires in order, as (circuit index, index within circuit).
    let groupMembers: [[Member]]
    /// For each circuit: the minimum non-zero level (luminaire model and profile limit).
    let minimumLevel: [DimLevel]
    /// Presence sensors by slot (the order of `PresenceState`): rule index, group index,
    /// 0-based position in the group.
    let sensors: [(rule: Int, group: Int, position: Int)]
    /// Per presence rule, what the hot path needs (no strings, no arrays).
    struct RuleParameters: Sendable {
        var level: Double
        var timing: PresenceTiming
        var neighbours: Int
        var onlyWhenDark: Bool
    }
    let ruleParameters: [RuleParameters]
    let specialDays: [String: SpecialDaySet]
    /// `profile != nil`, without touching the (large) optional on the hot path.
    let hasProfile: Bool

    /// An engine with no valid profile: every circuit in its safe state.
    public init(failSafe installation: Installation) {
        self.installation = installation
        self.profile = nil
        self.clock = LocalClock(timeZone: installation.site.timeZone)
        groupOfCircuit = installation.circuits.map { _ in nil }
        groupMembers = []
        minimumLevel = installation.circuits.map { $0.model.minimumLevel }
        sensors = []
        ruleParameters = []
        specialDays = [:]
        hasProfile = false
    }

    private init(profile: Profile, installation: Installation, groupOfCircuit: [Int?], groupMembers: [[Member]],
                 sensors: [(rule: Int, group: Int, position: Int)]) {
        self.installation = installation
        self.profile = profile
        self.clock = LocalClock(timeZone: installation.site.timeZone)
        self.groupOfCircuit = groupOfCircuit
        self.groupMembers = groupMembers
        self.minimumLevel = installation.circuits.map { max($0.model.minimumLevel, profile.limits.minimumLevel) }
        self.sensors = sensors
        self.ruleParameters = profile.presence.map {
            RuleParameters(level: $0.level.percent, timing: $0.timing, neighbours: $0.neighbours, onlyWhenDark: $0.onlyWhenDark)
        }
        self.hasProfile = true
        self.specialDays = Dictionary(profile.specialDays.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Checks a (valid) profile against a cabinet's installation — every circuit a group names
    /// exists, every sensor position is inside its group — and builds the engine. Circuits in no
    /// group are reported as warnings (they stay in their safe state).
    public static func compile(profile: Profile, installation: Installation) -> Loaded<DimmingEngine> {
        var d = Diagnostics()
        let circuitIndex = Dictionary(installation.circuits.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        var groupOfCircuit: [Int?] = installation.circuits.map { _ in nil }
        var members: [[Member]] = []
        for (g, group) in profile.groups.enumerated() {
            var list: [Member] = []
            for c in group.circuits {
                guard let ci = circuitIndex[c] else {
                    d.error("group '\(group.id)' names circuit '\(c)', which the cabinet does not have\(Suggestion.hint(for: c, in: installation.circuits.map(\.id)))", at: group.location)
                    continue
                }
                groupOfCircuit[ci] = g
                list += (0..<installation.circuits[ci].luminaireCount).map { Member(circuit: ci, index: $0) }
            }
            members.append(list)
        }
        for (ci, c) in installation.circuits.enumerated() where groupOfCircuit[ci] == nil {
            d.warning("circuit '\(c.id)' is in no group of profile '\(profile.id)': it stays in its safe state (\(c.safeState.rawValue))", at: profile.location)
        }
        var sensors: [(rule: Int, group: Int, position: Int)] = []
        for (r, rule) in profile.presence.enumerated() {
            for s in rule.sensors {
                // A valid profile names only existing groups.
                let g = profile.groups.firstIndex { $0.id == s.group } ?? 0
                if s.position > members[g].count {
                    d.error("sensor '\(s.id)' is at position \(s.position) but group '\(s.group)' has \(members[g].count) luminaires", at: s.location)
                }
                sensors.append((r, g, s.position - 1))
            }
        }
        let engine = DimmingEngine(profile: profile, installation: installation, groupOfCircuit: groupOfCircuit,
                                   groupMembers: members, sensors: sensors)
        return Loaded(value: engine, diagnostics: d)
    }

    // MARK: calendar

    /// The plan a group follows on lighting day `day` (first matching rule, else the default),
    /// and the rule's line for explanations.
    public func plan(forGroup group: Int, on day: CivilDate) -> Plan? {
        guard let profile else { return nil }
        let program = profile.program(profile.groups[group].program)!
        let id = program.rules.first { $0.matches(day, specialDays: specialDays) }?.plan ?? program.defaultPlan
        return profile.plan(id)
    }

    // MARK: nights

    /// Everything about one lighting day that does not depend on presence or overrides: the
    /// sun's events and each group's resolved plan. Evaluating many instants of one night with
    /// the same `Night` avoids recomputing them.
    public struct Night: Sendable {
        public let sun: NightSun
        /// One per profile group (profile order).
        public let timelines: [PlanTimeline]
    }

    /// The lighting day `day`, its plans resolved with the photocell's reports.
    public func night(_ day: CivilDate, photocell: PhotocellObservations?) -> Night {
        let sun = NightSun(day: day, site: installation.site, clock: clock)
        guard let profile else { return Night(sun: sun, timelines: []) }
        let timelines = profile.groups.indices.map { g in
            PlanTimeline(plan: plan(forGroup: g, on: day)!, sun: sun, clock: clock, limits: profile.limits,
                         photocellWindow: profile.photocell, photocell: photocell)
        }
        return Night(sun: sun, timelines: timelines)
    }

    /// The index in the profile's groups of the group a circuit (installation index) belongs to.
    public func groupIndex(ofCircuit circuit: Int) -> Int? { groupOfCircuit[circuit] }

    /// Presence state with no detection yet, for this engine's profile.
    public func idlePresence() -> PresenceState? { profile.map(PresenceState.init(profile:)) }

    /// The lighting day containing `t`.
    public func lightingDay(containing t: Date) -> CivilDate { clock.lightingDay(containing: t) }

    // MARK: evaluation

    /// The decision at `t` for `inputs` (computes the night itself).
    public func evaluate(at t: Date, inputs: EngineInputs) -> EngineOutput {
        evaluate(at: t, inputs: inputs, night: night(lightingDay(containing: t), photocell: inputs.photocell))
    }

    /// The decision at `t`, with `night` the lighting day containing `t`.
    public func evaluate(at t: Date, inputs: EngineInputs, night: Night) -> EngineOutput {
        var output = EngineOutput(at: t, circuits: [], nextChange: night.sun.end)
        evaluate(at: t, inputs: inputs, night: night, into: &output)
        return output
    }

    /// The decision at `t`, written into `output`, reusing its storage: a runtime or a
    /// simulation that evaluates at every event keeps one `EngineOutput` and allocates nothing
    /// in steady state. Same result as `evaluate(at:inputs:night:)`.
    public func evaluate(at t: Date, inputs: EngineInputs, night: Night, into output: inout EngineOutput) {
        precondition(night.sun.start <= t && t < night.sun.end, "night does not contain the instant")
        var next = night.sun.end
        func consider(_ d: Date?) { if let d, d > t, d < next { next = d } }
        if output.circuits.count != installation.circuits.count {
            output.circuits = installation.circuits.map {
                CircuitOutput(circuit: $0.id, base: .off, reason: .dayStart, raised: [])
            }
        }
        output.at = t
        for ci in installation.circuits.indices {
            output.circuits[ci].raised.removeAll(keepingCapacity: true)
            let minimum = minimumLevel[ci]
            let safeState = installation.circuits[ci].safeState
            // Fail-safe.
            let failure: String? =
                !inputs.clockTrusted ? "clock not trusted"
                : !hasProfile ? "no valid profile"
                : !inputs.faultedCircuits.isEmpty && inputs.faultedCircuits.contains(installation.circuits[ci].id) ? "hardware fault"
                : groupOfCircuit[ci] == nil ? "circuit in no group" : nil
            if let failure {
                let on = safeStateIsOn(safeState, at: t, inputs: inputs, sun: night.sun)
                if safeState == .astronomical && inputs.clockTrusted {
                    consider(night.sun.dark.lowerBound); consider(night.sun.dark.upperBound)
                }
                output.circuits[ci].base = clamp(LevelSample(percent: on ? 100 : 0), minimum)
                output.circuits[ci].reason = .failSafe(failure)
                continue
            }
            let g = groupOfCircuit[ci]!
            // Manual override.
            if !inputs.overrides.isEmpty {
                let circuitID = installation.circuits[ci].id, groupID = profile!.groups[g].id
                if let o = inputs.overrides.filter({ $0.isActive(at: t) && targets($0.target, circuit: circuitID, group: groupID) })
                    .max(by: { $0.from < $1.from }) {
                    consider(o.until)
                    output.circuits[ci].base = clamp(LevelSample(percent: o.level.percent), minimum)
                    output.circuits[ci].reason = .override(id: o.id)
                    continue
                }
                for o in inputs.overrides where o.from > t { consider(o.from) }
            }
            // Plan.
            let (base, reason) = night.timelines[g].sample(at: t)
            consider(base.until)
            output.circuits[ci].base = clamp(base, minimum)
            output.circuits[ci].reason = reason
        }
        // Presence, on circuits that follow their plan.
        if hasProfile, let presence = inputs.presence, !presence.isIdle, presence.tracks.count == sensors.count {
            next = min(next, raise(presence, at: t, dark: night.sun.dark, into: &output))
        }
        output.nextChange = next
    }

    /// Raises the luminaires near each sensor whose track is active at `t`, on circuits that
    /// follow their plan; returns the first instant after `t` at which a raise changes (or
    /// `distantFuture`).
    private func raise(_ presence: PresenceState, at t: Date, dark: Range<Date>, into output: inout EngineOutput) -> Date {
        var next = Date.distantFuture
        func consider(_ d: Date?) { if let d, d > t, d < next { next = d } }
        for slot in presence.tracks.indices {
            guard let track = presence.tracks[slot] else { continue }
            let placement = sensors[slot]
            let rule = ruleParameters[placement.rule]
            let shape = track.shape(at: t, timing: rule.timing)
            consider(shape.until)
            guard shape.fraction > 0 else { continue }
            if rule.onlyWhenDark {
                consider(dark.lowerBound); consider(dark.upperBound)
                guard dark.contains(t) else { continue }
            }
            let raise = LevelSample(percent: rule.level * shape.fraction, slope: rule.level * shape.slope, until: shape.until)
            let members = groupMembers[placement.group]
            let lo = max(0, placement.position - rule.neighbours)
            let hi = min(members.count - 1, placement.position + rule.neighbours)
            guard lo <= hi else { continue }
            for k in lo...hi {
                let m = members[k]
                guard output.circuits[m.circuit].reason.kind == .plan else { continue }
                let existing = output.circuits[m.circuit].raised.firstIndex { $0.index == m.index }
                let current = existing.map { output.circuits[m.circuit].raised[$0].sample.percent } ?? output.circuits[m.circuit].base.percent
                guard raise.percent > current else { continue }
                let raised = RaisedLuminaire(index: m.index, sample: clamp(raise, minimumLevel[m.circuit]), sensor: presence.sensors[slot])
                if let existing {
                    output.circuits[m.circuit].raised[existing] = raised
                } else {
                    if output.circuits[m.circuit].raised.capacity == 0 {
                        output.circuits[m.circuit].raised.reserveCapacity(2 * rule.neighbours + 1)
                    }
                    output.circuits[m.circuit].raised.append(raised)
                }
            }
        }
        return next
    }

    func targets(_ target: ManualOverride.Target, circuit: String, group: String) -> Bool {
        switch target {
        case .all: return true
        case .group(let g): return g == group
        case .circuit(let c): return c == circuit
        }
    }

    func clamp(_ s: LevelSample, _ minimum: DimLevel) -> LevelSample {
        guard s.percent > 0, s.percent < minimum.percent else { return s }
        return LevelSample(percent: minimum.percent, slope: 0, until: s.until)
    }

    /// Whether a safe state lights the circuit at `t`. A photocell that is missing leaves the
    /// light on: a failed photocell never leaves a street dark.
    func safeStateIsOn(_ state: SafeState, at t: Date, inputs: EngineInputs, sun: NightSun) -> Bool {
        switch state {
        case .on: return true
        case .off: return false
        case .photocell: return inputs.photocell?.isDark(at: t) ?? true
        case .astronomical:
            if inputs.clockTrusted { return sun.dark.contains(t) }
            return inputs.photocell?.isDark(at: t) ?? true
        }
    }
}

extension LevelReason {
    enum Kind { case plan, presence, override, failSafe }
    var kind: Kind {
        switch self {
        case .plan, .photocell, .photocellTimeout, .minimumBurn, .relayCycle, .dayStart: return .plan
        case .presence: return .presence
        case .override: return .override
        case .failSafe, .noGroup: return .failSafe
        }
    }
}
