import Astronomy
import Foundation

/// A seeded day-by-day weather: each day gets a ``SkyState`` drawn from the month's
/// probabilities, and beam and diffuse transmission factors (relative to the clear sky) that
/// wander slowly within the day.
///
/// A typical year rather than a random one: each month has exactly its climatological number of
/// clear, partly cloudy and overcast days (rounded), and only their order and the within-day
/// wander depend on the seed, the way typical meteorological years (TMY) are assembled from
/// representative months. Yearly totals therefore hardly depend on the seed (the simulation
/// is for estimating savings, not for inter-annual variability, which is about ±5 % in
/// northern France). Every month and day has its own ``SeededGenerator`` stream, so any day
/// can be asked for in any order and always gets the same answer for the same seed.
public struct WeatherModel: Sendable, Hashable {
    /// The climate statistics.
    public var climate: SkyClimate
    /// The seed of the weather's random streams.
    public var seed: UInt64

    /// Creates a weather model.
    public init(climate: SkyClimate = .picardy, seed: UInt64) {
        self.climate = climate
        self.seed = seed
    }

    /// What gets through the sky at one instant, relative to the clear sky.
    public struct Transmission: Sendable, Hashable {
        /// Share of the clear-sky direct normal irradiance, 0 ... 1.
        public var beam: Double
        /// Factor on the clear-sky diffuse irradiance, >= 0.
        public var diffuse: Double

        /// A cloudless sky: both 1.
        public static let clearSky = Transmission(beam: 1, diffuse: 1)

        /// Creates a transmission (no validation).
        public init(beam: Double, diffuse: Double) {
            self.beam = beam
            self.diffuse = diffuse
        }
    }

    /// One day's drawn weather.
    public struct Day: Sendable, Hashable {
        /// The sky state of the day.
        public var state: SkyState
        /// The day's mean attenuation.
        public var attenuation: SkyClimate.Attenuation
        /// Period of the wander, in hours (3 ... 6).
        public var periodHours: Double
        /// Phase of the wander, in radians.
        public var phase: Double

        /// The transmission at `solarHour` (0 ..< 24, local mean solar time).
        public func transmission(atSolarHour solarHour: Double) -> Transmission {
            let factor = max(0, 1 + attenuation.wander
                * sin(2 * Double.pi * solarHour / periodHours + phase))
            return Transmission(beam: min(1, attenuation.beam * factor),
                                diffuse: attenuation.diffuse * factor)
        }
    }

    /// The weather of `date`.
    ///
    /// The month's days get exactly their climatological share of each state (rounded), in an
    /// order shuffled by the month's own stream; the wander of each day comes from the day's
    /// own stream.
    public func day(_ date: CivilDate) -> Day {
        let month = climate.months[date.month - 1]
        let days = date.daysInMonth
        let clearDays = Int((month.clear * Double(days)).rounded())
        let sunnyDays = max(clearDays,
                            Int(((month.clear + month.partlyCloudy) * Double(days)).rounded()))
        // Fisher-Yates shuffle of the day positions, keyed by (year, month).
        var monthStream = SeededGenerator(
            seed: seed ^ WeatherModel.monthSalt,
            stream: UInt64(bitPattern: Int64(date.year * 12 + date.month)))
        var order = Array(0..<days)
        for i in stride(from: days - 1, to: 0, by: -1) {
            let j = Int(monthStream.next() % UInt64(i + 1))
            order.swapAt(i, j)
        }
        let rank = order[date.day - 1]
        let state: SkyState = rank < clearDays ? .clear : (rank < sunnyDays ? .partlyCloudy : .overcast)
        var dayStream = SeededGenerator(
            seed: seed ^ WeatherModel.daySalt, stream: UInt64(bitPattern: Int64(date.daysSinceEpoch)))
        return Day(state: state, attenuation: climate.attenuation(state),
                   periodHours: dayStream.nextDouble(in: 3..<6),
                   phase: dayStream.nextDouble(in: 0..<(2 * Double.pi)))
    }

    /// The sky state of `date`.
    public func skyState(on date: CivilDate) -> SkyState { day(date).state }

    /// The transmission at `instant` for panels at `longitude` (degrees east). The day and hour
    /// are taken in local mean solar time (UTC + longitude / 15 h), so that a day's
    /// weather covers one whole daylight period anywhere on Earth.
    public func transmission(at instant: Date, longitude: Double) -> Transmission {
        let (dayNumber, hour) = WeatherModel.solarDay(of: instant, longitude: longitude)
        return day(CivilDate(daysSinceEpoch: dayNumber)).transmission(atSolarHour: hour)
    }

    /// The local mean solar day (days since 1970-01-01) and hour of `instant` at `longitude`:
    /// what ``transmission(at:longitude:)`` looks up, so a caller integrating over a day can
    /// compute ``day(_:)`` once and reuse it.
    public static func solarDay(of instant: Date, longitude: Double) -> (day: Int, hour: Double) {
        let solar = instant.timeIntervalSince1970 + longitude * 240
        let dayNumber = (solar / 86400).rounded(.down)
        return (Int(dayNumber), (solar - dayNumber * 86400) / 3600)
    }

    /// Keep the weather's streams apart from other models seeded with the same number.
    static let monthSalt: UInt64 = SeededGenerator.fnv1a("weather-month")
    static let daySalt: UInt64 = SeededGenerator.fnv1a("weather-day")
}
