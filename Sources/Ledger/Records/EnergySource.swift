/// Where an interval's energy figure comes from. Stored as TEXT (the raw value).
public enum EnergySource: String, Sendable, Hashable, CaseIterable, Codable {
    /// Read from an energy meter's register (difference of two readings).
    case metered
    /// Computed from the power model (rated watts × level curve + driver standby) because no
    /// meter covers the circuit.
    case estimated
    /// Neither: the controller was not running or the meter could not be read; the energy
    /// figure is 0 or a placeholder and must not be trusted.
    case gap
}
