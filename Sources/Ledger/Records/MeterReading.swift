import Foundation

/// An energy meter's cumulative import register at the end of an interval, and the energy it
/// counted over the interval (SQL view `meter_reading`).
///
/// The register is kept, not only the difference, so gaps and meter resets stay visible: a
/// register lower than the previous reading is a reset (or a replaced meter), recorded as such
/// and never smoothed over.
public struct MeterReading: Sendable, Hashable {
    public var cabinetID: String
    public var meterID: String
    /// The interval `[start, end)` whose end the register was read at.
    public var start: Date
    public var end: Date
    /// Cumulative import register at `end`, in whole watt-hours; nil for a gap (no reading).
    public var registerWh: Int64?
    /// Energy counted over the interval (register difference), in watt-hours; 0 for a gap.
    public var energyWh: Int64
    /// `.metered`, or `.gap` when the meter did not answer.
    public var source: EnergySource

    public init(cabinetID: String, meterID: String, start: Date, end: Date, registerWh: Int64?,
                energyWh: Int64, source: EnergySource) {
        self.cabinetID = cabinetID
        self.meterID = meterID
        self.start = start
        self.end = end
        self.registerWh = registerWh
        self.energyWh = energyWh
        self.source = source
    }
}
