import Foundation

/// A time zone's offset from UTC, looked up once per stretch between two of its transitions
/// (Foundation's, from ICU: a lookup costs ICU's calendar code and time-zone data each time).
/// The export asks for it at every period, in time order; ``LocalClock`` at every step.
public struct ZoneOffsets: Sendable {
    public let timeZone: TimeZone
    /// The offset in force over [from, until).
    private var from = Int64.max, until = Int64.min, offset = 0

    public init(timeZone: TimeZone) { self.timeZone = timeZone }

    /// The offset at `t` in seconds, east positive (as `TimeZone.secondsFromGMT(for:)`).
    public mutating func offset(at t: Int64) -> Int {
        if from <= t && t < until { return offset }
        let instant = Date(timeIntervalSince1970: TimeInterval(t))
        offset = timeZone.secondsFromGMT(for: instant)
        from = t
        until = timeZone.nextDaylightSavingTimeTransition(after: instant)
            .map { Int64($0.timeIntervalSince1970.rounded(.up)) } ?? .max
        return offset
    }
}
