import Astronomy
import Foundation
import Lighting

/// The dark time of a site — from sunset to sunrise, sun's centre at -0.833° — that overlaps
/// any period, for baselines.
///
/// Uses the lighting engine's `NightSun` (with its polar fallbacks: dark all day in the polar
/// night, no dark period under the midnight sun) and keeps each lighting day's dark period in a
/// cache, so that asking for every 15-minute interval of a year (35 040 calls) computes the sun
/// about 366 times. Ask in any order; in time order is fastest.
///
/// A value type with a cache: calls are `mutating`. Not meant to be shared between tasks;
/// give each its own.
public struct DarkHours: Sendable {
    /// The site whose nights are computed.
    public let site: Site
    private let clock: LocalClock
    /// One lighting day: local noon to local noon, and its dark period.
    private struct Night: Sendable {
        var dayNumber: Int
        var start: Date, end: Date
        var dark: Range<Date>
    }
    private var nights: [Int: Night] = [:]
    private var last: Night?
    /// The cache holds at most this many lighting days (about three years) before it is reset.
    private static let cacheLimit = 1_100

    /// Dark time for `site`, in its time zone.
    public init(site: Site) {
        self.site = site
        clock = LocalClock(timeZone: site.timeZone)
    }

    /// Dark seconds in [start, end): the total overlap of the period with every night's
    /// sunset-to-sunrise period. 0 when `end` is not after `start`.
    public mutating func seconds(from start: Date, to end: Date) -> Double {
        guard end > start else { return 0 }
        var night = self.night(containing: start)
        var total = 0.0
        while true {
            let overlap = min(end, night.dark.upperBound).timeIntervalSince(max(start, night.dark.lowerBound))
            if overlap > 0 { total += overlap }
            if end <= night.end { break }
            night = self.night(dayNumber: night.dayNumber + 1)
        }
        return total
    }

    /// Dark hours in [start, end), in hours (see `seconds(from:to:)`).
    public mutating func hours(from start: Date, to end: Date) -> Double {
        seconds(from: start, to: end) / 3600
    }

    /// The dark period (sunset to sunrise) of the lighting day named by the date of its evening;
    /// empty under the midnight sun.
    public mutating func dark(onLightingDay day: CivilDate) -> Range<Date> {
        night(dayNumber: day.daysSinceEpoch).dark
    }

    private mutating func night(containing instant: Date) -> Night {
        if let last, last.start <= instant, instant < last.end { return last }
        return night(dayNumber: clock.lightingDay(containing: instant).daysSinceEpoch)
    }

    private mutating func night(dayNumber: Int) -> Night {
        if let last, last.dayNumber == dayNumber { return last }
        if let cached = nights[dayNumber] {
            last = cached
            return cached
        }
        if nights.count >= Self.cacheLimit { nights.removeAll(keepingCapacity: true) }
        let sun = NightSun(day: CivilDate(daysSinceEpoch: dayNumber), site: site, clock: clock)
        let night = Night(dayNumber: dayNumber, start: sun.start, end: sun.end, dark: sun.dark)
        nights[dayNumber] = night
        last = night
        return night
    }
}
