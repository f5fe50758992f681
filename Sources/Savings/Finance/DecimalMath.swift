import Foundation

/// Conversions and rounding between `Decimal` (money) and `Double` (rates, energy), done so that
/// no binary-float noise enters a sum of money.
enum DecimalMath {
    private static let posix = Locale(identifier: "en_US_POSIX")

    /// The decimal written by the shortest text that reads back as `value` (0.04 becomes
    /// exactly 0.04, not 0.040000000000000000832...). `value` must be finite.
    static func decimal(_ value: Double) -> Decimal {
        precondition(value.isFinite, "DecimalMath.decimal of a non-finite value")
        return Decimal(string: "\(value)", locale: posix) ?? Decimal(value)
    }

    /// The `Double` nearest to `value` (through its full decimal text).
    static func double(_ value: Decimal) -> Double {
        Double(value.description) ?? NSDecimalNumber(decimal: value).doubleValue
    }

    /// `value` rounded to `scale` decimal places; `.plain` rounds halves away from zero.
    static func rounded(_ value: Decimal, scale: Int, _ mode: NSDecimalNumber.RoundingMode = .plain) -> Decimal {
        var input = value, result = Decimal()
        NSDecimalRound(&result, &input, scale, mode)
        return result
    }

    /// Money rounded to the cent, halves away from zero (0.005 → 0.01, -0.005 → -0.01).
    static func cents(_ value: Decimal) -> Decimal { rounded(value, scale: 2, .plain) }

    /// `base` to the power `exponent` (≥ 0) by repeated multiplication: exact to Decimal's
    /// 38 significant digits for the small exponents of a lifetime.
    static func power(_ base: Decimal, _ exponent: Int) -> Decimal {
        precondition(exponent >= 0, "negative exponent")
        var result = Decimal(1)
        for _ in 0..<exponent { result *= base }
        return result
    }
}
