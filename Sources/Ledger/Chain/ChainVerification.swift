import Crypto
import Foundation
import GRDB
import GRDBSQLite

/// The outcome of walking a ledger's hash chain.
public struct ChainVerification: Sendable {
    /// Records checked (measurements and events).
    public var records: Int64
    public var measurements: Int64
    public var events: Int64
    public var declarations: Int64 = 0
    /// The ledger's signing keys, oldest first (the last signs now), when the chain is sound
    /// and its declarations pass their checks.
    public var keys: [DeclarationLog.KeyEpoch] = []
    /// Declarations written before the ledger had a signing key (unsigned).
    public var unsignedDeclarations = 0
    /// The hash of the last record checked: the chain head when the chain is sound.
    public var head: ChainHash
    /// The first problem found, if any; checking stops there.
    public var problem: ChainProblem?
    public var isSound: Bool { problem == nil }
}

/// What is wrong with a ledger's chain, naming the record.
public struct ChainProblem: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The stored hash does not match the record: it (or, when the stored hashes were
        /// recomputed by a forger, an earlier one) was edited.
        case altered
        /// Records are missing from the chain (deleted).
        case missing(from: Int64, to: Int64)
        /// Two records claim the same place in the chain.
        case duplicate
        /// A record cannot be read as a ledger record.
        case unreadable(String)
        /// A declaration's signature is missing or invalid, or a key rotation is not signed by
        /// the key it replaces.
        case badDeclaration(String)
    }
    public var kind: Kind
    /// The position in the chain.
    public var seq: Int64
    /// The record, in words: "circuit c2 of cabinet x, interval starting 2026-03-01T10:15:00Z".
    public var record: String

    public var description: String {
        switch kind {
        case .altered:
            return "record \(seq) (\(record)) does not match its hash: it was altered, or records before it were"
        case .missing(let a, let b):
            return a == b ? "record \(a) is missing (deleted) before record \(seq) (\(record))"
                : "records \(a) to \(b) are missing (deleted) before record \(seq) (\(record))"
        case .duplicate:
            return "record \(seq) appears twice (\(record)): records were inserted or copied"
        case .unreadable(let why):
            return "record \(seq) (\(record)) cannot be read: \(why)"
        case .badDeclaration(let why):
            return "record \(seq): \(why)"
        }
    }
}

extension LedgerStore {
    /// Walks the whole chain in order, recomputing every hash (docs/LEDGER.md).
    ///
    /// - Parameter progress: called every 65,536 records with (records checked, total).
    /// - Returns: the verification; a broken chain is a result (with `problem`), not an error.
    /// - Throws: ``LedgerError/readFailed(path:reason:)`` when SQLite fails.
    public func verifyChain(progress: @Sendable (Int64, Int64) -> Void = { _, _ in }) throws(LedgerError) -> ChainVerification {
        let path = self.path
        return try read { db in
            var result = try ChainWalker(db: db).walk(progress: progress)
            guard result.isSound else { return result }
            do {
                let log = try DeclarationLog.load(db, path: path)
                result.keys = log.keys
                result.unsignedDeclarations = log.unsignedCount
            } catch LedgerError.invalidDeclaration(_, let seq, let reason) {
                result.problem = ChainProblem(kind: .badDeclaration(reason), seq: seq, record: "")
            }
            return result
        }
    }
}

/// Merges the measurement, event and declaration tables in seq order and recomputes the chain, reading
/// columns straight from SQLite (no per-row allocation beyond the hash input buffer).
struct ChainWalker {
    let db: Database

    func walk(progress: (Int64, Int64) -> Void) throws -> ChainVerification {
        let total = try Int64.fetchOne(db, sql: """
            SELECT (SELECT count(*) FROM measurement) + (SELECT count(*) FROM event) + (SELECT count(*) FROM declaration)
            """) ?? 0
        let m = try RawStatement(db, """
            SELECT seq, cabinet_id, kind, channel_id, start_unix, end_unix, energy_wh, source,
                   burning_seconds, mean_level_tenths, register_wh, hash FROM measurement ORDER BY seq
            """)
        let e = try RawStatement(db, "SELECT seq, cabinet_id, at_unix, kind, subject, detail, hash FROM event ORDER BY seq")
        let d = try RawStatement(db, """
            SELECT seq, cabinet_id, effective_unix, kind, subject, body, signature, hash FROM declaration ORDER BY seq
            """)
        // The three tables, each read in seq order and merged.
        let tables = [m, e, d]
        let hashColumns: [Int32] = [11, 6, 7]
        var pending = try tables.map { try $0.step() }
        var result = ChainVerification(records: 0, measurements: 0, events: 0, head: .genesis, problem: nil)
        var previous = ChainHash.genesis
        var expected: Int64 = 1
        var record = CanonicalRecord(tag: 0)
        while pending.contains(true) {
            var source = -1, seq = Int64.max, duplicate = false
            for i in 0..<3 where pending[i] {
                let s = tables[i].int(0)
                if s < seq { seq = s; source = i; duplicate = false } else if s == seq { duplicate = true }
            }
            let statement = tables[source]
            func describe() -> String { Self.describe(statement, table: source) }
            if duplicate {
                result.problem = ChainProblem(kind: .duplicate, seq: seq, record: describe())
                return result
            }
            if seq != expected {
                result.problem = ChainProblem(kind: seq > expected ? .missing(from: expected, to: seq - 1) : .duplicate,
                                              seq: seq, record: describe())
                return result
            }
            switch source {
            case 0:
                record.reset(tag: CanonicalRecord.measurementTag)
                record.integer(m.int(0))
                for column: Int32 in [1, 2, 3] { record.text(bytes: m.textPointer(column), count: m.byteCount(column)) }
                for column: Int32 in [4, 5, 6] { record.integer(m.int(column)) }
                record.text(bytes: m.textPointer(7), count: m.byteCount(7))
                for column: Int32 in [8, 9, 10] { record.integer(m.isNull(column) ? nil : m.int(column)) }
            case 1:
                record.reset(tag: CanonicalRecord.eventTag)
                record.integer(e.int(0))
                record.text(bytes: e.textPointer(1), count: e.byteCount(1))
                record.integer(e.int(2))
                for column: Int32 in [3, 4, 5] { record.text(bytes: e.textPointer(column), count: e.byteCount(column)) }
            default:
                record.reset(tag: CanonicalRecord.declarationTag)
                record.integer(d.int(0))
                record.text(bytes: d.textPointer(1), count: d.byteCount(1))
                record.integer(d.int(2))
                for column: Int32 in [3, 4, 5] { record.text(bytes: d.textPointer(column), count: d.byteCount(column)) }
                if d.isNull(6) { record.null() } else { record.text(bytes: d.textPointer(6), count: d.byteCount(6)) }
            }
            let computed = record.chained(after: previous)
            guard statement.blobEquals(hashColumns[source], computed.bytes) else {
                result.problem = ChainProblem(kind: .altered, seq: seq, record: describe())
                return result
            }
            previous = computed
            result.head = computed
            result.records += 1
            switch source {
            case 0: result.measurements += 1
            case 1: result.events += 1
            default: result.declarations += 1
            }
            pending[source] = try statement.step()
            expected += 1
            if result.records & 0xFFFF == 0 { progress(result.records, total) }
        }
        progress(result.records, total)
        return result
    }

    static func describe(_ statement: RawStatement, table: Int) -> String {
        switch table {
        case 0: return describeMeasurement(statement)
        case 1: return describeEvent(statement)
        default:
            let subject = statement.string(4), cabinet = statement.string(1)
            return "\(statement.string(3)) declaration\(subject.isEmpty ? "" : " \(subject)")"
                + (cabinet.isEmpty ? "" : " of cabinet \(cabinet)") + ", effective \(LedgerStore.iso(statement.int(2)))"
        }
    }

    static func describeMeasurement(_ m: RawStatement) -> String {
        let kind = m.string(2), channel = m.string(3), cabinet = m.string(1)
        let start = LedgerStore.iso(m.int(4))
        switch kind {
        case "circuit": return "circuit \(channel) of cabinet \(cabinet), interval starting \(start)"
        case "production": return "production of \(channel) at cabinet \(cabinet), interval starting \(start)"
        default: return "\(kind) \(channel) of cabinet \(cabinet), interval starting \(start)"
        }
    }

    static func describeEvent(_ e: RawStatement) -> String {
        "\(e.string(3)) event of cabinet \(e.string(1)) at \(LedgerStore.iso(e.int(2)))"
    }
}

/// A prepared SQLite statement used directly through the C API, for the hot loops of
/// verification and export. Finalized on deinit.
final class RawStatement {
    let handle: OpaquePointer
    let db: Database

    init(_ db: Database, _ sql: String) throws {
        self.db = db
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(db.sqliteConnection, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
        }
        handle = statement
    }

    deinit { sqlite3_finalize(handle) }

    /// Steps to the next row; false at the end.
    func step() throws -> Bool {
        let code = sqlite3_step(handle)
        if code == SQLITE_ROW { return true }
        if code == SQLITE_DONE { return false }
        throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
    }

    func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(handle, index, value) }
    func bind(_ index: Int32, _ value: String) { sqlite3_bind_text(handle, index, value, -1, SQLITE_TRANSIENT_VALUE) }

    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    func textPointer(_ column: Int32) -> UnsafePointer<UInt8>? { sqlite3_column_text(handle, column) }
    func byteCount(_ column: Int32) -> Int { Int(sqlite3_column_bytes(handle, column)) }
    func string(_ column: Int32) -> String {
        guard let p = sqlite3_column_text(handle, column) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: p, count: byteCount(column)), as: UTF8.self)
    }
    func blobEquals(_ column: Int32, _ bytes: [UInt8]) -> Bool {
        guard sqlite3_column_type(handle, column) == SQLITE_BLOB, byteCount(column) == bytes.count,
              let p = sqlite3_column_blob(handle, column) else { return false }
        return bytes.withUnsafeBytes { memcmp($0.baseAddress!, p, bytes.count) == 0 }
    }
}

/// SQLITE_TRANSIENT (a macro that does not import): SQLite copies the bound value.
let SQLITE_TRANSIENT_VALUE = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

extension LedgerStore {
    /// The chain's last position and hash, read without walking the chain (for manifests).
    ///
    /// - Throws: ``LedgerError/readFailed(path:reason:)``.
    public func chainHeadForExport() throws(LedgerError) -> (records: Int64, hash: ChainHash) {
        try read { db in
            let (seq, hash) = try LedgerStore.chainHead(db)
            return (seq, hash)
        }
    }

    /// Whether the record at `seq` has `hash` (an export's chain head is still in the ledger).
    ///
    /// - Throws: ``LedgerError/readFailed(path:reason:)``.
    public func containsRecord(hash: ChainHash, seq: Int64) throws(LedgerError) -> Bool {
        try read { db in
            let stored = try Data.fetchOne(db, sql: """
                SELECT hash FROM measurement WHERE seq = ?1 UNION ALL SELECT hash FROM event WHERE seq = ?1
                UNION ALL SELECT hash FROM declaration WHERE seq = ?1
                """, arguments: [seq])
            return stored == hash.data
        }
    }
}
