import BoardFiles
import Controller
import Foundation
import HAL
import Lighting
import Testing
import Units

/// The minimum-cycle rule itself, on monotonic instants.
@Suite struct SwitchingGuardTests {
    let t0 = ContinuousClock.now

    @Test func aSwitchingInsideTheMinimumCycleIsDeferredUntilItEnds() {
        var g = SwitchingGuard(minimumCycles: ["k1": .seconds(60)])
        #expect(g.verdict("k1", contact: true, at: t0, failSafeEntry: false) == .proceed)        // nothing known yet
        g.record("k1", contact: true, at: t0, succeeded: true)
        let later = t0.advanced(by: .seconds(5))
        #expect(g.verdict("k1", contact: false, at: later, failSafeEntry: false) == .deferred(until: t0.advanced(by: .seconds(60))))
        #expect(g.verdict("k1", contact: true, at: later, failSafeEntry: false) == .proceed)      // no switching
        #expect(g.verdict("k1", contact: false, at: t0.advanced(by: .seconds(60)), failSafeEntry: false) == .proceed)
    }

    /// The first write after the start may have switched (a GPIO line is driven when requested).
    @Test func theFirstWriteCountsAsASwitching() {
        var g = SwitchingGuard(minimumCycles: ["k1": .seconds(60)])
        g.record("k1", contact: false, at: t0, succeeded: true)
        #expect(g.outputs["k1"]?.lastSwitching == t0)
        #expect(g.verdict("k1", contact: true, at: t0.advanced(by: .seconds(1)), failSafeEntry: false)
                == .deferred(until: t0.advanced(by: .seconds(60))))
        g.record("k1", contact: false, at: t0.advanced(by: .seconds(1)), succeeded: true)   // the same contact again
        #expect(g.outputs["k1"]?.lastSwitching == t0)
    }

    @Test func noMinimumMeansNoDeferral() {
        var g = SwitchingGuard(minimumCycles: ["k1": .zero])
        g.record("k1", contact: true, at: t0, succeeded: true)
        #expect(g.verdict("k1", contact: false, at: t0, failSafeEntry: false) == .proceed)
        #expect(g.verdict("unknown", contact: false, at: t0, failSafeEntry: false) == .proceed)
    }

    @Test func aFailSafeEntryIsNeverDeferredAndCountsAsASwitching() {
        var g = SwitchingGuard(minimumCycles: ["k1": .seconds(60)])
        g.record("k1", contact: false, at: t0, succeeded: true)
        let soon = t0.advanced(by: .seconds(2))
        #expect(g.verdict("k1", contact: true, at: soon, failSafeEntry: true) == .proceed)
        g.record("k1", contact: true, at: soon, succeeded: true)
        // The way back waits a full cycle from the bypassed switching.
        #expect(g.verdict("k1", contact: false, at: soon.advanced(by: .seconds(59)), failSafeEntry: false)
                == .deferred(until: soon.advanced(by: .seconds(60))))
    }

    @Test func aFailedWriteMayHaveSwitched() {
        var g = SwitchingGuard(minimumCycles: ["k1": .seconds(60)])
        g.record("k1", contact: true, at: t0, succeeded: true)
        let failedAt = t0.advanced(by: .seconds(100))
        g.record("k1", contact: false, at: failedAt, succeeded: false)
        #expect(g.outputs["k1"]?.contact == nil)
        // Either way is now a possible switching, guarded from the failed attempt.
        #expect(g.verdict("k1", contact: true, at: failedAt.advanced(by: .seconds(1)), failSafeEntry: false)
                == .deferred(until: failedAt.advanced(by: .seconds(60))))
    }

    @Test func whatCountsAsASwitching() {
        let half = DimLevel(percent: 50)!
        #expect(SwitchingGuard.contact(.off, kind: .relay) == false)
        #expect(SwitchingGuard.contact(half, kind: .relay) == true)
        #expect(SwitchingGuard.contact(half, kind: .dimmer) == true)      // a dimmer is on above 0 %
        #expect(SwitchingGuard.contact(.full, kind: .dimmer) == true)
        #expect(SwitchingGuard.contact(half, kind: .step) == true)        // the reduced step is active
        #expect(SwitchingGuard.contact(.full, kind: .step) == false)
    }

    /// The shipped Modbus TCP cabinet's contactors (`minimumCycle: 1m` on four coils) reach the
    /// guard: HardwareSet used to drop the setting for every output that was not on GPIO.
    @Test func theModbusCabinetsContactorsAreGuarded() throws {
        let board = try #require(BoardLoader.load(path: repo.appendingPathComponent("boards/modbus-tcp-cabinet.yaml").path).value)
        let cycles = SwitchingGuard.minimumCycles(of: board)
        for k in ["k1", "k2", "k3", "k4"] { #expect(cycles[k] == .seconds(60), "\(k)") }
        #expect(cycles["dali-1"] == .zero)
    }
}
