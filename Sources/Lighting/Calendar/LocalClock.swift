import Astronomy
import Foundation
import Synchronization

/// Conversions between UTC instants and the local time of one IANA time zone, with the rules
/// of DESIGN.md:
/// - a local time that does not exist (spring-forward gap) takes effect at the first instant
///   after the gap;
/// - an ambiguous local time (fall-back overlap) takes effect once, at its first occurrence.
///
/// Lighting days run from local noon to the next local noon and are named by the date of
/// their evening.
public struct LocalClock: Sendable, Hashable {
    public let timeZone: TimeZone
    /// The offsets, looked up once per stretch between transitions: the control loop asks at
    /// every step.
    private let offsets: SharedOffsets

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
        offsets = SharedOffsets(ZoneOffsets(timeZone: timeZone))
    }

    public static func == (a: LocalClock, b: LocalClock) -> Bool { a.timeZone == b.timeZone }
    public func hash(into hasher: inout Hasher) { hasher.combine(timeZone) }

    /// The zone's offset from UTC at `instant`, in seconds (east positive), as
    /// `TimeZone.secondsFromGMT(for:)` says (transitions fall on whole seconds).
    public func utcOffset(at instant: Date) -> Int {
        let t = Int64(instant.timeIntervalSince1970.rounded(.down))
        return offsets.lookup.withLock { $0.offset(at: t) }
    }

    /// The local calendar date and the seconds since local midnight at `instant`.
    public func local(_ instant: Date) -> (date: CivilDate, secondsOfDay: Int) {
        let local = Int(instant.timeIntervalSince1970.rounded(.down)) + utcOffset(at: instant)
        let days = Int((Double(local) / 86_400).rounded(.down))
        return (CivilDate(daysSinceEpoch: days), local - days * 86_400)
    }

    /// The instant at which the local wall time `date` + `secondsOfDay` takes effect.
    /// `secondsOfDay` may exceed 86 400 (it then falls on a later date).
    public func instant(_ date: CivilDate, secondsOfDay: Int) -> Date {
        let wall = date.daysSinceEpoch * 86_400 + secondsOfDay  // the wall time read as if UTC
        let before = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(wall - 86_400 / 2)))
        let after = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(wall + 86_400 / 2)))
        let early = wall - max(before, after), late = wall - min(before, after)
        // Candidates in time order; the first whose offset maps back to the wall time wins
        // (first occurrence of an ambiguous time).
        for candidate in [early, late] where candidate + utcOffset(at: Date(timeIntervalSince1970: Double(candidate))) == wall {
            return Date(timeIntervalSince1970: Double(candidate))
        }
        // In a gap: the first instant after it is the transition itself.
        let probe = Date(timeIntervalSince1970: Double(early - 1))
        return timeZone.nextDaylightSavingTimeTransition(after: probe)
            ?? Date(timeIntervalSince1970: Double(late))
    }

    /// The lighting day containing `instant`: the local date if it is after local noon,
    /// otherwise the day before.
    public func lightingDay(containing instant: Date) -> CivilDate {
        let l = local(instant)
        let day = l.secondsOfDay >= 43_200 ? l.date : l.date.adding(days: -1)
        // Guard against zones whose noon falls in a gap (none known): the noon instant rules.
        return instant < noon(of: day) ? day.adding(days: -1) : day
    }

    /// Local noon of `date`: where the lighting day `date` begins.
    public func noon(of date: CivilDate) -> Date { instant(date, secondsOfDay: 43_200) }

    /// The UTC offset at local noon of `date` (what sun computations for that date take).
    public func offsetAtNoon(of date: CivilDate) -> Int { utcOffset(at: noon(of: date)) }
}

/// One ``ZoneOffsets`` shared by the copies of a clock.
private final class SharedOffsets: Sendable {
    let lookup: Mutex<ZoneOffsets>
    init(_ offsets: ZoneOffsets) { lookup = Mutex(offsets) }
}
