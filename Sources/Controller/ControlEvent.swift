import Foundation
import BoardFiles
import HAL
import Logging
import Units

/// Something the control loop saw or did that a record of the cabinet should keep: the clock's
/// trust won or lost, a step of the wall clock, a switching deferred by the minimum cycle, an
/// output failing or answering again. The loop hands each one to its `events` callback and logs
/// its ``description``.
public struct ControlEvent: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The clock is trusted (again, or from the first step on).
        case clockTrusted
        /// The clock is not trusted (from the first step on, or no longer): every circuit
        /// follows its fail-safe.
        case clockUntrusted([ClockTrust.Reason])
        /// The wall clock moved by `by` more (positive) or less (negative) than the monotonic
        /// clock since the previous reading: it was set. `expected` is where it would be
        /// without the step, `reading` where it is.
        case wallClockStepped(by: Duration, expected: Date, reading: Date)
        /// A switching of `output` (circuit `circuit`) to `contact` was held back by its
        /// minimum cycle for `remaining`; it is applied then if still wanted.
        case switchingDeferred(circuit: String, output: String, contact: Bool, remaining: Duration)
        /// A write to `output` failed: `circuit` is in its safe state until it answers.
        case outputFailed(circuit: String, output: String, error: HALError)
        /// `output` answers again: `circuit` is back to its plan.
        case outputRecovered(circuit: String, output: String)
        /// The engine's decision for `circuit` changed: its output moves to `level` over
        /// `fadeSeconds` (0: at once), for `reason` (a plan step, presence, the fail-safe...).
        /// Once per change, not at every step of a fade.
        case circuitChanged(circuit: String, level: DimLevel, fadeSeconds: Double, reason: String)
        /// A fault found from the meters' measurements (``FaultMonitor`` in CabinetService:
        /// lamp failure, day-burner, contactor or relay failure, supply loss) started or cleared,
        /// on `subject` (a circuit, a meter register, a phase).
        case measuredFault(fault: String, subject: String, active: Bool, detail: String)
        /// A door or breaker input read `active` (a door open, a breaker tripped) or not, at
        /// the first step and at each change.
        case input(id: String, kind: Board.InputKind, active: Bool)
        /// An override set, resumed from the state file at a start, cleared or expired.
        case override(OverrideRecord, OverrideChange)
        /// A profile came in force while running (flashed, rolled back): its id, version, the
        /// SHA-256 of its file, and who did it with which key (`detail`). `unsigned`: flashed
        /// without a signature (a bench's cabinet file allows it).
        case profileActivated(id: String, version: Int?, sha256: String, detail: String, unsigned: Bool)
        /// `count` events were dropped before the ledger could record them (it could not record
        /// for too long: an untrusted clock, a failing ledger).
        case eventsLost(count: Int)
        /// The controller's state file: read back at a start, or found unusable (`problem`:
        /// the controller then starts from its cabinet file).
        case state(detail: String, problem: Bool)
    }

    /// What happened to an override.
    public enum OverrideChange: Sendable, Hashable {
        case set, resumed, cleared(by: String), expired
    }

    /// The wall clock's reading when it happened (as read then, trusted or not).
    public var at: Date
    public var kind: Kind

    public init(at: Date, kind: Kind) {
        self.at = at
        self.kind = kind
    }

    /// How much it matters, for the log: a failing output is an error; the clock losing trust
    /// and a step of the wall clock are warnings; trust won and an output back are notices; a
    /// deferred switching is information.
    public var level: Logger.Level {
        switch kind {
        case .outputFailed: .error
        case .measuredFault(_, _, let active, _): active ? .error : .notice
        case .clockUntrusted, .wallClockStepped: .warning
        case .clockTrusted, .outputRecovered: .notice
        case .switchingDeferred, .circuitChanged: .info
        case .input(_, _, let active): active ? .warning : .notice
        case .override: .notice
        case .profileActivated(_, _, _, _, let unsigned): unsigned ? .warning : .notice
        case .state(_, let problem): problem ? .error : .notice
        case .eventsLost: .error
        }
    }

    /// A level change as the ledger's switching events word it (the simulation's too):
    /// "level 30 % over 60 s: plan night: midnight".
    public static func levelChange(level: DimLevel, fadeSeconds: Double, reason: String) -> String {
        let fade = fadeSeconds >= 1 ? " over \(Int(fadeSeconds.rounded())) s" : ""
        return "level \(level) %\(fade): \(reason)"
    }

    /// The log line.
    public var description: String {
        switch kind {
        case .clockTrusted:
            return "clock trusted: circuits follow their plans"
        case .clockUntrusted(let reasons):
            return "clock not trusted: \(reasons.map(\.description).joined(separator: "; ")); every circuit follows its fail-safe"
        case .wallClockStepped(let by, let expected, let reading):
            return "wall clock stepped by \(TimeText.seconds(by, sign: true)) (expected \(TimeText.iso(expected)), reads \(TimeText.iso(reading))); tonight's schedule recomputed"
        case .switchingDeferred(let circuit, let output, let contact, let remaining):
            return "circuit \(circuit): switching \(output) \(contact ? "on" : "off") deferred \(TimeText.seconds(remaining)) by its minimum cycle"
        case .outputFailed(let circuit, _, let error):
            return "circuit \(circuit): \(error); circuit in its safe state until the output answers"
        case .outputRecovered(let circuit, let output):
            return "circuit \(circuit): output \(output) answers again; back to its plan"
        case .circuitChanged(let circuit, let level, let fade, let reason):
            return "circuit \(circuit): \(Self.levelChange(level: level, fadeSeconds: fade, reason: reason))"
        case .measuredFault(let fault, let subject, let active, let detail):
            return "\(fault) on \(subject)\(active ? "" : " ended"): \(detail)"
        case .input(let id, let kind, let active):
            let state = switch kind {
            case .door: active ? "open" : "closed"
            case .breaker: active ? "tripped" : "closed"
            default: active ? "active" : "inactive"
            }
            return "\(kind.rawValue) \(id): \(state)"
        case .override(let r, let change):
            return switch change {
            case .set: "override \(r.id) set: \(r.summary)"
            case .resumed: "override \(r.id) resumed from the state file: \(r.summary)"
            case .cleared(let by): "override \(r.id) cleared by \(by): \(r.target) back to its plan"
            case .expired: "override \(r.id) expired: \(r.target) back to its plan"
            }
        case .profileActivated(let id, let version, let sha256, let detail, _):
            return "profile \(id) version \(version.map(String.init) ?? "-") in force (sha256 \(sha256)): \(detail)"
        case .state(let detail, _):
            return "state: \(detail)"
        case .eventsLost(let count):
            return "\(count) event(s) were dropped before the ledger could record them (it could not record for too long)"
        }
    }
}
