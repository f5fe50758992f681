import BoardFiles
import HAL
import Lighting
import Units

/// The minimum on/off time of every switched output — the board's `minimumCycle` — kept in one
/// place for every kind of output: a GPIO relay, a relay on a Modbus I/O module's coil, a
/// dimming-gateway channel (its switch coil or register, or level 0 against a lit level) and a
/// bi-power step line. The ``ControlLoop`` asks it before every write, on every path that drives
/// an output (the plan, presence, a fault's safe state, the shutdown), and no driver enforces a
/// cycle of its own.
///
/// A **switching** is a change of an output's contact: on ↔ off for relays and dimmers
/// (a dimmer is on at any level above 0 %), active ↔ released for a step line. A change of level
/// that keeps the contact (50 % → 100 %) is never held back. A switching requested less than
/// `minimumCycle` after the previous one is **deferred**: the output keeps its state, the loop
/// asks again at every step and wakes up at ``Verdict/deferred(until:)``, when it goes through
/// if it is still wanted. A deferral is not a failure: it never faults the circuit.
///
/// Durations are on the monotonic clock: a wall-clock step never shortens or stretches them.
///
/// **Fail-safe transitions.** A write that brings a circuit *into* its fail-safe (its output
/// failed, the clock lost its trust, there is no valid profile, or the controller is shutting
/// down) is applied at once, even inside the minimum cycle (`failSafeEntry`), and so is each
/// retry of it until the output shows that state. Why: the fail-safe is what the board says a
/// circuit must do when the controller's own decision cannot be believed, and a deferral would
/// keep that decision in force for up to `minimumCycle` (up to an hour); at shutdown there is no
/// later step, so a deferred safe state would be dropped for good. What it costs: while the
/// circuit stays in its fail-safe, its switchings (a `photocell` safe state following the
/// cell at dusk) are deferred like any other, and so is the way back to the plan; so between
/// two unguarded switchings there is always a guarded one in the other direction, at least
/// `minimumCycle` after the first: at most one switching per minimum cycle escapes the guard,
/// whatever the faults or the clock do. The bypassed switching is recorded like any other, so
/// the next one waits a full cycle from it.
public struct SwitchingGuard: Sendable {
    /// What the guard knows about one output.
    public struct Output: Sendable, Hashable {
        /// The board's `minimumCycle` (zero: no limit).
        public var minimumCycle: Duration
        /// The contact as last written; nil before the first write and after a failed one
        /// (a write that failed may have landed).
        public var contact: Bool?
        /// When the contact last changed, or may have changed (a failed write).
        public var lastSwitching: ContinuousClock.Instant?
    }

    /// What the guard says about a write.
    public enum Verdict: Sendable, Hashable {
        /// Write it.
        case proceed
        /// A switching too soon: keep the output as it is until `until` (monotonic).
        case deferred(until: ContinuousClock.Instant)
    }

    public private(set) var outputs: [String: Output]

    /// A guard for outputs with the given minimum cycles (output id → duration).
    public init(minimumCycles: [String: Duration]) {
        outputs = minimumCycles.mapValues { Output(minimumCycle: $0) }
    }

    /// The minimum cycles a board declares, by output id.
    public static func minimumCycles(of board: Board) -> [String: Duration] {
        Dictionary(board.outputs.map { ($0.id, Duration.seconds($0.minimumCycleSeconds)) }, uniquingKeysWith: { a, _ in a })
    }

    /// The contact an output of `kind` shows at `level`: a relay or dimmer is on above 0 %, a
    /// step line is active below 100 %.
    public static func contact(_ level: DimLevel, kind: Board.OutputKind) -> Bool {
        switch kind {
        case .relay, .dimmer: return !level.isOff
        case .step: return level < .full
        }
    }

    /// Whether `output` may be driven to `contact` at `now`.
    ///
    /// - Parameter failSafeEntry: the write brings its circuit into its fail-safe (see the
    ///   type's documentation): never deferred.
    public func verdict(_ output: String, contact: Bool, at now: ContinuousClock.Instant, failSafeEntry: Bool) -> Verdict {
        guard let o = outputs[output], o.minimumCycle > .zero, o.contact != contact, !failSafeEntry,
              let last = o.lastSwitching else { return .proceed }
        let release = last.advanced(by: o.minimumCycle)
        return now < release ? .deferred(until: release) : .proceed
    }

    /// Records a write of `contact` to `output` that ended at `now`. A write to an output whose
    /// contact is unknown — the first one after the start, or the one after a failed write —
    /// counts as a switching: the contact may just have changed (a GPIO line is driven when it
    /// is requested, a previous run may have switched it on its way out).
    ///
    /// - Parameter succeeded: false when the write failed: the contact is then unknown, and
    ///   counted as switched at `now` if it was not already there (the device may have acted
    ///   before the reply was lost).
    public mutating func record(_ output: String, contact: Bool, at now: ContinuousClock.Instant, succeeded: Bool) {
        var o = outputs[output] ?? Output(minimumCycle: .zero)
        if o.contact != contact { o.lastSwitching = now }
        o.contact = succeeded ? contact : nil
        outputs[output] = o
    }
}
