import Foundation

/// Everything the control loop reads about time, in one place so that tests can drive it.
///
/// Two clocks, never mixed:
/// - the **wall clock** (``wallNow``): UTC instants for the engine (sun, plans, calendars).
///   It may step (a time sync, `date -s`, a board without RTC booting at 1970) and is only
///   believed when ``ClockTrust`` says so;
/// - the **monotonic clock** (``monotonicNow``): every duration — the minimum relay cycle,
///   sleeps, the next tick — is measured on it. It never steps.
///
/// ``HostClock`` reads the machine (Foundation's `Date`, `ContinuousClock`, `ntp_adjtime`);
/// ``ManualClock`` is moved by hand (tests, the gpio-sim check).
public protocol CabinetClock: Sendable {
    /// The wall clock now (UTC).
    var wallNow: Date { get }
    /// The monotonic clock now.
    var monotonicNow: ContinuousClock.Instant { get }
    /// Suspends until the monotonic clock reaches `deadline`.
    ///
    /// - Throws: `CancellationError` when the task is cancelled first.
    func sleep(until deadline: ContinuousClock.Instant) async throws
    /// What the kernel says about the wall clock's synchronisation (`adjtimex`), or why it
    /// could not be read.
    func synchronisation() -> Result<KernelClockSync, KernelClockError>
}

/// The kernel's view of the wall clock's synchronisation, as `adjtimex(2)`/`ntp_adjtime(3)`
/// report it (`struct timex`). An NTP client (chrony, ntpd, systemd-timesyncd) clears
/// `STA_UNSYNC` and keeps `maxerror` small while it is synchronised; at boot, and when nothing
/// has updated the clock for long enough that `maxerror` passes 16 s, the kernel sets
/// `STA_UNSYNC`.
public struct KernelClockSync: Sendable, Hashable {
    /// `STA_UNSYNC` is set in `status`: the kernel considers the clock not synchronised.
    public var unsynchronised: Bool
    /// `maxerror`: the kernel's bound on the clock's error (it grows by 500 µs each second
    /// without an update).
    public var maximumError: Duration
    /// `esterror`: the estimated error.
    public var estimatedError: Duration

    public init(unsynchronised: Bool, maximumError: Duration, estimatedError: Duration = .zero) {
        self.unsynchronised = unsynchronised
        self.maximumError = maximumError
        self.estimatedError = estimatedError
    }

    /// A clock an NTP client keeps within `error`.
    public static func synchronised(error: Duration = .milliseconds(20)) -> KernelClockSync {
        KernelClockSync(unsynchronised: false, maximumError: error, estimatedError: error)
    }

    /// A clock nothing has synchronised (the state after boot): `STA_UNSYNC`, 16 s.
    public static let unsynchronisedAtBoot = KernelClockSync(unsynchronised: true, maximumError: .seconds(16), estimatedError: .seconds(16))
}

/// `adjtimex` failed: the synchronisation state is unknown (the clock is then not trusted).
public struct KernelClockError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
