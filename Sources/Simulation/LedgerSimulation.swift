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
    /// A new ledger gets its signing key now (the key file is written unless it exists) and its
    /// public half is chained; an existing ledger's key is read when its file is there (it signs
    /// what the cabinet file changed); a ledger without a key stays without one ('lanterne
    /// ledger key create' gives it one, explicitly).
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
        var newKey: (String, String, Bool)?
        let signer: Curve25519.Signing.PrivateKey?
        if try store.declarationLog().currentKey != nil {
            signer = FileManager.default.fileExists(atPath: keyPath) ? try SigningKeyFile.load(at: keyPath) : nil
        } else if isNew {
            let (key, written) = try SigningKeyFile.loadOrCreate(at: keyPath)
            try store.createSigningKey(key, effective: from)
            newKey = (KeyFingerprint(hex: key.publicKeyHex).text, keyPath, written)
            signer = key
        } else {
            signer = nil
        }
        var recorder = try LedgerRecorder(
            store: store, configuration: configuration, from: from,
            origin: .simulation(generator: generator, from: from, to: to, seed: seed), signer: signer)
        let report = try run(from: from, to: to, recorder: &recorder, progress: progress)
        try recorder.finish()
        try store.close()
        return LedgerSimulation(report: report, rows: recorder.rows, newKey: newKey)
    }
}
