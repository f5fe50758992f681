/// Standard altitudes of the sun's centre, in degrees above the geometric (true) horizon, that
/// define sunrise, sunset and twilight (U.S. Naval Observatory conventions).
///
/// Altitudes are geometric: they include no atmospheric refraction. The −0.833° of sunrise and
/// sunset is the conventional allowance of 34′ for refraction at the horizon plus 16′ for the
/// sun's semi-diameter, so that "sunrise" is the moment the upper limb appears on a level,
/// unobstructed horizon under average conditions.
public enum SolarAltitude {
    /// Sunrise and sunset: the centre at −0.833° (−50′).
    public static let sunriseSunset: Double = -0.833
    /// Civil dawn and dusk: the centre at −6°.
    public static let civilTwilight: Double = -6
    /// Nautical dawn and dusk: the centre at −12°.
    public static let nauticalTwilight: Double = -12
}
