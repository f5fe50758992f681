import Dispatch
import GRDB
import Synchronization

/// Appends batches on the ledger's writer thread while the caller goes on producing the next
/// ones: how a simulation keeps two cores busy, one simulating, one writing.
///
/// Each ``submit(_:)`` is one transaction, validated on the caller's thread, then chained and
/// inserted on the writer's as ``LedgerStore/append(contentsOf:)`` does it: the same records,
/// the same `seq`, the same hashes. Each transaction reads the chain's end when it begins, so a
/// write from elsewhere between two of them is chained in between, never forked.
///
/// A failed transaction is reported by the next ``submit(_:)`` or by ``finish()``, which the
/// caller must call before closing the store. Nothing after the failed transaction is written,
/// so the ledger then holds every batch submitted before it, whole and chained.
public final class AppendPipeline {
    public let store: LedgerStore
    /// The first failure of the writer; the transactions after it do nothing.
    private let failure = FirstFailure()
    /// Free places for transactions submitted and not yet written: bounds the memory a fast
    /// producer can fill while the writer catches up.
    private let places: DispatchSemaphore
    private let depth: Int
    /// The writer's `wal_autocheckpoint` before the pipeline raised it, restored by ``finish()``.
    private let autocheckpoint: Int

    /// WAL pages between two checkpoints while the pipeline writes: ten times SQLite's default,
    /// so that the pages every day rewrites (the last leaves of the table and of its key, and
    /// their parents) are copied into the file a tenth as often. The WAL grows to about 40 MB.
    static let pipelineAutocheckpoint = 10_000

    /// - Parameter depth: how many transactions may wait for the writer at once.
    /// - Throws: ``LedgerError/writeFailed(path:reason:)``.
    public init(store: LedgerStore, depth: Int = 4) throws(LedgerError) {
        self.store = store
        self.depth = max(1, depth)
        places = DispatchSemaphore(value: self.depth)
        autocheckpoint = try store.setAutocheckpoint(Self.pipelineAutocheckpoint)
    }

    /// Validates `batches`, then hands them to the writer as one transaction: all of them or
    /// none. Waits only when `depth` transactions are already waiting.
    ///
    /// - Throws: as ``LedgerStore/append(_:)`` for an invalid record (nothing of this call is
    ///   submitted then); the writer's failure of an earlier transaction.
    public func submit(_ batches: [LedgerBatch]) throws(LedgerError) {
        if let error = failure.error { throw error }
        var valid: [LedgerStore.ValidatedBatch] = []
        valid.reserveCapacity(batches.count)
        for batch in batches where !batch.isEmpty { valid.append(try store.validated(batch)) }
        if valid.isEmpty { return }
        places.wait()
        let store = self.store, failure = self.failure, places = self.places, rows = valid
        store.pool.asyncWrite({ db in
            if failure.error != nil { return }
            try LedgerStore.insert(rows, db, path: store.path)
        }, completion: { _, result in
            if case .failure(let error) = result { failure.record(store.writeError(error)) }
            places.signal()
        })
    }

    /// Waits until the writer has written (or refused) everything submitted, then gives the
    /// writer back its checkpoint interval.
    ///
    /// - Throws: the first failure of the writer.
    public func finish() throws(LedgerError) {
        for _ in 0 ..< depth { places.wait() }
        for _ in 0 ..< depth { places.signal() }
        if let error = failure.error { throw error }
        _ = try store.setAutocheckpoint(autocheckpoint)
    }
}

/// The first error of a writer thread, read by the thread that submits to it.
private final class FirstFailure: Sendable {
    private let first = Mutex<LedgerError?>(nil)
    var error: LedgerError? { first.withLock { $0 } }
    func record(_ error: LedgerError) { first.withLock { if $0 == nil { $0 = error } } }
}
