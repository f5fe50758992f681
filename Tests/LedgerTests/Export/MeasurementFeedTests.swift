import Foundation
import GRDB
import Testing
@testable import Ledger

/// The export's reader thread hands over every row of the query, in order, with names that
/// resolve to the rows' ids; closed early, it stops and leaves the connection to its owner.
@Suite struct MeasurementFeedTests {
    static let sql = """
        SELECT start_unix, end_unix, cabinet_id, kind, channel_id, energy_wh, source, burning_seconds
        FROM measurement ORDER BY start_unix, cabinet_id, kind, channel_id
        """

    /// Three cabinets of three circuits, with production; 3,000 quarters: several chunks.
    static func ledger(in dir: TemporaryDirectory) throws -> LedgerStore {
        let store = try LedgerStore.open(path: dir.file("feed.sqlite"))
        let cabinets = ["north", "south", "west"]
        for id in cabinets {
            try store.declare(site: CabinetRecord(id: id, name: id, latitude: 49.6, longitude: 2.5, timeZone: "Europe/Paris"))
        }
        var batches: [LedgerBatch] = []
        for k in 0 ..< 3_000 {
            let start = Date(timeIntervalSince1970: 1_767_225_600 + Double(900 * k))
            let end = start.addingTimeInterval(900)
            var batch = LedgerBatch()
            for id in cabinets {
                for c in ["c1", "c2", k % 7 == 0 ? "late" : "c3"] {
                    batch.circuits.append(CircuitInterval(cabinetID: id, circuitID: c, start: start, end: end, energyWh: Int64(k % 50),
                                                          source: k % 11 == 0 ? .gap : .estimated, burningSeconds: 900, meanLevel: .full))
                }
                batch.production.append(ProductionInterval(cabinetID: id, inverterID: "pv", start: start, end: end, energyWh: 3))
            }
            batches.append(batch)
        }
        try store.append(contentsOf: batches)
        return store
    }

    @Test func everyRowArrivesInOrderWithItsNames() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try Self.ledger(in: dir)
        defer { try? store.close() }
        try store.pool.read { db in
            let expected = try Row.fetchAll(db, sql: Self.sql)
            let feed = MeasurementFeed(try RawStatement(db, Self.sql))
            defer { feed.close() }
            var rows = 0, chunks = 0
            while let chunk = try feed.next() {
                chunks += 1
                for i in 0 ..< chunk.count {
                    let e = expected[rows]
                    #expect(chunk.start[i] == e[0] as Int64)
                    #expect(chunk.end[i] == e[1] as Int64)
                    #expect(feed.cabinetNames[Int(chunk.cabinet[i])] == e[2] as String)
                    #expect(chunk.kind[i] == (e[3] as String).utf8.first)
                    #expect(feed.channelNames[Int(chunk.channel[i])] == e[4] as String)
                    #expect(chunk.energyWh[i] == e[5] as Int64)
                    #expect(chunk.source[i] == (e[6] as String).utf8.first)
                    #expect(chunk.burningSeconds[i] == (e[7] as Int64?) ?? 0)
                    rows += 1
                }
            }
            #expect(rows == expected.count)
            #expect(rows == 3_000 * 3 * 4)
            #expect(chunks > 4)   // more chunks than the feed keeps waiting
            #expect(try feed.next() == nil)   // the end stays the end
            #expect(Set(feed.cabinetNames) == ["north", "south", "west"])
            #expect(Set(feed.channelNames) == ["c1", "c2", "c3", "late", "pv"])
        }
    }

    @Test func closedEarlyTheFeedStopsAndTheConnectionIsFree() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try Self.ledger(in: dir)
        defer { try? store.close() }
        try store.pool.read { db in
            let feed = MeasurementFeed(try RawStatement(db, Self.sql))
            let first = try #require(try feed.next())
            #expect(first.count == MeasurementFeed.chunkRows)
            feed.close()
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM measurement") == 3_000 * 3 * 4)
        }
    }
}
