import Controller
import Foundation
import HAL
import Lighting
import Testing
import Simulation
import Units

/// The wall clock stepping under the loop, and a board booting at 1970, on injected clocks.
/// Durations (presence holds, the minimum cycle, the wait between steps) follow the monotonic
/// clock; the engine follows the wall clock, believed only when trusted.
@Suite struct ClockStepTests {
    typealias Bench = MinimumCycleTests.Bench

    static func stepEvents(_ log: EventLog) -> [Duration] {
        log.kinds.compactMap { if case .wallClockStepped(let by, _, _) = $0 { return by }; return nil }
    }

    @Test func aStepBackOfAnHour() async throws {
        let b = try MinimumCycleTests.bench(at: partNight.addingTimeInterval(3600))    // 02:00 in Paris: part-night, off
        await b.loop.tick()
        b.clock.advance(by: .seconds(60))
        await b.loop.detected(sensor: "pir-1")                     // lit for 5 s (a switching)
        #expect(try await b.relay.state == true)
        b.clock.advance(by: .seconds(2))
        b.clock.stepWall(by: .seconds(-3600))
        let next = await b.loop.tick()
        #expect(Self.stepEvents(b.log) == [.seconds(-3600)])
        #expect(b.log.lines.contains { $0.hasPrefix("wall clock stepped by -3600 s") })
        // The wait to the next step is not stretched by the hour.
        #expect(next <= b.clock.monotonicNow.advanced(by: .seconds(1)))
        // The hold keeps the 3 s it had left: it neither ends at once (the detection would lie
        // an hour ahead of the clock) nor lasts an hour more.
        #expect(await !b.loop.output.circuits[0].raised.isEmpty)
        #expect(try await b.relay.state == true)
        b.clock.advance(by: .seconds(3))
        await b.loop.tick()
        #expect(await b.loop.output.circuits[0].raised.isEmpty)
        // Off is wanted now; the minimum cycle counts 58 s left on the monotonic clock (a wall
        // clock would count an hour more).
        #expect(await b.loop.pendingSwitchings["k1"]?.until == b.clock.monotonicNow.advanced(by: .seconds(55)))
        b.clock.advance(by: .seconds(55))
        await b.loop.tick()
        #expect(try await b.relay.state == false)
    }

    /// Drift below the threshold (2 s between two steps) is not a step; more is.
    @Test func onlyAJumpBeyondTheThresholdIsAStep() async throws {
        let b = try MinimumCycleTests.bench(at: winterNight)
        await b.loop.tick()
        b.clock.advance(by: .seconds(1))
        b.clock.stepWall(by: .milliseconds(1_500))
        await b.loop.tick()
        #expect(Self.stepEvents(b.log).isEmpty)
        b.clock.advance(by: .seconds(1))
        b.clock.stepWall(by: .milliseconds(-2_500))
        await b.loop.tick()
        #expect(Self.stepEvents(b.log) == [.milliseconds(-2_500)])
    }

    /// After a step back, the photocell's reports stay as far in the past as they were: a
    /// street lit by a dark cell stays lit (read against the stepped clock, the cell's change to
    /// dark would lie an hour in the future).
    @Test func aStepBackKeepsThePhotocellsReports() async throws {
        let b = try MinimumCycleTests.bench(safe: .photocell, photocell: false, kernel: .unsynchronisedAtBoot)
        await b.loop.tick()
        #expect(try await b.relay.state == false)                   // untrusted: the cell says light
        b.clock.advance(by: .seconds(60))
        await b.photocell?.set(true)
        await b.loop.tick()
        #expect(try await b.relay.state == true)
        b.clock.advance(by: .seconds(10))
        b.clock.stepWall(by: .seconds(-3600))
        await b.loop.tick()
        #expect(Self.stepEvents(b.log) == [.seconds(-3600)])
        #expect(try await b.relay.state == true)
        #expect(await b.loop.pendingSwitchings.isEmpty)
    }

    /// A step forward of a day: tomorrow night's plan (a festive calendar date) is computed at
    /// once, the presence hold keeps its few seconds, and the minimum cycle is not released early.
    @Test func aStepForwardOfADay() async throws {
        let festive = chatterProfile.replacingOccurrences(of: "programs:\n  - { id: p, default: part-night }", with: """
            programs:
              - id: p
                rules:
                  - { dates: [12-22], plan: festive }
                default: part-night
              - { id: q, default: part-night }
            """).replacingOccurrences(of: "{ id: path, circuits: [c2], program: p }", with: "{ id: path, circuits: [c2], program: q }").replacingOccurrences(of: "plans:\n", with: """
            plans:
              - id: festive
                switch:
                  - { at: sunset, level: 100 }
                  - { at: sunrise, level: 0 }

            """)
        #expect(festive.contains("dates: [12-22]") && festive.contains("- id: festive") && festive.contains("program: q"))
        let engine = try compile(try loadProfile(festive), [("c1", 4, .on), ("c2", 4, .on)])
        let clock = ManualClock(wall: partNight)                    // 01:00 on the night of Dec 21: part-night
        let relay = SimulatedRelay(name: "k1", clock: { clock.wallNow })
        let dimmer = SimulatedDimmer(name: "d2")
        var hw = HardwareSet()
        hw.outputs = ["k1": .relay(relay), "d2": .dimmer(dimmer)]
        let log = EventLog()
        let loop = ControlLoop(engine: engine, board: try loadBoard(MinimumCycleTests.board), circuitOutputs: ["c1": "k1", "c2": "d2"],
                               hardware: hw, clock: clock, logger: log.logger, events: log.sink)
        await loop.tick()
        clock.advance(by: .seconds(60))
        await loop.detected(sensor: "pir-2")                        // the path lit by a walker (a switching)
        #expect(try await dimmer.level == .full)
        clock.advance(by: .seconds(2))
        clock.stepWall(by: .seconds(86_400))                        // 01:00 on the night of Dec 22: festive
        let next = await loop.tick()
        #expect(Self.stepEvents(log) == [.seconds(86_400)])
        #expect(next <= clock.monotonicNow.advanced(by: .seconds(1)))
        #expect(try await relay.state == true)                      // festive: c1 on at once (its first switching was a minute ago)
        #expect(await loop.output.circuits[0].reason == .plan(plan: "festive", point: "sunset"))
        // The path (part-night every night) is still lit by its walker: the hold has 3 s left.
        #expect(await !loop.output.circuits[1].raised.isEmpty)
        #expect(try await dimmer.level == .full)
        clock.advance(by: .seconds(3))
        await loop.tick()
        #expect(await loop.output.circuits[1].raised.isEmpty)
        // The hold is over, but the walker lit it 5 s ago: the minimum cycle has 55 s to run,
        // step or no step (a wall-clock guard would see a day gone by).
        #expect(await loop.pendingSwitchings["d2"]?.until == clock.monotonicNow.advanced(by: .seconds(55)))
        #expect(try await dimmer.level == .full)
    }

    /// A board without RTC boots at 1970-01-01 with an unsynchronised kernel: every circuit
    /// follows its fail-safe — the photocell, the board has one — until the time sync sets the
    /// clock; then the plan.
    @Test func bootAt1970FollowsThePhotocellUntilTheTimeSync() async throws {
        let engine = try compile(try loadProfile(chatterProfile), [("c1", 4, .astronomical), ("c2", 4, .astronomical)])
        let clock = ManualClock(wall: Date(timeIntervalSince1970: 5), synchronisation: .unsynchronisedAtBoot)
        let relay = SimulatedRelay(name: "k1", clock: { clock.wallNow })
        let dimmer = SimulatedDimmer(name: "d2")
        let cell = SimulatedDigitalInput(name: "photocell", initialValue: true)
        var hw = HardwareSet()
        hw.outputs = ["k1": .relay(relay), "d2": .dimmer(dimmer)]
        hw.inputs["photocell"] = cell
        let log = EventLog()
        let loop = ControlLoop(engine: engine, board: try loadBoard(MinimumCycleTests.board), circuitOutputs: ["c1": "k1", "c2": "d2"],
                               hardware: hw, clock: clock, logger: log.logger, events: log.sink)
        await loop.tick()
        #expect(log.kinds.first == .clockUntrusted([.kernelUnsynchronised, .errorTooLarge(maximumError: .seconds(16), limit: .seconds(10)),
                                                   .beforeFloor(ClockTrust.build)]))
        #expect(log.lines.first?.hasPrefix("clock not trusted: the kernel says the clock is not synchronised (STA_UNSYNC)") == true)
        #expect(await loop.output.circuits.allSatisfy { $0.reason == .failSafe("clock not trusted") })
        #expect(try await relay.state == true)                     // dark: on
        #expect(try await dimmer.level == .full)
        clock.advance(by: .seconds(60))
        await cell.set(false)
        await loop.tick()
        #expect(try await relay.state == false)                    // light: off
        #expect(try await dimmer.level == .off)

        // The time sync: the kernel is synchronised and the clock set to 22:30 in Paris.
        clock.advance(by: .seconds(60))
        await cell.set(true)
        clock.setSynchronisation(.synchronised())
        clock.setWall(winterNight.addingTimeInterval(-1800))
        await loop.tick()
        // Trust won, then each circuit's change from its fail-safe to the plan.
        let kinds = log.kinds.filter { if case .circuitChanged = $0 { false } else { true } }
        #expect(kinds.filter { $0.isStep }.count == 1)
        #expect(kinds.last == .clockTrusted)
        let afterTrust = log.kinds.reversed().prefix { $0 != .clockTrusted }
        #expect(afterTrust.count == 2 && afterTrust.allSatisfy {
            if case .circuitChanged(_, _, _, let reason) = $0 { reason == "plan part-night: sunset" } else { false }
        }, "\(afterTrust)")
        #expect(await loop.clockTrust?.isTrusted == true)
        #expect(await loop.output.circuits.allSatisfy { $0.reason == .plan(plan: "part-night", point: "sunset") })
        #expect(try await dimmer.level == DimLevel(percent: 60)!)  // the plan, not the fail-safe's 100 %
        #expect(try await relay.state == true)
    }

    /// Without a photocell, an untrusted clock leaves each circuit in its safe state: on for
    /// `on` and `astronomical` (astronomy needs the clock: a street is never left dark), off for `off`.
    @Test func bootAt1970WithoutAPhotocellFollowsTheSafeStates() async throws {
        let engine = try compile(try loadProfile(chatterProfile), [("c1", 4, .astronomical), ("c2", 4, .off)])
        let clock = ManualClock(wall: Date(timeIntervalSince1970: 5), synchronisation: .unsynchronisedAtBoot)
        let relay = SimulatedRelay(name: "k1", clock: { clock.wallNow })
        let dimmer = SimulatedDimmer(name: "d2", initialLevel: .full)
        var hw = HardwareSet()
        hw.outputs = ["k1": .relay(relay), "d2": .dimmer(dimmer)]
        let loop = ControlLoop(engine: engine, board: try loadBoard(MinimumCycleTests.board), circuitOutputs: ["c1": "k1", "c2": "d2"],
                               hardware: hw, clock: clock)
        await loop.tick()
        #expect(try await relay.state == true)
        #expect(try await dimmer.level == .off)
    }

    /// A synchronised kernel does not make a clock that reads before the ledger's last record
    /// believable (the floor `lanterne run --ledger` passes).
    @Test func aClockBeforeTheLedgersLastRecordIsNotTrusted() async throws {
        let floor = winterNight.addingTimeInterval(86_400)
        let b = try MinimumCycleTests.bench(at: winterNight, settings: .init(trust: .standard(ledgerFloor: floor)))
        await b.loop.tick()
        #expect(await b.loop.clockTrust?.reasons == [.beforeFloor(ClockTrust.Floor(floor, source: "the ledger's last record"))])
        #expect(await b.loop.output.circuits.allSatisfy { $0.reason == .failSafe("clock not trusted") })
    }
}
