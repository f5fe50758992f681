import Astronomy
import BoardFiles
import Controller
import Foundation
import HAL
import Lighting
import Testing
import Simulation
import Units

/// The control loop over simulated devices: the same code path as on GPIO or Modbus, on a
/// manual clock (a synchronised kernel, 2026-12-21 22:00 UTC: night in Picardy).
@Suite struct ControlLoopTests {
    struct Bench {
        let clock: ManualClock
        let relay1: SimulatedRelay, relay2: SimulatedRelay, dimmer: SimulatedDimmer
        let loop: ControlLoop
        let board: Board
    }

    static func bench(photocellDark: Bool? = nil) throws -> Bench {
        let board = try #require(BoardLoader.load(path: repo.appendingPathComponent("boards/gpio-sim.yaml").path).value)
        let profile = try #require(ProfileLoader.load(path: repo.appendingPathComponent("tools/gpio-sim/check/testbed-profile.yaml").path).value)
        let engine = try compile(profile, [("c1", 4, .astronomical), ("c2", 4, .on), ("c3", 5, .astronomical)])
        let clock = ManualClock(wall: winterNight)
        let r1 = SimulatedRelay(name: "relay-1", clock: { clock.wallNow })
        let r2 = SimulatedRelay(name: "relay-2", clock: { clock.wallNow })
        let dim = SimulatedDimmer(name: "step-1")
        var hw = HardwareSet()
        hw.outputs = ["relay-1": .relay(r1), "relay-2": .relay(r2), "step-1": .dimmer(dim)]
        if let photocellDark { hw.inputs["photocell"] = SimulatedDigitalInput(name: "photocell", initialValue: photocellDark) }
        let loop = ControlLoop(engine: engine, board: board, circuitOutputs: ["c1": "relay-1", "c2": "relay-2", "c3": "step-1"],
                               hardware: hw, clock: clock)
        return Bench(clock: clock, relay1: r1, relay2: r2, dimmer: dim, loop: loop, board: board)
    }

    @Test func appliesThePlanAtNight() async throws {
        let b = try Self.bench()
        await b.loop.tick()
        #expect(try await b.relay1.state == true)
        #expect(try await b.relay2.state == true)
        #expect(try await b.dimmer.level == DimLevel(percent: 50)!)
    }

    @Test func aDarkPhotocellConfirmsTheNight() async throws {
        let b = try Self.bench(photocellDark: true)
        await b.loop.tick()
        #expect(try await b.relay1.state == true)
        #expect(try await b.dimmer.level == DimLevel(percent: 50)!)
    }

    @Test func presenceRaisesAtOnceAndTheHoldEnds() async throws {
        let b = try Self.bench()
        await b.loop.tick()
        await b.loop.detected(sensor: "pir-1")
        #expect(try await b.dimmer.level == .full)
        b.clock.advance(by: .seconds(5))
        await b.loop.tick()
        #expect(try await b.dimmer.level == DimLevel(percent: 50)!)
    }

    @Test func aFailingOutputPutsItsCircuitInItsSafeStateAndRecovers() async throws {
        let b = try Self.bench()
        await b.loop.tick()
        await b.dimmer.injectFault(.timeout, message: "no reply")
        await b.loop.detected(sensor: "pir-1")
        #expect(await b.loop.faultedCircuits == ["c3"])
        #expect(try await b.relay1.state == true)          // the rest keeps working
        await b.dimmer.clearFault()
        await b.loop.tick()                               // the safe state (full, night) is written
        #expect(await b.loop.faultedCircuits.isEmpty)
        await b.loop.tick()                               // back to the plan (presence still holding)
        #expect(try await b.dimmer.level == .full)
    }

    @Test func shutdownWritesEverySafeState() async throws {
        let b = try Self.bench()
        await b.loop.tick()
        await b.loop.detected(sensor: "pir-1")
        #expect(try await b.dimmer.level == .full)
        try await b.relay1.switchOff()      // someone else switched it: the safe state must rewrite it
        await b.loop.enterSafeState()
        #expect(try await b.relay1.state == true)           // astronomical, night: on
        #expect(try await b.relay2.state == true)           // on
        #expect(try await b.dimmer.level == .full)          // astronomical, night: 100 % (no presence in the safe state)
    }
}

/// A relay whose first command takes 50 ms to answer (a busy bus), the next ones none.
actor SlowRelay: RelayOutput {
    nonisolated let name: String
    private(set) var on = false
    private var first = true
    /// True once the slow first command is under way.
    private(set) var busy = false
    init(name: String) { self.name = name }
    func set(on: Bool) async throws(HALError) {
        if first {
            first = false
            busy = true
            try? await Task.sleep(for: .milliseconds(50))
        }
        self.on = on
    }
    var state: Bool { get async throws(HALError) { on } }
    func halt() async throws(HALError) {}
}

@Suite struct ControlLoopReentrancyTests {
    /// A presence edge arriving while a tick is still writing: the tick's older decision must
    /// not land after the edge's (found by the gpio-sim bed with two vCPUs).
    @Test func aStaleDecisionNeverOverwritesAFresherOne() async throws {
        let b = try ControlLoopTests.bench()
        var hw = await b.loop.hardware
        let engine = await b.loop.engine
        let slow1 = SlowRelay(name: "relay-1"), slow2 = SlowRelay(name: "relay-2")
        hw.outputs["relay-1"] = .relay(slow1)
        hw.outputs["relay-2"] = .relay(slow2)
        let loop = ControlLoop(engine: engine, board: b.board, circuitOutputs: ["c1": "relay-1", "c2": "relay-2", "c3": "step-1"],
                               hardware: hw, clock: b.clock)
        let tick = Task { await loop.tick() }      // writes relay-1 (50 ms), relay-2, then step-1 at 50 %
        while await !slow1.busy { await Task.yield() }
        await loop.detected(sensor: "pir-1")   // meanwhile: step-1 at 100 %
        _ = await tick.value
        #expect(try await b.dimmer.level == .full)
        let on1 = await slow1.on, on2 = await slow2.on
        #expect(on1 && on2)
    }
}

/// The energy the loop's decisions draw by circuit (what a shared meter is split by): the
/// luminaires' power at the levels decided, over monotonic time, presence raises included.
@Suite struct ExpectedEnergyTests {
    @Test func theDecisionsEnergyOverMonotonicTime() async throws {
        let b = try ControlLoopTests.bench()
        await b.loop.tick()
        #expect(await b.loop.takeExpectedEnergy().map(\.wattHours) == [0, 0, 0])   // nothing before the first decision ran
        b.clock.advance(by: .seconds(600))
        let taken = await b.loop.takeExpectedEnergy()
        let wh = taken.map(\.wattHours)
        let led = LuminaireModel(ratedPower: Watts(40))
        let full = led.watts(atPercent: 100), half = led.watts(atPercent: 50)
        // c1, c2: 4 luminaires on; c3: 5 at 50 % (the plan at 22:00), for 600 s.
        let expected = [4 * full * 600 / 3600, 4 * full * 600 / 3600, 5 * half * 600 / 3600]
        for (a, e) in zip(wh, expected) { #expect(abs(a - e) < 1e-9, "\(wh) vs \(expected)") }
        #expect(taken.map(\.burningSeconds) == [600, 600, 600])
        #expect(taken.map { $0.meanLevelPercent.rounded() } == [100, 100, 50])
        #expect(await b.loop.takeExpectedEnergy().map(\.wattHours) == [0, 0, 0])   // taken: it starts again
    }

    @Test func aPresenceRaiseDrawsMore() async throws {
        let quiet = try ControlLoopTests.bench(), busy = try ControlLoopTests.bench()
        for b in [quiet, busy] { await b.loop.tick() }
        await busy.loop.detected(sensor: "pir-1")
        for b in [quiet, busy] {
            b.clock.advance(by: .seconds(60))
            await b.loop.tick()
        }
        let q = await quiet.loop.takeExpectedEnergy().map(\.wattHours), r = await busy.loop.takeExpectedEnergy().map(\.wattHours)
        #expect(r[2] > q[2], "c3 raised by pir-1: \(r) vs \(q)")
        #expect(r[0] == q[0] && r[1] == q[1])
    }
}

/// The door and breaker inputs: an event at the first step and at each change, at its level.
@Suite struct WatchedInputTests {
    @Test func aDoorOpenedAndClosedIsAnEventEachTime() async throws {
        let b = try ControlLoopTests.bench()
        let door = SimulatedDigitalInput(name: "door", initialValue: false)
        var hw = await b.loop.hardware
        hw.inputs["door"] = door
        let events = EventLog()
        let loop = ControlLoop(engine: await b.loop.engine, board: b.board, circuitOutputs: ["c1": "relay-1", "c2": "relay-2", "c3": "step-1"],
                               hardware: hw, clock: b.clock, events: events.sink)
        await loop.tick()
        await loop.tick()   // no change, no event
        await door.set(true)
        await loop.tick()
        await door.set(false)
        await loop.tick()
        let doors = events.events.filter { if case .input = $0.kind { return true } else { return false } }
        #expect(doors.map(\.description) == ["door door: closed", "door door: open", "door door: closed"])
        #expect(doors.map(\.level) == [.notice, .warning, .notice])
    }
}

/// Each circuit's level changes as events (the ledger's switching events): one per change of
/// what the circuit aims at and why — the first decision, a presence raise and its end, the
/// fail-safe — never one per step of a fade or per tick.
@Suite struct CircuitChangeTests {
    @Test func oneEventPerChangeNotPerStepOfAFade() async throws {
        let b = try ControlLoopTests.bench()
        let profile = try loadProfile("""
            profile: fades
            limits: { fade: 30s }
            plans:
              - id: night
                switch:
                  - { at: sunset, level: 50 }
                  - { at: sunrise, level: 0 }
              - id: full-night
                switch:
                  - { at: sunset, level: 100 }
                  - { at: sunrise, level: 0 }
            programs:
              - { id: path, default: night }
              - { id: street, default: full-night }
            groups:
              - { id: street, circuits: [c1, c2], program: street }
              - { id: path, circuits: [c3], program: path }
            presence:
              - id: walkers
                level: 100
                hold: 5s
                fadeIn: 0s
                fadeOut: 10s
                neighbours: 1
                sensors:
                  - { id: pir-1, group: path, position: 2 }
            """)
        let engine = try compile(profile, [("c1", 4, .astronomical), ("c2", 4, .on), ("c3", 5, .astronomical)])
        let events = EventLog()
        let loop = ControlLoop(engine: engine, board: b.board, circuitOutputs: ["c1": "relay-1", "c2": "relay-2", "c3": "step-1"],
                               hardware: await b.loop.hardware, clock: b.clock, events: events.sink)
        func changes() -> [String] {
            events.events.compactMap { e in
                guard case .circuitChanged = e.kind else { return nil }
                return e.description
            }
        }
        await loop.tick()
        await loop.tick()
        #expect(changes() == ["circuit c1: level 100 %: plan full-night: sunset",
                              "circuit c2: level 100 %: plan full-night: sunset",
                              "circuit c3: level 50 %: plan night: sunset"])
        await loop.detected(sensor: "pir-1")
        await loop.detected(sensor: "pir-1")   // the same raise: no new event
        for _ in 0..<4 {
            b.clock.advance(by: .seconds(1))
            await loop.tick()
        }
        // The hold ends at 5 s: the raised luminaire fades out over 10 s (100 % to 0 %), so the
        // output, the highest of c3's luminaires, comes down to the others' 50 % in 5 s. One
        // event for the whole fade.
        for _ in 0..<14 {
            b.clock.advance(by: .seconds(1))
            await loop.tick()
        }
        #expect(try await b.dimmer.level == DimLevel(percent: 50)!)
        #expect(Array(changes().dropFirst(3)) == ["circuit c3: level 100 %: presence at pir-1",
                                                  "circuit c3: level 50 % over 5 s: plan night: sunset"])
        #expect(changes().count == 5)
        await loop.enterSafeState()
        #expect(changes().count == 8)
        #expect(changes().dropFirst(5).allSatisfy { $0.contains(": fail-safe: ") }, "\(changes())")
        #expect(events.events.filter { if case .circuitChanged = $0.kind { true } else { false } }.allSatisfy { $0.level == .info })
    }
}
