import HAL
import Lighting
import Units

/// A dimming output in memory: holds the commanded level and counts level changes.
public actor SimulatedDimmer: Dimmer {
    /// The device name used in errors.
    public nonisolated let name: String
    /// The level the luminaires fall back to when the control signal stops (after ``halt()``).
    /// Defaults to 100 %: an open 1-10 V input drives a luminaire to full output, and the DALI
    /// default system-failure level (IEC 62386-102) is 254, i.e. 100 %.
    public nonisolated let releasedLevel: DimLevel

    private var current: DimLevel
    private var fault = SimulatedFault()

    /// The number of commands that changed the level.
    public private(set) var changeCount = 0
    /// True after ``halt()`` until ``resume()``.
    public private(set) var isHalted = false

    /// Creates a dimmer at `initialLevel`.
    public init(name: String, initialLevel: DimLevel = .off, releasedLevel: DimLevel = .full) {
        self.name = name
        self.current = initialLevel
        self.releasedLevel = releasedLevel
    }

    /// Sets the level; see ``Dimmer/set(level:)``.
    ///
    /// - Throws: the injected fault; `.halted` after ``halt()``.
    public func set(level: DimLevel) throws(HALError) {
        try fault.check(device: name)
        guard !isHalted else {
            throw HALError(.halted, device: name, location: "simulated",
                           message: "dimmer is halted; cannot set level \(level) %")
        }
        if level != current { changeCount += 1 }
        current = level
    }

    /// The level last set.
    ///
    /// - Throws: the injected fault.
    public var level: DimLevel {
        get throws(HALError) {
            try fault.check(device: name)
            return current
        }
    }

    /// Stops driving the output: the level becomes ``releasedLevel`` and further commands fail
    /// with `.halted`.
    ///
    /// - Throws: the injected fault.
    public func halt() throws(HALError) {
        try fault.check(device: name)
        isHalted = true
        if current != releasedLevel { changeCount += 1 }
        current = releasedLevel
    }

    /// Accepts commands again after ``halt()``.
    public func resume() { isHalted = false }

    /// Makes every operation fail with `kind` until ``clearFault()``.
    public func injectFault(_ kind: HALError.Kind, message: String? = nil) {
        fault.inject(kind, message: message)
    }

    /// Ends an injected fault.
    public func clearFault() { fault.clear() }
}
