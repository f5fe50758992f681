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
        try read { db in try ChainWalker(db: db).walk(progress: progress) }
    }
}

/// Merges the measurement and event tables in seq order and recomputes the chain, reading
/// columns straight from SQLite (no per-row allocation beyond the hash input buffer).
struct ChainWalker {
    let db: Database

    func walk(progress: (Int64, Int64) -> Void) throws -> ChainVerification {
        let total = try Int64.fetchOne(db, sql: "SELECT (SELECT count(*) FROM measurement) + (SELECT count(*) FROM event)") ?? 0
        let m = try RawStatement(db, """
            SELECT seq, cabinet_id, kind, channel_id, start_unix, end_unix, energy_wh, source,
                   burning_seconds, mean_level_tenths, register_wh, hash FROM measurement ORDER BY seq
            """)
        let e = try RawStatement(db, "SELECT seq, cabinet_id, at_unix, kind, subject, detail, hash FROM event ORDER BY seq")
        var result = ChainVerification(records: 0, measurements: 0, events: 0, head: .genesis, problem: nil)
        var mRow = try m.step(), eRow = try e.step()
        var previous = ChainHash.genesis
        var expected: Int64 = 1
        var record = CanonicalRecord(tag: 0)
        while mRow || eRow {
            let mSeq = mRow ? m.int(0) : Int64.max, eSeq = eRow ? e.int(0) : Int64.max
            let fromMeasurement = mSeq <= eSeq
            let seq = min(mSeq, eSeq)
            let statement = fromMeasurement ? m : e
            func describe() -> String {
                fromMeasurement ? Self.describeMeasurement(m) : Self.describeEvent(e)
            }
            if mSeq == eSeq {
                result.problem = ChainProblem(kind: .duplicate, seq: seq, record: describe())
                return result
            }
            if seq != expected {
                result.problem = ChainProblem(kind: seq > expected ? .missing(from: expected, to: seq - 1) : .duplicate,
                                              seq: seq, record: describe())
                return result
            }
            if fromMeasurement {
                record.reset(tag: CanonicalRecord.measurementTag)
                record.integer(m.int(0))
                for column: Int32 in [1, 2, 3] { record.text(bytes: m.textPointer(column), count: m.byteCount(column)) }
                for column: Int32 in [4, 5, 6] { record.integer(m.int(column)) }
                record.text(bytes: m.textPointer(7), count: m.byteCount(7))
                for column: Int32 in [8, 9, 10] { record.integer(m.isNull(column) ? nil : m.int(column)) }
            } else {
                record.reset(tag: CanonicalRecord.eventTag)
                record.integer(e.int(0))
                record.text(bytes: e.textPointer(1), count: e.byteCount(1))
                record.integer(e.int(2))
                for column: Int32 in [3, 4, 5] { record.text(bytes: e.textPointer(column), count: e.byteCount(column)) }
            }
            let computed = record.chained(after: previous)
            let hashColumn: Int32 = fromMeasurement ? 11 : 6
            guard statement.blobEquals(hashColumn, computed.bytes) else {
                result.problem = ChainProblem(kind: .altered, seq: seq, record: describe())
                return result
            }
            previous = computed
            result.head = computed
            result.records += 1
            if fromMeasurement { result.measurements += 1; mRow = try m.step() } else { result.events += 1; eRow = try e.step() }
            expected += 1
            if result.records & 0xFFFF == 0 { progress(result.records, total) }
        }
        progress(result.records, total)
        return result
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
                SELECT hash FROM measurement WHERE seq = ? UNION ALL SELECT hash FROM event WHERE seq = ?
                """, arguments: [seq, seq])
            return stored == hash.data
        }
    }
}
