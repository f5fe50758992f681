import Foundation
import Units
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
        try append(contentsOf: [batch])
    }

    /// Appends several batches in one transaction, one after the other: the records, their
    /// `seq` and their hashes are those that appending each batch in turn with ``append(_:)``
    /// would give; only the commits differ (one here). Either every batch is written or none.
    ///
    /// - Throws: as ``append(_:)``; every batch is validated before anything is written.
    public func append(contentsOf batches: [LedgerBatch]) throws(LedgerError) {
        var validated: [ValidatedBatch] = []
        validated.reserveCapacity(batches.count)
        for batch in batches where !batch.isEmpty { validated.append(try self.validated(batch)) }
        if validated.isEmpty { return }
        let path = self.path
        let rows = validated
        try write { db in try LedgerStore.insert(rows, db, path: path) }
    }

    /// Chains and inserts validated batches after the chain's current end, inside the caller's
    /// transaction.
    static func insert(_ batches: [ValidatedBatch], _ db: Database, path: String) throws {
        var chain = try ChainAppender(db, path: path)
        for batch in batches {
            for row in batch.measurements { try chain.append(row) }
            for event in batch.events { try chain.append(event) }
        }
    }

    /// The chain's head: the query is prepared once per connection (a cached statement).
    static func chainHead(_ db: Database) throws -> (Int64, ChainHash) {
        let statement = try db.cachedStatement(sql: """
            SELECT seq, hash FROM (
                SELECT seq, hash FROM measurement WHERE seq = (SELECT max(seq) FROM measurement)
                UNION ALL
                SELECT seq, hash FROM event WHERE seq = (SELECT max(seq) FROM event)
                UNION ALL
                SELECT seq, hash FROM declaration WHERE seq = (SELECT max(seq) FROM declaration)
            ) ORDER BY seq DESC LIMIT 1
            """)
        guard let row = try Row.fetchOne(statement) else { return (0, .genesis) }
        let data: Data = row[1]
        return (row[0], ChainHash(data: data) ?? .genesis)
    }

    /// A batch's rows, validated, in chain order: measurements (circuits, production, meters),
    /// then events.
    struct ValidatedBatch: Sendable {
        var measurements: [MeasurementRow] = []
        var events: [LedgerEvent] = []
    }

    /// Validates every record of `batch` and turns its intervals into measurement rows.
    func validated(_ batch: LedgerBatch) throws(LedgerError) -> ValidatedBatch {
        var out = ValidatedBatch()
        out.measurements.reserveCapacity(batch.circuits.count + batch.production.count + batch.meters.count)
        for r in batch.circuits {
            let b = try validated(r)
            out.measurements.append(MeasurementRow(
                cabinet: r.cabinetID, kind: "circuit", channel: r.circuitID, start: b.start, end: b.end, energyWh: r.energyWh,
                source: r.source.rawValue, burningSeconds: Int64(r.burningSeconds), meanLevelTenths: Int64(r.meanLevel.tenths),
                registerWh: nil))
        }
        for r in batch.production {
            let b = try validated(r)
            out.measurements.append(MeasurementRow(
                cabinet: r.cabinetID, kind: "production", channel: r.inverterID, start: b.start, end: b.end, energyWh: r.energyWh,
                source: EnergySource.metered.rawValue, burningSeconds: nil, meanLevelTenths: nil, registerWh: nil))
        }
        for r in batch.meters {
            let b = try validated(r)
            out.measurements.append(MeasurementRow(
                cabinet: r.cabinetID, kind: "meter", channel: r.meterID, start: b.start, end: b.end, energyWh: r.energyWh,
                source: r.source.rawValue, burningSeconds: nil, meanLevelTenths: nil, registerWh: r.registerWh))
        }
        for e in batch.events where e.cabinetID.isEmpty {
            throw .invalidRecord(path: path, record: "\(e.kind.rawValue) event", reason: "the cabinet id is empty")
        }
        out.events = batch.events
        return out
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
        // A gap may carry the register read after a reset (what counting resumes from); its
        // energy is still unknown. A reading always has its register.
        if record.source == .metered && record.registerWh == nil { throw fail("a metered reading has a register value") }
        if record.source == .gap && record.energyWh != 0 { throw fail("a gap has no energy (\(record.energyWh) Wh given)") }
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
        InstantText.isoUTC(Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
