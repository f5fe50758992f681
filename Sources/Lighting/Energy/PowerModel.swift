import Units
/// How a luminaire's electrical power depends on its light level: a piecewise-linear curve
/// from level (percent) to the fraction of rated power drawn, plus the driver's standby power.
///
/// LED drivers draw slightly more than a proportional share at low levels (driver losses);
/// the default curve follows the shape published for common constant-current drivers
/// (about 14 % of rated power at 10 % light, 53 % at 50 %): see docs/ENERGY.md.
public struct PowerCurve: Sendable, Hashable {
    /// Points (level percent, fraction of rated power), strictly increasing in level,
    /// starting at level 0 and ending at level 100.
    public let points: [(level: Double, fraction: Double)]
    /// The same points as plain arrays, for the hot path.
    let levels: [Double], fractions: [Double]

    /// Creates a curve; returns `nil` unless the points start at 0, end at 100, increase
    /// strictly in level, and have fractions in 0 ... 1.5.
    public init?(points: [(level: Double, fraction: Double)]) {
        guard let first = points.first, let last = points.last, first.level == 0, last.level == 100,
              zip(points, points.dropFirst()).allSatisfy({ $0.level < $1.level }),
              points.allSatisfy({ (0...1.5).contains($0.fraction) }) else { return nil }
        self.points = points
        self.levels = points.map(\.level)
        self.fractions = points.map(\.fraction)
    }

    /// The default LED driver curve.
    public static let led = PowerCurve(points: [(0, 0), (10, 0.14), (50, 0.53), (100, 1.0)])!
    /// Strictly proportional (power fraction = level fraction).
    public static let linear = PowerCurve(points: [(0, 0), (100, 1.0)])!

    /// Fraction of rated power at `level` (0 at level 0).
    public func fraction(at level: DimLevel) -> Double { fraction(atPercent: level.percent) }

    /// Fraction of rated power at a level in percent (0 at or below 0, the 100 % value above 100).
    public func fraction(atPercent x: Double) -> Double {
        if x <= 0 { return 0 }
        return levels.withUnsafeBufferPointer { l in
            fractions.withUnsafeBufferPointer { f in
                var i = 1
                while i < l.count - 1 && l[i] < x { i += 1 }
                let t = min(1, (x - l[i - 1]) / (l[i] - l[i - 1]))
                return f[i - 1] + (f[i] - f[i - 1]) * t
            }
        }
    }

    public static func == (l: PowerCurve, r: PowerCurve) -> Bool {
        l.points.count == r.points.count && zip(l.points, r.points).allSatisfy { $0 == $1 }
    }
    public func hash(into h: inout Hasher) { for p in points { h.combine(p.level); h.combine(p.fraction) } }
}

/// The electrical model of one kind of luminaire.
public struct LuminaireModel: Sendable, Hashable {
    /// Rated input power at 100 %, in watts.
    public var ratedPower: Watts
    /// Power drawn by the driver when the light is off but the circuit is energised, in watts.
    public var standbyPower: Watts
    /// Level to power curve.
    public var curve: PowerCurve
    /// The lowest non-zero level the driver can hold; non-zero requests below it are raised to it.
    public var minimumLevel: DimLevel

    public init(ratedPower: Watts, standbyPower: Watts = Watts(0.5), curve: PowerCurve = .led,
                minimumLevel: DimLevel = .off) {
        self.ratedPower = ratedPower
        self.standbyPower = standbyPower
        self.curve = curve
        self.minimumLevel = minimumLevel
    }

    /// Input power at a requested level, after clamping to the minimum level.
    /// `energised` is false when the circuit's contactor is open (no standby draw then).
    public func power(at requested: DimLevel, energised: Bool = true) -> Watts {
        guard energised else { return .zero }
        let level = requested.clamped(toMinimum: minimumLevel)
        return Watts(ratedPower.value * curve.fraction(at: level) + standbyPower.value)
    }

    /// Input power in watts at a level in percent (not rounded to one decimal: fades are
    /// continuous), after clamping to the minimum level, on an energised circuit.
    public func watts(atPercent requested: Double) -> Double {
        let minimum = minimumLevel.percent
        let level = requested > 0 && requested < minimum ? minimum : requested
        return ratedPower.value * curve.fraction(atPercent: level) + standbyPower.value
    }

    /// Energy (J), ∫ level dt (percent·s) and lit seconds of one luminaire over `dt` seconds of a
    /// linear level (trapezoid rule on power: exact while the level stays on one segment of the
    /// power curve, which fades of a few seconds do).
    @inline(__always)
    public func segment(_ s: LevelSample, _ dt: Double) -> (joules: Double, level: Double, lit: Double) {
        let l0 = s.percent, l1 = s.percent + s.slope * dt
        let p0 = watts(atPercent: l0)
        let p1 = s.slope == 0 ? p0 : watts(atPercent: l1)
        return ((p0 + p1) / 2 * dt, (l0 + l1) / 2 * dt, (l0 > 0 || l1 > 0) ? dt : 0)
    }
}
