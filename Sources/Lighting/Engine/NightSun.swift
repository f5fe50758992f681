import Astronomy
import Foundation

/// The sun's events for one lighting day (the evening of `day` and the following morning),
/// with every event resolved to an instant, so plans always have something to switch on:
/// - when the sun never goes down to an event's altitude (midnight sun, white nights), that
///   event falls at solar midnight, and the night has no dark period;
/// - when the sun never comes up to it (polar night), evening events fall at the start of the
///   lighting day and morning events at its end: dark all day.
public struct NightSun: Sendable, Hashable {
    public let day: CivilDate
    /// Local noon of `day` and of the next day: the lighting day's bounds.
    public let start: Date, end: Date
    /// The midpoint between the two solar transits.
    public let solarMidnight: Date
    /// Status of the evening (`day`) with respect to sunset.
    public let status: DayStatus
    /// Instants by `SolarEvent.nightOrder`.
    let events: [Date]
    /// From sunset to sunrise (empty under the midnight sun).
    public let dark: Range<Date>

    public init(day: CivilDate, site: Site, clock: LocalClock) {
        self.day = day
        let next = day.adding(days: 1)
        let dayStart = clock.noon(of: day), dayEnd = clock.noon(of: next)
        start = dayStart
        end = dayEnd
        let offset0 = clock.utcOffset(at: dayStart), offset1 = clock.utcOffset(at: dayEnd)
        let place = site.coordinate
        let noon0 = Sun.solarNoon(on: day, at: place, utcOffsetSeconds: offset0)
        let noon1 = Sun.solarNoon(on: next, at: place, utcOffsetSeconds: offset1)
        let midnight = noon0.addingTimeInterval(noon1.timeIntervalSince(noon0) / 2)
        solarMidnight = midnight
        let midnightAltitude = Sun.position(at: midnight, of: place).altitude
        status = Sun.events(on: day, at: place, utcOffsetSeconds: offset0).status
        var events = [Date](repeating: dayStart, count: SolarEvent.allCases.count)
        for event in SolarEvent.allCases {
            let crossing = Sun.crossings(of: event.altitude, on: event.isDusk ? day : next, at: place,
                                         utcOffsetSeconds: event.isDusk ? offset0 : offset1)
            var instant: Date?
            if case .crosses(let rising, let setting) = crossing {
                instant = event.isDusk ? setting : rising
            }
            // No crossing on that side: is the sun above the altitude all night, or below?
            events[event.nightOrder] = instant
                ?? (midnightAltitude > event.altitude ? midnight : (event.isDusk ? dayStart : dayEnd))
        }
        self.events = events
        let sunset = events[SolarEvent.sunset.nightOrder], sunrise = events[SolarEvent.sunrise.nightOrder]
        dark = sunset < sunrise ? sunset..<sunrise : sunset..<sunset
    }

    /// The instant of `event` for this night (see the type's documentation for the fallbacks).
    public subscript(_ event: SolarEvent) -> Date { events[event.nightOrder] }
}
