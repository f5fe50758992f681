import Astronomy
import Foundation
import SourceFiles
import Units

/// A lighting profile: what the light does. Loaded from `profiles/*.yaml` by `ProfileLoader`,
/// validated as a whole, and only then handed to the engine: a `Profile` value is always valid
/// on its own (references resolve, plans are ordered, every program has a default plan).
public struct Profile: Sendable {
    /// The profile's identifier (`profile:` key).
    public var id: String
    public var description: String?
    public var groups: [LightingGroup]
    public var programs: [Program]
    public var plans: [Plan]
    public var specialDays: [SpecialDaySet]
    public var presence: [PresenceRule]
    public var photocell: PhotocellWindow
    public var limits: Limits
    /// The file it was loaded from.
    public var location: SourceLocation
    /// Its version (`version:`, from 1): a controller activates a flashed profile only when its
    /// version is above the active one's (an old signed profile cannot be replayed); nil in a
    /// profile that says none.
    public var version: Int? = nil

    public func plan(_ id: String) -> Plan? { plans.first { $0.id == id } }
    public func program(_ id: String) -> Program? { programs.first { $0.id == id } }
    public func group(_ id: String) -> LightingGroup? { groups.first { $0.id == id } }
    public func specialDaySet(_ id: String) -> SpecialDaySet? { specialDays.first { $0.id == id } }
}

/// Luminaires switched and dimmed together: an ordered list of circuits (from the cabinet's
/// inventory). The order is the order along the street, used for presence propagation.
public struct LightingGroup: Sendable, Hashable {
    public var id: String
    public var circuits: [String]
    /// The program (calendar) the group follows.
    public var program: String
    public var location: SourceLocation
}

/// A calendar: ordered rules choosing a plan per lighting day, first match wins, and the
/// default plan for days no rule matches.
public struct Program: Sendable, Hashable {
    public var id: String
    public var rules: [CalendarRule]
    public var defaultPlan: String
    public var location: SourceLocation
}

/// What the light does during one lighting day: switch points in lighting-day order.
public struct Plan: Sendable, Hashable {
    public var id: String
    public var points: [SwitchPoint]
    public var location: SourceLocation
}

/// From `time`, the level is `level` (reached after `fadeSeconds`).
public struct SwitchPoint: Sendable, Hashable {
    public var time: SwitchTime
    public var level: DimLevel
    /// Fade duration in seconds (0: a step).
    public var fadeSeconds: Int
    /// Whether a photocell confirms this (astronomical) switch point inside the profile's window.
    public var photocell: Bool
    public var location: SourceLocation
}

/// The window around an astronomical switch point inside which a photocell may trigger it.
public struct PhotocellWindow: Sendable, Hashable {
    /// Seconds before the event from which the cell may switch.
    public var beforeSeconds: Int
    /// Seconds after the event at which the switch happens anyway (a failed cell never leaves
    /// a street dark longer than this).
    public var afterSeconds: Int
    public static let `default` = PhotocellWindow(beforeSeconds: 15 * 60, afterSeconds: 15 * 60)
}

/// Protective limits for lamps and relays.
public struct Limits: Sendable, Hashable {
    /// A lamp switched on stays on at least this long (seconds).
    public var minimumBurnSeconds: Int
    /// Non-zero levels below this are raised to it (in addition to each luminaire's own minimum).
    public var minimumLevel: DimLevel
    /// Two switchings of a relay are at least this far apart (seconds); shorter off periods are
    /// bridged.
    public var minimumRelayCycleSeconds: Int
    /// Fade applied to switch points that do not give their own (seconds).
    public var defaultFadeSeconds: Int
    public static let `default` = Limits(minimumBurnSeconds: 0, minimumLevel: .off,
                                         minimumRelayCycleSeconds: 0, defaultFadeSeconds: 0)
}

/// A named set of days (public holidays, festive days).
public struct SpecialDaySet: Sendable, Hashable {
    public var id: String
    public var dates: [DatePattern]
    /// Days relative to Easter Sunday (1 = Easter Monday, 39 = Ascension, 50 = Whit Monday).
    public var easterOffsets: [Int]
    public var location: SourceLocation

    public func contains(_ date: CivilDate) -> Bool {
        if dates.contains(where: { $0.matches(date) }) { return true }
        if !easterOffsets.isEmpty {
            let easter = CivilDate.easter(year: date.year)
            let d = easter.days(to: date)
            return easterOffsets.contains(d)
        }
        return false
    }
}

/// A date, a range of dates, or the same every year.
public enum DatePattern: Sendable, Hashable, CustomStringConvertible {
    case on(CivilDate)
    case range(CivilDate, CivilDate)
    /// Month and day every year.
    case annual(month: Int, day: Int)
    /// Every year from (month, day) to (month, day), inclusive; may wrap over the new year.
    case annualRange(fromMonth: Int, fromDay: Int, toMonth: Int, toDay: Int)

    public func matches(_ d: CivilDate) -> Bool {
        switch self {
        case .on(let x): return d == x
        case .range(let a, let b): return a <= d && d <= b
        case .annual(let m, let day): return d.month == m && d.day == day
        case .annualRange(let fm, let fd, let tm, let td):
            let k = d.month * 100 + d.day, from = fm * 100 + fd, to = tm * 100 + td
            return from <= to ? (from <= k && k <= to) : (k >= from || k <= to)
        }
    }

    /// Parses `2026-07-14`, `2026-12-01..2027-01-06`, `07-14`, `12-20..01-06`.
    public init?(_ text: String) {
        let parts = text.components(separatedBy: "..")
        func annual(_ s: String) -> (Int, Int)? {
            let p = s.split(separator: "-")
            guard s.count == 5, p.count == 2, let m = Int(p[0]), let d = Int(p[1]),
                  (1...12).contains(m), d >= 1, d <= CivilDate.daysIn(month: m, year: 2024) else { return nil }
            return (m, d)
        }
        switch parts.count {
        case 1:
            if let d = CivilDate(parts[0]) { self = .on(d) }
            else if let (m, d) = annual(parts[0]) { self = .annual(month: m, day: d) }
            else { return nil }
        case 2:
            if let a = CivilDate(parts[0]), let b = CivilDate(parts[1]) {
                guard a <= b else { return nil }
                self = .range(a, b)
            } else if let (fm, fd) = annual(parts[0]), let (tm, td) = annual(parts[1]) {
                self = .annualRange(fromMonth: fm, fromDay: fd, toMonth: tm, toDay: td)
            } else { return nil }
        default: return nil
        }
    }

    public var description: String {
        func md(_ m: Int, _ d: Int) -> String { (m < 10 ? "0" : "") + "\(m)-" + (d < 10 ? "0" : "") + "\(d)" }
        switch self {
        case .on(let d): return d.description
        case .range(let a, let b): return "\(a)..\(b)"
        case .annual(let m, let d): return md(m, d)
        case .annualRange(let a, let b, let c, let d): return "\(md(a, b))..\(md(c, d))"
        }
    }
}

/// One calendar rule: every condition given must hold (and within a condition, any listed
/// value may match). Rules are tried in order; the first match chooses the plan.
public struct CalendarRule: Sendable, Hashable {
    public var plan: String
    /// ISO weekdays 1 (Monday) ... 7 (Sunday).
    public var weekdays: Set<Int>?
    public var dates: [DatePattern]?
    public var months: Set<Int>?
    /// nth weekday of the month: nth 1 ... 5, or -1 for the last.
    public var nth: Int?
    public var nthWeekday: Int?
    public var specialDays: [String]?
    public var location: SourceLocation

    /// Whether the rule matches the lighting day named by `date` (the date of its evening).
    public func matches(_ date: CivilDate, specialDays sets: [String: SpecialDaySet]) -> Bool {
        if let weekdays, !weekdays.contains(date.isoWeekday) { return false }
        if let months, !months.contains(date.month) { return false }
        if let dates, !dates.contains(where: { $0.matches(date) }) { return false }
        if let nth, let nthWeekday {
            guard date.isoWeekday == nthWeekday else { return false }
            if nth > 0 {
                guard (date.day - 1) / 7 + 1 == nth else { return false }
            } else {
                guard date.day + 7 > date.daysInMonth else { return false }
            }
        }
        if let specialDays, !specialDays.contains(where: { sets[$0]?.contains(date) ?? false }) { return false }
        return true
    }
}

/// Presence-based lighting: sensors raise the level of nearby luminaires when someone passes.
public struct PresenceRule: Sendable, Hashable {
    public var id: String
    public var sensors: [PresenceSensorPlacement]
    /// The level luminaires are raised to (presence never lowers the plan's level).
    public var level: DimLevel
    /// Seconds the raised level holds after the last detection.
    public var holdSeconds: Int
    public var fadeInSeconds: Int
    public var fadeOutSeconds: Int
    /// How many luminaires on each side of the sensor's position are raised too.
    public var neighbours: Int
    /// Raise only between sunset and sunrise.
    public var onlyWhenDark: Bool
    public var location: SourceLocation
}

/// Where a presence sensor is: in which group, beside which luminaire (1-based position in
/// the group's order).
public struct PresenceSensorPlacement: Sendable, Hashable {
    public var id: String
    public var group: String
    public var position: Int
    public var location: SourceLocation
}

