// The sun over one local day at one place, and the solver for altitude crossings.
//
// Time inside this file is x, in days from local noon (12:00 at the caller's UTC offset).
// The solar coordinates (SolarCoordinates.swift) are evaluated at x = −1, 0 and +1 and
// interpolated by a parabola: sin δ and the equation of time are smooth on the scale of a year,
// so the interpolation error over ±1 day is below 2·10⁻⁷ in sin δ (0.03 s of sunrise at 60°)
// and 2 ms in the equation of time. Every event lies within that interval, because the transit
// is the one nearest local noon (|x| ≤ 0.5) and events are within 12 h of it.
//
// Hour angle (degrees, unwrapped): H(x) = hourAngleOffset + 360 x + E(x); the offset is chosen
// so that H is in −180 ... 180 at local noon. The upper transit solves H = 0 (fixed point,
// converges by a factor 10⁻⁴ per iteration because E changes by at most 0.125°/day).
//
// A crossing of altitude h0 solves H(x) = ∓H0(x), with cos H0 = (sin h0 − sin φ sin δ)/(cos φ cos δ)
// (upper sign rising). It is found by Newton's method on F(x) = H(x) ± H0(x), using the analytic
// derivatives of the interpolating parabolas, from a first guess that linearises F at the
// transit (where the semi-arc H0 and its rate are shared by the rising and the setting). Each
// iteration costs one acos; usually one iteration is enough: it stops after a step below
// 10⁻⁴ day (8.6 s), and as convergence is quadratic the error left is then about 10⁻⁸ day
// (1 ms). Changing the tolerance to 10⁻⁶ day moves no event by more than 5 ms. When Newton's
// method cannot be trusted (a grazing crossing, where the rate of H0 blows up, or a step that
// leaves its side of the window), a bisection on the altitude itself takes over, so a crossing
// that exists is always found, inside the window, and never NaN.
//
// Existence is decided first, without solving: the sun is highest at the upper transit and
// lowest at the window ends (transit ∓ 12 h, close to the lower transits), so
//   altitude at transit < h0            → always below,
//   altitude at window start < h0       → a rising exists (between start and transit),
//   altitude at window end   < h0       → a setting exists (between transit and end),
//   neither                             → always above.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What the solver found for one altitude: offsets `x` in days from local noon.
struct DayCrossings {
    enum Kind { case crosses, alwaysAbove, alwaysBelow }
    var kind: Kind
    var rising: Double?
    var setting: Double?

    static let alwaysAbove = DayCrossings(kind: .alwaysAbove, rising: nil, setting: nil)
    static let alwaysBelow = DayCrossings(kind: .alwaysBelow, rising: nil, setting: nil)
}

/// The sun over the day window of one local date at one place (see the file header).
struct SolarDay {
    let sinLatitude: Double
    let cosLatitude: Double
    // sin δ(x) = s0 + s1 x + s2 x²; E(x) = e0 + e1 x + e2 x² (degrees).
    let s0: Double, s1: Double, s2: Double
    let e0: Double, e1: Double, e2: Double
    /// H(x) = hourAngleOffset + 360 x + E(x), degrees.
    let hourAngleOffset: Double
    /// Upper transit, days from local noon.
    let transit: Double
    /// Local noon, in seconds since the Foundation reference date (2001-01-01T00:00:00Z).
    let noonSinceReferenceDate: Double
    /// sin(altitude) of the centre at the transit, at the window start and at the window end.
    let sinAltitudeAtTransit: Double
    let sinAltitudeAtStart: Double
    let sinAltitudeAtEnd: Double

    @inline(__always)
    init(date: CivilDate, latitude: Double, longitude: Double, utcOffsetSeconds: Int) {
        let offset = Double(utcOffsetSeconds)
        // Days from J2000.0 to local noon: the JDN is the JD at 12:00 UT of the date.
        let noon = Double(date.julianDayNumber - 2_451_545) - offset * (1.0 / 86_400)
        noonSinceReferenceDate = Double(date.julianDayNumber - 2_451_910) * 86_400 - 43_200 - offset

        let t = noon * (1.0 / 36_525)
        let slow = SolarSlowTerms(centuries: t)
        let (before, middle, after) = SolarCoordinates.aroundDay(centuries: t, slow: slow)
        s0 = middle.sinDeclination
        s1 = (after.sinDeclination - before.sinDeclination) / 2
        s2 = (after.sinDeclination + before.sinDeclination) / 2 - middle.sinDeclination
        e0 = middle.equationOfTime
        e1 = (after.equationOfTime - before.equationOfTime) / 2
        e2 = (after.equationOfTime + before.equationOfTime) / 2 - middle.equationOfTime

        let phi = min(max(latitude, -90), 90) * radiansPerDegree

        // Mean-solar hour angle at local noon is longitude − offset/240 (mod 360); keep the
        // branch that puts the true hour angle at local noon in −180 ... 180.
        let base = longitude - offset * (1.0 / 240)
        let offsetHA = base - 360 * ((base + e0) * (1.0 / 360)).rounded()
        hourAngleOffset = offsetHA

        // Upper transit nearest local noon: H(x) = 0.
        let perDegree = 1.0 / 360
        var x = -(offsetHA + e0) * perDegree
        x = -(offsetHA + e0 + x * (e1 + x * e2)) * perDegree
        x = -(offsetHA + e0 + x * (e1 + x * e2)) * perDegree
        x = -(offsetHA + e0 + x * (e1 + x * e2)) * perDegree
        transit = x

        let sinPhi = sin(phi), cosPhi = cos(phi)
        sinLatitude = sinPhi
        cosLatitude = cosPhi
        let (a0, a1, a2) = (s0, s1, s2)
        func sinAltitude(_ x: Double, cosHourAngle: Double) -> Double {
            let s = a0 + x * (a1 + x * a2)
            let c = (1 - s * s).squareRoot()
            return sinPhi * s + cosPhi * c * cosHourAngle
        }
        let start = x - 0.5, end = x + 0.5
        let hStart = offsetHA + 360 * start + e0 + start * (e1 + start * e2)
        let hEnd = offsetHA + 360 * end + e0 + end * (e1 + end * e2)
        // At the window edges H is within a fraction of a degree of ∓180°:
        // cos H = −cos(H ± 180°), by the small-angle series.
        func cosNear180(_ degrees: Double, _ shift: Double) -> Double {
            let delta = (degrees + shift) * radiansPerDegree
            return abs(delta) < 0.05 ? -smallSinCos(delta).cos : cos(degrees * radiansPerDegree)
        }
        sinAltitudeAtTransit = sinAltitude(x, cosHourAngle: 1)
        sinAltitudeAtStart = sinAltitude(start, cosHourAngle: cosNear180(hStart, 180))
        sinAltitudeAtEnd = sinAltitude(end, cosHourAngle: cosNear180(hEnd, -180))
    }

    /// The instant at `x` days from local noon, as seconds since the reference date.
    @inline(__always)
    func secondsSinceReferenceDate(_ x: Double) -> Double {
        noonSinceReferenceDate + x * 86_400
    }

    /// Crossings of the altitude whose sine is `sinAltitude`.
    @inline(__always)
    func crossings(sinAltitude target: Double) -> DayCrossings {
        if sinAltitudeAtTransit < target { return .alwaysBelow }
        let hasRising = sinAltitudeAtStart < target
        let hasSetting = sinAltitudeAtEnd < target
        if !hasRising && !hasSetting { return .alwaysAbove }
        let arc = semiArc(at: transit, target: target)
        return DayCrossings(
            kind: .crosses,
            rising: hasRising ? solve(target: target, rising: true, arcAtTransit: arc) : nil,
            setting: hasSetting ? solve(target: target, rising: false, arcAtTransit: arc) : nil)
    }

    /// Semi-diurnal arc H0 (degrees) for the target altitude with the declination at `x`, and
    /// its rate (degrees/day). Clamped to 0 or 180 (rate 0) when the altitude is out of reach.
    @inline(__always)
    func semiArc(at x: Double, target: Double) -> (degrees: Double, rate: Double) {
        let s = s0 + x * (s1 + x * s2)
        let sRate = s1 + 2 * s2 * x
        let c = (1 - s * s).squareRoot()
        let inverseDenominator = 1 / (cosLatitude * c)   // 1 / (cos φ cos δ)
        let k = (target - sinLatitude * s) * inverseDenominator
        if k >= 1 { return (0, 0) }
        if k <= -1 { return (180, 0) }
        let sinH0 = (1 - k * k).squareRoot()
        // d/dx of k = (sin h0 − sin φ sin δ)/(cos φ cos δ), with d(cos δ)/dx = −sin δ·(sin δ)′/cos δ.
        let kRate = sRate * (k * s * cosLatitude * cosLatitude * inverseDenominator - sinLatitude) * inverseDenominator
        return (acos(k) * degreesPerRadian, -kRate / sinH0 * degreesPerRadian)
    }

    /// Solves one crossing known to exist on that side of the transit, starting from the
    /// semi-arc and its rate at the transit.
    @inline(__always)
    func solve(target: Double, rising: Bool, arcAtTransit arc: (degrees: Double, rate: Double)) -> Double {
        let sign: Double = rising ? 1 : -1
        let lower = rising ? transit - 0.5 : transit
        let upper = rising ? transit : transit + 0.5
        // First guess: F linearised at the transit (where H = 0), F(x) ≈ ±H0 + F′·(x − transit).
        let rateAtTransit = 360 + e1 + 2 * e2 * transit + sign * arc.rate
        var x = transit - sign * arc.degrees / (rateAtTransit > 36 ? rateAtTransit : 360)
        for _ in 0..<8 {
            let hourAngle = hourAngleOffset + 360 * x + e0 + x * (e1 + x * e2)
            let hourAngleRate = 360 + e1 + 2 * e2 * x
            let arc = semiArc(at: x, target: target)
            let f = hourAngle + sign * arc.degrees
            let rate = hourAngleRate + sign * arc.rate
            guard rate > 36 else { break }
            let step = -f / rate
            let next = x + step
            guard next >= lower, next <= upper else { break }
            x = next
            // Newton converges quadratically: after a step below 10⁻⁴ day (8.6 s) the error
            // left is of the order of 10⁻⁸ day (1 ms) unless the crossing is grazing, where the
            // bound on f (0.036° of hour angle) keeps iterating.
            if abs(step) < 1e-4, abs(f) < 0.036 { return x }
        }
        return bisect(target: target, rising: rising, lower: lower, upper: upper)
    }

    /// Bisection on the altitude between the window edge and the transit; the altitude is
    /// below the target at the edge and not below it at the transit.
    func bisect(target: Double, rising: Bool, lower: Double, upper: Double) -> Double {
        var below = rising ? lower : upper
        var above = rising ? upper : lower
        while abs(above - below) > 1e-7 {
            let mid = (below + above) / 2
            let s = s0 + mid * (s1 + mid * s2)
            let c = (1 - s * s).squareRoot()
            let hourAngle = hourAngleOffset + 360 * mid + e0 + mid * (e1 + mid * e2)
            let sinAlt = sinLatitude * s + cosLatitude * c * cos(hourAngle * radiansPerDegree)
            if sinAlt < target { below = mid } else { above = mid }
        }
        return (below + above) / 2
    }
}
