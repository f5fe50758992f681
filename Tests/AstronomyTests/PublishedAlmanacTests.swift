import Astronomy
import Foundation
import Testing

/// Cross-checks against values published by the U.S. Naval Observatory (Astronomical
/// Applications Department). USNO rounds to the minute, so the tolerance is 60 s plus 30 s of
/// rounding. The USNO tables used here are in Universal Time and list on each UTC date the
/// events that happen during that UTC date; the comments map them onto Lanterne's local day.
@Suite("Sun events vs published USNO almanac values")
struct PublishedAlmanacTests {
    static let tolerance = 90.0

    /// `YYYY-MM-DD HH:MM` (UTC) to an instant.
    static func utc(_ text: String) -> Date {
        let parts = text.split(separator: " ")
        let date = CivilDate(parts[0])!
        let clock = parts[1].split(separator: ":").map { Int($0)! }
        return Date(timeIntervalSince1970: Double(date.daysSinceEpoch) * 86_400 + Double(clock[0] * 3600 + clock[1] * 60))
    }

    static func check(_ actual: Date?, _ expected: String, _ label: String) {
        guard let actual else {
            Issue.record("\(label): no event, USNO has \(expected)")
            return
        }
        let error = actual.timeIntervalSince(utc(expected))
        #expect(abs(error) <= tolerance, "\(label): \(actual) vs USNO \(expected) UTC (\(error) s)")
    }

    // USNO "Rise and Set for the Sun for 2020", BRASILIA, BR (W047 51, S15 48), Universal
    // Time; as kept in github.com/klausbrunner/solarpositioning,
    // src/test/resources/sunrise/brasilia.txt. Local time is UTC−3: each local day's events
    // fall on the same UTC date.
    @Test("Brasília 2020, sunrise and sunset (USNO one-year table)")
    func brasiliaSunriseSunset() {
        let place = GeoCoordinate(latitude: -(15 + 48.0 / 60), longitude: -(47 + 51.0 / 60))!
        let rows: [(String, String, String)] = [
            ("2020-01-05", "08:46", "21:48"),
            ("2020-03-20", "09:15", "21:22"),
            ("2020-06-21", "09:38", "20:49"),
            ("2020-09-22", "09:01", "21:07"),
            ("2020-12-21", "08:38", "21:42"),
        ]
        for (day, rise, set) in rows {
            let events = Sun.events(on: CivilDate(day)!, at: place, utcOffsetSeconds: -3 * 3600)
            Self.check(events.sunrise, "\(day) \(rise)", "Brasília sunrise \(day)")
            Self.check(events.sunset, "\(day) \(set)", "Brasília sunset \(day)")
        }
    }

    // USNO "Civil Twilight for 2023", BRASILIA BR (W047 51, S15 48), Universal Time; as kept in
    // github.com/klausbrunner/solarpositioning,
    // src/test/resources/net/e175/klaus/solarpositioning/test/sunrise/raw/brasilia-civil.txt.
    @Test("Brasília 2023, civil twilight (USNO one-year table)")
    func brasiliaCivilTwilight() {
        let place = GeoCoordinate(latitude: -(15 + 48.0 / 60), longitude: -(47 + 51.0 / 60))!
        let rows: [(String, String, String)] = [
            ("2023-03-20", "08:54", "21:44"),
            ("2023-07-01", "09:16", "21:15"),
            ("2023-11-15", "08:08", "21:44"),
        ]
        for (day, begin, end) in rows {
            let events = Sun.events(on: CivilDate(day)!, at: place, utcOffsetSeconds: -3 * 3600)
            Self.check(events.civilDawn, "\(day) \(begin)", "Brasília civil dawn \(day)")
            Self.check(events.civilDusk, "\(day) \(end)", "Brasília civil dusk \(day)")
        }
    }

    // USNO "Rise and Set for the Sun for 2020", AUCKLAND, NZ (E174 48, S36 50), Universal Time
    // (github.com/klausbrunner/solarpositioning, src/test/resources/sunrise/raw/auckland.txt).
    // Auckland is 11–13 h ahead of UTC: the sunrise of local day D is listed on UTC date D−1
    // (Jan. 14 "1717" is 06:17 NZDT on Jan. 15), its sunset on UTC date D.
    @Test("Auckland 2020, sunrise and sunset across the date line (USNO one-year table)")
    func aucklandAcrossTheDateLine() {
        let place = GeoCoordinate(latitude: -(36 + 50.0 / 60), longitude: 174 + 48.0 / 60)!
        let jan15 = Sun.events(on: CivilDate("2020-01-15")!, at: place, utcOffsetSeconds: 13 * 3600)
        Self.check(jan15.sunrise, "2020-01-14 17:17", "Auckland sunrise 2020-01-15 (NZDT)")
        Self.check(jan15.sunset, "2020-01-15 07:42", "Auckland sunset 2020-01-15 (NZDT)")
        let jun21 = Sun.events(on: CivilDate("2020-06-21")!, at: place, utcOffsetSeconds: 12 * 3600)
        Self.check(jun21.sunrise, "2020-06-20 19:34", "Auckland sunrise 2020-06-21 (NZST)")
        Self.check(jun21.sunset, "2020-06-21 05:12", "Auckland sunset 2020-06-21 (NZST)")
    }

    // USNO "Civil Twilight for 2020", ANCHORAGE US (W149 52, N61 13), Universal Time
    // (github.com/klausbrunner/solarpositioning,
    // src/test/resources/net/e175/klaus/solarpositioning/test/sunrise/raw/anchorage-civil.txt).
    // Alaska is UTC−9/−8: local day D's dawn is on UTC date D, its dusk on UTC date D+1. In
    // June the sun stays above −6° all night ("////").
    @Test("Anchorage 2020, civil twilight and its absence in June (USNO one-year table)")
    func anchorageCivilTwilight() {
        let place = GeoCoordinate(latitude: 61 + 13.0 / 60, longitude: -(149 + 52.0 / 60))!
        let jan10 = Sun.events(on: CivilDate("2020-01-10")!, at: place, utcOffsetSeconds: -9 * 3600)
        Self.check(jan10.civilDawn, "2020-01-10 18:07", "Anchorage civil dawn 2020-01-10")
        Self.check(jan10.civilDusk, "2020-01-11 02:08", "Anchorage civil dusk 2020-01-10")
        let mar20 = Sun.events(on: CivilDate("2020-03-20")!, at: place, utcOffsetSeconds: -8 * 3600)
        Self.check(mar20.civilDawn, "2020-03-20 15:15", "Anchorage civil dawn 2020-03-20")
        Self.check(mar20.civilDusk, "2020-03-21 05:00", "Anchorage civil dusk 2020-03-20")
        let jun21 = Sun.events(on: CivilDate("2020-06-21")!, at: place, utcOffsetSeconds: -8 * 3600)
        #expect(jun21.civilDawn == nil && jun21.civilDusk == nil)
        #expect(Sun.crossings(of: SolarAltitude.civilTwilight, on: CivilDate("2020-06-21")!, at: place,
                              utcOffsetSeconds: -8 * 3600) == .alwaysAbove)
        #expect(jun21.status == .normal)
    }

    // USNO Complete Sun and Moon Data for One Day, 2003-07-15, long. W155 29, lat. N19 49
    // (Mauna Kea, Hawaii, UTC−10), quoted in Astro-Coords 0.07 t/riseset.t
    // (github.com/aallan/perl-modules-for-astronomy, JACH/Astro-Coords-0.07/t/riseset.t):
    // begin civil twilight 05:27, sunrise 05:51, transit 12:28, sunset 19:04, end civil
    // twilight 19:28, local time.
    @Test("Mauna Kea 2003-07-15 (USNO one-day data)")
    func maunaKea() {
        let place = GeoCoordinate(latitude: 19 + 49.0 / 60, longitude: -(155 + 29.0 / 60))!
        let events = Sun.events(on: CivilDate("2003-07-15")!, at: place, utcOffsetSeconds: -10 * 3600)
        Self.check(events.civilDawn, "2003-07-15 15:27", "Mauna Kea civil dawn")
        Self.check(events.sunrise, "2003-07-15 15:51", "Mauna Kea sunrise")
        Self.check(events.solarNoon, "2003-07-15 22:28", "Mauna Kea transit")
        Self.check(events.sunset, "2003-07-16 05:04", "Mauna Kea sunset")
        Self.check(events.civilDusk, "2003-07-16 05:28", "Mauna Kea civil dusk")
    }

    // USNO "Rise and Set for the Sun for 2020", LONGYEARBYEN NO (E015 38, N78 13)
    // (github.com/klausbrunner/solarpositioning, src/test/resources/sunrise/raw/longyearbyen.txt):
    // "----" (continuously below) all of January, "****" (continuously above) all of June;
    // 2020-03-20: rise 04:48, set 17:25 UTC. Beyond ±70°, outside Lanterne's accuracy claim, but
    // the status must still be right.
    @Test("Longyearbyen 2020: polar night, midnight sun, equinox (USNO one-year table)")
    func longyearbyen() {
        let place = GeoCoordinate(latitude: 78 + 13.0 / 60, longitude: 15 + 38.0 / 60)!
        #expect(Sun.events(on: CivilDate("2020-01-05")!, at: place, utcOffsetSeconds: 3600).status == .polarNight)
        #expect(Sun.events(on: CivilDate("2020-06-15")!, at: place, utcOffsetSeconds: 7200).status == .midnightSun)
        let equinox = Sun.events(on: CivilDate("2020-03-20")!, at: place, utcOffsetSeconds: 3600)
        #expect(equinox.status == .normal)
        Self.check(equinox.sunrise, "2020-03-20 04:48", "Longyearbyen sunrise 2020-03-20")
        Self.check(equinox.sunset, "2020-03-20 17:25", "Longyearbyen sunset 2020-03-20")
    }
}
