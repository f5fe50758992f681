// Low-precision solar coordinates: the algorithm of the NOAA Solar Calculator, which is the
// "low accuracy" solar theory of Jean Meeus, *Astronomical Algorithms* (2nd ed., 1998),
// chapter 25, with the equation of time of W. M. Smart (*Text-Book on Spherical Astronomy*,
// 1956) as given in Meeus chapter 28.
//
// For an instant, with T the Julian centuries of 36 525 days from J2000.0
// (JD 2 451 545.0, 2000-01-01T12:00 UT):
//   L0 = 280.46646 + 36000.76983 T + 0.0003032 T²            geometric mean longitude (°)
//   M  = 357.52911 + 35999.05029 T − 0.0001537 T²            mean anomaly (°)
//   e  = 0.016708634 − 0.000042037 T − 0.0000001267 T²       eccentricity of the orbit
//   C  = (1.914602 − 0.004817 T − 0.000014 T²) sin M
//        + (0.019993 − 0.000101 T) sin 2M + 0.000289 sin 3M  equation of the centre (°)
//   Ω  = 125.04 − 1934.136 T                                 longitude of the Moon's node (°)
//   λ  = L0 + C − 0.00569 − 0.00478 sin Ω                    apparent longitude (aberration
//                                                            and nutation in longitude)
//   ε  = ε0(T) + 0.00256 cos Ω                               obliquity, with nutation
//   sin δ = sin ε sin λ                                      declination
//   E  = y sin 2L0 − 2e sin M + 4ey sin M cos 2L0 − ½y² sin 4L0 − 5/4 e² sin 2M,
//        y = tan²(ε/2)                                       equation of time (radians)
//
// Accuracy: Meeus gives 0.01° for λ with these series between 1900 and 2100; the resulting
// declination is good to about 0.004° and the equation of time to about 1 s (Smart's series is
// truncated at e², y² and ignores the few-tenths-of-a-second effect of aberration and
// nutation on right ascension). Time is used as UT: the difference TT − UT (ΔT, about 69 s
// in the 2020s) moves the sun by 0.0008° and is neglected. Outside 1900–2100 the series
// drift slowly (ε0 and the secular terms are polynomials in T); results stay finite.
//
// Nothing here allocates or calls Foundation: the sun events solver evaluates these series at
// three instants per day and interpolates in between (see SolarDay.swift).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Degrees to radians.
let radiansPerDegree = Double.pi / 180
/// Radians to degrees.
let degreesPerRadian = 180 / Double.pi

/// Days from J2000.0 (JD 2 451 545.0 UT) to the Foundation reference date
/// 2001-01-01T00:00:00Z (JD 2 451 910.5).
let daysFromJ2000ToReferenceDate = 365.5

/// The slowly varying part of the solar coordinates (obliquity and nutation), which changes by
/// less than 10⁻⁶ degree over a day and is evaluated once per day.
struct SolarSlowTerms {
    /// sin ε, ε the obliquity of the ecliptic corrected for nutation.
    let sinObliquity: Double
    /// y = tan²(ε/2), the parameter of Smart's equation of time.
    let y: Double
    /// Aberration plus nutation in longitude, degrees: −0.00569 − 0.00478 sin Ω.
    let longitudeCorrection: Double

    /// The terms at `centuries` Julian centuries from J2000.0.
    @inline(__always)
    init(centuries t: Double) {
        let omega = (125.04 - 1934.136 * t) * radiansPerDegree
        let meanObliquity = 23 + (26 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) * (1.0 / 60)) * (1.0 / 60)
        let obliquity = (meanObliquity + 0.00256 * cos(omega)) * radiansPerDegree
        // ε stays within 0.03° of 23.44° from 1900 to 2100: rotate the constant sin/cos of
        // 23.44° by the small difference instead of calling sin and cos (same values to 10⁻¹⁶).
        let sinObliquity: Double, cosObliquity: Double
        let difference = obliquity - Self.referenceObliquity
        if abs(difference) < 0.05 {
            let (sinD, cosD) = smallSinCos(difference)
            sinObliquity = Self.sinReferenceObliquity * cosD + Self.cosReferenceObliquity * sinD
            cosObliquity = Self.cosReferenceObliquity * cosD - Self.sinReferenceObliquity * sinD
        } else {
            sinObliquity = sin(obliquity)
            cosObliquity = cos(obliquity)
        }
        self.sinObliquity = sinObliquity
        y = (1 - cosObliquity) / (1 + cosObliquity)  // tan²(ε/2)
        longitudeCorrection = -0.00569 - 0.00478 * sin(omega)
    }

    /// 23.44° in radians, and its sine and cosine.
    static let referenceObliquity = 0.40910517666747087
    static let sinReferenceObliquity = 0.39778850739794974
    static let cosReferenceObliquity = 0.9174771405229186
}

/// The sun's declination (as its sine) and the equation of time at one instant.
struct SolarCoordinates {
    /// sin δ, δ the apparent declination of the sun's centre.
    var sinDeclination: Double
    /// Equation of time (apparent minus mean solar time), in degrees of hour angle
    /// (1° = 4 minutes of time).
    var equationOfTime: Double

    /// The coordinates at `centuries` Julian centuries from J2000.0, using `slow` for the
    /// obliquity and nutation (which may come from an instant up to a few days away).
    @inline(__always)
    init(centuries t: Double, slow: SolarSlowTerms) {
        let meanLongitude = reduceDegrees(Self.meanLongitude(t)) * radiansPerDegree
        let meanAnomaly = reduceDegrees(Self.meanAnomaly(t)) * radiansPerDegree
        self.init(centuries: t, sinL: sin(meanLongitude), cosL: cos(meanLongitude),
                  sinM: sin(meanAnomaly), cosM: cos(meanAnomaly), slow: slow)
    }

    /// The coordinates one day before, at, and one day after `centuries`. The sines and cosines
    /// of the mean longitude and anomaly are computed once and rotated by the day's motion
    /// (about 0.9856°), which gives the same values as three direct evaluations to 10⁻¹⁵.
    @inline(__always)
    static func aroundDay(centuries t: Double, slow: SolarSlowTerms)
        -> (before: SolarCoordinates, middle: SolarCoordinates, after: SolarCoordinates) {
        let day = 1.0 / 36_525
        let l = reduceDegrees(meanLongitude(t)) * radiansPerDegree
        let m = reduceDegrees(meanAnomaly(t)) * radiansPerDegree
        let sinL = sin(l), cosL = cos(l), sinM = sin(m), cosM = cos(m)
        // Exact differences of the polynomials over ±1 day, in radians.
        let lAfter = day * (36000.76983 + 0.0003032 * (2 * t + day)) * radiansPerDegree
        let lBefore = -day * (36000.76983 + 0.0003032 * (2 * t - day)) * radiansPerDegree
        let mAfter = day * (35999.05029 - 0.0001537 * (2 * t + day)) * radiansPerDegree
        let mBefore = -day * (35999.05029 - 0.0001537 * (2 * t - day)) * radiansPerDegree
        let (sLa, cLa) = smallSinCos(lAfter), (sLb, cLb) = smallSinCos(lBefore)
        let (sMa, cMa) = smallSinCos(mAfter), (sMb, cMb) = smallSinCos(mBefore)
        let before = SolarCoordinates(
            centuries: t - day, sinL: sinL * cLb + cosL * sLb, cosL: cosL * cLb - sinL * sLb,
            sinM: sinM * cMb + cosM * sMb, cosM: cosM * cMb - sinM * sMb, slow: slow)
        let middle = SolarCoordinates(centuries: t, sinL: sinL, cosL: cosL, sinM: sinM, cosM: cosM, slow: slow)
        let after = SolarCoordinates(
            centuries: t + day, sinL: sinL * cLa + cosL * sLa, cosL: cosL * cLa - sinL * sLa,
            sinM: sinM * cMa + cosM * sMa, cosM: cosM * cMa - sinM * sMa, slow: slow)
        return (before, middle, after)
    }

    /// Geometric mean longitude L0, degrees (not reduced).
    @inline(__always)
    static func meanLongitude(_ t: Double) -> Double { 280.46646 + t * (36000.76983 + t * 0.0003032) }

    /// Mean anomaly M, degrees (not reduced).
    @inline(__always)
    static func meanAnomaly(_ t: Double) -> Double { 357.52911 + t * (35999.05029 - t * 0.0001537) }

    /// The coordinates from the sines and cosines of L0 and M at `centuries`.
    @inline(__always)
    init(centuries t: Double, sinL: Double, cosL: Double, sinM: Double, cosM: Double, slow: SolarSlowTerms) {
        let e = 0.016708634 - t * (0.000042037 + t * 0.0000001267)
        let sin2M = 2 * sinM * cosM
        let sin3M = sinM * (3 - 4 * sinM * sinM)
        let centre = sinM * (1.914602 - t * (0.004817 + t * 0.000014))
            + sin2M * (0.019993 - t * 0.000101) + sin3M * 0.000289

        let sin2L = 2 * sinL * cosL
        let cos2L = cosL * cosL - sinL * sinL
        let sin4L = 2 * sin2L * cos2L

        // λ = L0 + Δ with Δ = C + corrections, |Δ| < 2° (0.035 rad).
        let (sinDelta, cosDelta) = smallSinCos((centre + slow.longitudeCorrection) * radiansPerDegree)
        let sinLambda = sinL * cosDelta + cosL * sinDelta
        sinDeclination = slow.sinObliquity * sinLambda

        let y = slow.y
        let eot = y * sin2L - 2 * e * sinM + 4 * e * y * sinM * cos2L
            - 0.5 * y * y * sin4L - 1.25 * e * e * sin2M
        equationOfTime = eot * degreesPerRadian
    }
}

/// sin and cos of a small angle (|x| ≤ 0.05 rad) by their Taylor series; the first omitted
/// terms are below 10⁻²⁰.
@inline(__always)
func smallSinCos(_ x: Double) -> (sin: Double, cos: Double) {
    let x2 = x * x
    // Nested Horner form with reciprocal constants (multiplications, no divisions).
    let s = x * (1 - x2 * (1.0 / 6) * (1 - x2 * (1.0 / 20) * (1 - x2 * (1.0 / 42) * (1 - x2 * (1.0 / 72)))))
    let c = 1 - x2 * 0.5 * (1 - x2 * (1.0 / 12) * (1 - x2 * (1.0 / 30) * (1 - x2 * (1.0 / 56))))
    return (s, c)
}

/// `degrees` reduced to 0 ..< 360 (finite input).
@inline(__always)
func reduceDegrees(_ degrees: Double) -> Double {
    degrees - 360 * (degrees * (1.0 / 360)).rounded(.down)
}
