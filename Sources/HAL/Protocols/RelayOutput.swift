/// An on/off output that switches a circuit: a contactor coil on a GPIO line, a relay channel
/// of a Modbus I/O module.
///
/// `true` means the circuit is energised (contact closed). Conveniences are in the extension.
public protocol RelayOutput: Haltable {
    /// Switches the circuit on (`true`) or off (`false`). Setting the current state again is
    /// allowed and does not count as a switching operation.
    ///
    /// - Throws: ``HALError`` — `.invalidArgument` when the relay would cycle faster than it
    ///   allows (a simulated contactor can refuse; the hardware drivers switch when told, and
    ///   the runtime's switching guard never asks too soon), `.halted` after
    ///   ``Haltable/halt()``, and bus or device kinds from the driver.
    func set(on: Bool) async throws(HALError)

    /// The contact state last commanded or read back: `true` when the circuit is energised.
    ///
    /// - Throws: ``HALError`` when the state cannot be read back from the hardware.
    var state: Bool { get async throws(HALError) }
}

extension RelayOutput {
    /// Energises the circuit; see ``RelayOutput/set(on:)`` for the errors.
    public func switchOn() async throws(HALError) { try await set(on: true) }
    /// De-energises the circuit; see ``RelayOutput/set(on:)`` for the errors.
    public func switchOff() async throws(HALError) { try await set(on: false) }
}
