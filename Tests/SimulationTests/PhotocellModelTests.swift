import Astronomy
import Foundation
import HAL
import Simulation
import Testing

@Suite struct PhotocellModelTests {
    static let dates = [(2026, 1, 15), (2026, 3, 29), (2026, 6, 21), (2026, 9, 10), (2026, 12, 21)]

    /// At Montdidier the cell turns dark between sunset (-0.833°) and civil dusk (-6°) and light
    /// again between civil dawn and sunrise, with or without overcast evenings.
    @Test(arguments: [false, true])
    func switchesBetweenSunsetAndCivilDusk(withWeather: Bool) throws {
        let model = PhotocellModel(seed: 17, weather: withWeather ? WeatherModel(seed: 17) : nil)
        for day in 1...365 where day % 7 == 0 || day < 3 {
            let date = CivilDate(year: 2026, month: 1, day: 1)!.adding(days: day - 1)
            let offset = (date.month >= 4 && date.month <= 10) ? 7200 : 3600
            let (dark, light) = model.transitions(on: date, at: montdidier, utcOffsetSeconds: offset)
            let evening = Sun.events(on: date, at: montdidier, utcOffsetSeconds: offset)
            let morning = Sun.events(on: date.adding(days: 1), at: montdidier, utcOffsetSeconds: offset)
            let d = try #require(dark), l = try #require(light)
            #expect(d > evening.sunset! && d < evening.civilDusk!, "dark at \(d) on \(date)")
            #expect(l > morning.civilDawn! && l < morning.sunrise!, "light at \(l) after \(date)")
            let threshold = model.threshold(forNightOf: date)
            #expect(threshold >= -4 && threshold <= -1)
        }
    }

    @Test func isDarkAgreesWithTheTransitions() throws {
        let model = PhotocellModel(seed: 3)
        for (y, m, d) in PhotocellModelTests.dates {
            let date = CivilDate(year: y, month: m, day: d)!
            let (dark, light) = model.transitions(on: date, at: montdidier, utcOffsetSeconds: 3600)
            let darkAt = try #require(dark), lightAt = try #require(light)
            #expect(!model.isDark(at: darkAt.addingTimeInterval(-60), of: montdidier, utcOffsetSeconds: 3600))
            #expect(model.isDark(at: darkAt.addingTimeInterval(60), of: montdidier, utcOffsetSeconds: 3600))
            #expect(model.isDark(at: lightAt.addingTimeInterval(-60), of: montdidier, utcOffsetSeconds: 3600))
            #expect(!model.isDark(at: lightAt.addingTimeInterval(60), of: montdidier, utcOffsetSeconds: 3600))
        }
    }

    @Test func thresholdsVaryByNightButAreReproducible() {
        let a = PhotocellModel(seed: 8), b = PhotocellModel(seed: 8)
        let date = CivilDate(year: 2026, month: 11, day: 2)!
        let nights = (0..<30).map { a.threshold(forNightOf: date.adding(days: $0)) }
        #expect(nights == (0..<30).map { b.threshold(forNightOf: date.adding(days: $0)) })
        #expect(Set(nights).count == 30)
        #expect(nights.allSatisfy { $0 >= -4 && $0 < -2 })
        let mean = nights.reduce(0, +) / 30
        #expect(abs(mean + 3) < 0.4)  // uniform ±1 over 30 nights: standard error 0.105
    }

    @Test func overcastEveningsSwitchEarlier() {
        let weather = WeatherModel(seed: 5)
        let plain = PhotocellModel(seed: 5), cloudy = PhotocellModel(seed: 5, weather: weather)
        let start = CivilDate(year: 2026, month: 1, day: 1)!
        var overcastNights = 0
        for day in 0..<60 {
            let date = start.adding(days: day)
            let shift = cloudy.threshold(forNightOf: date) - plain.threshold(forNightOf: date)
            if weather.skyState(on: date) == .overcast {
                overcastNights += 1
                #expect(abs(shift - 1) < 1e-12)
            } else {
                #expect(shift == 0)
            }
        }
        #expect(overcastNights > 20)  // January-February: 55-60 % overcast days
    }

    @Test func simulatedPhotocellFollowsTheClock() async throws {
        let clock = ManualClock(utcMidnight(2026, 6, 21).addingTimeInterval(12 * 3600))
        let cell = SimulatedPhotocell(name: "photocell", model: PhotocellModel(seed: 1), location: montdidier,
                                      timeZone: TimeZone(identifier: "Europe/Paris")!, clock: clock.source)
        #expect(try await cell.read() == false)
        clock.advance(by: 12 * 3600)  // local 02:00
        #expect(try await cell.read() == true)
    }
}
