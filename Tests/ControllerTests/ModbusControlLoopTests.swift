import Astronomy
import Controller
import Foundation
import HAL
import Lighting
import Modbus
import ModbusTestSupport
import Testing

/// The control loop driving real Modbus peers: relays on an I/O module's coils, the footpath
/// circuit on a dimming gateway. A gateway that stops answering puts only its circuit in its
/// safe state; it is retried and taken back when it answers.
@Suite(.serialized) struct ModbusControlLoopTests {
    /// Relays c1 and c2 on an I/O module's coils, the footpath c3 on a gateway's channel, on
    /// two peers; a night; lines that try a faulted unit again after 50 ms.
    struct Bed {
        let io: ModbusPeer, dali: ModbusPeer
        let clock = ManualClock(wall: winterNight)
        let log = EventLog()
        let hardware: HardwareSet
        let loop: ControlLoop

        init() async throws {
            io = try ModbusPeer(tcp: ["1:io:4"])
            dali = try ModbusPeer(tcp: ["3:gateway:4"])
            let board = try modbusBoard(io: io.address, dali: dali.address, outputs: [
                "{ id: relay-1, kind: relay, coil: { bus: io, unit: 1, address: 0 } }",
                "{ id: relay-2, kind: relay, safeState: \"on\", coil: { bus: io, unit: 1, address: 1 } }",
                "{ id: step-1, kind: dimmer, gateway: { id: gw, channel: 0 } }",
            ])
            let profile = try #require(ProfileLoader.load(path: repo.appendingPathComponent("tools/gpio-sim/check/testbed-profile.yaml").path).value)
            let engine = try compile(profile, [("c1", 4, .astronomical), ("c2", 4, .on), ("c3", 5, .astronomical)])
            let clock = self.clock
            hardware = await HardwareSet.open(board, lineOptions: { bus in
                .init(responseTimeout: .milliseconds(bus.timeoutMilliseconds), retries: 0, faultRetry: .milliseconds(50), faultRetryMax: .milliseconds(50))
            }, now: { clock.wallNow })
            loop = ControlLoop(engine: engine, board: board, circuitOutputs: ["c1": "relay-1", "c2": "relay-2", "c3": "step-1"],
                               hardware: hardware, clock: clock, logger: log.logger, events: log.sink)
        }
    }

    @Test func aFailingGatewayFaultsOnlyItsCircuitAndRecovers() async throws {
        let b = try await Bed()
        let (io, dali, clock, hardware, log, loop) = (b.io, b.dali, b.clock, b.hardware, b.log, b.loop)
        #expect(hardware.failures.isEmpty)
        await loop.tick()
        #expect(try io.get(unit: 1, table: "co", address: 0, count: 2) == [1, 1])
        #expect(try dali.get(unit: 3, table: "hr", address: 0, count: 1) == [127])      // 50 %

        try dali.command("mute 3")
        await loop.detected(sensor: "pir-1")
        #expect(await loop.faultedCircuits == ["c3"])
        #expect(log.lines.contains { $0.contains("circuit c3") && $0.contains("timeout") && $0.contains("unit 3") })
        // The relays on the other line are untouched and still answer.
        #expect(try io.get(unit: 1, table: "co", address: 0, count: 2) == [1, 1])

        try dali.command("unmute 3")
        try await Task.sleep(for: .milliseconds(80))
        await loop.tick()       // the safe state (astronomical, night: full) goes out and is accepted
        #expect(await loop.faultedCircuits.isEmpty)
        #expect(try dali.get(unit: 3, table: "hr", address: 0, count: 1) == [254])
        clock.advance(by: .seconds(5))      // presence hold over: back to the plan
        await loop.tick()
        #expect(try dali.get(unit: 3, table: "hr", address: 0, count: 1) == [127])
        await loop.shutdown()
    }

    /// Every output is written again each refresh interval, changed or not: a gateway that
    /// stops answering while nothing changes is found, and one that lost its levels (restarted
    /// at its power-on level) gets them back.
    @Test func theOutputsAreWrittenAgainEachMinute() async throws {
        let b = try await Bed()
        let (io, dali, clock, loop) = (b.io, b.dali, b.clock, b.loop)
        await loop.tick()
        #expect(try dali.get(unit: 3, table: "hr", address: 0, count: 1) == [127])      // 50 %
        let written = await loop.writes
        clock.advance(by: .seconds(30))
        await loop.tick()
        #expect(await loop.writes == written, "nothing changed, nothing written within the minute")

        // The gateway restarted at its power-on level: the next refresh puts the plan back.
        try dali.command("set 3 hr 0 254")
        clock.advance(by: .seconds(30))
        await loop.tick()
        #expect(await loop.writes > written)
        #expect(try dali.get(unit: 3, table: "hr", address: 0, count: 1) == [127])
        #expect(try io.get(unit: 1, table: "co", address: 0, count: 2) == [1, 1])

        // Silent while nothing changes: found at the next refresh, c3 alone in its safe state.
        try dali.command("mute 3")
        clock.advance(by: .seconds(60))
        await loop.tick()
        #expect(await loop.faultedCircuits == ["c3"])
        try dali.command("unmute 3")
        try await Task.sleep(for: .milliseconds(80))
        clock.advance(by: .seconds(1))
        await loop.tick()   // the safe state goes out and is accepted: recovered
        #expect(await loop.faultedCircuits.isEmpty)
        await loop.shutdown()
    }
}
