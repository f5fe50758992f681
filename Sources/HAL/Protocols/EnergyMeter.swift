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

    /// Reads each phase's cumulative imported energy register, the phases in order (L1, L2,
    /// L3), for a meter whose phases measure different circuits.
    ///
    /// - Throws: ``HALError``; `.unsupported` when the meter has no per-phase registers.
    func readPhaseImportEnergies() async throws(HALError) -> [Energy]

    /// Reads each phase's voltage and active power now, the phases in order: what fault
    /// detection compares with the power the controller expects.
    ///
    /// - Throws: ``HALError``; `.unsupported` when the meter has no per-phase registers.
    func readPhases() async throws(HALError) -> [PhaseReading]
}

/// One phase of a meter at one instant.
public struct PhaseReading: Sendable, Hashable {
    /// Phase-to-neutral voltage, V.
    public var volts: Double
    /// Active power, W.
    public var watts: Double
    public init(volts: Double, watts: Double) {
        self.volts = volts
        self.watts = watts
    }
}

extension EnergyMeter {
    public func readPhaseImportEnergies() async throws(HALError) -> [Energy] {
        throw HALError(.unsupported, device: name, message: "this meter has no per-phase energy registers")
    }

    public func readPhases() async throws(HALError) -> [PhaseReading] {
        throw HALError(.unsupported, device: name, message: "this meter has no per-phase voltage and power registers")
    }
}
