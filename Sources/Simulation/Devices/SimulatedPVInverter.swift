import Foundation
import HAL
import Lighting
import Units

/// A PV inverter in memory whose output follows a ``PVPlant`` on the injected clock.
///
/// The production register integrates the plant's power from the creation instant, lazily on
/// each read, and shows whole milliwatt-hours (truncated), like a real register.
public actor SimulatedPVInverter: PVInverter {
    /// The device name used in errors.
    public nonisolated let name: String
    /// The physics of the array, its place and its sky.
    public nonisolated let plant: PVPlant

    private let clock: TimeSource
    private let initialMilliwattHours: Int64
    private var lastIntegration: Date
    private var joules = 0.0
    private var fault = SimulatedFault()

    /// Creates an inverter whose register reads `initialRegister` at the clock's current instant.
    public init(name: String, plant: PVPlant, initialRegister: Energy = .zero,
                clock: @escaping TimeSource) {
        self.name = name
        self.plant = plant
        self.clock = clock
        self.initialMilliwattHours = initialRegister.milliwattHours
        self.lastIntegration = clock()
    }

    /// The cumulative production register up to the clock's current instant.
    ///
    /// - Throws: the injected fault. Production keeps accumulating meanwhile.
    public func readProducedEnergy() throws(HALError) -> Energy {
        try fault.check(device: name)
        let now = clock()
        if now > lastIntegration {
            joules += plant.energyJoules(from: lastIntegration.timeIntervalSince1970,
                                         to: now.timeIntervalSince1970)
            lastIntegration = now
        }
        return Energy(milliwattHours: initialMilliwattHours + Int64((joules / 3.6).rounded(.down)))
    }

    /// The AC power at the clock's current instant, in watts.
    ///
    /// - Throws: the injected fault.
    public func readPower() throws(HALError) -> Watts {
        try fault.check(device: name)
        return plant.power(at: clock())
    }

    /// Makes every read fail with `kind` until ``clearFault()`` (an inverter that stopped
    /// answering, as many do at night).
    public func injectFault(_ kind: HALError.Kind, message: String? = nil) {
        fault.inject(kind, message: message)
    }

    /// Ends an injected fault.
    public func clearFault() { fault.clear() }
}
