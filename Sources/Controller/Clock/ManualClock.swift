import Foundation
import Synchronization

/// A ``CabinetClock`` moved by hand: the wall clock and the monotonic clock advance together
/// (``advance(by:)``), the wall clock can step alone (``stepWall(by:)``, ``setWall(_:)``), and the
/// kernel's synchronisation state is set by the caller. Sleepers wake when the monotonic clock
/// reaches their deadline. For tests and test beds; it ships beside the real one.
public final class ManualClock: CabinetClock {
    private struct Sleeper {
        var id: Int
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Void, any Error>
    }
    private struct State {
        var wall: Date
        var monotonic: ContinuousClock.Instant
        var synchronisation: Result<KernelClockSync, KernelClockError>
        var sleepers: [Sleeper] = []
        var cancelled: Set<Int> = []
        var nextID = 0
    }
    private let state: Mutex<State>

    /// A clock at `wall`, with the kernel in the given state.
    public init(wall: Date, synchronisation: KernelClockSync = .synchronised()) {
        state = Mutex(State(wall: wall, monotonic: ContinuousClock.now, synchronisation: .success(synchronisation)))
    }

    public var wallNow: Date { state.withLock { $0.wall } }
    public var monotonicNow: ContinuousClock.Instant { state.withLock { $0.monotonic } }

    public func synchronisation() -> Result<KernelClockSync, KernelClockError> { state.withLock { $0.synchronisation } }

    /// Sets what `adjtimex` reports from now on.
    public func setSynchronisation(_ value: Result<KernelClockSync, KernelClockError>) { state.withLock { $0.synchronisation = value } }
    public func setSynchronisation(_ value: KernelClockSync) { setSynchronisation(.success(value)) }

    /// Time passes: both clocks move on by `duration`; sleepers whose deadline is reached wake.
    public func advance(by duration: Duration) {
        let woken: [Sleeper] = state.withLock { s in
            s.monotonic = s.monotonic.advanced(by: duration)
            s.wall = s.wall.addingTimeInterval(duration.timeInterval)
            let now = s.monotonic
            let due = s.sleepers.filter { $0.deadline <= now }
            s.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for w in woken { w.continuation.resume() }
    }

    /// The wall clock steps by `delta` (negative: back); the monotonic clock does not move.
    public func stepWall(by delta: Duration) { state.withLock { $0.wall = $0.wall.addingTimeInterval(delta.timeInterval) } }

    /// The wall clock is set to `date` (as `date -s` or a time sync would); the monotonic clock
    /// does not move.
    public func setWall(_ date: Date) { state.withLock { $0.wall = date } }

    /// The number of tasks sleeping on this clock now.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// The earliest deadline a task sleeps until, if any.
    public var earliestDeadline: ContinuousClock.Instant? { state.withLock { $0.sleepers.map(\.deadline).min() } }

    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        let id: Int? = state.withLock { s in
            guard s.monotonic < deadline else { return nil }
            s.nextID += 1
            return s.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                enum Now { case wait, resume, cancel }
                let now: Now = state.withLock { s in
                    if s.cancelled.remove(id) != nil { return .cancel }
                    if s.monotonic >= deadline { return .resume }
                    s.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: c))
                    return .wait
                }
                switch now {
                case .wait: break
                case .resume: c.resume()
                case .cancel: c.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            let c: CheckedContinuation<Void, any Error>? = state.withLock { s in
                if let i = s.sleepers.firstIndex(where: { $0.id == id }) { return s.sleepers.remove(at: i).continuation }
                s.cancelled.insert(id)
                return nil
            }
            c?.resume(throwing: CancellationError())
        }
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval` (for `Date` arithmetic).
    var timeInterval: TimeInterval {
        let c = components
        return TimeInterval(c.seconds) + TimeInterval(c.attoseconds) * 1e-18
    }

    /// A `TimeInterval` as a duration.
    static func interval(_ seconds: TimeInterval) -> Duration { .nanoseconds(Int64((seconds * 1e9).rounded())) }
}
