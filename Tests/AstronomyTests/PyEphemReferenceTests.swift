import Astronomy
import Foundation
import Testing

/// Lanterne's sun events against an independent high-precision ephemeris (PyEphem, VSOP87; see
/// tools/astro-reference/). The table was not computed with this code.
@Suite("Sun events vs PyEphem reference")
struct PyEphemReferenceTests {
    /// Worst absolute difference, seconds, for the days of a latitude band.
    struct BandError {
        var worst = 0.0
        var worstCase = ""
        var compared = 0
        mutating func record(_ error: Double, _ label: @autoclosure () -> String) {
            compared += 1
            if error > worst { worst = error; worstCase = label() }
        }
    }

    /// Worst error per latitude band and per event, as text (for the test log).
    static func breakdown(_ days: [ReferenceDay]) -> String {
        var worst: [String: Double] = [:]
        for day in days {
            let band = switch abs(day.coordinate.latitude) {
            case ..<30: "0-30°"
            case ..<50: "30-50°"
            case ...60: "50-60°"
            default: "60-70°"
            }
            let events = Sun.events(on: day.date, at: day.coordinate, utcOffsetSeconds: day.utcOffsetSeconds)
            for name in ReferenceTable.eventNames {
                guard let expected = day.events[name]!, let actual = events.event(named: name) else { continue }
                let error = abs(actual.timeIntervalSince(expected))
                worst[band, default: 0] = max(worst[band, default: 0], error)
                worst[name, default: 0] = max(worst[name, default: 0], error)
            }
        }
        return worst.keys.sorted().map { "\($0) \(String(format: "%.1f", worst[$0]!)) s" }.joined(separator: ", ")
    }

    @Test("the table covers 60° S ... 60° N and the polar circles")
    func tableCoverage() throws {
        let days = try ReferenceTable.load()
        #expect(days.count >= 15 * 24)
        let latitudes = days.map(\.coordinate.latitude)
        #expect(latitudes.min()! <= -60 && latitudes.max()! >= 69)
        #expect(days.contains { $0.status == .polarNight })
        #expect(days.contains { $0.status == .midnightSun })
        for day in days {
            #expect(day.status != nil, "no status for \(day)")
            #expect(day.events.count == ReferenceTable.eventNames.count, "missing events for \(day)")
        }
    }

    @Test("every event within 60 s between 60° S and 60° N")
    func midLatitudes() throws {
        var band = BandError()
        for day in try ReferenceTable.load() where abs(day.coordinate.latitude) <= 60 {
            let events = Sun.events(on: day.date, at: day.coordinate, utcOffsetSeconds: day.utcOffsetSeconds)
            #expect(events.status == day.status, "status for \(day)")
            for name in ReferenceTable.eventNames {
                let expected = day.events[name]!
                let actual = events.event(named: name)
                guard let expected, let actual else {
                    #expect(expected == nil && actual == nil, "\(name) exists on one side only for \(day)")
                    continue
                }
                let error = abs(actual.timeIntervalSince(expected))
                band.record(error, "\(name) \(day)")
                #expect(error <= 60, "\(name) off by \(error) s for \(day)")
            }
        }
        #expect(band.compared > 2000)
        print("PyEphem reference, |lat| <= 60°: \(band.compared) events, max error \(String(format: "%.1f", band.worst)) s (\(band.worstCase))")
        print("  by band and event: " + Self.breakdown(try ReferenceTable.load().filter { abs($0.coordinate.latitude) <= 60 }))
    }

    @Test("status and existing events match up to ±70°; times within 60 s unless the sun grazes the altitude")
    func highLatitudes() throws {
        var band = BandError()
        var grazing = BandError()
        for day in try ReferenceTable.load() where abs(day.coordinate.latitude) > 60 {
            let events = Sun.events(on: day.date, at: day.coordinate, utcOffsetSeconds: day.utcOffsetSeconds)
            #expect(events.status == day.status, "status for \(day)")
            for name in ReferenceTable.eventNames {
                let expected = day.events[name]!
                let actual = events.event(named: name)
                guard let expected, let actual else {
                    #expect(expected == nil && actual == nil, "\(name) exists on one side only for \(day)")
                    continue
                }
                let error = abs(actual.timeIntervalSince(expected))
                // A grazing crossing (within 1 h of the transit) is ill-conditioned: 0.004° of
                // declination moves it by minutes. Allow 5 min there, 60 s elsewhere.
                let nearTransit = name != "solarNoon" && abs(expected.timeIntervalSince(events.solarNoon)) < 3600
                if nearTransit {
                    grazing.record(error, "\(name) \(day)")
                    #expect(error <= 300, "\(name) off by \(error) s for \(day)")
                } else {
                    band.record(error, "\(name) \(day)")
                    #expect(error <= 60, "\(name) off by \(error) s for \(day)")
                }
            }
        }
        print("  by band and event: " + Self.breakdown(try ReferenceTable.load().filter { abs($0.coordinate.latitude) > 60 }))
        print("PyEphem reference, 60° < |lat| <= 70°: \(band.compared) events, max error \(String(format: "%.1f", band.worst)) s (\(band.worstCase)); grazing crossings: \(grazing.compared), max \(String(format: "%.1f", grazing.worst)) s (\(grazing.worstCase))")
    }

    @Test("crossings(of:) agrees with events(on:) on the reference days")
    func crossingsMatchEvents() throws {
        for day in try ReferenceTable.load() {
            let events = Sun.events(on: day.date, at: day.coordinate, utcOffsetSeconds: day.utcOffsetSeconds)
            let sunrise = Sun.crossings(of: SolarAltitude.sunriseSunset, on: day.date, at: day.coordinate,
                                        utcOffsetSeconds: day.utcOffsetSeconds)
            switch (sunrise, events.status) {
            case (.alwaysAbove, .midnightSun), (.alwaysBelow, .polarNight): break
            case (.crosses(let rising, let setting), .normal):
                #expect(rising == events.sunrise && setting == events.sunset, "\(day)")
                #expect(rising != nil || setting != nil, "\(day)")
            default: Issue.record("crossings \(sunrise) vs status \(events.status) for \(day)")
            }
            let civil = Sun.crossings(of: SolarAltitude.civilTwilight, on: day.date, at: day.coordinate,
                                      utcOffsetSeconds: day.utcOffsetSeconds)
            #expect(civil.rising == events.civilDawn && civil.setting == events.civilDusk, "\(day)")
            let noon = Sun.solarNoon(on: day.date, at: day.coordinate, utcOffsetSeconds: day.utcOffsetSeconds)
            #expect(noon == events.solarNoon)
        }
    }

    @Test("position(at:) puts the sun at the reference altitudes at the reference instants")
    func positionAtReferenceInstants() throws {
        var worst = 0.0
        for day in try ReferenceTable.load() where abs(day.coordinate.latitude) <= 60 {
            for (name, altitude) in [("sunrise", SolarAltitude.sunriseSunset), ("sunset", SolarAltitude.sunriseSunset),
                                     ("civilDawn", SolarAltitude.civilTwilight), ("nauticalDusk", SolarAltitude.nauticalTwilight)] {
                guard let instant = day.events[name]! else { continue }
                let position = Sun.position(at: instant, of: day.coordinate)
                worst = max(worst, abs(position.altitude - altitude))
                #expect(abs(position.altitude - altitude) < 0.03, "\(name) altitude \(position.altitude) for \(day)")
                let morning = name == "sunrise" || name == "civilDawn"
                #expect(morning ? position.azimuth < 180 : position.azimuth > 180, "\(name) azimuth \(position.azimuth) for \(day)")
            }
            // At the transit the sun is due south or due north (azimuth 180 or 0/360).
            let noon = Sun.position(at: day.events["solarNoon"]!!, of: day.coordinate)
            // (Skip days when the sun passes near the zenith, where the azimuth is ill-defined.)
            let fromMeridian = min(abs(noon.azimuth - 180), noon.azimuth, 360 - noon.azimuth)
            #expect(noon.altitude > 85 || fromMeridian < 0.5, "noon azimuth \(noon.azimuth) for \(day)")
        }
        print("PyEphem reference: max altitude error of position(at:) at reference events \(String(format: "%.4f", worst))°")
    }
}
