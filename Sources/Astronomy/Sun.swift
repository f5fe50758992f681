// Sun events and position for street-lighting control.
//
// Algorithm: the NOAA Solar Calculator / Meeus low-precision solar theory (Julian centuries,
// geometric mean longitude and anomaly, equation of the centre, apparent longitude, obliquity
// with the nutation correction, declination, equation of time); see SolarCoordinates.swift.
// Events are solved per day with the coordinates interpolated between three evaluations and
// Newton's method on the hour angle, so that event times converge to well under a second of
// the model (SolarDay.swift).
//
// Accuracy, measured against PyEphem (VSOP87 with nutation, aberration and ΔT; the USNO
// convention) on the reference table Tests/AstronomyTests/Fixtures/pyephem-reference.csv
// (tools/astro-reference/generate.py; 18 places, 26 dates of 2025–2026, 3 133 events):
//   · between 60° S and 60° N: largest difference 8.0 s over all events (sunrise/sunset 5.1 s,
//     solar noon 3.6 s, twilight 8.0 s at 60° S); the tests require 60 s;
//   · from 60° to 70°: the same day status and the same set of existing events, largest
//     difference 27 s (civil dusk near midnight at 61° N in July, when the sun skims −6°).
//     A grazing crossing is ill-conditioned: the 0.004° uncertainty of the declination can move
//     it by minutes, so beyond the polar circles times near the start or end of a polar period
//     are only indicative;
//   · published USNO almanac values (one-minute precision) agree to their rounding.
// The error comes from the low-precision series (solar longitude good to 0.01°, i.e. about
// 2.4 s of right ascension); the interpolation and the solver add less than 0.01 s.
// Positions (``Sun/position(at:of:)``) are good to about 0.01°.
//
// Conventions: instants are UTC `Date`s (UT1 ≈ UTC; the < 0.9 s difference is ignored);
// altitudes are geometric, of the sun's centre, with no refraction; observers are at sea level
// (no dip of the horizon) and geocentric (solar parallax, ≤ 8.8″, ignored).
//
// Cost: one call of ``Sun/events(on:at:utcOffsetSeconds:)`` does no allocation and no
// Foundation call besides building the `Date`s; it takes 8 sines/cosines and about 9 acos
// (one per event plus one per altitude) — roughly 0.5 µs on a 2020s x86 core.

import Foundation

/// Sun events and positions (pure functions, no I/O, no clock).
public enum Sun {
    // sin of the standard altitudes (sin(−0.833°), sin(−6°), sin(−12°)); a test checks that
    // `events` (these constants) and `crossings(of:)` (which calls sin) agree.
    static let sinSunriseSunset = -0.01453808050249695
    static let sinCivilTwilight = -0.10452846326765347
    static let sinNauticalTwilight = -0.20791169081775934

    /// Events of the local calendar day `date` at `place`, in a zone whose UTC offset is
    /// `utcOffsetSeconds` (seconds east of Greenwich; pass the offset in force at local noon,
    /// which is what matters on days when daylight-saving time starts or ends).
    ///
    /// The day's events are the upper transit of the sun nearest to local noon (12:00 at that
    /// offset), the rising crossings before it and the setting crossings after it, each within
    /// 12 h of the transit. So where the offset roughly matches the longitude, the events of a
    /// day normally fall on that local date, and events far from the transit (a sunset at 01:00
    /// the next day near the polar circle) stay attached to the day they belong to.
    ///
    /// - Returns: the events; sunrise and sunset are `nil` during a polar night
    ///   (``DayStatus/polarNight``) or the midnight sun (``DayStatus/midnightSun``), and any
    ///   twilight event that does not happen in the window is `nil`. Never NaN.
    /// - Note: `place` should come from ``GeoCoordinate/init(latitude:longitude:)``; a latitude
    ///   changed afterwards to outside −90 … 90 is clamped. Accuracy is documented in the file
    ///   header (seconds below 60°, dates 1900–2100). Non-finite coordinates are a programmer
    ///   error and stop the program.
    public static func events(on date: CivilDate, at place: GeoCoordinate,
                              utcOffsetSeconds: Int = 0) -> SunEvents {
        let day = solarDay(date, place, utcOffsetSeconds)
        let sunriseSunset = day.crossings(sinAltitude: sinSunriseSunset)
        let civil = day.crossings(sinAltitude: sinCivilTwilight)
        let nautical = day.crossings(sinAltitude: sinNauticalTwilight)
        let status: DayStatus
        switch sunriseSunset.kind {
        case .crosses: status = .normal
        case .alwaysAbove: status = .midnightSun
        case .alwaysBelow: status = .polarNight
        }
        return SunEvents(
            date: date, status: status,
            solarNoon: day.instant(day.transit),
            sunrise: day.instant(sunriseSunset.rising), sunset: day.instant(sunriseSunset.setting),
            civilDawn: day.instant(civil.rising), civilDusk: day.instant(civil.setting),
            nauticalDawn: day.instant(nautical.rising), nauticalDusk: day.instant(nautical.setting))
    }

    /// The instants the sun's centre crosses `altitude` (degrees, geometric, e.g. one of
    /// ``SolarAltitude``) on the local calendar day `date` at `place`, with the same day window
    /// as ``events(on:at:utcOffsetSeconds:)``.
    ///
    /// - Returns: ``AltitudeCrossings/crosses(rising:setting:)`` with the crossings that happen
    ///   in the window, or ``AltitudeCrossings/alwaysAbove`` / ``AltitudeCrossings/alwaysBelow``.
    ///   An altitude above 90° is always above the sun, one below −90° always below it.
    /// - Note: a NaN altitude or non-finite coordinates are programmer errors and stop the
    ///   program.
    public static func crossings(of altitude: Double, on date: CivilDate, at place: GeoCoordinate,
                                 utcOffsetSeconds: Int = 0) -> AltitudeCrossings {
        precondition(!altitude.isNaN, "Sun.crossings: altitude is NaN")
        let day = solarDay(date, place, utcOffsetSeconds)
        let clamped = min(max(altitude, -90), 90)
        let result = day.crossings(sinAltitude: sin(clamped * radiansPerDegree))
        switch result.kind {
        case .alwaysAbove: return .alwaysAbove
        case .alwaysBelow: return .alwaysBelow
        case .crosses: return .crosses(rising: day.instant(result.rising), setting: day.instant(result.setting))
        }
    }

    /// The upper transit of the sun's centre (apparent solar noon) nearest to 12:00 local time
    /// on `date` at `place`, for a zone at `utcOffsetSeconds` east of UTC. It exists every day,
    /// also during a polar night. Accurate to about a second (see the file header).
    public static func solarNoon(on date: CivilDate, at place: GeoCoordinate,
                                 utcOffsetSeconds: Int = 0) -> Date {
        let day = solarDay(date, place, utcOffsetSeconds)
        return day.instant(day.transit)
    }

    /// The sun's geometric altitude and azimuth at `instant` (UTC) seen from `place`.
    ///
    /// Evaluates the NOAA/Meeus series at that instant (no interpolation). Accurate to about
    /// 0.01° in both angles for 1900–2100; no refraction (add it yourself to compare with what
    /// the eye sees near the horizon). The azimuth is undefined at the poles and when the sun is
    /// at the zenith; it is then still a finite number in 0 ..< 360.
    /// - Note: non-finite coordinates are a programmer error and stop the program.
    public static func position(at instant: Date, of place: GeoCoordinate) -> SunPosition {
        precondition(place.latitude.isFinite && place.longitude.isFinite,
                     "Sun.position: non-finite coordinates")
        let days = instant.timeIntervalSinceReferenceDate / 86_400 + daysFromJ2000ToReferenceDate
        let t = days / 36_525
        let coordinates = SolarCoordinates(centuries: t, slow: SolarSlowTerms(centuries: t))
        let sinDec = coordinates.sinDeclination
        let cosDec = (1 - sinDec * sinDec).squareRoot()
        // Hour angle: 360° per day from the UT noon, plus longitude and equation of time.
        let dayFraction = days - days.rounded(.down)
        let hourAngle = (360 * dayFraction + place.longitude + coordinates.equationOfTime) * radiansPerDegree
        let phi = min(max(place.latitude, -90), 90) * radiansPerDegree
        let sinLat = sin(phi), cosLat = cos(phi)
        let cosH = cos(hourAngle), sinH = sin(hourAngle)
        let sinAlt = min(max(sinLat * sinDec + cosLat * cosDec * cosH, -1), 1)
        let altitude = asin(sinAlt) * degreesPerRadian
        // Azimuth from north, clockwise: atan2(east component, north component).
        let east = -cosDec * sinH
        let north = cosLat * sinDec - sinLat * cosDec * cosH
        var azimuth = atan2(east, north) * degreesPerRadian
        if azimuth < 0 { azimuth += 360 }
        if azimuth >= 360 { azimuth -= 360 }
        return SunPosition(altitude: altitude, azimuth: azimuth)
    }

    @inline(__always)
    static func solarDay(_ date: CivilDate, _ place: GeoCoordinate, _ utcOffsetSeconds: Int) -> SolarDay {
        precondition(place.latitude.isFinite && place.longitude.isFinite,
                     "Sun: non-finite coordinates")
        return SolarDay(date: date, latitude: place.latitude, longitude: place.longitude,
                        utcOffsetSeconds: utcOffsetSeconds)
    }
}

extension SolarDay {
    @inline(__always)
    func instant(_ x: Double) -> Date {
        Date(timeIntervalSinceReferenceDate: secondsSinceReferenceDate(x))
    }

    @inline(__always)
    func instant(_ x: Double?) -> Date? {
        guard let x else { return nil }
        return instant(x)
    }
}
