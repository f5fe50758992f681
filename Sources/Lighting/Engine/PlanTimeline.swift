import Astronomy
import Foundation
import Units

/// A level that changes linearly: `percent` at the sampled instant, changing by `slope` percent
/// per second until `until` (nil: no change foreseen).
public struct LevelSample: Sendable, Hashable {
    public var percent: Double
    public var slope: Double
    public var until: Date?
    public init(percent: Double, slope: Double = 0, until: Date? = nil) {
        self.percent = percent
        self.slope = slope
        self.until = until
    }
    public static let off = LevelSample(percent: 0)
    /// The level rounded to one decimal.
    public var level: DimLevel { DimLevel.clamping(percent: percent) }

    /// The level (percent) at `t` of a sample taken at `sampledAt`: it moves by `slope` until
    /// `until`, then stays.
    public func percent(at t: Date, sampledAt: Date) -> Double {
        let end = until.map { min(t, $0) } ?? t
        return max(0, min(100, percent + slope * max(0, end.timeIntervalSince(sampledAt))))
    }
}

/// Why a level is what it is (shown by `lanterne profile plan` and logged with events).
public enum LevelReason: Sendable, Hashable, CustomStringConvertible {
    case plan(plan: String, point: String)
    case photocell(plan: String, point: String)
    case photocellTimeout(plan: String, point: String)
    case minimumBurn(plan: String)
    case relayCycle(plan: String)
    case dayStart
    case presence(sensor: String)
    case override(id: String)
    case failSafe(String)
    case noGroup

    public var description: String {
        switch self {
        case .plan(let p, let pt): return "plan \(p): \(pt)"
        case .photocell(let p, let pt): return "plan \(p): \(pt), confirmed by photocell"
        case .photocellTimeout(let p, let pt): return "plan \(p): \(pt), photocell window ended"
        case .minimumBurn(let p): return "plan \(p): held on for the minimum burn time"
        case .relayCycle(let p): return "plan \(p): off period bridged (minimum relay cycle)"
        case .dayStart: return "lighting day starts"
        case .presence(let s): return "presence at \(s)"
        case .override(let id): return "manual override \(id)"
        case .failSafe(let why): return "fail-safe: \(why)"
        case .noGroup: return "circuit in no group: fail-safe"
        }
    }

    /// True when the circuit is in its board-defined safe state (clock not trusted, hardware
    /// fault, no valid profile, no group).
    public var isFailSafe: Bool {
        switch self {
        case .failSafe, .noGroup: return true
        case .plan, .photocell, .photocellTimeout, .minimumBurn, .relayCycle, .dayStart, .presence, .override: return false
        }
    }
}

/// One group's plan for one lighting day, resolved to instants: from `at`, the level moves to
/// `level` over `fadeSeconds`.
public struct PlanTimeline: Sendable, Hashable {
    public struct Step: Sendable, Hashable {
        public var at: Date
        public var level: DimLevel
        public var fadeSeconds: Double
        public var reason: LevelReason
    }
    public let day: CivilDate
    public let plan: String
    public let start: Date, end: Date
    /// Steps in time order, all inside `start ..< end`, no two at the same instant.
    public let steps: [Step]
    /// The level (percent) at the instant each step begins (before its own fade).
    let startLevels: [Double]

    /// Resolves `plan` for the lighting day of `sun`:
    /// 1. nominal instants: fixed local times through the zone's rules, solar events from
    ///    `sun` plus their offsets, moved inside the photocell window when the point asks for
    ///    confirmation and a photocell reports;
    /// 2. solar points are anchors and keep their written order (an anchor never takes effect
    ///    before the one written before it);
    /// 3. a fixed-time point takes effect between the anchors written around it: never before
    ///    the previous one, never after the next one — so a night without darkness (midnight
    ///    sun) collapses to nothing, whatever fixed steps lie between dusk and dawn;
    /// 4. points never go back in time; at equal instants the later written point wins;
    /// 5. the minimum burn time and relay cycle are applied.
    public init(plan: Plan, sun: NightSun, clock: LocalClock, limits: Limits,
                photocellWindow: PhotocellWindow, photocell: PhotocellObservations?) {
        day = sun.day
        self.plan = plan.id
        start = sun.start
        end = sun.end
        // 1. Nominal instants.
        var nominal: [(at: Date, reason: LevelReason)] = []
        nominal.reserveCapacity(plan.points.count)
        for point in plan.points {
            var reason = LevelReason.plan(plan: plan.id, point: point.time.description)
            var at: Date
            switch point.time {
            case .local(let minutes):
                let date = minutes >= 720 ? sun.day : sun.day.adding(days: 1)
                at = clock.instant(date, secondsOfDay: minutes * 60)
            case .solar(let event, let offset):
                at = sun[event].addingTimeInterval(Double(offset))
                if point.photocell, let cell = photocell {
                    let window = at.addingTimeInterval(-Double(photocellWindow.beforeSeconds))
                        ... at.addingTimeInterval(Double(photocellWindow.afterSeconds))
                    if let confirmed = cell.confirmation(of: event.isDusk, in: window) {
                        at = confirmed
                        reason = .photocell(plan: plan.id, point: point.time.description)
                    } else {
                        at = window.upperBound
                        reason = .photocellTimeout(plan: plan.id, point: point.time.description)
                    }
                }
            }
            nominal.append((min(max(at, sun.start), sun.end), reason))
        }
        // 2. Anchors in written order.
        var anchors: [Date?] = plan.points.map { $0.time.isSolar ? Date.distantPast : nil }
        var floor = sun.start
        for i in plan.points.indices where anchors[i] != nil {
            floor = max(floor, nominal[i].at)
            anchors[i] = floor
        }
        // 3-4. Fixed points between their anchors; nothing goes back in time.
        var resolved: [Step] = []
        var previous = sun.start
        for (i, point) in plan.points.enumerated() {
            var at: Date
            if let anchor = anchors[i] {
                at = anchor
            } else {
                let upper = anchors[(i + 1)...].lazy.compactMap { $0 }.first ?? sun.end
                at = min(nominal[i].at, upper)
            }
            at = max(at, previous)
            previous = at
            guard at < sun.end else { continue }
            var fade = Double(point.fadeSeconds)
            if let last = resolved.last, last.at == at {
                // Points collapsed onto one instant: the later level, with the fade of the point
                // whose instant it is (a road lit at sunset with a 10-minute step-down written
                // for 22:00 comes on at the step-down level, without fading in from darkness).
                fade = last.fadeSeconds
                resolved.removeLast()
            }
            resolved.append(Step(at: at, level: point.level, fadeSeconds: fade, reason: nominal[i].reason))
        }
        steps = PlanTimeline.applyLimits(resolved, limits: limits, plan: plan.id, end: sun.end)
        startLevels = PlanTimeline.startLevels(of: steps)
    }

    static func startLevels(of steps: [Step]) -> [Double] {
        var levels: [Double] = []
        levels.reserveCapacity(steps.count)
        var level = 0.0
        for (i, s) in steps.enumerated() {
            levels.append(level)
            // The level reached when the next step begins (a fade may be cut short).
            let next = i + 1 < steps.count ? steps[i + 1].at : Date.distantFuture
            let elapsed = next.timeIntervalSince(s.at)
            level = s.fadeSeconds > 0 && elapsed < s.fadeSeconds
                ? level + (s.level.percent - level) * elapsed / s.fadeSeconds : s.level.percent
        }
        return levels
    }

    /// Bridges off periods shorter than the relay cycle (the previous level is kept) and holds
    /// on-periods for the minimum burn time (never past the end of the lighting day).
    static func applyLimits(_ input: [Step], limits: Limits, plan: String, end: Date) -> [Step] {
        let minOn = Double(max(limits.minimumBurnSeconds, limits.minimumRelayCycleSeconds))
        let minOff = Double(limits.minimumRelayCycleSeconds)
        guard minOn > 0 || minOff > 0 else { return input }
        // 1. Bridge: an off step followed within minOff by an on step keeps the previous level.
        var bridged: [Step] = []
        for (i, s) in input.enumerated() {
            if s.level.isOff, minOff > 0, let previous = bridged.last, !previous.level.isOff,
               i + 1 < input.count, !input[i + 1].level.isOff,
               input[i + 1].at.timeIntervalSince(s.at) < minOff {
                bridged.append(Step(at: s.at, level: previous.level, fadeSeconds: 0, reason: .relayCycle(plan: plan)))
                continue
            }
            bridged.append(s)
        }
        guard minOn > 0 else { return bridged }
        // 2. Minimum burn: an off step too soon after the switch-on moves to switch-on + minOn;
        //    if the lamp is asked to light again before then, it never goes off.
        var out: [Step] = []
        var onSince: Date?
        var i = 0
        while i < bridged.count {
            var s = bridged[i]
            i += 1
            if !s.level.isOff {
                if onSince == nil { onSince = s.at }
                out.append(s)
                continue
            }
            guard let since = onSince else { out.append(s); continue }
            let held = min(since.addingTimeInterval(minOn), end)
            if s.at < held {
                var j = i
                while j < bridged.count, bridged[j].at < held, bridged[j].level.isOff { j += 1 }
                if j < bridged.count, bridged[j].at < held {
                    i = j          // lit again before the held time: drop this off step
                    continue
                }
                i = j              // later off steps before the held time are redundant
                s.at = held
                s.reason = .minimumBurn(plan: plan)
            }
            onSince = nil
            out.append(s)
        }
        return out.filter { $0.at < end }
    }

    /// The plan's level at `t` (0 before the first step), with its slope during a fade and the
    /// next instant the level changes shape.
    public func sample(at t: Date) -> (LevelSample, LevelReason) {
        var index = -1
        for i in steps.indices {
            if steps[i].at > t { break }
            index = i
        }
        if index < 0 {
            return (LevelSample(percent: 0, slope: 0, until: steps.first?.at ?? end), .dayStart)
        }
        let s = steps[index]
        let from = startLevels[index]
        let nextAt = index + 1 < steps.count ? steps[index + 1].at : end
        let target = s.level.percent
        let elapsed = t.timeIntervalSince(s.at)
        if s.fadeSeconds > 0 && elapsed < s.fadeSeconds && target != from {
            let slope = (target - from) / s.fadeSeconds
            let fadeEnd = s.at.addingTimeInterval(s.fadeSeconds)
            return (LevelSample(percent: from + slope * elapsed, slope: slope, until: min(fadeEnd, nextAt)), s.reason)
        }
        return (LevelSample(percent: target, slope: 0, until: nextAt), s.reason)
    }
}
