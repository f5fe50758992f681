import Foundation
import Units

/// How the runtime writes instants and durations in log lines.
enum TimeText {
    /// `2026-12-21T22:00:00Z`.
    static func iso(_ d: Date) -> String { InstantText.isoUTC(d) }

    /// `60 s`, `0.250 s`; with `sign`, `+3600 s` or `-3600 s`.
    static func seconds(_ d: Duration, sign: Bool = false) -> String {
        let s = d.timeInterval
        let a = abs(s)
        let text = a >= 1 && a == a.rounded() ? "\(Int(a)) s" : String(format: "%.3f s", a)
        return (sign ? (s < 0 ? "-" : "+") : (s < 0 ? "-" : "")) + text
    }
}
