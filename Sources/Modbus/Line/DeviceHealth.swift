/// What a line knows about one unit on it: whether it answers, and when it is next tried after
/// failing.
///
/// A unit becomes `faulted` when a request to it fails after all its retries for a reason that
/// says the device did not answer usefully (timeout, damaged frames, broken connection, server
/// failure or busy exceptions). While faulted, requests fail at once without touching the bus —
/// so a dead meter never slows the gateways sharing its RS-485 line — until `nextAttempt`, when
/// one request goes through: success clears the fault, failure doubles the wait (up to the
/// line's maximum).
public struct DeviceHealth: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        /// Nothing was asked of the unit yet.
        case unknown
        /// The last request was answered.
        case ok
        /// The unit failed and is waiting for its next attempt.
        case faulted
    }

    public internal(set) var state: State = .unknown
    /// Requests that failed in a row (after their retries).
    public internal(set) var consecutiveFailures = 0
    /// The failure that faulted the unit (or the most recent one).
    public internal(set) var lastError: ModbusError?
    /// When the unit became faulted.
    public internal(set) var faultedSince: ContinuousClock.Instant?
    /// When a faulted unit is next tried.
    public internal(set) var nextAttempt: ContinuousClock.Instant?
    /// Requests answered and failed since the line was created.
    public internal(set) var answered = 0, failed = 0
    /// The time the answered requests took in all, retries included (their mean: divided by
    /// `answered`).
    public internal(set) var answeredTime: Duration = .zero

    public init() {}
}
