import Crypto
import Foundation
import Ledger
import Recording

/// A simulated run written into a ledger, as `lanterne simulate --ledger` does it.
public struct LedgerSimulation: Sendable {
    public var report: SimulationReport
    /// Records written (measurements, events, declarations).
    public var rows: Int
    /// The signing key given to a new ledger: its fingerprint, its file and whether that file
    /// was written now.
    public var newKey: (fingerprint: String, path: String, written: Bool)?
}

extension CabinetSimulator {
    /// Runs `[from, to)` into the ledger at `path` (created when missing), then closes it.
    ///
    /// The signing key as ``RunSigningKey/choose(store:isNew:keyPath:effective:)`` says: a new
    /// ledger gets one.
    ///
    /// - Throws: `LedgerError`, `ExportError` (key file), `LedgerRecorder.OverlapError` when the
    ///   ledger already holds the period, `LedgerRecorder.ProfileFileError`.
    public func run(from: Date, to: Date, ledger path: String, keyPath: String, generator: String,
                    progress: (Double) -> Void = { _ in }) throws -> LedgerSimulation {
        let isNew = !FileManager.default.fileExists(atPath: path)
        let store = try LedgerStore.open(path: path)
        do {
            return try run(from: from, to: to, store: store, isNew: isNew, keyPath: keyPath, generator: generator, progress: progress)
        } catch {
            try? store.close()   // a failed run still leaves the file whole on its own
            throw error
        }
    }

    func run(from: Date, to: Date, store: LedgerStore, isNew: Bool, keyPath: String, generator: String,
             progress: (Double) -> Void) throws -> LedgerSimulation {
        let (signer, newKey) = try RunSigningKey.choose(store: store, isNew: isNew, keyPath: keyPath, effective: from)
        var recorder = try LedgerRecorder(
            store: store, configuration: configuration, from: from,
            origin: .simulation(generator: generator, from: from, to: to, seed: seed), signer: signer)
        let report = try run(from: from, to: to, recorder: &recorder, progress: progress)
        try recorder.finish()
        try store.close()
        return LedgerSimulation(report: report, rows: recorder.rows, newKey: newKey)
    }
}
