/// A light level in percent of full output, 0 to 100, with one decimal.
///
/// Stored as an integer number of tenths of a percent (0 ... 1000), so levels compare and hash
/// exactly and "one decimal" is a property of the type rather than of formatting.
public struct DimLevel: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Tenths of a percent, 0 ... 1000.
    public let tenths: Int

    public static let off = DimLevel(uncheckedTenths: 0)
    public static let full = DimLevel(uncheckedTenths: 1000)

    /// Creates a level from a percentage, rounded to one decimal. Returns `nil` when the value
    /// is not finite or outside 0 ... 100.
    public init?(percent: Double) {
        guard percent.isFinite, percent >= 0, percent <= 100 else { return nil }
        self.tenths = Int((percent * 10).rounded())
    }

    /// Creates a level from tenths of a percent; returns `nil` outside 0 ... 1000.
    public init?(tenths: Int) {
        guard (0...1000).contains(tenths) else { return nil }
        self.tenths = tenths
    }

    init(uncheckedTenths: Int) { self.tenths = uncheckedTenths }

    /// The level clamped into range from any percentage (NaN gives `off`).
    public static func clamping(percent: Double) -> DimLevel {
        guard percent.isFinite else { return .off }
        return DimLevel(uncheckedTenths: Int((min(100, max(0, percent)) * 10).rounded()))
    }

    /// Percent, 0 ... 100.
    public var percent: Double { Double(tenths) / 10 }
    /// Fraction of full output, 0 ... 1.
    public var fraction: Double { Double(tenths) / 1000 }
    public var isOff: Bool { tenths == 0 }

    /// Applies a luminaire's minimum dim level: zero stays zero, any non-zero request below
    /// `minimum` becomes `minimum`.
    public func clamped(toMinimum minimum: DimLevel) -> DimLevel {
        (tenths == 0 || tenths >= minimum.tenths) ? self : minimum
    }

    public static func < (lhs: DimLevel, rhs: DimLevel) -> Bool { lhs.tenths < rhs.tenths }

    /// "75.5 %"-style text without the unit: `75.5`, `100`, `0`.
    public var description: String {
        tenths % 10 == 0 ? String(tenths / 10) : "\(tenths / 10).\(tenths % 10)"
    }

    public init(from decoder: any Decoder) throws {
        let v = try decoder.singleValueContainer().decode(Double.self)
        guard let level = DimLevel(percent: v) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "level \(v) is outside 0 ... 100"))
        }
        self = level
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(percent)
    }
}
