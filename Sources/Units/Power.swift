/// Electrical power in watts. A plain wrapper: it exists so that a watt is never mistaken for
/// a watt-hour or a percentage.
public struct Watts: Sendable, Hashable, Comparable, Codable, CustomStringConvertible,
                     AdditiveArithmetic {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static let zero = Watts(0)
    public static func + (a: Watts, b: Watts) -> Watts { Watts(a.value + b.value) }
    public static func - (a: Watts, b: Watts) -> Watts { Watts(a.value - b.value) }
    public static func * (a: Watts, k: Double) -> Watts { Watts(a.value * k) }
    public static func < (a: Watts, b: Watts) -> Bool { a.value < b.value }
    public var description: String { "\(value) W" }

    /// The energy delivered at this power for `seconds`, in whole milliwatt-hours (rounded).
    public func energy(overSeconds seconds: Double) -> Energy {
        Energy(milliwattHours: Int64((value * seconds / 3.6).rounded()))
    }

    public init(from decoder: any Decoder) throws { value = try decoder.singleValueContainer().decode(Double.self) }
    public func encode(to encoder: any Encoder) throws { var c = encoder.singleValueContainer(); try c.encode(value) }
}

/// An amount of electrical energy, stored as an integer number of milliwatt-hours.
///
/// DESIGN.md: energy is never a floating sum. Sums of `Energy` are exact; conversions to kWh
/// for display are the only floating-point step.
public struct Energy: Sendable, Hashable, Comparable, Codable, CustomStringConvertible,
                      AdditiveArithmetic {
    /// Milliwatt-hours (1 Wh = 1000 mWh).
    public var milliwattHours: Int64
    public init(milliwattHours: Int64) { self.milliwattHours = milliwattHours }
    public init(wattHours: Int64) { self.milliwattHours = wattHours * 1000 }
    public static let zero = Energy(milliwattHours: 0)

    /// Whole watt-hours, rounded half away from zero.
    public var wattHoursRounded: Int64 {
        milliwattHours >= 0 ? (milliwattHours + 500) / 1000 : -((-milliwattHours + 500) / 1000)
    }
    public var wattHours: Double { Double(milliwattHours) / 1000 }
    public var kilowattHours: Double { Double(milliwattHours) / 1_000_000 }

    public static func + (a: Energy, b: Energy) -> Energy { Energy(milliwattHours: a.milliwattHours + b.milliwattHours) }
    public static func - (a: Energy, b: Energy) -> Energy { Energy(milliwattHours: a.milliwattHours - b.milliwattHours) }
    public static func < (a: Energy, b: Energy) -> Bool { a.milliwattHours < b.milliwattHours }
    public var description: String { "\(wattHours) Wh" }

    public init(from decoder: any Decoder) throws { milliwattHours = try decoder.singleValueContainer().decode(Int64.self) }
    public func encode(to encoder: any Encoder) throws { var c = encoder.singleValueContainer(); try c.encode(milliwattHours) }
}
