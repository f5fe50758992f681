/// Why a ledger operation failed. Every message is one line that names the ledger file.
public enum LedgerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file could not be opened or created (missing directory, permissions, a directory in
    /// the way, a locked or read-only file...). `reason` says which.
    case cannotOpen(path: String, reason: String)
    /// The file exists but is not a Lanterne ledger (not SQLite, or SQLite without the ledger's
    /// marker and metadata). Lanterne never writes into such a file.
    case notALedger(path: String, reason: String)
    /// The file was written by a newer Lanterne whose schema this build does not understand.
    case schemaTooNew(path: String, found: Int, supported: Int)
    /// An appended interval has the same (cabinet, circuit or inverter, start) as one already
    /// recorded; the whole batch was rolled back. `interval` describes the duplicate.
    case duplicateInterval(path: String, interval: String)
    /// An appended interval names a cabinet that was never registered; the whole batch was
    /// rolled back.
    case unknownCabinet(path: String, cabinetID: String)
    /// A record is not valid (end not after start, negative energy, ...); nothing was written.
    case invalidRecord(path: String, record: String, reason: String)
    /// SQLite refused a write (disk full, I/O error, read-only file, ...); the transaction was
    /// rolled back.
    case writeFailed(path: String, reason: String)
    /// SQLite failed while reading.
    case readFailed(path: String, reason: String)
    /// A declaration fails its checks (unreadable body, missing or invalid signature, a key
    /// rotation not signed by the key it replaces): no figure is derived from the ledger.
    case invalidDeclaration(path: String, seq: Int64, reason: String)
    /// The signing key given is not the ledger's, or the ledger has none (or one already).
    case signingKey(path: String, reason: String)

    /// The ledger file the error is about.
    public var path: String {
        switch self {
        case .cannotOpen(let path, _), .notALedger(let path, _), .schemaTooNew(let path, _, _),
             .duplicateInterval(let path, _), .unknownCabinet(let path, _),
             .invalidRecord(let path, _, _), .writeFailed(let path, _), .readFailed(let path, _),
             .invalidDeclaration(let path, _, _), .signingKey(let path, _):
            return path
        }
    }

    /// One line, for example
    /// `ledger.sqlite has schema version 5; this lanterne understands up to 1`.
    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open or create ledger \(path): \(reason)"
        case .notALedger(let path, let reason):
            return "\(path) is not a Lanterne ledger: \(reason)"
        case .schemaTooNew(let path, let found, let supported):
            return "\(path) has schema version \(found); this lanterne understands up to \(supported)"
        case .duplicateInterval(let path, let interval):
            return "\(path) already holds \(interval); nothing from this batch was written"
        case .unknownCabinet(let path, let cabinetID):
            return "\(path) has no cabinet \"\(cabinetID)\"; declare its site before appending its intervals or declarations"
        case .invalidRecord(let path, let record, let reason):
            return "\(path): invalid \(record): \(reason); nothing from this batch was written"
        case .writeFailed(let path, let reason):
            return "cannot write to ledger \(path): \(reason)"
        case .readFailed(let path, let reason):
            return "cannot read ledger \(path): \(reason)"
        case .invalidDeclaration(let path, let seq, let reason):
            return "\(path): record \(seq), \(reason)"
        case .signingKey(let path, let reason):
            return "\(path): \(reason)"
        }
    }
}
