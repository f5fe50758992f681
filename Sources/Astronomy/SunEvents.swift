import Foundation

/// The sun's events of one local calendar day at one place: upper transit, sunrise and sunset,
/// civil and nautical twilight. All instants are UTC `Date`s.
///
/// Produced by ``Sun/events(on:at:utcOffsetSeconds:)``, which documents the day window and the
/// accuracy. An event that does not happen in the day window is `nil`: sunrise and sunset
/// during a polar night or the midnight sun, twilight events when the sun never gets low (or
/// high) enough. Morning events come before ``solarNoon`` and evening events after it, each
/// within 12 hours of it.
public struct SunEvents: Sendable, Hashable {
    /// The local calendar date these events belong to.
    public let date: CivilDate
    /// Whether the sun rises and sets (with respect to −0.833°) during the day window.
    public let status: DayStatus
    /// The upper transit of the sun's centre (apparent solar noon), nearest to 12:00 local time.
    public let solarNoon: Date
    /// The sun's centre rises through −0.833°, or `nil`.
    public let sunrise: Date?
    /// The sun's centre sets through −0.833°, or `nil`.
    public let sunset: Date?
    /// The sun's centre rises through −6° (start of morning civil twilight), or `nil`.
    public let civilDawn: Date?
    /// The sun's centre sets through −6° (end of evening civil twilight), or `nil`.
    public let civilDusk: Date?
    /// The sun's centre rises through −12° (start of morning nautical twilight), or `nil`.
    public let nauticalDawn: Date?
    /// The sun's centre sets through −12° (end of evening nautical twilight), or `nil`.
    public let nauticalDusk: Date?

    /// Creates a value from its parts, without checking them against each other (for tests and
    /// for callers that store and reload events).
    public init(date: CivilDate, status: DayStatus, solarNoon: Date,
                sunrise: Date?, sunset: Date?,
                civilDawn: Date?, civilDusk: Date?,
                nauticalDawn: Date?, nauticalDusk: Date?) {
        self.date = date
        self.status = status
        self.solarNoon = solarNoon
        self.sunrise = sunrise
        self.sunset = sunset
        self.civilDawn = civilDawn
        self.civilDusk = civilDusk
        self.nauticalDawn = nauticalDawn
        self.nauticalDusk = nauticalDusk
    }

    /// Time from sunrise to sunset, in seconds: the whole day window (86 400 s) under the
    /// midnight sun, 0 during a polar night, and `nil` on a normal day that lacks one of the
    /// two (the first or last day of a polar period).
    public var dayLength: Double? {
        switch status {
        case .polarNight: return 0
        case .midnightSun: return 86_400
        case .normal:
            guard let sunrise, let sunset else { return nil }
            return sunset.timeIntervalSince(sunrise)
        }
    }
}
