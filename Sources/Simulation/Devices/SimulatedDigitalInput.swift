import HAL
/// A binary input in memory whose value the test or simulation sets.
public actor SimulatedDigitalInput: DigitalInput {
    /// The device name used in errors.
    public nonisolated let name: String

    private var value: Bool
    private var fault = SimulatedFault()

    /// Creates an input reading `initialValue`.
    public init(name: String, initialValue: Bool = false) {
        self.name = name
        self.value = initialValue
    }

    /// Changes what the input reads (the simulation's hand on the switch).
    public func set(_ newValue: Bool) { value = newValue }

    /// The current value.
    ///
    /// - Throws: the injected fault.
    public func read() throws(HALError) -> Bool {
        try fault.check(device: name)
        return value
    }

    /// Makes every read fail with `kind` until ``clearFault()``.
    public func injectFault(_ kind: HALError.Kind, message: String? = nil) {
        fault.inject(kind, message: message)
    }

    /// Ends an injected fault.
    public func clearFault() { fault.clear() }
}
