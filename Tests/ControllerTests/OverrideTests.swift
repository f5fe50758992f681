import Controller
import Foundation
import HAL
import Lighting
import Testing
import Units

/// Overrides in the control loop, on injected clocks: in force at once (through the minimum
/// cycle), ended at their instant with an event, moved with a step of the wall clock (they keep
/// their duration), resumed after a restart only while not ended, and beaten by the fail-safe.
@Suite struct OverrideTests {
    typealias Bench = MinimumCycleTests.Bench

    static func record(_ target: OverrideRecord.Target, _ percent: Double, from: Date, seconds: Double, id: String = "ovr-1") -> OverrideRecord {
        OverrideRecord(id: id, target: target, level: DimLevel(percent: percent)!, from: from, until: from.addingTimeInterval(seconds),
                       reason: "test", by: "tester")
    }

    static func changes(_ log: EventLog) -> [String] {
        log.kinds.compactMap { kind -> String? in
            guard case .override(let r, let change) = kind else { return nil }
            return "\(r.id) \(change)"
        }
    }

    @Test func anOverrideHoldsItsCircuitsUntilItsEnd() async throws {
        let b = try MinimumCycleTests.bench(at: partNight)   // part-night: off
        await b.loop.tick()
        b.clock.advance(by: .seconds(60))                      // past the first write's minimum cycle
        await b.loop.tick()
        #expect(try await b.relay.state == false)
        await b.loop.setOverride(Self.record(.circuit("c1"), 100, from: b.clock.wallNow, seconds: 120))
        #expect(try await b.relay.state == true)               // at once, not at the next step
        #expect(await b.loop.output.circuits[0].reason == .override(id: "ovr-1"))
        #expect(await b.loop.output.circuits[1].reason != .override(id: "ovr-1"))
        let outlook = await b.loop.outlook()
        #expect(outlook[0].override == "ovr-1" && outlook[0].level == .full)
        // The step that reaches its end ends it: the engine's next change is the end.
        b.clock.advance(by: .seconds(119))
        let next = await b.loop.tick()
        #expect(next == b.clock.monotonicNow.advanced(by: .seconds(1)))
        b.clock.advance(by: .seconds(1))
        await b.loop.tick()
        #expect(await b.loop.overrides.isEmpty)
        #expect(try await b.relay.state == false)
        #expect(Self.changes(b.log) == ["ovr-1 set", "ovr-1 expired"])
    }

    @Test func theMinimumCycleHoldsAnOverridesSwitching() async throws {
        let b = try MinimumCycleTests.bench(at: partNight)
        await b.loop.tick()                                    // the first write: a switching
        b.clock.advance(by: .seconds(10))
        await b.loop.setOverride(Self.record(.all, 100, from: b.clock.wallNow, seconds: 600))
        #expect(try await b.relay.state == false)
        let held = await b.loop.outlook()[0]
        #expect(held.switchingAt == b.clock.wallNow.addingTimeInterval(50), "\(String(describing: held.switchingAt))")
        b.clock.advance(by: .seconds(50))
        await b.loop.tick()
        #expect(try await b.relay.state == true)
    }

    @Test func aStepOfTheWallClockKeepsAnOverridesDuration() async throws {
        let b = try MinimumCycleTests.bench(at: partNight)
        await b.loop.tick()
        b.clock.advance(by: .seconds(60))
        await b.loop.setOverride(Self.record(.group("street"), 100, from: b.clock.wallNow, seconds: 600))
        b.clock.advance(by: .seconds(1))
        b.clock.stepWall(by: .seconds(3600))                   // NTP sets the clock an hour ahead
        await b.loop.tick()
        #expect(await b.loop.overrides.count == 1)             // not ended by the hour
        #expect(try await b.relay.state == true)
        b.clock.advance(by: .seconds(598))
        await b.loop.tick()
        #expect(await b.loop.overrides.count == 1)
        b.clock.advance(by: .seconds(1))
        await b.loop.tick()
        #expect(await b.loop.overrides.isEmpty)                // 600 s on the monotonic clock
    }

    @Test func onlyOverridesNotEndedAreResumed() async throws {
        let b = try MinimumCycleTests.bench(at: partNight)
        let now = b.clock.wallNow
        await b.loop.resume(overrides: [Self.record(.circuit("c1"), 100, from: now.addingTimeInterval(-600), seconds: 300, id: "ended"),
                                        Self.record(.circuit("c2"), 40, from: now.addingTimeInterval(-60), seconds: 300, id: "live")])
        await b.loop.tick()
        #expect(await b.loop.overrides.map(\.id) == ["live"])
        #expect(await b.loop.output.circuits[1].reason == .override(id: "live"))
        #expect(Self.changes(b.log) == ["live resumed"])
    }

    @Test func theFailSafeWinsOverAnOverride() async throws {
        let b = try MinimumCycleTests.bench(at: partNight, kernel: .unsynchronisedAtBoot)
        await b.loop.tick()
        await b.loop.setOverride(Self.record(.all, 0, from: b.clock.wallNow, seconds: 600))
        #expect(await b.loop.output.circuits.allSatisfy { $0.reason.isFailSafe })
        await b.loop.clearOverrides(on: nil, by: "tester")
        #expect(Self.changes(b.log) == ["ovr-1 set", "ovr-1 cleared(by: \"tester\")"])
    }
}
