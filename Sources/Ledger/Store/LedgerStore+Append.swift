import Foundation
import GRDB

extension LedgerStore {
    /// Appends a batch of intervals in one transaction: either every row is written or none.
    ///
    /// Instants are stored as whole seconds since the epoch (rounded to the nearest second).
    /// Inserts go through cached prepared statements; a batch of a year of hourly rows for a
    /// few hundred circuits is one call.
    ///
    /// - Throws:
    ///   - ``LedgerError/invalidRecord(path:record:reason:)`` before writing anything, when a
    ///     record has an empty id, an end not after its start, negative energy, or burning
    ///     seconds outside 0 ... its length;
    ///   - ``LedgerError/duplicateInterval(path:interval:)`` when an interval with the same
    ///     (cabinet, circuit or inverter, start) exists already or twice in the batch;
    ///   - ``LedgerError/unknownCabinet(path:cabinetID:)`` when a cabinet was never registered;
    ///   - ``LedgerError/writeFailed(path:reason:)`` when SQLite fails (disk full, I/O error).
    public func append(circuits: [CircuitInterval],
                       production: [ProductionInterval] = []) throws(LedgerError) {
        if circuits.isEmpty && production.isEmpty { return }
        let circuitRows = try circuits.map { record throws(LedgerError) in try validated(record) }
        let productionRows = try production.map { record throws(LedgerError) in
            try validated(record)
        }
        let path = self.path
        try write { db in
            if !circuitRows.isEmpty {
                let statement = try db.cachedStatement(sql: """
                    INSERT INTO circuit_interval (cabinet_id, circuit_id, start_unix, end_unix,
                        energy_wh, source, burning_seconds, mean_level_tenths)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for (record, row) in zip(circuits, circuitRows) {
                    statement.setUncheckedArguments([
                        record.cabinetID, record.circuitID, row.start, row.end, record.energyWh,
                        record.source.rawValue, record.burningSeconds, record.meanLevel.tenths,
                    ])
                    do {
                        try statement.execute()
                    } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                        throw LedgerStore.constraintError(
                            error, path: path, cabinetID: record.cabinetID,
                            interval: LedgerStore.describe(record, start: row.start))
                    }
                }
            }
            if !productionRows.isEmpty {
                let statement = try db.cachedStatement(sql: """
                    INSERT INTO production_interval (cabinet_id, inverter_id, start_unix, end_unix,
                        energy_wh)
                    VALUES (?, ?, ?, ?, ?)
                    """)
                for (record, row) in zip(production, productionRows) {
                    statement.setUncheckedArguments([
                        record.cabinetID, record.inverterID, row.start, row.end, record.energyWh,
                    ])
                    do {
                        try statement.execute()
                    } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                        throw LedgerStore.constraintError(
                            error, path: path, cabinetID: record.cabinetID,
                            interval: LedgerStore.describe(record, start: row.start))
                    }
                }
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
