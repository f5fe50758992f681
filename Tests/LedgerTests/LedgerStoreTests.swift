import Foundation
import GRDB
import Ledger
import Lighting
import Testing
import Units

@Suite struct LedgerStoreTests {
    static let cabinet = CabinetRecord(id: "MTD-01", name: "Montdidier, rue de la Gare",
                                       latitude: 49.648, longitude: 2.570, timeZone: "Europe/Paris")
    static let t0 = Date(timeIntervalSince1970: 1_767_286_800)  // 2026-01-01T17:00:00Z

    static func hourly(_ circuit: String, hours: Range<Int>, wh: Int64 = 1_250,
                       cabinet: String = "MTD-01") -> [CircuitInterval] {
        hours.map { h in
            CircuitInterval(cabinetID: cabinet, circuitID: circuit,
                            start: t0.addingTimeInterval(Double(h) * 3600),
                            end: t0.addingTimeInterval(Double(h + 1) * 3600),
                            energyWh: wh, source: h % 2 == 0 ? .metered : .estimated,
                            burningSeconds: 3600, meanLevel: DimLevel(percent: 62.5)!)
        }
    }

    static func production(hours: Range<Int>, wh: Int64 = 300) -> [ProductionInterval] {
        hours.map { h in
            ProductionInterval(cabinetID: "MTD-01", inverterID: "pv-1",
                               start: t0.addingTimeInterval(Double(h) * 3600),
                               end: t0.addingTimeInterval(Double(h + 1) * 3600), energyWh: wh)
        }
    }

    @Test func roundTrip() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let ledger = try LedgerStore.open(path: dir.file("ledger.sqlite"))
        try ledger.declare(site: Self.cabinet)
        let written = Self.hourly("C1", hours: 0..<14)
        try ledger.append(circuits: written + Self.hourly("C2", hours: 0..<14),
                          production: Self.production(hours: 0..<3))
        let read = try ledger.circuitIntervals(cabinet: "MTD-01", circuit: "C1",
                                               from: Self.t0, to: Self.t0.addingTimeInterval(14 * 3600))
        #expect(read == written)
        #expect(try ledger.productionIntervals(cabinet: "MTD-01", inverter: "pv-1", from: .distantPast,
                                               to: .distantFuture) == Self.production(hours: 0..<3))
        #expect(try ledger.cabinets() == [Self.cabinet])
        try ledger.setMeta("montdidier-2026", forKey: "simulation")
        #expect(try ledger.meta("simulation") == "montdidier-2026")
        #expect(try ledger.meta("absent") == nil)
        #expect(try ledger.schemaVersion() == 3)
    }

    @Test func totalsAreExactAndPartitionByStart() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let ledger = try LedgerStore.open(path: dir.file("ledger.sqlite"))
        try ledger.declare(site: Self.cabinet)
        try ledger.declare(site: CabinetRecord(id: "MTD-02", name: "Place", latitude: 49.6,
                                                   longitude: 2.6, timeZone: "Europe/Paris"))
        try ledger.append(circuits: Self.hourly("C1", hours: 0..<48, wh: 1_001)
                          + Self.hourly("C1", hours: 0..<48, wh: 7, cabinet: "MTD-02"),
                          production: Self.production(hours: 0..<48, wh: 333))
        let all = try ledger.totals(from: .distantPast, to: .distantFuture)
        #expect(all.lighting == Energy(wattHours: 48 * 1_001 + 48 * 7))
        #expect(all.production == Energy(wattHours: 48 * 333))
        let one = try ledger.totals(from: .distantPast, to: .distantFuture, cabinetID: "MTD-02")
        #expect(one.lighting == Energy(wattHours: 48 * 7))
        #expect(one.production == .zero)
        // Split at an hour boundary and half-way through an hour: each interval counted once.
        for split in [Self.t0.addingTimeInterval(10 * 3600), Self.t0.addingTimeInterval(10.5 * 3600)] {
            let first = try ledger.totals(from: .distantPast, to: split)
            let second = try ledger.totals(from: split, to: .distantFuture)
            #expect(first.lighting + second.lighting == all.lighting)
            #expect(first.production + second.production == all.production)
        }
        let tenHours = try ledger.totals(from: Self.t0, to: Self.t0.addingTimeInterval(10 * 3600))
        #expect(tenHours.lighting == Energy(wattHours: 10 * 1_008))
    }

    @Test func duplicateIntervalIsRejectedAndTheBatchRolledBack() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("ledger.sqlite")
        let ledger = try LedgerStore.open(path: path)
        try ledger.declare(site: Self.cabinet)
        try ledger.append(circuits: Self.hourly("C1", hours: 0..<2))
        let error = #expect(throws: LedgerError.self) {
            try ledger.append(circuits: Self.hourly("C2", hours: 0..<5) + Self.hourly("C1", hours: 1..<2))
        }
        #expect(error?.description == "\(path) already holds circuit interval (cabinet \"MTD-01\", circuit \"C1\", start 2026-01-01T18:00:00Z); nothing from this batch was written")
        #expect(try ledger.circuitIntervals(cabinet: "MTD-01", circuit: "C2", from: .distantPast,
                                            to: .distantFuture).isEmpty)
        // A duplicate inside one batch is caught too.
        #expect(throws: LedgerError.self) {
            try ledger.append(circuits: [], production: Self.production(hours: 0..<1) + Self.production(hours: 0..<1))
        }
    }

    @Test func unknownCabinetAndInvalidRecordsAreRefused() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("ledger.sqlite")
        let ledger = try LedgerStore.open(path: path)
        let unknown = #expect(throws: LedgerError.self) { try ledger.append(circuits: Self.hourly("C1", hours: 0..<1)) }
        #expect(unknown == .unknownCabinet(path: path, cabinetID: "MTD-01"))
        #expect(unknown?.description == "\(path) has no cabinet \"MTD-01\"; declare its site before appending its intervals or declarations")

        try ledger.declare(site: Self.cabinet)
        var backwards = Self.hourly("C1", hours: 0..<1)[0]
        backwards.end = backwards.start
        let invalid = #expect(throws: LedgerError.self) { try ledger.append(circuits: [backwards]) }
        #expect(invalid?.description == "\(path): invalid circuit interval (cabinet \"MTD-01\", circuit \"C1\", start 2026-01-01T17:00:00Z): its end 2026-01-01T17:00:00Z is not after its start; nothing from this batch was written")
        var overBurnt = Self.hourly("C1", hours: 0..<1)[0]
        overBurnt.burningSeconds = 3601
        #expect(throws: LedgerError.self) { try ledger.append(circuits: [overBurnt]) }
        #expect(throws: LedgerError.self) {
            try ledger.declare(site: CabinetRecord(id: "X", name: "x", latitude: 91, longitude: 0, timeZone: "UTC"))
        }
        let reserved = #expect(throws: LedgerError.self) { try ledger.setMeta("9", forKey: "schema_version") }
        #expect(reserved?.description.contains("managed by the ledger itself") == true)
    }

    @Test func reopeningRunsNoMigrationTwice() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("ledger.sqlite")
        do {
            let ledger = try LedgerStore.open(path: path)
            try ledger.declare(site: Self.cabinet)
            try ledger.append(circuits: Self.hourly("C1", hours: 0..<3))
            #expect(try ledger.appliedMigrations() == ["v1", "v2", "v3"])
            // A second process or task may open the ledger while it is in use (WAL files present).
            let reader = try LedgerStore.open(path: path)
            #expect(try reader.totals(from: .distantPast, to: .distantFuture).lighting == Energy(wattHours: 3 * 1_250))
            try reader.close()
            try ledger.close()
        }
        let again = try LedgerStore.open(path: path)
        #expect(try again.appliedMigrations() == ["v1", "v2", "v3"])
        #expect(try again.schemaVersion() == 3)
        #expect(try again.totals(from: .distantPast, to: .distantFuture).lighting == Energy(wattHours: 3 * 1_250))
        try again.close()
        // Had a migration run again, its CREATE TABLE would have failed or emptied the tables.
        let dbQueue = try DatabaseQueue(path: path)
        let migrations = try dbQueue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM grdb_migrations") }
        #expect(migrations == 3)
        let appID = try dbQueue.read { db in try Int32.fetchOne(db, sql: "PRAGMA application_id") }
        #expect(appID == 0x4C4E_544E)
        let journal = try dbQueue.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")
    }

    @Test func newerSchemaIsRefusedAndLeftUntouched() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("ledger.sqlite")
        try LedgerStore.open(path: path).close()
        let dbQueue = try DatabaseQueue(path: path)
        try dbQueue.write { db in
            try db.execute(sql: "UPDATE ledger_meta SET value = '5' WHERE key = 'schema_version'")
        }
        try dbQueue.close()
        let error = #expect(throws: LedgerError.self) { try LedgerStore.open(path: path) }
        #expect(error == .schemaTooNew(path: path, found: 5, supported: 3))
        #expect(error?.description == "\(path) has schema version 5; this lanterne understands up to 3")
        let version = try DatabaseQueue(path: path).read { db in
            try String.fetchOne(db, sql: "SELECT value FROM ledger_meta WHERE key = 'schema_version'")
        }
        #expect(version == "5")
    }

    @Test func missingDirectoryGivesAClearError() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("no-such-dir/ledger.sqlite")
        let error = #expect(throws: LedgerError.self) { try LedgerStore.open(path: path) }
        #expect(error?.description == "cannot open or create ledger \(path): directory \(dir.path)/no-such-dir does not exist")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/no-such-dir"))
    }

    @Test func otherFilesAreNotLedgers() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let text = dir.file("notes.txt")
        try "not a database, but long enough to fill the first page of a database header....\n"
            .write(toFile: text, atomically: true, encoding: .utf8)
        let notSQLite = #expect(throws: LedgerError.self) { try LedgerStore.open(path: text) }
        #expect(notSQLite == .notALedger(path: text, reason: "the file is not an SQLite database"))

        let other = dir.file("other.sqlite")
        try DatabaseQueue(path: other).write { db in try db.execute(sql: "CREATE TABLE t (x)") }
        let foreign = #expect(throws: LedgerError.self) { try LedgerStore.open(path: other) }
        #expect(foreign?.description.hasPrefix("\(other) is not a Lanterne ledger: SQLite file without the Lanterne ledger marker") == true)
        let journal = try DatabaseQueue(path: other).read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journal == "delete")  // refused before anything was written, not even WAL mode

        let directory = #expect(throws: LedgerError.self) { try LedgerStore.open(path: dir.path) }
        #expect(directory == .cannotOpen(path: dir.path, reason: "it is a directory"))
    }

    /// Prints the insert rate; not asserted (timing goals belong to benchmarks).
    @Test func throughput() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let ledger = try LedgerStore.open(path: dir.file("ledger.sqlite"))
        try ledger.declare(site: Self.cabinet)
        // 20 circuits × 10,000 quarter-hours = 200,000 rows, appended in daily batches of 1,920.
        let quarter: TimeInterval = 900
        var rows: [CircuitInterval] = []
        rows.reserveCapacity(200_000)
        for slot in 0..<10_000 {
            for circuit in 0..<20 {
                let start = Self.t0.addingTimeInterval(Double(slot) * quarter)
                rows.append(CircuitInterval(cabinetID: "MTD-01", circuitID: "C\(circuit)", start: start,
                                            end: start + quarter, energyWh: 250, source: .metered,
                                            burningSeconds: 900, meanLevel: .full))
            }
        }
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            var index = 0
            while index < rows.count {
                let next = min(rows.count, index + 1_920)
                try ledger.append(circuits: Array(rows[index..<next]))
                index = next
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        print("ledger insert throughput: \(rows.count) rows in \(String(format: "%.3f", seconds)) s = \(Int(Double(rows.count) / seconds)) rows/s")
        #expect(try ledger.totals(from: .distantPast, to: .distantFuture).lighting == Energy(wattHours: 250 * 200_000))
    }
}
