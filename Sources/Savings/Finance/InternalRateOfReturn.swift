import Foundation

/// The internal rate of return of year-end cash flows: the rate r at which
/// NPV(r) = Σₜ cₜ / (1 + r)ᵗ = 0.
///
/// Solved robustly, without a starting guess: NPV's sign is sampled on a grid of 1 + r spaced
/// evenly in logarithm from 0.001 to 1001 (r from -99.9 % to 100 000 %, and beyond while the sign
/// says a root lies further), and each bracket where it changes sign is bisected to full
/// `Double` precision. With conventional flows (an outlay, then savings) there is one root.
/// With flows that change sign more than once there may be several; like numpy-financial, the
/// one closest to zero is returned.
public enum InternalRateOfReturn {
    /// The lowest rate searched: -99.9 %.
    public static let lowestRate = -0.999

    /// The IRR of `cashFlows` (index t = year t, t = 0 first), a fraction; nil when there are
    /// fewer than two flows, a flow is not finite, the non-zero flows never change sign, or no
    /// root lies above `lowestRate`.
    public static func rate(cashFlows: [Double]) -> Double? {
        guard cashFlows.count >= 2, cashFlows.allSatisfy(\.isFinite) else { return nil }
        let nonZero = cashFlows.filter { $0 != 0 }
        guard let first = nonZero.first, nonZero.contains(where: { ($0 > 0) != (first > 0) }) else { return nil }

        let steps = 600
        let low = log(1 + lowestRate), high = log(1001.0)
        var roots: [Double] = []
        var previousRate = exp(low) - 1
        var previousSign = sign(cashFlows, previousRate)
        if previousSign == 0 { roots.append(previousRate) }
        for k in 1...steps {
            let rate = exp(low + (high - low) * Double(k) / Double(steps)) - 1
            let s = sign(cashFlows, rate)
            if s == 0 {
                roots.append(rate)
            } else if previousSign != 0, s != previousSign {
                roots.append(bisect(cashFlows, previousRate, rate))
            }
            previousRate = rate
            previousSign = s
        }
        // Past the grid, NPV tends to c₀: a different sign at the grid's end means one more root.
        if let c0 = cashFlows.first, c0 != 0, previousSign != 0, previousSign != (c0 > 0 ? 1 : -1) {
            var lower = previousRate, upper = previousRate
            for _ in 0..<60 {
                upper = (upper + 1) * 2 - 1
                if sign(cashFlows, upper) != previousSign { break }
                lower = upper
            }
            if sign(cashFlows, upper) != previousSign { roots.append(bisect(cashFlows, lower, upper)) }
        }
        return roots.min { abs($0) < abs($1) }
    }

    /// The NPV of `cashFlows` at `rate` (> -1), in the flows' unit; may overflow to ±infinity
    /// near -1 for long series (`rate(cashFlows:)` never relies on it there).
    public static func npv(_ cashFlows: [Double], rate: Double) -> Double {
        let v = 1 / (1 + rate)
        return cashFlows.reversed().reduce(0) { $0 * v + $1 }
    }

    /// The sign (-1, 0, 1) of NPV(rate). Below r = 0 it evaluates NPV × (1 + r)ᴺ, which has the
    /// same sign and cannot overflow: Σₜ cₜ (1 + r)ᴺ⁻ᵗ.
    private static func sign(_ cashFlows: [Double], _ rate: Double) -> Int {
        let u = 1 + rate
        let value = u >= 1 ? npv(cashFlows, rate: rate) : cashFlows.reduce(0) { $0 * u + $1 }
        return value > 0 ? 1 : (value < 0 ? -1 : 0)
    }

    /// Bisection of a bracket [a, b] whose ends have NPVs of opposite signs.
    private static func bisect(_ cashFlows: [Double], _ a: Double, _ b: Double) -> Double {
        var lower = a, upper = b
        let lowerSign = sign(cashFlows, lower)
        for _ in 0..<200 {
            let middle = lower + (upper - lower) / 2
            if middle <= lower || middle >= upper { break }
            let s = sign(cashFlows, middle)
            if s == 0 { return middle }
            if s == lowerSign { lower = middle } else { upper = middle }
        }
        return lower + (upper - lower) / 2
    }
}
