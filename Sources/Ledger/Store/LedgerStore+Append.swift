import Foundation
import GRDB
import GRDBSQLite

/// What one transaction appends: typically everything about one interval (its circuits,
/// production, meter readings and the events that happened during it).
public struct LedgerBatch: Sendable {
    public var circuits: [CircuitInterval]
    public var production: [ProductionInterval]
    public var meters: [MeterReading]
    public var events: [LedgerEvent]
    public init(circuits: [CircuitInterval] = [], production: [ProductionInterval] = [],
                meters: [MeterReading] = [], events: [LedgerEvent] = []) {
        self.circuits = circuits
        self.production = production
        self.meters = meters
        self.events = events
    }
    public var isEmpty: Bool { circuits.isEmpty && production.isEmpty && meters.isEmpty && events.isEmpty }
    public var count: Int { circuits.count + production.count + meters.count + events.count }
}

extension LedgerStore {
    /// Appends a batch of intervals in one transaction: either every row is written or none.
    public func append(circuits: [CircuitInterval],
                       production: [ProductionInterval] = []) throws(LedgerError) {
        try append(LedgerBatch(circuits: circuits, production: production))
    }

    /// Appends a batch in one transaction, each row chained to the one before (seq order:
    /// circuits, production, meters, then events, each in the order given).
    ///
    /// Instants are stored as whole seconds since the epoch (rounded to the nearest second).
    ///
    /// - Throws:
    ///   - ``LedgerError/invalidRecord(path:record:reason:)`` before writing anything, when a
    ///     record has an empty id, an end not after its start, negative energy, or burning
    ///     seconds outside 0 ... its length;
    ///   - ``LedgerError/duplicateInterval(path:interval:)`` when an interval with the same
    ///     (start, cabinet, kind, circuit/inverter/meter) exists already or twice in the batch;
    ///   - ``LedgerError/unknownCabinet(path:cabinetID:)`` when a cabinet was never registered;
    ///   - ``LedgerError/writeFailed(path:reason:)`` when SQLite fails (disk full, I/O error).
    public func append(_ batch: LedgerBatch) throws(LedgerError) {
        if batch.isEmpty { return }
        var rows: [MeasurementRow] = []
        rows.reserveCapacity(batch.circuits.count + batch.production.count + batch.meters.count)
        for r in batch.circuits {
            let b = try validated(r)
            rows.append(MeasurementRow(cabinet: r.cabinetID, kind: "circuit", channel: r.circuitID, start: b.start, end: b.end,
                                       energyWh: r.energyWh, source: r.source.rawValue,
                                       burningSeconds: Int64(r.burningSeconds), meanLevelTenths: Int64(r.meanLevel.tenths),
                                       registerWh: nil))
        }
        for r in batch.production {
            let b = try validated(r)
            rows.append(MeasurementRow(cabinet: r.cabinetID, kind: "production", channel: r.inverterID, start: b.start, end: b.end,
                                       energyWh: r.energyWh, source: EnergySource.metered.rawValue,
                                       burningSeconds: nil, meanLevelTenths: nil, registerWh: nil))
        }
        for r in batch.meters {
            let b = try validated(r)
            rows.append(MeasurementRow(cabinet: r.cabinetID, kind: "meter", channel: r.meterID, start: b.start, end: b.end,
                                       energyWh: r.energyWh, source: r.source.rawValue, burningSeconds: nil,
                                       meanLevelTenths: nil, registerWh: r.registerWh))
        }
        let events = try batch.events.map { e throws(LedgerError) -> LedgerEvent in
            if e.cabinetID.isEmpty {
                throw .invalidRecord(path: self.path, record: "\(e.kind.rawValue) event", reason: "the cabinet id is empty")
            }
            return e
        }
        let path = self.path
        let measurements = rows
        try write { db in
            var (seq, previous) = try LedgerStore.chainHead(db)
            if !measurements.isEmpty {
                let statement = try db.cachedStatement(sql: """
                    INSERT INTO measurement (seq, cabinet_id, kind, channel_id, start_unix, end_unix, energy_wh,
                        source, burning_seconds, mean_level_tenths, register_wh, hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                let raw = statement.sqliteStatement
                var record = CanonicalRecord(tag: CanonicalRecord.measurementTag)
                for row in measurements {
                    seq += 1
                    record.reset(tag: CanonicalRecord.measurementTag)
                    record.appendMeasurement(seq: seq, cabinet: row.cabinet, kind: row.kind, channel: row.channel, start: row.start,
                                             end: row.end, energyWh: row.energyWh, source: row.source,
                                             burningSeconds: row.burningSeconds, meanLevelTenths: row.meanLevelTenths,
                                             registerWh: row.registerWh)
                    previous = record.chained(after: previous)
                    // Bound through the C API: no array of existentials per row.
                    sqlite3_reset(raw)
                    sqlite3_bind_int64(raw, 1, seq)
                    sqlite3_bind_text(raw, 2, row.cabinet, -1, SQLITE_TRANSIENT_VALUE)
                    sqlite3_bind_text(raw, 3, row.kind, -1, SQLITE_TRANSIENT_VALUE)
                    sqlite3_bind_text(raw, 4, row.channel, -1, SQLITE_TRANSIENT_VALUE)
                    sqlite3_bind_int64(raw, 5, row.start)
                    sqlite3_bind_int64(raw, 6, row.end)
                    sqlite3_bind_int64(raw, 7, row.energyWh)
                    sqlite3_bind_text(raw, 8, row.source, -1, SQLITE_TRANSIENT_VALUE)
                    for (i, v) in [(9, row.burningSeconds), (10, row.meanLevelTenths), (11, row.registerWh)] as [(Int32, Int64?)] {
                        if let v { sqlite3_bind_int64(raw, i, v) } else { sqlite3_bind_null(raw, i) }
                    }
                    _ = previous.bytes.withUnsafeBytes { sqlite3_bind_blob(raw, 12, $0.baseAddress, 32, SQLITE_TRANSIENT_VALUE) }
                    let code = sqlite3_step(raw)
                    if code != SQLITE_DONE {
                        let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
                        let extended = sqlite3_extended_errcode(db.sqliteConnection)
                        sqlite3_reset(raw)
                        let error = DatabaseError(resultCode: ResultCode(rawValue: extended), message: message)
                        if error.resultCode == .SQLITE_CONSTRAINT {
                            throw LedgerStore.constraintError(error, path: path, cabinetID: row.cabinet, interval: row.description)
                        }
                        throw error
                    }
                }
                sqlite3_reset(raw)
            }
            if !events.isEmpty {
                let statement = try db.cachedStatement(sql: """
                    INSERT INTO event (seq, cabinet_id, at_unix, kind, subject, detail, hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
                for e in events {
                    seq += 1
                    let at = LedgerStore.seconds(e.at)
                    previous = CanonicalRecord.event(seq: seq, cabinet: e.cabinetID, at: at, kind: e.kind.rawValue,
                                                     subject: e.subject, detail: e.detail).chained(after: previous)
                    statement.setUncheckedArguments([seq, e.cabinetID, at, e.kind.rawValue, e.subject, e.detail, previous.data])
                    do {
                        try statement.execute()
                    } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                        throw LedgerStore.constraintError(error, path: path, cabinetID: e.cabinetID,
                                                          interval: "\(e.kind.rawValue) event at \(LedgerStore.iso(at))")
                    }
                }
            }
        }
    }

    /// The last position and hash of the chain (0 and the genesis hash when empty).
    static func chainHead(_ db: Database) throws -> (Int64, ChainHash) {
        let row = try Row.fetchOne(db, sql: """
            SELECT seq, hash FROM (
                SELECT seq, hash FROM measurement WHERE seq = (SELECT max(seq) FROM measurement)
                UNION ALL
                SELECT seq, hash FROM event WHERE seq = (SELECT max(seq) FROM event)
                UNION ALL
                SELECT seq, hash FROM declaration WHERE seq = (SELECT max(seq) FROM declaration)
            ) ORDER BY seq DESC LIMIT 1
            """)
        guard let row else { return (0, .genesis) }
        let data: Data = row[1]
        return (row[0], ChainHash(data: data) ?? .genesis)
    }

    /// One measurement row, validated, before it gets its place in the chain.
    struct MeasurementRow: Sendable {
        var cabinet: String, kind: String, channel: String
        var start: Int64, end: Int64, energyWh: Int64, source: String
        var burningSeconds: Int64?, meanLevelTenths: Int64?, registerWh: Int64?

        /// The row in words, for error messages (built only when needed).
        var description: String {
            switch kind {
            case "circuit": return "circuit interval (cabinet \"\(cabinet)\", circuit \"\(channel)\", start \(LedgerStore.iso(start)))"
            case "production": return "production interval (cabinet \"\(cabinet)\", inverter \"\(channel)\", start \(LedgerStore.iso(start)))"
            default: return "meter reading (cabinet \"\(cabinet)\", meter \"\(channel)\", end \(LedgerStore.iso(end)))"
            }
        }
    }

    /// Whole-second bounds of a validated record.
    struct Bounds: Sendable {
        var start: Int64
        var end: Int64
    }

    private func validated(_ record: CircuitInterval) throws(LedgerError) -> Bounds {
        let bounds = Bounds(start: LedgerStore.seconds(record.start), end: LedgerStore.seconds(record.end))
        func fail(_ reason: String) -> LedgerError {
            .invalidRecord(path: path, record: LedgerStore.describe(record, start: bounds.start),
                           reason: reason)
        }
        if record.cabinetID.isEmpty { throw fail("the cabinet id is empty") }
        if record.circuitID.isEmpty { throw fail("the circuit id is empty") }
        if bounds.end <= bounds.start {
            throw fail("its end \(LedgerStore.iso(bounds.end)) is not after its start")
        }
        if record.energyWh < 0 { throw fail("negative energy \(record.energyWh) Wh") }
        let length = bounds.end - bounds.start
        if record.burningSeconds < 0 || Int64(record.burningSeconds) > length {
            throw fail("burning seconds \(record.burningSeconds) outside 0 ... \(length)")
        }
        return bounds
    }

    private func validated(_ record: MeterReading) throws(LedgerError) -> Bounds {
        let bounds = Bounds(start: LedgerStore.seconds(record.start), end: LedgerStore.seconds(record.end))
        func fail(_ reason: String) -> LedgerError {
            .invalidRecord(path: path, record: "meter reading (cabinet \"\(record.cabinetID)\", meter \"\(record.meterID)\", end \(LedgerStore.iso(bounds.end)))", reason: reason)
        }
        if record.cabinetID.isEmpty { throw fail("the cabinet id is empty") }
        if record.meterID.isEmpty { throw fail("the meter id is empty") }
        if bounds.end <= bounds.start { throw fail("its end is not after its start") }
        if record.energyWh < 0 { throw fail("negative energy \(record.energyWh) Wh") }
        if record.source == .estimated { throw fail("a meter reading is metered or a gap, never estimated") }
        if (record.registerWh == nil) != (record.source == .gap) { throw fail("a gap has no register value, a reading has one") }
        return bounds
    }

    private func validated(_ record: ProductionInterval) throws(LedgerError) -> Bounds {
        let bounds = Bounds(start: LedgerStore.seconds(record.start), end: LedgerStore.seconds(record.end))
        func fail(_ reason: String) -> LedgerError {
            .invalidRecord(path: path, record: LedgerStore.describe(record, start: bounds.start),
                           reason: reason)
        }
        if record.cabinetID.isEmpty { throw fail("the cabinet id is empty") }
        if record.inverterID.isEmpty { throw fail("the inverter id is empty") }
        if bounds.end <= bounds.start {
            throw fail("its end \(LedgerStore.iso(bounds.end)) is not after its start")
        }
        if record.energyWh < 0 { throw fail("negative energy \(record.energyWh) Wh") }
        return bounds
    }

    /// Maps a constraint violation on an insert to the ledger error a caller can act on.
    static func constraintError(_ error: DatabaseError, path: String, cabinetID: String,
                                interval: String) -> LedgerError {
        switch error.extendedResultCode {
        case .SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT_PRIMARYKEY:
            return .duplicateInterval(path: path, interval: interval)
        case .SQLITE_CONSTRAINT_FOREIGNKEY:
            return .unknownCabinet(path: path, cabinetID: cabinetID)
        default:
            return .writeFailed(path: path, reason: "\(interval): \(describe(error))")
        }
    }

    static func describe(_ record: CircuitInterval, start: Int64) -> String {
        "circuit interval (cabinet \"\(record.cabinetID)\", circuit \"\(record.circuitID)\", start \(iso(start)))"
    }

    static func describe(_ record: ProductionInterval, start: Int64) -> String {
        "production interval (cabinet \"\(record.cabinetID)\", inverter \"\(record.inverterID)\", start \(iso(start)))"
    }

    /// Seconds since the epoch, rounded to the nearest second.
    static func seconds(_ date: Date) -> Int64 {
        Int64(date.timeIntervalSince1970.rounded())
    }

    /// `2026-01-01T17:00:00Z`.
    static func iso(_ seconds: Int64) -> String {
        Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(.iso8601)
    }
}
