/// Where the sun's centre is in the sky of a place at one instant.
///
/// Both angles are geocentric and geometric: no atmospheric refraction is added, and the solar
/// parallax (at most 8.8″) is neglected. See ``Sun/position(at:of:)`` for the accuracy.
public struct SunPosition: Sendable, Hashable {
    /// True (unrefracted) altitude of the sun's centre above the horizon, in degrees,
    /// −90 ... 90; negative below the horizon.
    public let altitude: Double
    /// Azimuth of the sun's centre, in degrees clockwise from true north (east = 90,
    /// south = 180, west = 270), in 0 ..< 360.
    public let azimuth: Double

    /// Creates a position from an altitude and an azimuth, both in degrees (no validation).
    public init(altitude: Double, azimuth: Double) {
        self.altitude = altitude
        self.azimuth = azimuth
    }
}
