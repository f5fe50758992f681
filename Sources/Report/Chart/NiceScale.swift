import Foundation

/// A value axis with "nice" bounds and tick steps (1, 2, 2.5 or 5 × 10ⁿ) that always
/// contains zero. Non-finite input values are ignored; an all-zero or empty input gives 0 ... 5.
struct NiceScale: Equatable {
    /// The lowest value of the axis, a multiple of `step`, ≤ 0.
    let lower: Double
    /// The highest value of the axis, a multiple of `step`, ≥ 0.
    let upper: Double
    /// The distance between ticks, > 0.
    let step: Double

    /// A scale covering `values` and zero with about `targetTicks` intervals.
    init(covering values: [Double], targetTicks: Int = 5) {
        let finite = values.filter(\.isFinite)
        var low = min(0, finite.min() ?? 0)
        var high = max(0, finite.max() ?? 0)
        if high - low < 1e-9 {
            if low < 0 { high = 0; low = min(low, -5) } else { high = max(high, 5) }
        }
        let step = NiceScale.niceStep(for: (high - low) / Double(max(1, targetTicks)))
        self.step = step
        self.lower = NiceScale.clean((low / step).rounded(.down) * step, step: step)
        self.upper = NiceScale.clean((high / step).rounded(.up) * step, step: step)
    }

    /// The tick values from `lower` to `upper`, inclusive.
    var ticks: [Double] {
        let count = Int(((upper - lower) / step).rounded())
        guard count >= 0, count <= 1000 else { return [lower, upper] }
        return (0...count).map { NiceScale.clean(lower + Double($0) * step, step: step) }
    }

    /// How many decimal places show every tick exactly (0 ... 4).
    var decimals: Int {
        var scaled = step
        for places in 0...4 {
            if abs(scaled - scaled.rounded()) < 1e-9 * max(1, abs(scaled)) { return places }
            scaled *= 10
        }
        return 4
    }

    /// The step of 1, 2, 2.5, 5 or 10 × 10ⁿ nearest to `rough` (Heckbert's rounding), so
    /// that the axis has close to the intended number of intervals.
    static func niceStep(for rough: Double) -> Double {
        guard rough.isFinite, rough > 0 else { return 1 }
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        let fraction = rough / magnitude
        let factor: Double
        switch fraction {
        case ..<1.5: factor = 1
        case ..<2.25: factor = 2
        case ..<3.5: factor = 2.5
        case ..<7.5: factor = 5
        default: factor = 10
        }
        return factor * magnitude
    }

    /// `value` with floating-point noise below the step's precision removed.
    static func clean(_ value: Double, step: Double) -> Double {
        let quantum = step / 1000
        let result = (value / quantum).rounded() * quantum
        return result == 0 ? 0 : result  // no negative zero
    }
}
