import Astronomy
import Foundation
import Testing

@Suite("Sun: statuses, invariants and edge cases")
struct SunTests {
    static let tromso = GeoCoordinate(latitude: 69.6496, longitude: 18.9560)!
    static let montdidier = GeoCoordinate(latitude: 49.648, longitude: 2.570)!

    @Test("polar night at Tromsø in December: no sunrise or sunset, civil twilight reported")
    func tromsoPolarNight() {
        let events = Sun.events(on: CivilDate("2025-12-21")!, at: Self.tromso, utcOffsetSeconds: 3600)
        #expect(events.status == .polarNight)
        #expect(events.sunrise == nil && events.sunset == nil)
        #expect(events.civilDawn != nil && events.civilDusk != nil)
        #expect(events.nauticalDawn != nil && events.nauticalDusk != nil)
        #expect(events.dayLength == 0)
        #expect(Sun.crossings(of: SolarAltitude.sunriseSunset, on: CivilDate("2025-12-21")!, at: Self.tromso,
                              utcOffsetSeconds: 3600) == .alwaysBelow)
    }

    @Test("midnight sun at Tromsø in June: no sunrise, sunset or twilight")
    func tromsoMidnightSun() {
        let events = Sun.events(on: CivilDate("2026-06-21")!, at: Self.tromso, utcOffsetSeconds: 7200)
        #expect(events.status == .midnightSun)
        #expect(events.sunrise == nil && events.sunset == nil)
        #expect(events.civilDawn == nil && events.civilDusk == nil)
        #expect(events.nauticalDawn == nil && events.nauticalDusk == nil)
        #expect(events.dayLength == 86_400)
        #expect(Sun.crossings(of: SolarAltitude.sunriseSunset, on: CivilDate("2026-06-21")!, at: Self.tromso,
                              utcOffsetSeconds: 7200) == .alwaysAbove)
    }

    @Test("the southern hemisphere mirrors it (70° S: midnight sun in December, polar night in June)")
    func southernPolarCircle() {
        let place = GeoCoordinate(latitude: -70, longitude: 0)!
        #expect(Sun.events(on: CivilDate("2026-12-21")!, at: place).status == .midnightSun)
        #expect(Sun.events(on: CivilDate("2026-06-21")!, at: place).status == .polarNight)
    }

    @Test("the first and last sunrises around a polar night are reported as normal days")
    func edgesOfPolarNight() {
        // Walk Tromsø through autumn: the status must go normal -> polarNight once, and every
        // normal day must have at least one of sunrise and sunset.
        var date = CivilDate("2025-11-01")!
        var transitions = 0
        var previous = DayStatus.normal
        for _ in 0..<60 {
            let events = Sun.events(on: date, at: Self.tromso, utcOffsetSeconds: 3600)
            if events.status != previous { transitions += 1; previous = events.status }
            if events.status == .normal { #expect(events.sunrise != nil || events.sunset != nil, "\(date)") }
            date = date.adding(days: 1)
        }
        #expect(transitions == 1)
    }

    @Test("events are finite, ordered and within 12 h of solar noon at every latitude, every day")
    func invariantsEverywhere() {
        let start = CivilDate("2026-01-01")!
        for latitude in stride(from: -90.0, through: 90.0, by: 2.5) {
            for longitude in [-180.0, -117.3, 0, 2.57, 151.2, 180] {
                let place = GeoCoordinate(latitude: latitude, longitude: longitude)!
                let offset = Int((longitude / 15).rounded()) * 3600
                for day in stride(from: 0, to: 366, by: 5) {
                    let events = Sun.events(on: start.adding(days: day), at: place, utcOffsetSeconds: offset)
                    let noon = events.solarNoon
                    #expect(noon.timeIntervalSinceReferenceDate.isFinite)
                    // Transit nearest local noon.
                    let localNoon = Date(timeIntervalSince1970: Double(start.adding(days: day).daysSinceEpoch) * 86_400 + 43_200 - Double(offset))
                    #expect(abs(noon.timeIntervalSince(localNoon)) <= 43_200 + 1)
                    let morning = [events.nauticalDawn, events.civilDawn, events.sunrise]
                    let evening = [events.sunset, events.civilDusk, events.nauticalDusk]
                    var last = noon.addingTimeInterval(-43_200 - 1)
                    for event in morning.compactMap({ $0 }) {
                        #expect(event.timeIntervalSinceReferenceDate.isFinite)
                        #expect(event >= last && event <= noon, "\(latitude) \(longitude) day \(day)")
                        last = event
                    }
                    last = noon
                    for event in evening.compactMap({ $0 }) {
                        #expect(event.timeIntervalSinceReferenceDate.isFinite)
                        #expect(event >= last && event <= noon.addingTimeInterval(43_200 + 1), "\(latitude) \(longitude) day \(day)")
                        last = event
                    }
                    // Status agrees with the sunrise/sunset events.
                    switch events.status {
                    case .normal: #expect(events.sunrise != nil || events.sunset != nil)
                    case .polarNight, .midnightSun: #expect(events.sunrise == nil && events.sunset == nil)
                    }
                }
            }
        }
    }

    @Test("the sun is at the requested altitude at each crossing")
    func crossingsHitTheAltitude() {
        let date = CivilDate("2026-03-29")!
        for altitude in [-18.0, -12, -6, -0.833, 0, 10, 30] {
            guard case .crosses(let rising, let setting) = Sun.crossings(of: altitude, on: date, at: Self.montdidier,
                                                                         utcOffsetSeconds: 7200) else {
                Issue.record("no crossing of \(altitude)°")
                continue
            }
            for instant in [rising, setting].compactMap({ $0 }) {
                let position = Sun.position(at: instant, of: Self.montdidier)
                #expect(abs(position.altitude - altitude) < 0.001, "\(altitude)° at \(instant): \(position.altitude)")
            }
        }
    }

    @Test("unreachable altitudes")
    func unreachableAltitudes() {
        let date = CivilDate("2026-03-29")!
        #expect(Sun.crossings(of: 91, on: date, at: Self.montdidier) == .alwaysBelow)
        #expect(Sun.crossings(of: 60, on: date, at: Self.montdidier) == .alwaysBelow)  // noon altitude ≈ 43.7°
        #expect(Sun.crossings(of: -91, on: date, at: Self.montdidier) == .alwaysAbove)
        #expect(Sun.crossings(of: -60, on: date, at: Self.montdidier) == .alwaysAbove)
    }

    @Test("solar noon at Montdidier is near 12:00 local mean time corrected by the equation of time")
    func solarNoonMontdidier() {
        // 2026-11-03: equation of time ≈ +16.4 min; mean noon at 2.570° E is 11:49:50 UTC.
        let noon = Sun.solarNoon(on: CivilDate("2026-11-03")!, at: Self.montdidier, utcOffsetSeconds: 3600)
        let expected = Date(timeIntervalSince1970: Double(CivilDate("2026-11-03")!.daysSinceEpoch) * 86_400 + 43_200 - 2.570 * 240 - 16.4 * 60)
        #expect(abs(noon.timeIntervalSince(expected)) < 15)
        #expect(Sun.position(at: noon, of: Self.montdidier).azimuth > 179.9)
    }

    @Test("a zone far from its meridian keeps the transit nearest local noon (Apia, UTC+13 at 172° W)")
    func offsetFarFromLongitude() {
        let apia = GeoCoordinate(latitude: -13.8333, longitude: -171.7667)!
        let date = CivilDate("2026-03-20")!
        let events = Sun.events(on: date, at: apia, utcOffsetSeconds: 13 * 3600)
        // Local noon 2026-03-20 12:00 +13 = 2026-03-19 23:00 UTC; the transit is ~23:34 UTC.
        let localNoon = Date(timeIntervalSince1970: Double(date.daysSinceEpoch) * 86_400 + 43_200 - 13 * 3600)
        #expect(abs(events.solarNoon.timeIntervalSince(localNoon) - 34 * 60) < 5 * 60)
        #expect(events.status == .normal && events.sunrise! < events.solarNoon && events.sunset! > events.solarNoon)
    }

    @Test("position: altitude and azimuth of the sun in known configurations")
    func positionBasics() {
        // Equator at the March equinox transit: the sun is almost overhead.
        let quito = GeoCoordinate(latitude: 0, longitude: 0)!
        let noon = Sun.solarNoon(on: CivilDate("2026-03-20")!, at: quito)
        #expect(Sun.position(at: noon, of: quito).altitude > 89.5)
        // Montdidier, summer solstice transit: 90 − 49.648 + 23.44 ≈ 63.79°, due south.
        let june = Sun.solarNoon(on: CivilDate("2026-06-21")!, at: Self.montdidier, utcOffsetSeconds: 7200)
        let p = Sun.position(at: june, of: Self.montdidier)
        #expect(abs(p.altitude - 63.79) < 0.02)
        #expect(abs(p.azimuth - 180) < 0.1)
        // Six hours later the sun is in the west and lower.
        let evening = Sun.position(at: june.addingTimeInterval(6 * 3600), of: Self.montdidier)
        #expect(evening.azimuth > 270 && evening.azimuth < 300 && evening.altitude < p.altitude)
        // South pole in December: the sun circles at about 23.4° all day.
        let pole = GeoCoordinate(latitude: -90, longitude: 0)!
        for hour in stride(from: 0.0, to: 24, by: 3) {
            let q = Sun.position(at: noon.addingTimeInterval(hour * 3600 + 275 * 86_400), of: pole)
            #expect(abs(q.altitude - 23.4) < 0.2)
            #expect(q.azimuth >= 0 && q.azimuth < 360)
        }
    }

    @Test("sine constants match the standard altitudes")
    func constants() {
        #expect(SolarAltitude.sunriseSunset == -0.833)
        #expect(SolarAltitude.civilTwilight == -6)
        #expect(SolarAltitude.nauticalTwilight == -12)
        // Same crossings whether the altitude goes through events' sine constants or through
        // crossings(of:), which takes the sine itself.
        let date = CivilDate("2026-03-29")!
        let events = Sun.events(on: date, at: Self.montdidier, utcOffsetSeconds: 7200)
        for (altitude, dawn, dusk) in [(SolarAltitude.sunriseSunset, events.sunrise, events.sunset),
                                       (SolarAltitude.civilTwilight, events.civilDawn, events.civilDusk),
                                       (SolarAltitude.nauticalTwilight, events.nauticalDawn, events.nauticalDusk)] {
            let viaSine = Sun.crossings(of: altitude, on: date, at: Self.montdidier, utcOffsetSeconds: 7200)
            #expect(abs(viaSine.rising!.timeIntervalSince(dawn!)) < 0.001, "\(altitude)°")
            #expect(abs(viaSine.setting!.timeIntervalSince(dusk!)) < 0.001, "\(altitude)°")
        }
    }

    @Test("DayStatus raw values are the JSON names")
    func statusNames() throws {
        #expect(DayStatus.normal.rawValue == "normal")
        #expect(DayStatus.polarNight.rawValue == "polarNight")
        #expect(DayStatus.midnightSun.rawValue == "midnightSun")
        let data = try JSONEncoder().encode([DayStatus.polarNight])
        #expect(String(decoding: data, as: UTF8.self) == "[\"polarNight\"]")
    }

    @Test("day length at Montdidier on the March equinox is about 12 h 8 min")
    func dayLength() throws {
        let events = Sun.events(on: CivilDate("2026-03-20")!, at: Self.montdidier, utcOffsetSeconds: 3600)
        let length = try #require(events.dayLength)
        #expect(abs(length - (12 * 3600 + 9 * 60)) < 180)
    }
}
