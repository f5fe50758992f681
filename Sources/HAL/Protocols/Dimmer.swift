import Units

/// A light-level output: a 1-10 V or PWM channel, a DALI broadcast or group, a dimming
/// gateway register.
///
/// Levels are ``Lighting/DimLevel`` (percent with one decimal). Clamping to a luminaire's
/// minimum level is the engine's business, not the dimmer's: a dimmer outputs what it is told.
public protocol Dimmer: Haltable {
    /// Sets the output level.
    ///
    /// - Throws: ``HALError`` — `.invalidArgument` when the device cannot represent the level,
    ///   `.halted` after ``Haltable/halt()``, and bus or device kinds from the driver.
    func set(level: DimLevel) async throws(HALError)

    /// The level last commanded or read back.
    ///
    /// - Throws: ``HALError`` when the level cannot be read back from the hardware.
    var level: DimLevel { get async throws(HALError) }
}

extension Dimmer {
    /// Sets the level to 0 %; see ``Dimmer/set(level:)`` for the errors.
    public func turnOff() async throws(HALError) { try await set(level: .off) }
    /// Sets the level to 100 %; see ``Dimmer/set(level:)`` for the errors.
    public func turnFull() async throws(HALError) { try await set(level: .full) }
}
