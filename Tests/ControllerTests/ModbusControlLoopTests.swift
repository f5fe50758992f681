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

    /// The gateway on an RS-485 line (Modbus RTU at 9600 baud through the byte-paced relay)
    /// whose bytes get garbled: its writes fail (damaged frames, timeouts), its circuit alone
    /// goes to its safe state, the relays on the other bus are untouched; clean bytes again,
    /// and it answers and goes back to its plan.
    @Test func garbledRTUFramesFaultOnlyTheGatewaysCircuitAndItRecovers() async throws {
        let io = try ModbusPeer(tcp: ["1:io:4"])
        let relay = try PacedRelay()
        let rtu = try ModbusPeer(rtu: relay.server, devices: ["3:gateway:4"])
        let board = try loadBoard("""
            board: rtu-test
            driver: hardware
            buses:
              - { id: io, tcp: "\(io.address)", timeout: 150ms, retries: 0 }
              - { id: rs485, rtu: \(relay.client), baud: 9600, timeout: 200ms, retries: 0 }
            gateways:
              - { id: gw, bus: rs485, unit: 3, channels: 4, level: { register: 0, fullScale: 254 } }
            outputs:
              - { id: relay-1, kind: relay, coil: { bus: io, unit: 1, address: 0 } }
              - { id: relay-2, kind: relay, safeState: "on", coil: { bus: io, unit: 1, address: 1 } }
              - { id: step-1, kind: dimmer, gateway: { id: gw, channel: 0 } }
            """)
        let profile = try #require(ProfileLoader.load(path: repo.appendingPathComponent("tools/gpio-sim/check/testbed-profile.yaml").path).value)
        let engine = try compile(profile, [("c1", 4, .astronomical), ("c2", 4, .on), ("c3", 5, .astronomical)])
        let clock = ManualClock(wall: winterNight)
        let hardware = await HardwareSet.open(board, lineOptions: { bus in
            .init(responseTimeout: .milliseconds(bus.timeoutMilliseconds), retries: 0, faultRetry: .milliseconds(50), faultRetryMax: .milliseconds(50))
        }, now: { clock.wallNow })
        #expect(hardware.failures.isEmpty, "\(hardware.failures)")
        let log = EventLog()
        let loop = ControlLoop(engine: engine, board: board, circuitOutputs: ["c1": "relay-1", "c2": "relay-2", "c3": "step-1"],
                               hardware: hardware, clock: clock, logger: log.logger, events: log.sink)
        await loop.tick()
        #expect(try rtu.get(unit: 3, table: "hr", address: 0, count: 1) == [127])      // 50 % over RTU

        try relay.command("garble 1")       // every byte damaged
        clock.advance(by: .seconds(60))     // the minute's refresh writes every output
        await loop.tick()
        #expect(await loop.faultedCircuits == ["c3"])
        #expect(log.lines.contains { $0.contains("circuit c3") && $0.contains("unit 3") }, "\(log.lines)")
        #expect(try io.get(unit: 1, table: "co", address: 0, count: 2) == [1, 1])   // the other bus: untouched

        try relay.command("garble 0")
        for _ in 0..<40 where await !loop.faultedCircuits.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
            clock.advance(by: .seconds(1))
            await loop.tick()
        }
        #expect(await loop.faultedCircuits.isEmpty)
        clock.advance(by: .seconds(1))
        await loop.tick()
        #expect(try rtu.get(unit: 3, table: "hr", address: 0, count: 1) == [127])      // back to the plan
        #expect(log.events.contains { if case .outputRecovered(circuit: "c3", _) = $0.kind { true } else { false } })
        await loop.shutdown()
    }
}
