import Astronomy
import Foundation
import HAL
import Lighting
import Modbus
import ModbusTestSupport
import Runtime
import Testing

/// The control loop driving real Modbus peers: relays on an I/O module's coils, the footpath
/// circuit on a dimming gateway. A gateway that stops answering puts only its circuit in its
/// safe state; it is retried and taken back when it answers.
@Suite(.serialized) struct ModbusControlLoopTests {
    @Test func aFailingGatewayFaultsOnlyItsCircuitAndRecovers() async throws {
        let io = try ModbusPeer(tcp: ["1:io:4"])
        let dali = try ModbusPeer(tcp: ["3:gateway:4"])
        let text = """
            board: modbus-test
            driver: hardware
            buses:
              - { id: io, tcp: "\(io.address)", timeout: 150ms, retries: 0 }
              - { id: dali, tcp: "\(dali.address)", timeout: 150ms, retries: 0 }
            gateways:
              - { id: gw, bus: dali, unit: 3, channels: 4, level: { register: 0, fullScale: 254 } }
            outputs:
              - { id: relay-1, kind: relay, coil: { bus: io, unit: 1, address: 0 } }
              - { id: relay-2, kind: relay, safeState: "on", coil: { bus: io, unit: 1, address: 1 } }
              - { id: step-1, kind: dimmer, gateway: { id: gw, channel: 0 } }
            """
        let loaded = BoardLoader.load(text: text, file: "modbus-test.yaml")
        let board = try #require(loaded.value, "\(loaded.diagnostics)")
        let profile = try #require(ProfileLoader.load(path: ControlLoopTests.repo.appendingPathComponent("tools/gpio-sim/check/testbed-profile.yaml").path).value)
        let site = Site(id: "t", name: "t", coordinate: GeoCoordinate(latitude: 49.65, longitude: 2.57)!, timeZone: TimeZone(identifier: "Europe/Paris")!)
        let led = LuminaireModel(ratedPower: Watts(40))
        let installation = Installation(site: site, circuits: [
            CircuitSpec(id: "c1", name: "1", luminaireCount: 4, model: led, legacyPower: Watts(150), safeState: .astronomical),
            CircuitSpec(id: "c2", name: "2", luminaireCount: 4, model: led, legacyPower: Watts(150), safeState: .on),
            CircuitSpec(id: "c3", name: "3", luminaireCount: 5, model: led, legacyPower: Watts(70), safeState: .astronomical),
        ])
        let engine = try #require(DimmingEngine.compile(profile: profile, installation: installation).value)
        let clock = ControlLoopTests.Clock()
        let hardware = await HardwareSet.open(board, lineOptions: { bus in
            .init(responseTimeout: .milliseconds(bus.timeoutMilliseconds), retries: 0, faultRetry: .milliseconds(50), faultRetryMax: .milliseconds(50))
        }, now: { clock.now() })
        #expect(hardware.failures.isEmpty)
        let log = LogLines()
        let loop = ControlLoop(engine: engine, board: board, circuitOutputs: ["c1": "relay-1", "c2": "relay-2", "c3": "step-1"],
                               hardware: hardware, now: { clock.now() }, log: { log.append($0) })
        await loop.tick()
        #expect(try io.get(unit: 1, table: "co", address: 0, count: 2) == [1, 1])
        #expect(try dali.get(unit: 3, table: "hr", address: 0, count: 1) == [127])      // 50 %

        try dali.command("mute 3")
        await loop.detected(sensor: "pir-1", at: clock.now())
        #expect(await loop.faultedCircuits == ["c3"])
        #expect(log.lines.contains { $0.contains("circuit c3") && $0.contains("timeout") && $0.contains("unit 3") })
        // The relays on the other line are untouched and still answer.
        #expect(try io.get(unit: 1, table: "co", address: 0, count: 2) == [1, 1])

        try dali.command("unmute 3")
        try await Task.sleep(for: .milliseconds(80))
        await loop.tick()       // the safe state (astronomical, night: full) goes out and is accepted
        #expect(await loop.faultedCircuits.isEmpty)
        #expect(try dali.get(unit: 3, table: "hr", address: 0, count: 1) == [254])
        clock.advance(5)        // presence hold over: back to the plan
        await loop.tick()
        #expect(try dali.get(unit: 3, table: "hr", address: 0, count: 1) == [127])
        await loop.shutdown()
    }
}

final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ s: String) { lock.lock(); storage.append(s); lock.unlock() }
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return storage }
}
