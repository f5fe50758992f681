import Cabinet
import CabinetService
import Controller
import Foundation
import GRDB
import HAL
@testable import Ledger
import Lighting
import Logging
import ModbusTestSupport
import Recording
import Testing
import Units

/// Bus faults while the controller runs, against the test bed's cabinet peer (Modbus TCP, one
/// port per bus): the control loop drives k1 and k2 on the I/O module and the footpath on the
/// DALI gateway's channel 0; the ledger keeper records each interval into a real ledger. Each
/// fault touches only what is on its bus, is recorded, and everything recovers with the bus.
@Suite(.serialized) struct BusFaultTests {
    @Test func theAffectedCircuitsAloneGoToTheirSafeStateAndEverythingRecovers() async throws {
        // The footpath on the gateway's channel 0 (dali-1) instead of k3.
        let bed = try await PeerCabinet(id: "bus-faults") {
            $0.replacingOccurrences(of: "{ id: c3, output: k3, luminaire: street, count: 9 }",
                                    with: "{ id: c3, output: dali-1, luminaire: street, count: 10 }")
        }
        defer { bed.remove() }
        let (peer, dir, hardware, clock, loop) = (bed.peer, bed.dir, bed.hardware, bed.clock, bed.loop)
        let store = try LedgerStore.open(path: dir.appendingPathComponent("ledger.sqlite").path)
        defer { try? store.close() }
        var keeper = try await bed.keeper(store: store, interval: 60)
        await loop.tick()
        func coils() throws -> [Int] { try #require(peer.state()["coils"] as? [Int]) }
        func channel0() throws -> Int {
            let outputs = try #require(peer.state()["outputs"] as? [[String: Any]])
            return try #require(outputs.first { $0["id"] as? String == "dali-1" }?["level"] as? Int)
        }
        #expect(try coils().prefix(2) == [1, 1] && channel0() == 127)

        /// A minute on: the outputs written again (the refresh), the interval recorded.
        func minute() async {
            clock.advance(by: .seconds(60))
            await loop.tick()
            await keeper.close(at: clock.wallNow)
        }
        /// The gateway's line tries its faulted unit again after a wait: until it answers.
        func recover() async throws {
            for _ in 0..<40 where await !loop.faultedCircuits.isEmpty {
                try await Task.sleep(for: .milliseconds(250))
                clock.advance(by: .seconds(1))
                await loop.tick()
            }
        }

        // Silence on the gateway's bus: the footpath alone in its safe state ('astronomical':
        // night, full), the contactors untouched; back to the plan when it answers.
        try peer.command("mute gateway")
        await minute()
        #expect(await loop.faultedCircuits == ["c3"])
        #expect(try coils().prefix(2) == [1, 1])
        try peer.command("unmute gateway")
        try await recover()
        #expect(await loop.faultedCircuits.isEmpty)
        #expect(try channel0() == 254, "the safe state went out first")

        // An exception (slave device failure) from the gateway: the same.
        try peer.command("exception gateway 4")
        await minute()
        #expect(await loop.faultedCircuits == ["c3"])
        try peer.command("clear gateway")
        try await recover()
        #expect(await loop.faultedCircuits.isEmpty)

        // A dropped TCP connection to the I/O module: the line reconnects and retries, no
        // circuit is faulted.
        try peer.command("drop-next io")
        await minute()
        #expect(await loop.faultedCircuits.isEmpty)
        #expect(try coils().prefix(2) == [1, 1])

        // A silent meter: its intervals are gaps, with an event, and one more when it answers
        // (EnergySamplerTests checks that the energy drawn meanwhile lands in that interval).
        try peer.command("mute meter")
        await minute()
        try peer.command("unmute meter")
        // Its line tries the faulted unit again after a wait (real time): a gap until then.
        for _ in 0..<40 {
            try await Task.sleep(for: .milliseconds(250))
            await minute()
            let last = try await store.pool.read { db in try String.fetchOne(db, sql: "SELECT source FROM measurement WHERE kind = 'meter' ORDER BY start_unix DESC LIMIT 1") }
            if last == "metered" { break }
        }

        let meterRows = try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT source, energy_wh FROM measurement WHERE kind = 'meter' ORDER BY start_unix")
        }.map { $0[0] as String }
        #expect(meterRows.contains("gap") && meterRows.last == "metered", "\(meterRows)")
        let events = try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT kind, subject, detail FROM event ORDER BY seq")
        }.map { "\($0[0] as String)/\($0[1] as String): \($0[2] as String)" }
        #expect(events.filter { $0.hasPrefix("fault/c3: circuit c3: device \"dali\"") }.count == 2, "\(events)")
        #expect(events.filter { $0.hasPrefix("fault/c3: circuit c3: output dali-1 answers again") }.count == 2, "\(events)")
        #expect(events.contains { $0.hasPrefix("fault/meter-main: did not answer") }, "\(events)")
        #expect(events.contains { $0 == "fault/meter-main: answers again" }, "\(events)")
        #expect(!events.contains { $0.hasPrefix("fault/c1") || $0.hasPrefix("fault/c2") }, "\(events)")
        #expect(try store.verifyChain().isSound)
        await hardware.shutdown()
    }
}
