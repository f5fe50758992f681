import Foundation
import HAL
import Lighting
import Units

/// An energy meter in memory that integrates the power drawn by its luminaires over the
/// injected clock's time.
///
/// Power is held constant between updates (a step function), so the integral is exact: the
/// meter accumulates `power × elapsed seconds` joules and shows `⌊joules / 3.6⌋` milliwatt-hours
/// on top of its initial register (truncated, like a real meter's register; computed as
/// `joules × 10 / 36` so that whole watt-hours stay exact in binary floating point).
public actor SimulatedEnergyMeter: EnergyMeter {
    /// The device name used in errors.
    public nonisolated let name: String
    /// The luminaires behind the meter, in the order ``update(levels:energised:)`` takes levels.
    public nonisolated let luminaires: [LuminaireModel]

    private let clock: TimeSource
    private var power: Watts
    private var lastUpdate: Date
    private let initialMilliwattHours: Int64
    private var joules = 0.0
    private var fault = SimulatedFault()

    /// Creates a meter whose register reads `initialRegister`, drawing `initialPower` from the
    /// clock's current instant.
    ///
    /// - Parameter luminaires: the luminaires on the metered circuit (may be empty when only
    ///   ``update(power:)`` is used).
    public init(name: String, luminaires: [LuminaireModel] = [], initialRegister: Energy = .zero,
                initialPower: Watts = .zero, clock: @escaping TimeSource) {
        self.name = name
        self.luminaires = luminaires
        self.clock = clock
        self.power = initialPower
        self.lastUpdate = clock()
        self.initialMilliwattHours = initialRegister.milliwattHours
    }

    /// From the clock's current instant on, the circuit draws `power` (watts).
    public func update(power newPower: Watts) {
        integrate()
        power = newPower
    }

    /// From the clock's current instant on, luminaire `i` runs at `levels[i]` on an energised
    /// (`true`) or de-energised circuit; the power comes from each ``LuminaireModel``.
    ///
    /// `levels.count` must equal `luminaires.count` (a programming error otherwise).
    public func update(levels: [DimLevel], energised: Bool = true) {
        precondition(levels.count == luminaires.count,
                     "\(levels.count) levels for \(luminaires.count) luminaires on meter \(name)")
        var total = 0.0
        for (model, level) in zip(luminaires, levels) {
            total += model.power(at: level, energised: energised).value
        }
        update(power: Watts(total))
    }

    /// From the clock's current instant on, every luminaire runs at `level`.
    public func update(level: DimLevel, energised: Bool = true) {
        update(levels: Array(repeating: level, count: luminaires.count), energised: energised)
    }

    /// The cumulative import register up to the clock's current instant, in whole
    /// milliwatt-hours (truncated).
    ///
    /// - Throws: the injected fault.
    public func readImportEnergy() throws(HALError) -> Energy {
        try fault.check(device: name)
        integrate()
        return Energy(milliwattHours: initialMilliwattHours + Int64((joules * 10 / 36).rounded(.down)))
    }

    /// The power currently drawn, in watts.
    ///
    /// - Throws: the injected fault.
    public func readPower() throws(HALError) -> Watts {
        try fault.check(device: name)
        return power
    }

    /// Makes every read fail with `kind` until ``clearFault()``. Energy keeps accumulating
    /// meanwhile, as in a real meter whose bus link failed.
    public func injectFault(_ kind: HALError.Kind, message: String? = nil) {
        fault.inject(kind, message: message)
    }

    /// Ends an injected fault.
    public func clearFault() { fault.clear() }

    /// Adds the energy drawn since the last update. A clock that went backwards adds nothing.
    private func integrate() {
        let now = clock()
        let elapsed = now.timeIntervalSince(lastUpdate)
        if elapsed > 0 {
            joules += power.value * elapsed
            lastUpdate = now
        }
    }
}
