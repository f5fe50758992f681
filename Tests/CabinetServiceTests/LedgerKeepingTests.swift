import Cabinet
import CabinetService
import Controller
import Foundation
import GRDB
@testable import Ledger
import Lighting
import Logging
import ModbusTestSupport
import Testing

/// The ledger kept beside the control loop: the loop drives the test bed's cabinet peer (real
/// Modbus TCP) on a manual clock moved 15 minutes at a time; the test sets the meter's register
/// at each step (the peer's own counting is slowed down to nothing), so the energies do not
/// depend on how fast a loaded machine runs the test.
@Suite(.serialized) struct LedgerKeepingTests {
    @Test func intervalsFromTheRealMeterSplitBetweenCircuitsAndTheRunsEvents() async throws {
        let bed = try await PeerCabinet(id: "peer-cabinet")
        defer { bed.remove() }
        let (peer, dir, config, hardware, clock, inbox, loop) = (bed.peer, bed.dir, bed.config, bed.hardware, bed.clock, bed.inbox, bed.loop)
        await loop.tick()   // c1 and c2 on (k1 1,800 W, k2 1,200 W in the peer's model), c3 at 50 % (k3 on)
        let path = dir.appendingPathComponent("ledger.sqlite").path
        let keeping = LedgerKeeping(path: path, configuration: config, interval: 900, inbox: inbox,
                                    logger: Logger(label: "test"), generator: "lanterne test")
        let running = Task { await keeping.run(loop: loop) }
        // Wait for the recorder to start (the run's event in the ledger).
        var started = false
        for _ in 0 ..< 600 where !started {
            try await Task.sleep(for: .milliseconds(100))
            started = FileManager.default.fileExists(atPath: path)
                && ((try? LedgerStore.open(path: path).verifyChain().events) ?? 0) >= 2
        }
        #expect(started)
        // Three intervals of 975 Wh, 1,050 Wh and 0 Wh: the register as set at each boundary
        // (within the 1,073 Wh the circuits' 3,900 W can draw in 15 minutes, a tenth more).
        var kWh = 12_000.0
        for step in [0.975, 1.05, 0] {
            // The keeper sleeps on the manual clock until its boundary once it has read its
            // starting registers (the run's events are in the ledger before that read): set the
            // register, and move the clock, only then.
            var sleeping = false
            for _ in 0 ..< 1_200 where !sleeping {
                sleeping = clock.earliestDeadline != nil
                if !sleeping { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(sleeping)
            kWh += step
            try peer.command("meter-set \(kWh)")
            clock.advance(by: .seconds(900))
            await loop.tick()
            // The keeper wakes at the boundary, reads and records. (Up to a minute: other suites
            // running meanwhile can hold the cooperative threads for tens of seconds.)
            var recorded = false
            for _ in 0 ..< 1_200 where !recorded {
                try await Task.sleep(for: .milliseconds(50))
                recorded = (try? LedgerStore.open(path: path).lastIntervalEnd(cabinet: config.site.id)) == clock.wallNow
            }
            #expect(recorded, "the interval ending \(clock.wallNow) was not recorded")
        }
        // An event in the last, too short interval (the stop comes at the boundary just
        // recorded): recorded with the stop, not lost.
        inbox.post(ControlEvent(at: clock.wallNow, kind: .input(id: "door", kind: .door, active: true)))
        running.cancel()
        await running.value
        await hardware.shutdown()

        let store = try LedgerStore.open(path: path)
        defer { try? store.close() }
        let chain = try store.verifyChain()
        #expect(chain.isSound)
        let meters = try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT start_unix, end_unix, register_wh, energy_wh, source FROM measurement WHERE kind = 'meter' ORDER BY start_unix")
        }
        #expect(meters.count >= 3, "\(meters)")
        let metered = meters.filter { ($0[4] as String) == "metered" }
        #expect(metered.count >= 3, "\(meters)")
        // The register as set (a float32 of kWh: within 2 Wh).
        let energies = metered.prefix(3).map { $0[3] as Int64 }
        for (wh, expected) in zip(energies, [975, 1_050, 0] as [Int64]) { #expect(abs(wh - expected) <= 2, "\(energies)") }
        // The circuits' estimated shares sum to the meter's figure, interval by interval.
        for row in metered {
            let start: Int64 = row[0], wh: Int64 = row[3]
            let circuits = try store.pool.read { db in
                try Row.fetchAll(db, sql: "SELECT energy_wh, source FROM measurement WHERE kind = 'circuit' AND start_unix = ?", arguments: [start])
            }
            #expect(circuits.count == 3)
            #expect(circuits.map { $0[0] as Int64 }.reduce(0, +) == wh)
            #expect(circuits.allSatisfy { ($0[1] as String) == "estimated" })
        }
        let events = try store.pool.read { db in try Row.fetchAll(db, sql: "SELECT kind, subject FROM event ORDER BY seq") }
        let pairs = events.map { "\($0[0] as String)/\($0[1] as String)" }
        #expect(pairs.first == "ledger/run" && pairs.contains("profile/gpio-sim-check") && pairs.last == "ledger/stop", "\(pairs)")
        #expect(pairs.suffix(2).first == "input/door", "\(pairs)")
        #expect(pairs.contains("clock/clock"), "\(pairs)")   // the clock trusted at the first step
    }
}
