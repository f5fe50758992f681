import Foundation
import HAL

/// A relay or contactor in memory: records its state, counts switching operations and can
/// refuse to cycle faster than a minimum interval, as a real contactor's board file demands.
public actor SimulatedRelay: RelayOutput {
    /// The device name used in errors.
    public nonisolated let name: String
    /// The shortest time allowed between two state changes, in seconds (0: no limit). A change
    /// requested sooner fails with ``HALError/Kind/invalidArgument`` and leaves the state alone.
    public nonisolated let minimumSwitchInterval: TimeInterval
    /// The contact state when the coil is not driven (after ``halt()``): `false` for a
    /// normally-open contact, `true` for normally-closed wiring that keeps the lights on.
    public nonisolated let releasedState: Bool

    private let clock: TimeSource
    private var current: Bool
    private var fault = SimulatedFault()

    /// The number of state changes so far (on→off and off→on), halts included.
    public private(set) var switchCount = 0
    /// The number of off→on changes so far: complete or begun switching cycles.
    public private(set) var cycleCount = 0
    /// The instant of the last state change, `nil` before the first.
    public private(set) var lastSwitch: Date?
    /// True after ``halt()`` until ``resume()``.
    public private(set) var isHalted = false

    /// Creates a relay in state `initialState`.
    ///
    /// - Parameters:
    ///   - minimumSwitchInterval: seconds, finite and >= 0 (a programming error otherwise).
    ///   - clock: the time source used to enforce the interval and stamp switches.
    public init(name: String, initialState: Bool = false, releasedState: Bool = false,
                minimumSwitchInterval: TimeInterval = 0, clock: @escaping TimeSource) {
        precondition(minimumSwitchInterval.isFinite && minimumSwitchInterval >= 0,
                     "minimum switch interval must be finite and >= 0")
        self.name = name
        self.current = initialState
        self.releasedState = releasedState
        self.minimumSwitchInterval = minimumSwitchInterval
        self.clock = clock
    }

    /// Switches the contact; see ``RelayOutput/set(on:)``.
    ///
    /// - Throws: the injected fault; `.halted` after ``halt()``; `.invalidArgument` when less
    ///   than ``minimumSwitchInterval`` seconds have passed since the last change.
    public func set(on: Bool) throws(HALError) {
        try fault.check(device: name)
        guard !isHalted else {
            throw HALError(.halted, device: name, location: "simulated",
                           message: "relay is halted; cannot switch \(on ? "on" : "off")")
        }
        guard on != current else { return }
        let now = clock()
        if let lastSwitch, minimumSwitchInterval > 0 {
            let elapsed = now.timeIntervalSince(lastSwitch)
            if elapsed < minimumSwitchInterval {
                throw HALError(.invalidArgument, device: name, location: "simulated",
                               message: "switching \(on ? "on" : "off") \(Self.seconds(elapsed)) after the last change; the minimum interval is \(Self.seconds(minimumSwitchInterval))")
            }
        }
        apply(on, at: now)
    }

    /// The contact state: `true` when the circuit is energised.
    ///
    /// - Throws: the injected fault.
    public var state: Bool {
        get throws(HALError) {
            try fault.check(device: name)
            return current
        }
    }

    /// Releases the coil: the contact goes to ``releasedState`` regardless of the minimum
    /// switch interval (safety first), and further commands fail with `.halted`.
    ///
    /// - Throws: the injected fault (the relay could not be reached).
    public func halt() throws(HALError) {
        try fault.check(device: name)
        isHalted = true
        if current != releasedState { apply(releasedState, at: clock()) }
    }

    /// Accepts commands again after ``halt()`` (a real driver reopens the line).
    public func resume() { isHalted = false }

    /// Makes every operation fail with `kind` (and `message`, default "injected fault") until
    /// ``clearFault()``. The contact keeps its state meanwhile.
    public func injectFault(_ kind: HALError.Kind, message: String? = nil) {
        fault.inject(kind, message: message)
    }

    /// Ends an injected fault.
    public func clearFault() { fault.clear() }

    private func apply(_ on: Bool, at now: Date) {
        current = on
        switchCount += 1
        if on { cycleCount += 1 }
        lastSwitch = now
    }

    static func seconds(_ value: TimeInterval) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? "\(Int(rounded)) s" : "\(rounded) s"
    }
}
