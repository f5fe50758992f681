import Astronomy
import Foundation

/// When a photocell (twilight switch) says it is dark: when the sun's centre is below a
/// threshold altitude that varies a little from night to night.
///
/// Street-lighting photocells switch at 10-50 lux (EN 13201 practice; typical settings of
/// commercial twilight switches), which a clear sky reaches with the sun around −2° to −4°
/// (at sunset, −0.833°, a clear sky gives a few hundred lux; at the end of civil twilight, −6°,
/// about 3 lux). Each night, noon to noon local time, gets its own threshold:
///
///     threshold = base + jitter × U(−1, 1) + (overcast evening ? overcastShift : 0)
///
/// drawn from the night's own ``SeededGenerator`` stream, so nights are independent and
/// reproducible. Under overcast skies the same illuminance comes at a higher sun (overcast
/// horizontal illuminance is several times lower at the same altitude), so the cell switches
/// earlier in the evening and later in the morning.
public struct PhotocellModel: Sendable, Hashable {
    /// Mean threshold altitude of the sun's centre, degrees (default −3°).
    public var thresholdAltitude: Double
    /// Half-width of the uniform per-night jitter, degrees (default 1°).
    public var jitter: Double
    /// Degrees added to the night's threshold when its evening is overcast (default 1°).
    public var overcastShift: Double
    /// The seed of the per-night streams.
    public var seed: UInt64
    /// The weather whose overcast evenings shift the threshold; `nil` ignores the weather.
    public var weather: WeatherModel?

    /// Creates a model; all angles in degrees, finite (a programming error otherwise).
    public init(thresholdAltitude: Double = -3, jitter: Double = 1, overcastShift: Double = 1,
                seed: UInt64, weather: WeatherModel? = nil) {
        precondition(thresholdAltitude.isFinite && jitter.isFinite && jitter >= 0
                     && overcastShift.isFinite, "photocell angles must be finite, jitter >= 0")
        self.thresholdAltitude = thresholdAltitude
        self.jitter = jitter
        self.overcastShift = overcastShift
        self.seed = seed
        self.weather = weather
    }

    /// The threshold altitude, degrees, for the night that begins on the evening of `date`.
    public func threshold(forNightOf date: CivilDate) -> Double {
        var generator = SeededGenerator(seed: seed ^ PhotocellModel.streamSalt,
                                        stream: UInt64(bitPattern: Int64(date.daysSinceEpoch)))
        var value = thresholdAltitude + jitter * generator.nextDouble(in: -1..<1)
        if let weather, weather.skyState(on: date) == .overcast { value += overcastShift }
        return value
    }

    /// The evening instant of `date` the cell turns dark and the following morning's instant it
    /// turns light again (UTC), each `nil` when the sun does not cross the night's threshold
    /// then (polar night or midnight sun).
    ///
    /// - Parameter utcOffsetSeconds: local time minus UTC on the evening of `date`; it only
    ///   picks the local day windows of the search.
    public func transitions(on date: CivilDate, at place: GeoCoordinate,
                            utcOffsetSeconds: Int) -> (dark: Date?, light: Date?) {
        let threshold = threshold(forNightOf: date)
        let evening = Sun.crossings(of: threshold, on: date, at: place,
                                    utcOffsetSeconds: utcOffsetSeconds)
        let morning = Sun.crossings(of: threshold, on: date.adding(days: 1), at: place,
                                    utcOffsetSeconds: utcOffsetSeconds)
        return (evening.setting, morning.rising)
    }

    /// Whether the cell reports dark at `instant`: the sun below the threshold of the night
    /// (noon to noon local time) the instant belongs to.
    ///
    /// - Parameter utcOffsetSeconds: local time minus UTC at `instant`.
    public func isDark(at instant: Date, of place: GeoCoordinate, utcOffsetSeconds: Int) -> Bool {
        let local = instant.timeIntervalSince1970 + Double(utcOffsetSeconds) - 43_200
        let night = CivilDate(daysSinceEpoch: Int((local / 86_400).rounded(.down)))
        return Sun.position(at: instant, of: place).altitude < threshold(forNightOf: night)
    }

    /// Keeps the photocell's streams apart from other models seeded with the same number.
    static let streamSalt: UInt64 = SeededGenerator.fnv1a("photocell")
}
