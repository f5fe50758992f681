import Foundation

/// The renewable energy one inverter produced over one interval (SQL table
/// `production_interval`). Half-open `[start, end)`, stored to the whole second.
public struct ProductionInterval: Sendable, Hashable {
    /// The cabinet's site id; must be declared first (a `.site` declaration, ``LedgerStore/declare(_:signer:)``).
    public var cabinetID: String
    /// The inverter's id within the cabinet.
    public var inverterID: String
    /// Start of the interval (inclusive), UTC.
    public var start: Date
    /// End of the interval (exclusive), UTC; later than `start`.
    public var end: Date
    /// Energy produced over the interval, in whole watt-hours (>= 0).
    public var energyWh: Int64

    /// Creates a record. Validation happens when it is appended (``LedgerError/invalidRecord``).
    public init(cabinetID: String, inverterID: String, start: Date, end: Date, energyWh: Int64) {
        self.cabinetID = cabinetID
        self.inverterID = inverterID
        self.start = start
        self.end = end
        self.energyWh = energyWh
    }
}
