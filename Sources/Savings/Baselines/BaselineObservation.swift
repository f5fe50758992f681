import Foundation

/// One metered period of the baseline (typically a calendar month before the retrofit): the
/// lighting energy and the dark hours that drove it.
///
/// Values are not checked here; `BaselineModel.fit(_:)` checks them all and names the first
/// one at fault.
public struct BaselineObservation: Sendable, Hashable, Codable {
    /// Start of the period (inclusive), UTC.
    public var start: Date
    /// End of the period (exclusive), UTC.
    public var end: Date
    /// Metered lighting energy over the period, in kilowatt-hours (the model's unit). Gaps are
    /// not filled: this is the energy of the covered intervals only.
    public var energyKWh: Double
    /// Dark hours in the period (sunset to sunrise at -0.833°, see `DarkHours`), in hours.
    public var darkHours: Double
    /// Fraction of the period's intervals that are metered, not gaps: 0...1.
    public var coverage: Double

    /// An observation; `coverage` defaults to 1 (no gap). Nothing is checked until the fit.
    public init(start: Date, end: Date, energyKWh: Double, darkHours: Double, coverage: Double = 1) {
        self.start = start
        self.end = end
        self.energyKWh = energyKWh
        self.darkHours = darkHours
        self.coverage = coverage
    }
}
