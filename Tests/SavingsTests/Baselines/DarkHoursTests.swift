import Astronomy
import Foundation
import Lighting
import Savings
import Testing

/// Dark time against PyEphem 4.2.1 (tools/finance-reference/dark_hours.py) and against
/// itself at every granularity.
@Suite("Dark hours")
struct DarkHoursTests {
    static let paris = TimeZone(identifier: "Europe/Paris")!
    static let montdidier = Site(id: "m", name: "Montdidier",
                                 coordinate: GeoCoordinate(latitude: 49.648, longitude: 2.570)!, timeZone: paris)
    static let tromso = Site(id: "t", name: "Tromsø", coordinate: GeoCoordinate(latitude: 69.6496, longitude: 18.9560)!,
                             timeZone: TimeZone(identifier: "Europe/Oslo")!)

    /// Local midnight of the first of `month` (1...13) of 2026 in `zone`.
    static func monthStart(_ month: Int, _ zone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.date(from: DateComponents(year: 2026 + (month - 1) / 12, month: (month - 1) % 12 + 1, day: 1))!
    }

    /// PyEphem's dark hours of each local month of 2026 in Montdidier.
    static let pyephemMontdidier2026 = [474.4988, 388.2843, 373.6717, 306.8243, 266.9962, 232.9869,
                                        253.8946, 298.2004, 342.1794, 411.7367, 446.9872, 489.3287]

    @Test("Montdidier, every month of 2026, within 3 minutes of PyEphem")
    func montdidierMonths() {
        var dark = DarkHours(site: Self.montdidier)
        var worst = 0.0
        for (i, reference) in Self.pyephemMontdidier2026.enumerated() {
            let hours = dark.hours(from: Self.monthStart(i + 1, Self.paris), to: Self.monthStart(i + 2, Self.paris))
            worst = max(worst, abs(hours - reference))
            #expect(abs(hours - reference) < 0.05, "month \(i + 1): \(hours) h vs PyEphem \(reference) h")
        }
        print("DarkHours: largest monthly difference from PyEphem \(Int((worst * 3600).rounded())) s")
    }

    @Test("A year by 15-minute intervals sums to the months, whatever the order of the calls")
    func intervalsAddUp() {
        let start = Self.monthStart(1, Self.paris), end = Self.monthStart(13, Self.paris)
        var byInterval = DarkHours(site: Self.montdidier)
        var total = 0.0, count = 0
        var t = start
        while t < end {
            let next = t.addingTimeInterval(900)
            let seconds = byInterval.seconds(from: t, to: next)
            #expect(seconds >= 0 && seconds <= 900)
            total += seconds
            count += 1
            t = next
        }
        #expect(count == 35_040)
        var byMonth = DarkHours(site: Self.montdidier)
        let months = (1...12).reduce(0.0) { $0 + byMonth.seconds(from: Self.monthStart($1, Self.paris), to: Self.monthStart($1 + 1, Self.paris)) }
        #expect(abs(total - months) < 1e-3)
        var whole = DarkHours(site: Self.montdidier)
        #expect(abs(whole.seconds(from: start, to: end) - total) < 1e-3)
        // Backwards, with a fresh cache: the same values.
        var backwards = DarkHours(site: Self.montdidier)
        var reversedTotal = 0.0
        t = end
        while t > start {
            reversedTotal += backwards.seconds(from: t.addingTimeInterval(-900), to: t)
            t = t.addingTimeInterval(-900)
        }
        #expect(abs(reversedTotal - total) < 1e-3)
        // PyEphem's year: 4 285.5893 h.
        #expect(abs(total / 3600 - 4285.5893) < 0.5)
    }

    @Test("One night equals sunset to the next sunrise; daytime periods have no dark time")
    func oneNight() {
        var dark = DarkHours(site: Self.montdidier)
        let day = CivilDate(year: 2026, month: 3, day: 29)!
        let night = dark.dark(onLightingDay: day)
        let clock = LocalClock(timeZone: Self.paris)
        let sun = NightSun(day: day, site: Self.montdidier, clock: clock)
        #expect(night == sun.dark)
        #expect(dark.seconds(from: clock.noon(of: day), to: clock.noon(of: day.adding(days: 1)))
                == night.upperBound.timeIntervalSince(night.lowerBound))
        // Noon to an hour before sunset: nothing.
        #expect(dark.seconds(from: clock.noon(of: day), to: night.lowerBound.addingTimeInterval(-3600)) == 0)
        // Half an hour either side of sunset: half an hour of dark.
        #expect(dark.seconds(from: night.lowerBound.addingTimeInterval(-1800), to: night.lowerBound.addingTimeInterval(1800)) == 1800)
        // Empty and reversed periods.
        #expect(dark.seconds(from: night.lowerBound, to: night.lowerBound) == 0)
        #expect(dark.seconds(from: night.upperBound, to: night.lowerBound) == 0)
    }

    @Test("Tromsø: polar night in December is dark throughout, midnight sun in June has no dark time (as PyEphem)")
    func polar() {
        let oslo = Self.tromso.timeZone
        var dark = DarkHours(site: Self.tromso)
        #expect(dark.hours(from: Self.monthStart(12, oslo), to: Self.monthStart(13, oslo)) == 744)
        #expect(dark.hours(from: Self.monthStart(6, oslo), to: Self.monthStart(7, oslo)) == 0)
    }
}
