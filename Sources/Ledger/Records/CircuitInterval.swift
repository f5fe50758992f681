import Foundation
import Lighting
import Units

/// The lighting energy of one circuit over one interval: the ledger's basic consumption row
/// (SQL table `circuit_interval`).
///
/// The interval is half-open, `[start, end)`, stored to the whole second (rounded to the nearest
/// second). A circuit has at most one interval per start instant.
public struct CircuitInterval: Sendable, Hashable {
    /// The cabinet's site id; must be declared first (a `.site` declaration, ``LedgerStore/declare(_:signer:)``).
    public var cabinetID: String
    /// The circuit's id within the cabinet.
    public var circuitID: String
    /// Start of the interval (inclusive), UTC.
    public var start: Date
    /// End of the interval (exclusive), UTC; later than `start`.
    public var end: Date
    /// Energy consumed over the interval, in whole watt-hours.
    public var energyWh: Int64
    /// Whether `energyWh` was metered, estimated or is a gap.
    public var source: EnergySource
    /// Seconds within the interval during which the luminaires were lit (level above 0 on an
    /// energised circuit), 0 ... interval length.
    public var burningSeconds: Int
    /// Time-weighted mean level over the burning time (``Lighting/DimLevel``, stored as tenths).
    public var meanLevel: DimLevel

    /// Creates a record. Validation happens when it is appended (``LedgerError/invalidRecord``).
    public init(cabinetID: String, circuitID: String, start: Date, end: Date, energyWh: Int64,
                source: EnergySource, burningSeconds: Int, meanLevel: DimLevel) {
        self.cabinetID = cabinetID
        self.circuitID = circuitID
        self.start = start
        self.end = end
        self.energyWh = energyWh
        self.source = source
        self.burningSeconds = burningSeconds
        self.meanLevel = meanLevel
    }
}
