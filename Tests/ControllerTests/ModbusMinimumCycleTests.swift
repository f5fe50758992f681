import Controller
import Foundation
import HAL
import Lighting
import Modbus
import ModbusTestSupport
import Testing

/// The minimum cycle against real Modbus peers (pymodbus): a presence burst that would chatter
/// a contactor on an I/O module's coil and a gateway channel's switch coil does not — counted
/// in the frames the peers received.
@Suite(.serialized) struct ModbusMinimumCycleTests {
    /// The peers, a contactor `k1` on the I/O module's coil 0 and the gateway's channel 0 `d2`
    /// (with its switch coil), both with `minimumCycle: 1m`, and the loop at 01:00 (part-night).
    struct Bed {
        let io: ModbusPeer, dali: ModbusPeer
        let clock = ManualClock(wall: partNight)
        let log = EventLog()
        let loop: ControlLoop

        init() async throws {
            io = try ModbusPeer(tcp: ["1:io:4"])
            dali = try ModbusPeer(tcp: ["3:gateway:4"])
            let board = try modbusBoard(io: io.address, dali: dali.address, switchCoil: true, outputs: [
                "{ id: k1, kind: relay, safeState: \"on\", minimumCycle: 1m, coil: { bus: io, unit: 1, address: 0 } }",
                "{ id: d2, kind: dimmer, safeState: \"on\", minimumCycle: 1m, gateway: { id: gw, channel: 0 } }",
            ])
            let engine = try compile(try loadProfile(chatterProfile), [("c1", 4, .on), ("c2", 4, .on)])
            let clock = self.clock
            let hardware = await HardwareSet.open(board, now: { clock.wallNow })
            #expect(hardware.failures.isEmpty)
            // No refresh within the test (it counts the writes on the wire: each is a switching).
            loop = ControlLoop(engine: engine, board: board, circuitOutputs: ["c1": "k1", "c2": "d2"], hardware: hardware,
                               clock: clock, settings: .init(refreshInterval: .seconds(3600)), logger: log.logger, events: log.sink)
        }

        func contactor() throws -> [Int] { try io.get(unit: 1, table: "co", address: 0, count: 1) }
        func gatewaySwitch() throws -> [Int] { try dali.get(unit: 3, table: "co", address: 0, count: 1) }
    }

    @Test func aPresenceBurstDoesNotChatterACoilContactorOrAGatewaySwitch() async throws {
        let b = try await Bed()
        await b.loop.tick()                                        // part-night: both off
        #expect(try b.contactor() == [0])
        #expect(try b.gatewaySwitch() == [0])
        b.clock.advance(by: .seconds(60))
        try b.io.command("reset-stats")
        try b.dali.command("reset-stats")

        var coilDuringDeferral: [Int] = []
        for s in 0..<130 {
            if s % 10 == 0 {
                await b.loop.detected(sensor: "pir-1")
                await b.loop.detected(sensor: "pir-2")
            }
            await b.loop.tick()
            if s == 30 { coilDuringDeferral = try b.contactor() }
            b.clock.advance(by: .seconds(1))
        }
        // 13 walkers, each lighting the street for 5 s: 26 coil writes each without the guard.
        // At most one switching per minute (3 in 130 s); the contactor: on at 0 s, off at 65 s.
        let contactorWrites = try b.io.stats()["1"]?["5"] ?? 0
        let gatewaySwitchWrites = (try b.dali.stats()["3"]?["5"] ?? 0) + (try b.dali.stats()["3"]?["15"] ?? 0)
        #expect(contactorWrites == 2)
        #expect((2...3).contains(gatewaySwitchWrites))
        #expect(coilDuringDeferral == [1])                         // off wanted since 25 s, held on
        #expect(await b.loop.faultedCircuits.isEmpty)
        #expect(await b.loop.failedWrites == 0)
        #expect(b.log.kinds.contains(.switchingDeferred(circuit: "c1", output: "k1", contact: false, remaining: .seconds(55))))

        // The burst over, the deferred switchings are made when the minute allows: dark again.
        for _ in 0..<70 {
            await b.loop.tick()
            b.clock.advance(by: .seconds(1))
        }
        #expect(try b.contactor() == [0])
        #expect(try b.gatewaySwitch() == [0])
        #expect(try b.dali.get(unit: 3, table: "hr", address: 0, count: 1) == [0])
        await b.loop.shutdown()
    }

    /// The shutdown's safe state goes out at once, inside the minimum cycle: contactors closed,
    /// the gateway channel switched on at full.
    @Test func theShutdownReachesTheSafeStateInsideTheMinimumCycle() async throws {
        let b = try await Bed()
        await b.loop.tick()                                        // off: a switching, just now
        b.clock.advance(by: .seconds(3))
        await b.loop.shutdown()
        #expect(try b.contactor() == [1])
        #expect(try b.gatewaySwitch() == [1])
        #expect(try b.dali.get(unit: 3, table: "hr", address: 0, count: 1) == [254])
    }
}
