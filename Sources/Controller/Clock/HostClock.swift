import CTimex
import Foundation

/// The machine's clocks: `Date()` for the wall clock, `ContinuousClock` (Linux
/// `CLOCK_BOOTTIME`: monotonic, and counting time spent suspended, as a relay's rest does) for
/// durations, and `ntp_adjtime(3)` in read-only mode (`modes = 0`, no privilege needed) for the
/// kernel's synchronisation state. A thin wrapper: every decision is ``ClockTrust``'s.
public struct HostClock: CabinetClock {
    public init() {}

    public var wallNow: Date { Date() }

    public var monotonicNow: ContinuousClock.Instant { ContinuousClock.now }

    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        try await Task.sleep(until: deadline, clock: .continuous)
    }

    /// Calls `ntp_adjtime` with `modes = 0` (read only; Sources/CTimex) and reads
    /// `status & STA_UNSYNC`, `maxerror` and `esterror` (microseconds).
    ///
    /// - Returns: `.failure` with the `errno` text when the call fails.
    public func synchronisation() -> Result<KernelClockSync, KernelClockError> {
        var unsynchronised = false
        var maxerror: Int64 = 0, esterror: Int64 = 0
        var err: Int32 = 0
        guard lanterne_clock_sync(&unsynchronised, &maxerror, &esterror, &err) == 0 else {
            return .failure(KernelClockError("ntp_adjtime failed: \(String(cString: strerror(err)))"))
        }
        return .success(KernelClockSync(unsynchronised: unsynchronised, maximumError: .microseconds(maxerror),
                                        estimatedError: .microseconds(esterror)))
    }
}
