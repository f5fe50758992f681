import Units

/// A photovoltaic inverter feeding the cabinet's site.
public protocol PVInverter: HardwareDevice {
    /// Reads the cumulative produced (AC) energy register. It only grows, except when the
    /// inverter is replaced or its register wraps; callers take differences.
    ///
    /// - Throws: ``HALError`` from the driver. Many inverters stop answering at night; their
    ///   drivers report `.timeout`.
    func readProducedEnergy() async throws(HALError) -> Energy

    /// Reads the instantaneous AC output power, in watts (0 at night).
    ///
    /// - Throws: ``HALError``; `.unsupported` when the inverter has no power register.
    func readPower() async throws(HALError) -> Watts
}
