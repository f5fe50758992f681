import Foundation
import GRDB
import GRDBSQLite

/// Appends measurements and events to the chain inside one write transaction: reads the chain
/// head once, then gives each row the next `seq`, encodes it (``CanonicalRecord``), hashes it
/// after the previous one and inserts it.
///
/// The inserts are statements prepared once per connection (GRDB's cached statements), bound
/// and stepped through the SQLite C API: no SQL parsed and no array of values built per row.
struct ChainAppender {
    let db: Database
    let path: String
    private(set) var seq: Int64
    private(set) var head: ChainHash
    private var record = CanonicalRecord(tag: CanonicalRecord.measurementTag)
    private let measurementInsert: BoundInsert
    private let eventInsert: BoundInsert

    init(_ db: Database, path: String) throws {
        self.db = db
        self.path = path
        (seq, head) = try LedgerStore.chainHead(db)
        measurementInsert = try BoundInsert(db, sql: """
            INSERT INTO measurement (seq, cabinet_id, kind, channel_id, start_unix, end_unix, energy_wh,
                source, burning_seconds, mean_level_tenths, register_wh, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        eventInsert = try BoundInsert(db, sql: """
            INSERT INTO event (seq, cabinet_id, at_unix, kind, subject, detail, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
    }

    /// Chains and inserts one measurement row.
    mutating func append(_ row: LedgerStore.MeasurementRow) throws {
        seq += 1
        record.reset(tag: CanonicalRecord.measurementTag)
        record.appendMeasurement(seq: seq, cabinet: row.cabinet, kind: row.kind, channel: row.channel, start: row.start,
                                 end: row.end, energyWh: row.energyWh, source: row.source, burningSeconds: row.burningSeconds,
                                 meanLevelTenths: row.meanLevelTenths, registerWh: row.registerWh)
        head = record.chained(after: head)
        let s = measurementInsert
        s.bind(1, seq); s.bind(2, row.cabinet); s.bind(3, row.kind); s.bind(4, row.channel)
        s.bind(5, row.start); s.bind(6, row.end); s.bind(7, row.energyWh); s.bind(8, row.source)
        s.bind(9, row.burningSeconds); s.bind(10, row.meanLevelTenths); s.bind(11, row.registerWh)
        s.bind(12, head)
        if let error = s.step(db) {
            throw failure(error, cabinetID: row.cabinet) { row.description }
        }
    }

    /// Chains and inserts one event.
    mutating func append(_ event: LedgerEvent) throws {
        seq += 1
        let at = LedgerStore.seconds(event.at)
        record.reset(tag: CanonicalRecord.eventTag)
        record.appendEvent(seq: seq, cabinet: event.cabinetID, at: at, kind: event.kind.rawValue, subject: event.subject,
                           detail: event.detail)
        head = record.chained(after: head)
        let s = eventInsert
        s.bind(1, seq); s.bind(2, event.cabinetID); s.bind(3, at); s.bind(4, event.kind.rawValue)
        s.bind(5, event.subject); s.bind(6, event.detail); s.bind(7, head)
        if let error = s.step(db) {
            throw failure(error, cabinetID: event.cabinetID) { "\(event.kind.rawValue) event at \(LedgerStore.iso(at))" }
        }
    }

    /// A constraint violation as the ledger error a caller can act on; any other failure as is.
    private func failure(_ error: DatabaseError, cabinetID: String, record: () -> String) -> any Error {
        guard error.resultCode == .SQLITE_CONSTRAINT else { return error }
        return LedgerStore.constraintError(error, path: path, cabinetID: cabinetID, interval: record())
    }
}

/// A cached INSERT statement, bound and stepped through the SQLite C API.
///
/// Text and blob values are copied into a buffer of its own and bound from there without
/// another copy (`SQLITE_STATIC`): SQLite would otherwise allocate, copy and free each value
/// of each row (`SQLITE_TRANSIENT`). They stay in the buffer until the row is inserted; a
/// value that does not fit is bound as a copy.
final class BoundInsert {
    /// Held so that the statement GRDB caches stays alive while it is used.
    private let statement: Statement
    private let raw: SQLiteStatement
    private let values = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 8)
    private var used = 0

    init(_ db: Database, sql: String) throws {
        statement = try db.cachedStatement(sql: sql)
        raw = statement.sqliteStatement
        sqlite3_reset(raw)
    }

    deinit {
        // The cached statement outlives this buffer: leave it no pointer into it.
        sqlite3_clear_bindings(raw)
        values.deallocate()
    }

    func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(raw, index, value) }

    func bind(_ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(raw, index, value) } else { sqlite3_bind_null(raw, index) }
    }

    func bind(_ index: Int32, _ value: String) {
        var value = value
        value.withUTF8 { utf8 -> Void in
            let count = Int32(utf8.count)
            if let kept = keep(UnsafeRawBufferPointer(utf8)) {
                sqlite3_bind_text(raw, index, kept.assumingMemoryBound(to: CChar.self), count, nil)
            } else {
                sqlite3_bind_text(raw, index, utf8.baseAddress, count, SQLITE_TRANSIENT_VALUE)
            }
        }
    }

    func bind(_ index: Int32, _ hash: ChainHash) {
        hash.bytes.withUnsafeBytes { bytes -> Void in
            if let kept = keep(bytes) {
                sqlite3_bind_blob(raw, index, kept, Int32(bytes.count), nil)
            } else {
                sqlite3_bind_blob(raw, index, bytes.baseAddress, Int32(bytes.count), SQLITE_TRANSIENT_VALUE)
            }
        }
    }

    /// Copies `bytes` into the buffer, where they stay until the row is inserted; nil when
    /// they do not fit.
    private func keep(_ bytes: UnsafeRawBufferPointer) -> UnsafeMutableRawPointer? {
        guard let base = values.baseAddress, used + bytes.count <= values.count else { return nil }
        let start = base + used
        if let source = bytes.baseAddress { start.copyMemory(from: source, byteCount: bytes.count) }
        used += bytes.count
        return start
    }

    /// Inserts the bound row and resets the statement for the next one; the error, with
    /// SQLite's extended code and message, when the insert failed.
    func step(_ db: Database) -> DatabaseError? {
        let code = sqlite3_step(raw)
        defer {
            sqlite3_reset(raw)
            used = 0
        }
        guard code != SQLITE_DONE else { return nil }
        let connection = db.sqliteConnection
        return DatabaseError(resultCode: ResultCode(rawValue: sqlite3_extended_errcode(connection)),
                             message: String(cString: sqlite3_errmsg(connection)))
    }
}
