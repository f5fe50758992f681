import Controller
import Foundation
import HAL
import Lighting
import Testing
import Simulation
import Units

/// The board's minimum cycle on every path that drives an output, over simulated devices on a
/// manual clock: the plan and presence (relay and dimmer), a fail-safe entry, switchings inside
/// the fail-safe, the shutdown, and the loop waking when a deferred switching is due.
@Suite struct MinimumCycleTests {
    static let board = """
        board: guarded
        driver: hardware
        chips:
          - { id: sim, chip: lanterne-sim }
        outputs:
          - { id: k1, kind: relay, safeState: "on", minimumCycle: 1m, gpio: { chip: sim, line: 0 } }
          - { id: d2, kind: dimmer, safeState: "on", minimumCycle: 1m, gpio: { chip: sim, line: 1 } }
        inputs:
          - { id: photocell, kind: photocell, gpio: { chip: sim, line: 4 } }
        """

    struct Bench {
        let clock: ManualClock
        let relay: SimulatedRelay
        let dimmer: SimulatedDimmer
        let photocell: SimulatedDigitalInput?
        let loop: ControlLoop
        let log: EventLog
    }

    static func bench(at start: Date = partNight, safe: SafeState = .on, relayInitiallyOn: Bool = false,
                      photocell: Bool? = nil, kernel: KernelClockSync = .synchronised(),
                      settings: ControlLoop.Settings = .init()) throws -> Bench {
        let engine = try compile(try loadProfile(chatterProfile), [("c1", 4, safe), ("c2", 4, safe)])
        let clock = ManualClock(wall: start, synchronisation: kernel)
        let relay = SimulatedRelay(name: "k1", initialState: relayInitiallyOn, clock: { clock.wallNow })
        let dimmer = SimulatedDimmer(name: "d2")
        var hw = HardwareSet()
        hw.outputs = ["k1": .relay(relay), "d2": .dimmer(dimmer)]
        let cell = photocell.map { SimulatedDigitalInput(name: "photocell", initialValue: $0) }
        if let cell { hw.inputs["photocell"] = cell }
        let log = EventLog()
        let loop = ControlLoop(engine: engine, board: try loadBoard(board), circuitOutputs: ["c1": "k1", "c2": "d2"], hardware: hw,
                               clock: clock, settings: settings, logger: log.logger, events: log.sink)
        return Bench(clock: clock, relay: relay, dimmer: dimmer, photocell: cell, loop: loop, log: log)
    }

    /// Walkers every 10 s, each lighting the part-night street for 5 s: 26 switchings of the
    /// contactor and of the dimmer in 130 s without the guard.
    @Test func aPresenceBurstDoesNotChatterARelayOrADimmer() async throws {
        let b = try Self.bench()
        await b.loop.tick()
        b.clock.advance(by: .seconds(60))     // the first write (state unknown) counts as a switching
        for s in 0..<130 {
            if s % 10 == 0 {
                await b.loop.detected(sensor: "pir-1")
                await b.loop.detected(sensor: "pir-2")
            }
            await b.loop.tick()
            b.clock.advance(by: .seconds(1))
        }
        let relaySwitchings = await b.relay.switchCount, dimmerChanges = await b.dimmer.changeCount
        // At most one switching per minute (130 s: 3), and it does switch when the minute allows
        // (the contactor: on at 0 s, off at 65 s, the first time off is wanted after the minute).
        #expect(relaySwitchings == 2)
        #expect((2...3).contains(dimmerChanges))
        #expect(await b.loop.faultedCircuits.isEmpty)
        #expect(await b.loop.failedWrites == 0)
        #expect(await b.loop.deferredSwitchings > 0)
        #expect(b.log.kinds.contains { $0.isDeferral })
        #expect(b.log.lines.contains { $0.contains("circuit c1: switching k1 off deferred") && $0.contains("by its minimum cycle") })
        // Never dropped: the burst over, the street goes dark when the minute allows.
        for _ in 0..<70 {
            await b.loop.tick()
            b.clock.advance(by: .seconds(1))
        }
        #expect(try await b.relay.state == false)
        #expect(try await b.dimmer.level == .off)
        #expect(await b.loop.pendingSwitchings.isEmpty)
    }

    /// A change of level that keeps the contact is never held back (dimming up under presence).
    @Test func aLevelChangeThatKeepsTheContactIsNotDeferred() async throws {
        let b = try Self.bench(at: winterNight.addingTimeInterval(-1800))    // 22:30 Paris: the plan at 60 %
        await b.loop.tick()
        #expect(try await b.dimmer.level == DimLevel(percent: 60)!)
        b.clock.advance(by: .seconds(1))
        await b.loop.detected(sensor: "pir-2")
        #expect(try await b.dimmer.level == .full)
        b.clock.advance(by: .seconds(6))
        await b.loop.tick()
        #expect(try await b.dimmer.level == DimLevel(percent: 60)!)
        #expect(await b.loop.deferredSwitchings == 0)
    }

    /// `tick()` asks to be woken when a deferred switching is due, even when its own interval is
    /// longer; `run()` sleeps until then on the monotonic clock and makes the switching.
    @Test func theLoopWakesWhenADeferredSwitchingIsDue() async throws {
        let b = try Self.bench(settings: .init(tickInterval: .seconds(3600)))
        await b.loop.tick()
        b.clock.advance(by: .seconds(60))
        let start = b.clock.monotonicNow
        await b.loop.detected(sensor: "pir-1")                    // on at once (first switching)
        b.clock.advance(by: .seconds(6))                          // the hold is over: off is wanted
        let next = await b.loop.tick()
        let release = start.advanced(by: .seconds(60))
        #expect(await b.loop.pendingSwitchings["k1"]?.until == release)
        #expect(next == release)
        #expect(try await b.relay.state == true)

        let running = Task { await b.loop.run(releasing: false) }
        for _ in 0..<100_000 where b.clock.earliestDeadline != release { await Task.yield() }
        #expect(b.clock.earliestDeadline == release)              // asleep until the release, not for an hour
        #expect(try await b.relay.state == true)
        b.clock.advance(by: release - b.clock.monotonicNow)
        for _ in 0..<100_000 where try await b.relay.state { await Task.yield() }
        #expect(try await b.relay.state == false)
        running.cancel()
        await running.value
    }

    /// A circuit entering its fail-safe (here: the clock loses its trust) gets its safe state at
    /// once, inside the minimum cycle; the way back to the plan waits a full cycle from it.
    @Test func aFailSafeEntryPassesTheMinimumCycleAndTheWayBackDoesNot() async throws {
        let b = try Self.bench(safe: .on, relayInitiallyOn: true)
        await b.loop.tick()                                       // part-night: off (a switching)
        #expect(try await b.relay.state == false)
        b.clock.advance(by: .seconds(5))
        b.clock.setSynchronisation(.unsynchronisedAtBoot)         // the time sync is lost
        await b.loop.tick()
        #expect(try await b.relay.state == true)                  // safe state 'on', 5 s after the last switching
        #expect(b.log.kinds.contains { $0.isUntrusted })
        #expect(!b.log.kinds.contains { $0.isDeferral })
        b.clock.advance(by: .seconds(5))
        b.clock.setSynchronisation(.synchronised())               // trusted again: the plan says off
        await b.loop.tick()
        #expect(b.log.kinds.contains(.switchingDeferred(circuit: "c1", output: "k1", contact: false, remaining: .seconds(55))))
        #expect(try await b.relay.state == true)
        b.clock.advance(by: .seconds(55))
        await b.loop.tick()
        #expect(try await b.relay.state == false)
        #expect(await b.relay.switchCount == 3)
        #expect(await b.loop.faultedCircuits.isEmpty)
    }

    /// Inside the fail-safe the guard still holds: a `photocell` safe state under an untrusted
    /// clock does not follow a flickering cell faster than the minimum cycle.
    @Test func aFlickeringPhotocellDoesNotChatterTheSafeState() async throws {
        let b = try Self.bench(safe: .photocell, photocell: true, kernel: .unsynchronisedAtBoot)
        await b.loop.tick()
        #expect(try await b.relay.state == true)                  // dark: on
        for s in 1...120 {
            if s % 5 == 0 { await b.photocell?.set(s % 10 != 0) }   // light, dark, light... every 5 s
            b.clock.advance(by: .seconds(1))
            await b.loop.tick()
        }
        #expect(await b.relay.switchCount <= 1 + 120 / 60)
        #expect(await b.relay.switchCount >= 1)
        #expect(await b.loop.faultedCircuits.isEmpty)
    }

    /// The shutdown writes every safe state at once: there is no later step to make a deferred one.
    @Test func theShutdownWritesTheSafeStateInsideTheMinimumCycle() async throws {
        let b = try Self.bench(safe: .on, relayInitiallyOn: true)
        await b.loop.tick()
        #expect(try await b.relay.state == false)                 // switched off by the plan, now
        b.clock.advance(by: .seconds(2))
        await b.loop.shutdown()
        #expect(try await b.relay.state == true)
        #expect(try await b.dimmer.level == .full)
    }
}
