import Foundation
import Units

/// What a photocell has reported: its state before the first transition and the instants at
/// which it changed, in time order. The engine only ever reads observations at or before the
/// instant it evaluates, so decisions stay causal.
public struct PhotocellObservations: Sendable, Hashable {
    public var initiallyDark: Bool
    /// (instant, dark after the change), strictly increasing in time.
    public var transitions: [(at: Date, dark: Bool)]

    public init(initiallyDark: Bool, transitions: [(at: Date, dark: Bool)] = []) {
        self.initiallyDark = initiallyDark
        self.transitions = transitions
    }

    /// Whether the cell said dark at `instant`.
    public func isDark(at instant: Date) -> Bool {
        var state = initiallyDark
        for t in transitions {
            if t.at > instant { break }
            state = t.dark
        }
        return state
    }

    /// When the cell confirms `dark` inside `window`: the window start if it already says so
    /// there, else its first change to that state inside the window, else nil.
    public func confirmation(of dark: Bool, in window: ClosedRange<Date>) -> Date? {
        if isDark(at: window.lowerBound) == dark { return window.lowerBound }
        return transitions.first { $0.at > window.lowerBound && $0.at <= window.upperBound && $0.dark == dark }?.at
    }

    /// The same reports with every instant moved by `seconds`: after the wall clock stepped by
    /// `seconds`, the reports stay as far in the past as they were.
    public func shifted(by seconds: TimeInterval) -> PhotocellObservations {
        PhotocellObservations(initiallyDark: initiallyDark, transitions: transitions.map { ($0.at.addingTimeInterval(seconds), $0.dark) })
    }

    public static func == (l: Self, r: Self) -> Bool {
        l.initiallyDark == r.initiallyDark && l.transitions.count == r.transitions.count
            && zip(l.transitions, r.transitions).allSatisfy { $0.at == $1.at && $0.dark == $1.dark }
    }
    public func hash(into h: inout Hasher) {
        h.combine(initiallyDark)
        for t in transitions { h.combine(t.at); h.combine(t.dark) }
    }
}

/// A technician's or operator's override of the plan.
public struct ManualOverride: Sendable, Hashable {
    public enum Target: Sendable, Hashable { case all, group(String), circuit(String) }
    public var id: String
    public var target: Target
    public var level: DimLevel
    /// In force from `from` (inclusive) to `until` (exclusive; nil: until removed).
    public var from: Date
    public var until: Date?
    public init(id: String, target: Target, level: DimLevel, from: Date, until: Date?) {
        self.id = id
        self.target = target
        self.level = level
        self.from = from
        self.until = until
    }
    public func isActive(at t: Date) -> Bool { from <= t && (until.map { t < $0 } ?? true) }
}

/// The timing of a presence raise, in seconds: a plain value the engine keeps per rule so the
/// hot path never copies a whole `PresenceRule`.
public struct PresenceTiming: Sendable, Hashable {
    public var fadeIn: Double
    public var hold: Double
    public var fadeOut: Double
    public init(fadeIn: Double, hold: Double, fadeOut: Double) {
        self.fadeIn = fadeIn
        self.hold = hold
        self.fadeOut = fadeOut
    }
}

extension PresenceRule {
    public var timing: PresenceTiming {
        PresenceTiming(fadeIn: Double(fadeInSeconds), hold: Double(holdSeconds), fadeOut: Double(fadeOutSeconds))
    }
}

/// One presence sensor's recent detections, reduced to what the light needs: when the current
/// raise began (shifted so that a re-trigger during fade-out ramps up from the current level)
/// and the last detection.
public struct PresenceTrack: Sendable, Hashable {
    public var episodeStart: Date
    public var lastDetection: Date

    /// The track after a detection at `t` (tracks must be fed in time order).
    public static func detected(_ previous: PresenceTrack?, at t: Date, rule: PresenceRule) -> PresenceTrack {
        detected(previous, at: t, timing: rule.timing)
    }

    public static func detected(_ previous: PresenceTrack?, at t: Date, timing: PresenceTiming) -> PresenceTrack {
        guard let p = previous else { return PresenceTrack(episodeStart: t, lastDetection: t) }
        if t < p.lastDetection.addingTimeInterval(timing.hold) {
            // Still fading in or holding: the episode goes on, the hold restarts.
            return PresenceTrack(episodeStart: p.episodeStart, lastDetection: t)
        }
        let fraction = p.shape(at: t, timing: timing).fraction
        if fraction <= 0 { return PresenceTrack(episodeStart: t, lastDetection: t) }
        // Fading out: ramp up again from the current level.
        return PresenceTrack(episodeStart: t.addingTimeInterval(-timing.fadeIn * fraction), lastDetection: t)
    }

    /// How far the raise is in force at `t`: 0 (none) ... 1 (full), and its rate of change per
    /// second, and the next instant the shape changes.
    public func shape(at t: Date, rule: PresenceRule) -> (fraction: Double, slope: Double, until: Date?) {
        shape(at: t, timing: rule.timing)
    }

    public func shape(at t: Date, timing: PresenceTiming) -> (fraction: Double, slope: Double, until: Date?) {
        let s = t.timeIntervalSince(episodeStart)
        if s < 0 { return (0, 0, episodeStart) }
        let fadeIn = timing.fadeIn
        let holdEnd = lastDetection.addingTimeInterval(timing.hold)
        if s < fadeIn && t < holdEnd {
            return (s / fadeIn, 1 / fadeIn, min(episodeStart.addingTimeInterval(fadeIn), holdEnd))
        }
        if t < holdEnd { return (1, 0, holdEnd) }
        let fadeOut = timing.fadeOut
        let sinceHold = t.timeIntervalSince(holdEnd)
        if sinceHold < fadeOut {
            return (1 - sinceHold / fadeOut, -1 / fadeOut, holdEnd.addingTimeInterval(fadeOut))
        }
        return (0, 0, nil)
    }

    public func fraction(at t: Date, rule: PresenceRule) -> Double { shape(at: t, rule: rule).fraction }

    /// The instant after which this track raises nothing any more.
    public func end(rule: PresenceRule) -> Date { end(timing: rule.timing) }

    public func end(timing: PresenceTiming) -> Date { lastDetection.addingTimeInterval(timing.hold + timing.fadeOut) }
}

/// The presence tracks of all the sensors of a profile, one slot per sensor in profile order
/// (presence rules in order, their sensors in order). An array rather than a dictionary: the
/// engine reads it at every event.
public struct PresenceState: Sendable, Hashable {
    /// Sensor ids, by slot.
    public let sensors: [String]
    let timings: [PresenceTiming]
    /// Tracks by slot; nil when the sensor has no raise in progress.
    public private(set) var tracks: [PresenceTrack?]
    /// The earliest instant one of the current tracks stops raising (nil: no track).
    public private(set) var earliestEnd: Date?

    /// No detection yet, for every sensor of `profile`.
    public init(profile: Profile) {
        var ids: [String] = [], timings: [PresenceTiming] = []
        for rule in profile.presence {
            for s in rule.sensors {
                ids.append(s.id)
                timings.append(rule.timing)
            }
        }
        sensors = ids
        self.timings = timings
        tracks = Array(repeating: nil, count: ids.count)
    }

    /// The slot of a sensor id.
    public func slot(of sensor: String) -> Int? { sensors.firstIndex(of: sensor) }

    /// The track of a sensor (nil when unknown or idle); setting replaces it.
    public subscript(sensor: String) -> PresenceTrack? {
        get { slot(of: sensor).flatMap { tracks[$0] } }
        set {
            guard let i = slot(of: sensor) else { return }
            tracks[i] = newValue
            recomputeEnd()
        }
    }

    /// Records a detection of the sensor in `slot` at `t` (detections in time order).
    public mutating func detected(slot: Int, at t: Date) {
        let track = PresenceTrack.detected(tracks[slot], at: t, timing: timings[slot])
        tracks[slot] = track
        let end = track.end(timing: timings[slot])
        earliestEnd = min(earliestEnd ?? end, end)
    }

    /// Records a detection of `sensor` at `t`; unknown sensors are ignored.
    public mutating func detected(sensor: String, at t: Date) {
        if let i = slot(of: sensor) { detected(slot: i, at: t) }
    }

    /// Moves every track by `seconds`: after the wall clock stepped by `seconds`, a hold or a
    /// fade in progress keeps the duration it had left (durations are not the wall clock's).
    public mutating func shift(by seconds: TimeInterval) {
        for i in tracks.indices {
            guard let t = tracks[i] else { continue }
            tracks[i] = PresenceTrack(episodeStart: t.episodeStart.addingTimeInterval(seconds),
                                      lastDetection: t.lastDetection.addingTimeInterval(seconds))
        }
        recomputeEnd()
    }

    /// Forgets the tracks whose raise has ended by `t`.
    public mutating func forget(endedBy t: Date) {
        guard let end = earliestEnd, end <= t else { return }
        for i in tracks.indices where tracks[i].map({ $0.end(timing: timings[i]) <= t }) == true {
            tracks[i] = nil
        }
        recomputeEnd()
    }

    mutating func recomputeEnd() {
        earliestEnd = nil
        for i in tracks.indices {
            if let end = tracks[i]?.end(timing: timings[i]) { earliestEnd = min(earliestEnd ?? end, end) }
        }
    }

    /// True when no sensor has a raise in progress.
    public var isIdle: Bool { earliestEnd == nil }
}

/// Everything outside the profile that the engine's decision depends on.
public struct EngineInputs: Sendable {
    /// False until the clock is set from an RTC or a time sync: the fail-safe then rules.
    public var clockTrusted: Bool
    /// Circuits whose hardware is faulted (they go to their safe state).
    public var faultedCircuits: Set<String>
    public var overrides: [ManualOverride]
    /// Presence tracks of the profile's sensors (nil: no detection yet).
    public var presence: PresenceState?
    /// The photocell's reports; nil when the cabinet has no working photocell.
    public var photocell: PhotocellObservations?

    public init(clockTrusted: Bool = true, faultedCircuits: Set<String> = [], overrides: [ManualOverride] = [],
                presence: PresenceState? = nil, photocell: PhotocellObservations? = nil) {
        self.clockTrusted = clockTrusted
        self.faultedCircuits = faultedCircuits
        self.overrides = overrides
        self.presence = presence
        self.photocell = photocell
    }
}
