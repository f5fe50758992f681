import Units

/// An electricity meter on a lighting circuit or on the cabinet's supply.
public protocol EnergyMeter: HardwareDevice {
    /// Reads the cumulative imported (consumed) active energy register. It only grows, except
    /// when the meter is replaced or its register wraps; callers take differences.
    ///
    /// - Throws: ``HALError`` from the driver (`.timeout`, `.busFault`, `.deviceFault`, ...).
    func readImportEnergy() async throws(HALError) -> Energy

    /// Reads the instantaneous active power, in watts.
    ///
    /// - Throws: ``HALError``; `.unsupported` when the meter has no power register.
    func readPower() async throws(HALError) -> Watts
}
