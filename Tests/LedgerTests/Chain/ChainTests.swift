import Foundation
import GRDB
import Lighting
@testable import Ledger
import Testing
import Units

/// A ledger in a fresh temporary directory with a day of intervals for two circuits, an
/// inverter and a meter, and a few events.
func chainedLedger() throws -> (LedgerStore, URL) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-chain-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let store = try LedgerStore.open(path: dir.appendingPathComponent("ledger.sqlite").path)
    try store.declare(site: CabinetRecord(id: "cab", name: "Cabinet", latitude: 49.6, longitude: 2.5, timeZone: "Europe/Paris"))
    var register: Int64 = 1_000
    for k in 0..<96 {
        let start = Date(timeIntervalSince1970: 1_767_225_600 + Double(k) * 900), end = start.addingTimeInterval(900)
        var batch = LedgerBatch()
        for c in ["c1", "c2"] {
            batch.circuits.append(CircuitInterval(cabinetID: "cab", circuitID: c, start: start, end: end, energyWh: Int64(100 + k),
                                                  source: .estimated, burningSeconds: 900, meanLevel: DimLevel(percent: 80)!))
        }
        batch.production.append(ProductionInterval(cabinetID: "cab", inverterID: "inv", start: start, end: end, energyWh: Int64(k)))
        register += Int64(200 + 2 * k)
        batch.meters.append(MeterReading(cabinetID: "cab", meterID: "m", start: start, end: end, registerWh: register,
                                         energyWh: Int64(200 + 2 * k), source: .metered))
        if k % 24 == 0 {
            batch.events.append(LedgerEvent(cabinetID: "cab", at: start, kind: .switching, subject: "c1", detail: "level 50 %: plan"))
        }
        try store.append(batch)
    }
    return (store, dir)
}

func execute(_ store: LedgerStore, _ sql: String) throws {
    let queue = try DatabaseQueue(path: store.path)
    try queue.write { try $0.execute(sql: sql) }
    try queue.close()
}

@Suite struct HashChain {
    @Test func aWrittenLedgerIsSound() throws {
        let (store, dir) = try chainedLedger()
        defer { try? FileManager.default.removeItem(at: dir) }
        let v = try store.verifyChain()
        #expect(v.isSound)
        #expect(v.records == 1 + 96 * 4 + 4 && v.events == 4 && v.declarations == 1)
        // The head is the hash of the last record.
        let last = try DatabaseQueue(path: store.path).read {
            try Data.fetchOne($0, sql: "SELECT hash FROM (SELECT seq, hash FROM measurement UNION ALL SELECT seq, hash FROM event UNION ALL SELECT seq, hash FROM declaration) ORDER BY seq DESC LIMIT 1")
        }
        #expect(v.head.hex == ChainHash(data: try #require(last))?.hex)
    }

    @Test func anEditIsFoundAndNamed() throws {
        let (store, dir) = try chainedLedger()
        defer { try? FileManager.default.removeItem(at: dir) }
        try execute(store, "UPDATE measurement SET energy_wh = energy_wh - 1 WHERE kind = 'circuit' AND channel_id = 'c2' AND start_unix = 1767225600 + 900 * 10")
        let p = try #require(try store.verifyChain().problem)
        #expect(p.kind == .altered)
        #expect(p.description == "record \(p.seq) (circuit c2 of cabinet cab, interval starting 2026-01-01T02:30:00Z) does not match its hash: it was altered, or records before it were")
    }

    @Test func anEditWithItsHashRecomputedBreaksTheNextRecord() throws {
        let (store, dir) = try chainedLedger()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A forger who edits a record and recomputes its own hash still breaks its successor.
        let seq = try DatabaseQueue(path: store.path).read { try Int64.fetchOne($0, sql: "SELECT seq FROM measurement WHERE kind = 'production' AND start_unix = 1767225600 + 900 * 50")! }
        let forged = try DatabaseQueue(path: store.path).read { db -> Data in
            let previous = try Data.fetchOne(db, sql: "SELECT hash FROM measurement WHERE seq = ?", arguments: [seq - 1])!
            let row = try Row.fetchOne(db, sql: "SELECT * FROM measurement WHERE seq = ?", arguments: [seq])!
            let record = CanonicalRecord.measurement(seq: seq, cabinet: row["cabinet_id"], kind: row["kind"], channel: row["channel_id"],
                                                     start: row["start_unix"], end: row["end_unix"], energyWh: 9_999, source: row["source"],
                                                     burningSeconds: row["burning_seconds"], meanLevelTenths: row["mean_level_tenths"],
                                                     registerWh: row["register_wh"])
            return record.chained(after: ChainHash(data: previous)!).data
        }
        let queue = try DatabaseQueue(path: store.path)
        try queue.write { try $0.execute(sql: "UPDATE measurement SET energy_wh = 9999, hash = ? WHERE seq = ?", arguments: [forged, seq]) }
        try queue.close()
        let p = try #require(try store.verifyChain().problem)
        #expect(p.kind == .altered && p.seq == seq + 1)
    }

    @Test func aDeletionIsFound() throws {
        let (store, dir) = try chainedLedger()
        defer { try? FileManager.default.removeItem(at: dir) }
        try execute(store, "DELETE FROM measurement WHERE seq IN (100, 101)")
        let p = try #require(try store.verifyChain().problem)
        #expect(p.kind == .missing(from: 100, to: 101) && p.seq == 102)
        #expect(p.description.hasPrefix("records 100 to 101 are missing (deleted) before record 102"))
    }

    @Test func anInsertionOrAReorderingIsFound() throws {
        let (store, dir) = try chainedLedger()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Swap the energies of two records (a reordering of their contents).
        try execute(store, """
            UPDATE measurement SET energy_wh = CASE seq WHEN 12 THEN (SELECT energy_wh FROM measurement WHERE seq = 13)
                                                        ELSE (SELECT energy_wh FROM measurement WHERE seq = 12) END
            WHERE seq IN (12, 13)
            """)
        #expect(try store.verifyChain().problem?.seq == 12)
        let (other, dir2) = try chainedLedger()
        defer { try? FileManager.default.removeItem(at: dir2) }
        try execute(other, "INSERT INTO event (seq, cabinet_id, at_unix, kind, subject, detail, hash) SELECT 7, cabinet_id, at_unix, kind, subject, detail, hash FROM event LIMIT 1")
        let p = try #require(try other.verifyChain().problem)
        #expect(p.kind == .duplicate && p.seq == 7)
    }

    @Test func aFailedBatchLeavesTheChainAsItWas() throws {
        let (store, dir) = try chainedLedger()
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = try store.verifyChain()
        let start = Date(timeIntervalSince1970: 1_767_225_600)
        let duplicate = CircuitInterval(cabinetID: "cab", circuitID: "c1", start: start, end: start.addingTimeInterval(900), energyWh: 1,
                                        source: .estimated, burningSeconds: 0, meanLevel: .off)
        #expect(throws: LedgerError.self) {
            try store.append(LedgerBatch(events: [LedgerEvent(cabinetID: "cab", at: start, kind: .fault, subject: "x", detail: "")],
                                         ).withCircuits([duplicate]))
        }
        let after = try store.verifyChain()
        #expect(after.isSound && after.records == before.records && after.head == before.head)
    }

    @Test func aSchemaOneLedgerIsMigratedAndChained() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-v1-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("old.sqlite").path
        // Write a schema-1 file as the first release did.
        let queue = try DatabaseQueue(path: path)
        try LedgerSchema.migrator.migrate(queue, upTo: "v1")
        try queue.write { db in
            try db.execute(sql: "INSERT INTO cabinet (id, name, latitude, longitude, time_zone) VALUES ('cab', 'C', 49.6, 2.5, 'Europe/Paris')")
            for k in 0..<4 {
                try db.execute(sql: """
                    INSERT INTO circuit_interval (cabinet_id, circuit_id, start_unix, end_unix, energy_wh, source, burning_seconds, mean_level_tenths)
                    VALUES ('cab', 'c1', ?, ?, ?, 'estimated', 900, 1000)
                    """, arguments: [1_767_225_600 + 900 * k, 1_767_225_600 + 900 * (k + 1), 10 * k])
                try db.execute(sql: "INSERT INTO production_interval (cabinet_id, inverter_id, start_unix, end_unix, energy_wh) VALUES ('cab', 'inv', ?, ?, 5)",
                               arguments: [1_767_225_600 + 900 * k, 1_767_225_600 + 900 * (k + 1)])
            }
        }
        try queue.close()
        let store = try LedgerStore.open(path: path)
        #expect(try store.schemaVersion() == 3)
        #expect(try store.appliedMigrations() == ["v1", "v2", "v3"])
        let v = try store.verifyChain()
        #expect(v.isSound && v.measurements == 8)
        let totals = try store.totals(from: Date(timeIntervalSince1970: 1_767_225_600), to: Date(timeIntervalSince1970: 1_767_229_200))
        #expect(totals.lighting == Energy(wattHours: 60) && totals.production == Energy(wattHours: 20))
        // The chain goes on from the migrated records.
        try store.append(LedgerBatch(events: [LedgerEvent(cabinetID: "cab", at: Date(), kind: .ledger, subject: "migrated", detail: "")]))
        // Migration to schema 3 chained the site and an event saying it was not chained before.
        let after = try store.verifyChain()
        #expect(after.isSound && after.records == 11 && after.declarations == 1 && after.events == 2)
    }
}

extension LedgerBatch {
    func withCircuits(_ c: [CircuitInterval]) -> LedgerBatch {
        var b = self
        b.circuits = c
        return b
    }
}

@Suite struct SchemaTwoMigration {
    @Test func declarationsAreChainedAndThePlantedKeyIsNotCarriedOver() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-v2-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("v2.sqlite").path
        // A schema-2 ledger as the previous release wrote it: cabinet and circuit tables
        // updated in place, outside the chain, with a registered public key.
        let queue = try DatabaseQueue(path: path)
        try LedgerSchema.migrator.migrate(queue, upTo: "v2")
        let start: Int64 = 1_767_225_600
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO cabinet (id, name, latitude, longitude, time_zone, public_key, currency, price_per_kwh)
                VALUES ('cab', 'Cabinet', 49.6, 2.5, 'Europe/Paris', '\(String(repeating: "ab", count: 32))', 'EUR', '0.18');
                INSERT INTO circuit (cabinet_id, circuit_id, name, luminaires, rated_watts, legacy_watts, area_m2)
                VALUES ('cab', 'c1', 'Road', 10, 600, 1710, 2700);
                """)
            var previous = ChainHash.genesis
            for k in Int64(0)..<4 {
                previous = CanonicalRecord.measurement(seq: k + 1, cabinet: "cab", kind: "circuit", channel: "c1", start: start + 900 * k,
                                                       end: start + 900 * (k + 1), energyWh: 100, source: "estimated", burningSeconds: 900,
                                                       meanLevelTenths: 1000, registerWh: nil).chained(after: previous)
                try db.execute(sql: """
                    INSERT INTO measurement (seq, cabinet_id, kind, channel_id, start_unix, end_unix, energy_wh, source, burning_seconds,
                        mean_level_tenths, register_wh, hash) VALUES (?, 'cab', 'circuit', 'c1', ?, ?, 100, 'estimated', 900, 1000, NULL, ?)
                    """, arguments: [k + 1, start + 900 * k, start + 900 * (k + 1), previous.data])
            }
        }
        try queue.close()
        let store = try LedgerStore.open(path: path)
        let v = try store.verifyChain()
        #expect(v.isSound && v.measurements == 4 && v.declarations == 3 && v.events == 1 && v.keys.isEmpty && v.unsignedDeclarations == 3)
        let log = try store.declarationLog()
        #expect(log.entries.map(\.content.kind) == ["site", "tariff", "circuit"])
        #expect(log.entries.allSatisfy { $0.effective == start && !$0.signed })
        #expect(try store.circuits(cabinet: "cab").first?.legacyWatts == 1710)
        let event = try DatabaseQueue(path: path).read { try String.fetchOne($0, sql: "SELECT detail FROM event WHERE subject = 'migration'") }
        #expect(event?.contains("where they were not chained before") == true)
        #expect(event?.contains("is not carried over") == true)
        // The old tables are gone: nothing outside the chain feeds the figures.
        let columns = try DatabaseQueue(path: path).read { try Row.fetchAll($0, sql: "PRAGMA table_info(cabinet)").map { $0["name"] as String } }
        #expect(columns == ["id"])
        // The export prices the intervals at the migrated tariff.
        let (result, _, _) = try runExport(store, dir, ExportOptions(from: Date(timeIntervalSince1970: TimeInterval(start)),
                                                                     to: Date(timeIntervalSince1970: TimeInterval(start + 3600))))
        #expect(result.currency == "EUR" && result.rows == 4)
    }
}
