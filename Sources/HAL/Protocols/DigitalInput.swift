/// A binary input: a photocell contact, a cabinet door switch, a maintenance key.
///
/// `true` means *active* after the board's active-low inversion has been applied: for a
/// photocell, active means dark; for a door switch, open.
public protocol DigitalInput: HardwareDevice {
    /// Reads the input now.
    ///
    /// - Throws: ``HALError`` from the driver (`.busFault`, `.timeout`, `.deviceFault`, ...).
    func read() async throws(HALError) -> Bool
}
