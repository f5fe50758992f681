import Foundation
import SourceFiles

/// A solar event that a switch point can follow.
public enum SolarEvent: String, Sendable, Hashable, CaseIterable {
    case sunset, civilDusk, nauticalDusk
    case nauticalDawn, civilDawn, sunrise

    /// True for evening events (they belong to the evening of the lighting day).
    public var isDusk: Bool { self == .sunset || self == .civilDusk || self == .nauticalDusk }

    /// The solar altitude of the event, in degrees.
    public var altitude: Double {
        switch self {
        case .sunset, .sunrise: return -0.833
        case .civilDusk, .civilDawn: return -6
        case .nauticalDusk, .nauticalDawn: return -12
        }
    }

    /// Order within the lighting day: evening events first (sunset, civil, nautical dusk), then
    /// morning events (nautical, civil dawn, sunrise).
    var nightOrder: Int {
        switch self {
        case .sunset: return 0
        case .civilDusk: return 1
        case .nauticalDusk: return 2
        case .nauticalDawn: return 3
        case .civilDawn: return 4
        case .sunrise: return 5
        }
    }
}

/// When a switch point takes effect within a lighting day (noon to noon, local time).
public enum SwitchTime: Sendable, Hashable, CustomStringConvertible {
    /// A fixed local time, in minutes after local midnight (0 ... 1439). Times from 12:00 belong
    /// to the evening of the lighting day; times before 12:00 to the following morning.
    case local(minutes: Int)
    /// A solar event with an offset in seconds (negative: before the event).
    case solar(SolarEvent, offsetSeconds: Int)

    /// Parses `22:30`, `01:00`, `sunset`, `sunset+10m`, `sunrise-15m`, `civilDusk+1h`.
    /// Returns nil for anything else (including `24:00` and offsets beyond ±6 h).
    public init?(_ text: String) {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let colon = t.firstIndex(of: ":") {
            let h = t[..<colon], m = t[t.index(after: colon)...]
            guard (1...2).contains(h.count), m.count == 2, let hh = Int(h), let mm = Int(m),
                  (0...23).contains(hh), (0...59).contains(mm) else { return nil }
            self = .local(minutes: hh * 60 + mm)
            return
        }
        let signIndex = t.firstIndex { $0 == "+" || $0 == "-" }
        let name = signIndex.map { String(t[..<$0]) } ?? t
        guard let event = SolarEvent(rawValue: name) else { return nil }
        var offset = 0
        if let signIndex {
            guard let seconds = DurationText.parseSeconds(String(t[signIndex...])),
                  abs(seconds) <= 6 * 3600 else { return nil }
            offset = seconds
        }
        self = .solar(event, offsetSeconds: offset)
    }

    /// The written form: `22:30`, `sunset+10m`.
    public var description: String {
        switch self {
        case .local(let m):
            let h = m / 60, mm = m % 60
            return (h < 10 ? "0" : "") + "\(h):" + (mm < 10 ? "0" : "") + "\(mm)"
        case .solar(let e, let o):
            if o == 0 { return e.rawValue }
            return e.rawValue + (o > 0 ? "+" : "") + DurationText.format(o)
        }
    }

    /// Minutes from noon for local times (12:00 → 0, 23:59 → 719, 00:00 → 720, 11:59 → 1439).
    var minutesFromNoon: Int? {
        guard case .local(let m) = self else { return nil }
        return (m - 720 + 1440) % 1440
    }

    public var isSolar: Bool { if case .solar = self { return true } else { return false } }
}

