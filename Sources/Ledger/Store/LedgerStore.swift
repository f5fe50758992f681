import Foundation
import GRDB

/// The energy ledger: one SQLite file (WAL mode) holding cabinets, per-interval lighting
/// consumption and per-interval renewable production.
///
/// Open it with ``open(path:)``; append batches with ``append(circuits:production:)``; query
/// it with ``totals(from:to:cabinetID:)`` and ``circuitIntervals(cabinet:circuit:from:to:)``.
/// Safe to share between tasks: it wraps a GRDB `DatabasePool` (one writer, concurrent readers).
///
/// Durability: `synchronous = NORMAL` in WAL mode. A crash of the process loses nothing
/// committed; a power cut may lose the last committed transactions but never corrupts the file.
/// This keeps SD-card writes few.
public final class LedgerStore: Sendable {
    /// The path the ledger was opened with.
    public let path: String
    let pool: DatabasePool

    /// The highest schema version this build understands.
    public static var supportedSchemaVersion: Int { LedgerSchema.supportedVersion }

    private init(path: String, pool: DatabasePool) {
        self.path = path
        self.pool = pool
    }

    /// Opens the ledger at `path`, creating the file when it does not exist, and brings its
    /// schema up to date (GRDB migrations; each runs once per file).
    ///
    /// - Throws: ``LedgerError/cannotOpen(path:reason:)`` when the directory is missing or the
    ///   file cannot be opened or created; ``LedgerError/notALedger(path:reason:)`` for any
    ///   other SQLite or non-SQLite file; ``LedgerError/schemaTooNew(path:found:supported:)``
    ///   for a ledger written by a newer build (left untouched).
    public static func open(path: String) throws(LedgerError) -> LedgerStore {
        if try checkLocation(path) {
            // Look before writing: opening a pool would switch any SQLite file to WAL mode.
            try checkIdentity(path)
        }
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(5)
        config.label = "ledger"
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch let error as DatabaseError {
            switch error.resultCode {
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                throw .notALedger(path: path, reason: "the file is not an SQLite database")
            default:
                throw .cannotOpen(path: path, reason: describe(error))
            }
        } catch {
            throw .cannotOpen(path: path, reason: "\(error)")
        }
        do {
            try LedgerSchema.migrator.migrate(pool)
        } catch {
            throw .writeFailed(path: path, reason: "migration failed: \(describe(error))")
        }
        return LedgerStore(path: path, pool: pool)
    }

    /// Closes the file, leaving it whole on its own: no `-wal` or `-shm` beside it. Later calls
    /// on this store fail with a read or write error.
    ///
    /// The pool's last connection to close is one of its read-only readers, which SQLite does not
    /// let checkpoint the WAL or delete it; a read-write connection opened and closed after the
    /// pool is the last one, so SQLite folds the WAL into the file and removes both files.
    ///
    /// - Throws: ``LedgerError/writeFailed(path:reason:)`` when SQLite cannot close cleanly.
    public func close() throws(LedgerError) {
        do {
            try pool.close()
            try DatabaseQueue(path: path).close()
        } catch {
            throw .writeFailed(path: path, reason: LedgerStore.describe(error))
        }
    }

    /// The file's schema version (`ledger_meta.schema_version`).
    ///
    /// - Throws: ``LedgerError/readFailed(path:reason:)``.
    public func schemaVersion() throws(LedgerError) -> Int {
        guard let text = try meta("schema_version"), let version = Int(text) else {
            throw .readFailed(path: path, reason: "ledger_meta has no valid schema_version")
        }
        return version
    }

    /// The identifiers of the migrations applied to the file, in order (`["v1"]`).
    ///
    /// - Throws: ``LedgerError/readFailed(path:reason:)``.
    public func appliedMigrations() throws(LedgerError) -> [String] {
        try read { db in try LedgerSchema.migrator.appliedMigrations(db) }
    }

    // MARK: - Opening checks

    /// Fails early, with a precise reason, when the file cannot be where it is asked to be.
    /// Returns whether the file exists already.
    private static func checkLocation(_ path: String) throws(LedgerError) -> Bool {
        guard !path.isEmpty else { throw .cannotOpen(path: path, reason: "the path is empty") }
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                throw .cannotOpen(path: path, reason: "it is a directory")
            }
            return true
        }
        let directory = (path as NSString).deletingLastPathComponent
        let parent = directory.isEmpty ? "." : directory
        if !fm.fileExists(atPath: parent, isDirectory: &isDirectory) {
            throw .cannotOpen(path: path, reason: "directory \(parent) does not exist")
        }
        if !isDirectory.boolValue {
            throw .cannotOpen(path: path, reason: "\(parent) is not a directory")
        }
        return false
    }

    /// Accepts an existing file only when it is empty or a Lanterne ledger whose schema this
    /// build understands. Opens it read-only, so a foreign file is never modified.
    private static func checkIdentity(_ path: String) throws(LedgerError) {
        struct Identity: Sendable {
            var applicationID: Int32
            var tables: [String]
            var schemaVersion: String?
        }
        let identity: Identity
        do {
            var config = Configuration()
            config.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: config)
            identity = try queue.read { db in
                let appID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                let tables = try String.fetchAll(db, sql: """
                    SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
                    ORDER BY name
                    """)
                var version: String?
                if tables.contains("ledger_meta") {
                    version = try String.fetchOne(
                        db, sql: "SELECT value FROM ledger_meta WHERE key = 'schema_version'")
                }
                return Identity(applicationID: appID, tables: tables, schemaVersion: version)
            }
            try queue.close()
        } catch let error as DatabaseError
                    where error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT {
            throw .notALedger(path: path, reason: "the file is not an SQLite database")
        } catch {
            throw .cannotOpen(path: path, reason: describe(error))
        }
        if identity.applicationID == 0 && identity.tables.isEmpty { return }  // empty file
        guard identity.applicationID == LedgerSchema.applicationID else {
            let tables = identity.tables.isEmpty ? "no tables"
                : "tables " + identity.tables.prefix(5).joined(separator: ", ")
                    + (identity.tables.count > 5 ? ", ..." : "")
            throw .notALedger(
                path: path,
                reason: "SQLite file without the Lanterne ledger marker (application_id \(identity.applicationID), \(tables))")
        }
        guard let text = identity.schemaVersion, let version = Int(text) else {
            throw .notALedger(path: path, reason: "ledger_meta has no valid schema_version")
        }
        if version > LedgerSchema.supportedVersion {
            throw .schemaTooNew(path: path, found: version, supported: LedgerSchema.supportedVersion)
        }
    }

    // MARK: - Helpers shared by the extensions

    /// Runs a read, mapping every failure to ``LedgerError/readFailed(path:reason:)``.
    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws(LedgerError) -> T {
        do {
            return try pool.read(body)
        } catch let error as LedgerError {
            throw error
        } catch {
            throw .readFailed(path: path, reason: LedgerStore.describe(error))
        }
    }

    /// Runs a write transaction, passing ``LedgerError``s through and mapping other failures
    /// to ``LedgerError/writeFailed(path:reason:)``. The transaction is rolled back on error.
    func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws(LedgerError) -> T {
        do {
            return try pool.write(body)
        } catch {
            throw writeError(error)
        }
    }

    /// Sets the writer connection's `wal_autocheckpoint` (WAL pages between two automatic
    /// checkpoints) and returns the value it had.
    func setAutocheckpoint(_ pages: Int) throws(LedgerError) -> Int {
        do {
            return try pool.writeWithoutTransaction { db in
                let before = try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") ?? 1000
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(pages)")
                return before
            }
        } catch {
            throw writeError(error)
        }
    }

    /// A failed write as a ``LedgerError``: ledger errors as they are, others as
    /// ``LedgerError/writeFailed(path:reason:)``.
    func writeError(_ error: any Error) -> LedgerError {
        (error as? LedgerError) ?? .writeFailed(path: path, reason: LedgerStore.describe(error))
    }

    /// SQLite's own message for a GRDB error, without the SQL text.
    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return error.message ?? "\(error.resultCode)"
        }
        return "\(error)"
    }
}
