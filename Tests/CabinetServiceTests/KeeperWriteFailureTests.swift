import Cabinet
import CabinetService
import Controller
import Foundation
import GRDB
@testable import Ledger
import Logging
import Recording
import Testing

/// A ledger write that fails loses nothing: another process holds the ledger's write lock
/// (SQLite's `BEGIN EXCLUSIVE`) while an interval closes, so its write fails after the busy
/// timeout; the next interval recorded spans it, with its energy and its events.
@Suite(.serialized) struct KeeperWriteFailureTests {
    @Test func theNextIntervalSpansOneThatCouldNotBeWritten() async throws {
        let bed = try await PeerCabinet(id: "write-failure")
        defer { bed.remove() }
        let (peer, clock, inbox, loop) = (bed.peer, bed.clock, bed.inbox, bed.loop)
        let path = bed.dir.appendingPathComponent("ledger.sqlite").path
        let store = try LedgerStore.open(path: path)
        defer { try? store.close() }
        try peer.command("meter-set 12000")
        var keeper = try await bed.keeper(store: store, interval: 900)
        await loop.tick()

        try peer.command("meter-set 12000.3")
        clock.advance(by: .seconds(900))
        await keeper.close(at: clock.wallNow)   // 300 Wh, recorded

        // Another process takes the write lock: the next write fails after the busy timeout.
        let locker = Process()
        locker.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        locker.arguments = ["-c", "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1], isolation_level=None)\nc.execute('BEGIN EXCLUSIVE')\nprint('LOCKED', flush=True)\nsys.stdin.readline()", path]
        let toLocker = Pipe(), fromLocker = Pipe()
        locker.standardInput = toLocker
        locker.standardOutput = fromLocker
        try locker.run()
        #expect(String(decoding: fromLocker.fileHandleForReading.availableData, as: UTF8.self).hasPrefix("LOCKED"))
        try peer.command("meter-set 12000.5")
        inbox.post(ControlEvent(at: clock.wallNow, kind: .input(id: "door", kind: .door, active: true)))
        clock.advance(by: .seconds(900))
        await keeper.close(at: clock.wallNow)   // 200 Wh and the door: not written
        try toLocker.fileHandleForWriting.write(contentsOf: Data("\n".utf8))
        locker.waitUntilExit()

        try peer.command("meter-set 12000.6")
        clock.advance(by: .seconds(900))
        await keeper.close(at: clock.wallNow)   // spans both intervals: 300 Wh, with the door
        await bed.hardware.shutdown()

        let meters = try Self.rows(store, "SELECT end_unix - start_unix, energy_wh, register_wh FROM measurement WHERE kind = 'meter' ORDER BY start_unix")
            .map { [$0[0] as Int64, $0[1] as Int64, $0[2] as Int64] }
        #expect(meters.count == 2, "\(meters)")
        #expect(meters.map { $0[0] } == [900, 1800], "\(meters)")
        #expect(meters.allSatisfy { abs($0[1] - 300) <= 2 }, "\(meters)")   // 300 Wh a quarter-hour: plausible for 3,900 W
        #expect(meters[1][2] - meters[0][2] == meters[1][1], "consecutive registers: \(meters)")
        let shares = try Self.rows(store, "SELECT sum(energy_wh) FROM measurement WHERE kind = 'circuit' AND end_unix - start_unix = 1800")
        #expect(shares.first.map { $0[0] as Int64 } == meters[1][1])
        let doors = try Self.rows(store, "SELECT detail FROM event WHERE subject = 'door'").map { $0[0] as String }
        #expect(doors.contains("door door: open"), "\(doors)")
        #expect(try store.verifyChain().isSound)
    }

    static func rows(_ store: LedgerStore, _ sql: String) throws -> [Row] {
        try store.pool.read { db in try Row.fetchAll(db, sql: sql) }
    }
}
