import Foundation

/// Arithmetic shared by the report's figures: divisions that never yield NaN or infinity.
enum ReportMath {
    /// `part / whole × 100`, or nil when `whole` is not positive or either value is not finite.
    static func percent(_ part: Double, of whole: Double) -> Double? {
        guard part.isFinite, whole.isFinite, whole > 0 else { return nil }
        let value = part / whole * 100
        return value.isFinite ? value : nil
    }

    /// The relative change from `previous` to `current`, percent; nil when `previous` is not
    /// positive or either value is not finite.
    static func change(from previous: Double, to current: Double) -> Double? {
        percent(current - previous, of: previous)
    }

    /// A `Decimal` as a `Double` (for drawing only; never for sums of money).
    static func double(_ value: Decimal) -> Double {
        NSDecimalNumber(decimal: value).doubleValue
    }
}
