import Dispatch

/// A serial executor backed by its own dispatch queue: an actor using it (one per GPIO chip,
/// one per Modbus line) runs every job — including blocking C calls — on that queue, never on
/// Swift's cooperative pool. Dispatch sources (edge events) can target the same queue and
/// enter the actor with `assumeIsolated`.
///
/// (`DispatchSerialQueue` cannot serve as an executor on Linux; this is the portable way.)
public final class DeviceExecutor: SerialExecutor, Sendable {
    /// The queue every job of the owning actor runs on.
    public let queue: DispatchQueue

    public init(label: String) {
        queue = DispatchQueue(label: label, qos: .userInitiated)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(complexEquality: self)
    }

    public func isSameExclusiveExecutionContext(other: DeviceExecutor) -> Bool { self === other }

    /// Traps unless the caller runs on this executor's queue (used by `assumeIsolated`).
    public func checkIsolated() {
        dispatchPrecondition(condition: .onQueue(queue))
    }
}
