/// A device that can be put into an inert, safe state (periph.io's `Halt()`).
///
/// Halting stops driving the hardware: a relay coil is released, a dimmer stops sending its
/// control signal (1-10 V open, DALI bus idle), so the luminaire falls back to whatever its
/// wiring or driver does without control. What that means for the street is a property of the
/// board (normally-closed contacts keep the lights on). After `halt()`, commands fail with
/// ``HALError/Kind/halted`` until the device is reopened.
public protocol Haltable: HardwareDevice {
    /// Puts the device into its inert state. Halting a halted device does nothing.
    ///
    /// - Throws: ``HALError`` when the device could not be reached to release it
    ///   (`.timeout`, `.busFault`, `.deviceFault`); the device is then in an unknown state.
    func halt() async throws(HALError)
}
