/// Whether the sun rises and sets on a given day, with respect to the sunrise/sunset altitude
/// (``SolarAltitude/sunriseSunset``, −0.833°).
///
/// The status says nothing about twilight: during a polar night the sun may still cross −6°
/// or −12°, and ``SunEvents`` then reports civil or nautical dawn and dusk.
public enum DayStatus: String, Sendable, Codable, Hashable {
    /// The sun's centre crosses −0.833° at least once in the day window (usually a sunrise and
    /// a sunset; on the first or last day of a polar period only one of them).
    case normal
    /// The sun's centre stays below −0.833° during the whole day window: no sunrise, no sunset.
    case polarNight
    /// The sun's centre stays above −0.833° during the whole day window: no sunset, no sunrise.
    case midnightSun
}
