import Astronomy
import Foundation
import Testing
@testable import Lighting
import Units

let paris = TimeZone(identifier: "Europe/Paris")!
let montdidier = Site(id: "m", name: "Montdidier", coordinate: GeoCoordinate(latitude: 49.648, longitude: 2.570)!, timeZone: paris)

func utc(_ s: String) -> Date { ISO8601DateFormatter().date(from: s)! }
func iso(_ d: Date) -> String { ISO8601DateFormatter().string(from: d) }

func installation(_ site: Site = montdidier, circuits: Int = 1, count: Int = 10,
                  minimum: DimLevel = .off, safe: SafeState = .astronomical) -> Installation {
    Installation(site: site, circuits: (1...circuits).map {
        CircuitSpec(id: "c\($0)", name: "c\($0)", luminaireCount: count,
                    model: LuminaireModel(ratedPower: Watts(40), minimumLevel: minimum),
                    legacyPower: Watts(171), safeState: safe)
    })
}

func engine(_ yaml: String, _ inst: Installation = installation()) throws -> DimmingEngine {
    let profile = try loadProfile(yaml).get()
    return try DimmingEngine.compile(profile: profile, installation: inst).get()
}

func profile(points: String, limits: String = "", extra: String = "", circuits: String = "[c1]") -> String {
    """
    profile: t
    \(limits)
    plans:
      - id: p
        switch:
    \(points)
    programs:
      - id: prog
        default: p
    groups:
      - id: g
        circuits: \(circuits)
        program: prog
    \(extra)
    """
}

func presence(_ e: DimmingEngine, _ tracks: [String: PresenceTrack]) -> PresenceState {
    var state = e.idlePresence()!
    for (id, track) in tracks { state[id] = track }
    return state
}

@Suite struct LocalClockTests {
    let clock = LocalClock(timeZone: paris)

    @Test func springForwardGapTakesEffectAfterTheGap() {
        // 2026-03-29: Paris jumps from 02:00 CET to 03:00 CEST (01:00 UTC).
        let d = CivilDate("2026-03-29")!
        #expect(iso(clock.instant(d, secondsOfDay: 2 * 3600 + 30 * 60)) == "2026-03-29T01:00:00Z")
        #expect(iso(clock.instant(d, secondsOfDay: 1 * 3600 + 59 * 60)) == "2026-03-29T00:59:00Z")
        #expect(iso(clock.instant(d, secondsOfDay: 3 * 3600)) == "2026-03-29T01:00:00Z")
    }

    @Test func fallBackAmbiguityTakesFirstOccurrence() {
        // 2026-10-25: 03:00 CEST becomes 02:00 CET; 02:30 happens twice, first at 00:30 UTC.
        let d = CivilDate("2026-10-25")!
        #expect(iso(clock.instant(d, secondsOfDay: 2 * 3600 + 30 * 60)) == "2026-10-25T00:30:00Z")
        #expect(iso(clock.instant(d, secondsOfDay: 3 * 3600 + 30 * 60)) == "2026-10-25T02:30:00Z")
    }

    @Test func lightingDayRunsNoonToNoon() {
        #expect(clock.lightingDay(containing: utc("2026-11-21T03:00:00Z")) == CivilDate("2026-11-20"))
        #expect(clock.lightingDay(containing: utc("2026-11-21T10:59:59Z")) == CivilDate("2026-11-20"))
        #expect(clock.lightingDay(containing: utc("2026-11-21T11:00:00Z")) == CivilDate("2026-11-21"))
    }
}

@Suite struct PlanResolution {
    @Test func partNightAtMontdidier() throws {
        let e = try engine(profile(points: """
                  - { at: sunset+10m, level: 100 }
                  - { at: "01:00", level: 0 }
                  - { at: "05:00", level: 100 }
                  - { at: sunrise-10m, level: 0 }
            """))
        let night = e.night(CivilDate("2026-11-20")!, photocell: nil)
        let steps = night.timelines[0].steps
        #expect(steps.map(\.level.tenths) == [1000, 0, 1000, 0])
        #expect(iso(steps[1].at) == "2026-11-21T00:00:00Z")   // 01:00 CET
        #expect(iso(steps[2].at) == "2026-11-21T04:00:00Z")
        // Sunset at Montdidier on 2026-11-20 is about 15:12 UTC (16:12 CET): +10 min.
        let sunset = try #require(Sun.events(on: CivilDate("2026-11-20")!, at: montdidier.coordinate, utcOffsetSeconds: 3600).sunset)
        #expect(steps[0].at == sunset.addingTimeInterval(600))
        let output = e.evaluate(at: utc("2026-11-20T22:00:00Z"), inputs: EngineInputs())
        #expect(output.circuits[0].base.percent == 100)
        #expect(output.nextChange == utc("2026-11-21T00:00:00Z"))
        #expect(e.evaluate(at: utc("2026-11-21T02:00:00Z"), inputs: EngineInputs()).circuits[0].base.percent == 0)
    }

    @Test func writtenOrderWinsWhenSunsetComesLate() throws {
        // In June sunset (21:58 CEST) is after 21:30: the lights come on directly at 50 %.
        let e = try engine(profile(points: """
                  - { at: sunset, level: 100 }
                  - { at: "21:30", level: 50 }
                  - { at: sunrise, level: 0 }
            """))
        let steps = e.night(CivilDate("2026-06-21")!, photocell: nil).timelines[0].steps
        #expect(steps.count == 2)
        #expect(steps[0].level.tenths == 500)
    }

    @Test func switchPointsAcrossDaylightSavingChanges() throws {
        let e = try engine(profile(points: """
                  - { at: "20:00", level: 100 }
                  - { at: "02:30", level: 40 }
                  - { at: "04:00", level: 0 }
            """))
        // Night of Saturday 28 March 2026: 02:30 does not exist; it takes effect at 03:00 CEST.
        let spring = e.night(CivilDate("2026-03-28")!, photocell: nil).timelines[0].steps
        #expect(spring.map { iso($0.at) } == ["2026-03-28T19:00:00Z", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"])
        // Night of Saturday 24 October 2026: 02:30 happens twice; it takes effect once, first.
        let autumn = e.night(CivilDate("2026-10-24")!, photocell: nil).timelines[0].steps
        #expect(autumn.map { iso($0.at) } == ["2026-10-24T18:00:00Z", "2026-10-25T00:30:00Z", "2026-10-25T03:00:00Z"])
        // The lighting day of the autumn change lasts 25 hours.
        let night = e.night(CivilDate("2026-10-24")!, photocell: nil)
        #expect(night.sun.end.timeIntervalSince(night.sun.start) == 25 * 3600)
    }

    @Test func collapsedPointsKeepTheFadeOfTheAnchor() throws {
        let e = try engine(profile(points: """
                  - { at: sunset, level: 100, fade: 0s }
                  - { at: "21:30", level: 50, fade: 10m }
                  - { at: sunrise, level: 0 }
            """))
        let first = e.night(CivilDate("2026-06-21")!, photocell: nil).timelines[0].steps[0]
        #expect(first.level.tenths == 500 && first.fadeSeconds == 0)
    }

    @Test func fadeIsLinear() throws {
        let e = try engine(profile(points: """
                  - { at: "20:00", level: 100 }
                  - { at: "22:00", level: 50, fade: 10m }
                  - { at: "23:00", level: 0 }
            """))
        let mid = e.evaluate(at: utc("2026-11-20T21:05:00Z"), inputs: EngineInputs())   // 22:05 CET
        #expect(abs(mid.circuits[0].base.percent - 75) < 1e-9)
        #expect(abs(mid.circuits[0].base.slope - (-50.0 / 600)) < 1e-12)
        #expect(mid.nextChange == utc("2026-11-20T21:10:00Z"))
    }

    @Test func minimumBurnHoldsTheLampOn() throws {
        let e = try engine(profile(points: """
                  - { at: "20:00", level: 100 }
                  - { at: "20:03", level: 0 }
            """, limits: "limits: { minimumBurn: 10m }"))
        let steps = e.night(CivilDate("2026-11-20")!, photocell: nil).timelines[0].steps
        #expect(iso(steps[1].at) == "2026-11-20T19:10:00Z")
        #expect(steps[1].reason == .minimumBurn(plan: "p"))
    }

    @Test func relayCycleBridgesShortOffPeriods() throws {
        let e = try engine(profile(points: """
                  - { at: "20:00", level: 80 }
                  - { at: "21:00", level: 0 }
                  - { at: "21:02", level: 100 }
                  - { at: "23:00", level: 0 }
            """, limits: "limits: { minimumRelayCycle: 5m }"))
        let o = e.evaluate(at: utc("2026-11-20T20:01:00Z"), inputs: EngineInputs())   // 21:01 CET
        #expect(o.circuits[0].base.percent == 80)
        #expect(o.circuits[0].reason == .relayCycle(plan: "p"))
    }

    @Test func photocellConfirmsInsideItsWindow() throws {
        let yaml = profile(points: """
                  - { at: sunset, level: 100, photocell: true }
                  - { at: sunrise, level: 0, photocell: true }
            """, limits: "photocell: { before: 20m, after: 20m }")
        let e = try engine(yaml)
        let day = CivilDate("2026-11-20")!
        let sunset = e.night(day, photocell: nil).sun[.sunset]
        // The cell says dark 7 minutes before sunset: the lights follow it.
        let early = PhotocellObservations(initiallyDark: false, transitions: [(sunset.addingTimeInterval(-420), true)])
        #expect(e.night(day, photocell: early).timelines[0].steps[0].at == sunset.addingTimeInterval(-420))
        // The cell never says dark (failed): the lights come on at the window's end.
        let stuck = PhotocellObservations(initiallyDark: false)
        let late = e.night(day, photocell: stuck).timelines[0].steps[0]
        #expect(late.at == sunset.addingTimeInterval(1200))
        #expect(late.reason == .photocellTimeout(plan: "p", point: "sunset"))
        // A cell that said dark an hour before sunset only counts from the window's start.
        let veryEarly = PhotocellObservations(initiallyDark: false, transitions: [(sunset.addingTimeInterval(-3600), true)])
        #expect(e.night(day, photocell: veryEarly).timelines[0].steps[0].at == sunset.addingTimeInterval(-1200))
    }

    @Test func polarNightAndMidnightSun() throws {
        let tromso = Site(id: "t", name: "Tromsø", coordinate: GeoCoordinate(latitude: 69.65, longitude: 18.96)!,
                          timeZone: TimeZone(identifier: "Europe/Oslo")!)
        let e = try engine(profile(points: """
                  - { at: sunset, level: 100 }
                  - { at: sunrise, level: 0 }
            """), installation(tromso))
        // Polar night: lit from noon to noon.
        let winter = e.night(CivilDate("2026-12-21")!, photocell: nil)
        #expect(winter.sun.status == .polarNight)
        #expect(winter.timelines[0].steps.first?.at == winter.sun.start)
        #expect(e.evaluate(at: winter.sun.start.addingTimeInterval(3600 * 23.9), inputs: EngineInputs()).circuits[0].base.percent == 100)
        // Midnight sun: never lit.
        let summer = e.night(CivilDate("2026-06-21")!, photocell: nil)
        #expect(summer.sun.status == .midnightSun)
        #expect(summer.sun.dark.isEmpty)
        for h in stride(from: 0.0, to: 24, by: 0.5) {
            #expect(e.evaluate(at: summer.sun.start.addingTimeInterval(h * 3600), inputs: EngineInputs()).circuits[0].base.percent == 0)
        }
    }
}

@Suite struct Composition {
    let yaml = profile(points: """
              - { at: sunset, level: 30 }
              - { at: "23:00", level: 0 }
              - { at: sunrise, level: 0 }
        """, limits: "limits: { minimumLevel: 10 }", extra: """
        presence:
          - id: walk
            level: 100
            hold: 60s
            fadeIn: 2s
            fadeOut: 20s
            neighbours: 1
            sensors:
              - { id: s1, group: g, position: 5 }
        """, circuits: "[c1, c2]")

    @Test func presenceRaisesNeighboursEvenWhenThePlanIsOff() throws {
        let e = try engine(yaml, installation(circuits: 2, count: 4))
        let t0 = utc("2026-11-20T23:30:00Z")   // 00:30 CET: plan off, dark
        let track = PresenceTrack.detected(nil, at: t0, rule: e.profile!.presence[0])
        let o = e.evaluate(at: t0.addingTimeInterval(30), inputs: EngineInputs(presence: presence(e, ["s1": track])))
        // position 5 is c2's first luminaire; neighbours 1: c1#3 (pos 4), c2#0 (5), c2#1 (6).
        #expect(o.circuits[0].raised.map(\.index) == [3])
        #expect(o.circuits[1].raised.map(\.index).sorted() == [0, 1])
        #expect(o.circuits[1].level(ofLuminaire: 0).percent == 100)
        #expect(o.circuits[1].level(ofLuminaire: 3).percent == 0)
        #expect(o.nextChange == t0.addingTimeInterval(60))                      // hold ends
        // Fading out, 10 s into a 20 s fade: 50 %.
        let fading = e.evaluate(at: t0.addingTimeInterval(70), inputs: EngineInputs(presence: presence(e, ["s1": track])))
        #expect(abs(fading.circuits[1].level(ofLuminaire: 0).percent - 50) < 1e-9)
        // Never lowers the plan: in the evening the plan is 30 %; raised luminaires only go up.
        let evening = utc("2026-11-20T19:00:00Z")
        let t2 = PresenceTrack.detected(nil, at: evening, rule: e.profile!.presence[0])
        let o2 = e.evaluate(at: evening.addingTimeInterval(0.5), inputs: EngineInputs(presence: presence(e, ["s1": t2])))
        #expect(o2.circuits[1].level(ofLuminaire: 0).percent == 30)   // ramp at 25 % < plan 30 %
        #expect(o2.circuits[1].level(ofLuminaire: 3).percent == 30)
    }

    @Test func presenceOnlyWhenDark() throws {
        let e = try engine(yaml, installation(circuits: 2, count: 4))
        let noon = utc("2026-11-20T12:00:00Z")
        let track = PresenceTrack.detected(nil, at: noon, rule: e.profile!.presence[0])
        let o = e.evaluate(at: noon.addingTimeInterval(10), inputs: EngineInputs(presence: presence(e, ["s1": track])))
        #expect(o.circuits.allSatisfy { $0.raised.isEmpty && $0.base.percent == 0 })
    }

    @Test func presenceStateForgetsEndedTracks() throws {
        let e = try engine(yaml, installation(circuits: 2, count: 4))
        var state = e.idlePresence()!
        #expect(state.sensors == ["s1"] && state.isIdle)
        let t0 = utc("2026-11-20T23:30:00Z")
        state.detected(sensor: "s1", at: t0)
        #expect(state.earliestEnd == t0.addingTimeInterval(80))
        state.forget(endedBy: t0.addingTimeInterval(79))
        #expect(!state.isIdle)
        state.forget(endedBy: t0.addingTimeInterval(80))
        #expect(state.isIdle && state["s1"] == nil)
        state.detected(sensor: "nobody", at: t0)   // unknown sensors are ignored
        #expect(state.isIdle)
    }

    @Test func retriggerDuringFadeOutRampsFromTheCurrentLevel() throws {
        let e = try engine(yaml, installation(circuits: 2, count: 4))
        let rule = e.profile!.presence[0]
        let t0 = utc("2026-11-20T23:30:00Z")
        let first = PresenceTrack.detected(nil, at: t0, rule: rule)
        let t1 = t0.addingTimeInterval(75)   // 15 s into the fade-out: 25 %
        let second = PresenceTrack.detected(first, at: t1, rule: rule)
        #expect(abs(second.fraction(at: t1, rule: rule) - 0.25) < 1e-9)
        #expect(second.fraction(at: t1.addingTimeInterval(1.5), rule: rule) == 1)
        // A detection while holding keeps the episode and restarts the hold.
        let third = PresenceTrack.detected(second, at: t1.addingTimeInterval(30), rule: rule)
        #expect(third.episodeStart == second.episodeStart)
        #expect(third.fraction(at: t1.addingTimeInterval(30 + 59), rule: rule) == 1)
    }

    @Test func overrideBeatsPresenceAndPlanAndExpires() throws {
        let e = try engine(yaml, installation(circuits: 2, count: 4))
        let t0 = utc("2026-11-20T23:30:00Z")
        let track = PresenceTrack.detected(nil, at: t0, rule: e.profile!.presence[0])
        let o = ManualOverride(id: "op-1", target: .circuit("c2"), level: DimLevel(percent: 60)!,
                               from: t0.addingTimeInterval(-60), until: t0.addingTimeInterval(600))
        let out = e.evaluate(at: t0.addingTimeInterval(5), inputs: EngineInputs(overrides: [o], presence: presence(e, ["s1": track])))
        #expect(out.circuits[1].base.percent == 60 && out.circuits[1].raised.isEmpty)
        #expect(out.circuits[1].reason == .override(id: "op-1"))
        #expect(out.circuits[0].raised.count == 1)     // c1 still follows presence
        let after = e.evaluate(at: t0.addingTimeInterval(600), inputs: EngineInputs(overrides: [o]))
        #expect(after.circuits[1].base.percent == 0)
    }

    @Test func failSafeWins() throws {
        let e = try engine(yaml, installation(circuits: 2, count: 4))
        let night = utc("2026-11-20T23:30:00Z"), day = utc("2026-11-20T12:00:00Z")
        let o = ManualOverride(id: "op", target: .all, level: .off, from: night.addingTimeInterval(-60), until: nil)
        let untrusted = e.evaluate(at: night, inputs: EngineInputs(clockTrusted: false, overrides: [o]))
        #expect(untrusted.circuits.allSatisfy { $0.base.percent == 100 })          // no photocell: on
        let cellLight = PhotocellObservations(initiallyDark: false)
        #expect(e.evaluate(at: night, inputs: EngineInputs(clockTrusted: false, photocell: cellLight)).circuits[0].base.percent == 0)
        let faulted = e.evaluate(at: night, inputs: EngineInputs(faultedCircuits: ["c1"]))
        #expect(faulted.circuits[0].base.percent == 100 && faulted.circuits[0].reason == .failSafe("hardware fault"))
        #expect(e.evaluate(at: day, inputs: EngineInputs(faultedCircuits: ["c1"])).circuits[0].base.percent == 0)
        let none = DimmingEngine(failSafe: installation(circuits: 2, count: 4))
        #expect(none.evaluate(at: night, inputs: EngineInputs()).circuits[0].reason == .failSafe("no valid profile"))
    }

    /// docs/PROFILES.md, "Clock trust": with the clock untrusted, astronomy cannot be believed;
    /// each circuit follows the photocell where there is a working one, else its safe state
    /// (`astronomical` then means on: a street is never left dark); `on` and `off` are kept.
    @Test func anUntrustedClockFollowsThePhotocellOrTheSafeState() throws {
        let states: [SafeState] = [.on, .off, .photocell, .astronomical]
        let inst = Installation(site: montdidier, circuits: states.map {
            CircuitSpec(id: $0.rawValue, name: $0.rawValue, luminaireCount: 1, model: LuminaireModel(ratedPower: Watts(40)),
                        legacyPower: Watts(100), safeState: $0)
        })
        let e = try engine(profile(points: """
                  - { at: sunset, level: 50 }
                  - { at: sunrise, level: 0 }
            """, circuits: "[on, off, photocell, astronomical]"), inst)
        let noon = utc("2026-11-20T12:30:00Z"), night = utc("2026-11-20T23:30:00Z")
        func levels(_ t: Date, _ cell: PhotocellObservations?) -> [Double] {
            let out = e.evaluate(at: t, inputs: EngineInputs(clockTrusted: false, photocell: cell))
            #expect(out.circuits.allSatisfy { $0.reason == .failSafe("clock not trusted") })
            return out.circuits.map(\.base.percent)
        }
        let dark = PhotocellObservations(initiallyDark: true), light = PhotocellObservations(initiallyDark: false)
        // The instant does not matter, the photocell does: (on, off, photocell, astronomical).
        for t in [noon, night] {
            #expect(levels(t, dark) == [100, 0, 100, 100])
            #expect(levels(t, light) == [100, 0, 0, 0])
            #expect(levels(t, nil) == [100, 0, 100, 100])
        }
        // Trusted, a fault gives `astronomical` its astronomy: off at noon, on at night.
        let faulted = EngineInputs(faultedCircuits: ["astronomical"], photocell: dark)
        #expect(e.evaluate(at: noon, inputs: faulted).circuits[3].base.percent == 0)
        #expect(e.evaluate(at: night, inputs: faulted).circuits[3].base.percent == 100)
    }

    @Test func minimumLevelClampsNonZeroRequests() throws {
        let e = try engine(profile(points: """
                  - { at: sunset, level: 5 }
                  - { at: sunrise, level: 0 }
            """, limits: "limits: { minimumLevel: 10 }"))
        #expect(e.evaluate(at: utc("2026-11-20T22:00:00Z"), inputs: EngineInputs()).circuits[0].base.percent == 10)
        #expect(e.evaluate(at: utc("2026-11-20T14:00:00Z"), inputs: EngineInputs()).circuits[0].base.percent == 0)
    }

    @Test func compileChecksTheInstallation() throws {
        let p = try loadProfile(yaml).get()
        let bad = DimmingEngine.compile(profile: p, installation: installation(circuits: 1, count: 4))
        #expect(bad.value == nil)
        #expect(bad.diagnostics.errors.map(\.message).contains("group 'g' names circuit 'c2', which the cabinet does not have; did you mean 'c1'?"))
        #expect(bad.diagnostics.errors.map(\.message).contains { $0.contains("sensor 's1' is at position 5 but group 'g' has 4 luminaires") })
    }
}

@Suite struct ShortAndMissingNights {
    let yaml = profile(points: """
              - { at: sunset, level: 100, photocell: true }
              - { at: "22:00", level: 75 }
              - { at: "00:00", level: 50 }
              - { at: "05:00", level: 75 }
              - { at: sunrise, level: 0, photocell: true }
        """, limits: "photocell: { before: 20m, after: 20m }")

    @Test func midnightSunWithFixedStepsStaysDark() throws {
        let tromso = Site(id: "t", name: "Tromsø", coordinate: GeoCoordinate(latitude: 69.65, longitude: 18.96)!,
                          timeZone: TimeZone(identifier: "Europe/Oslo")!)
        let e = try engine(yaml, installation(tromso))
        for cell in [nil, PhotocellObservations(initiallyDark: false)] {
            let night = e.night(CivilDate("2026-06-21")!, photocell: cell)
            for h in stride(from: 0.0, to: 24, by: 0.25) {
                let t = night.sun.start.addingTimeInterval(h * 3600)
                #expect(e.evaluate(at: t, inputs: EngineInputs(photocell: cell), night: night).circuits[0].base.percent == 0)
            }
        }
    }

    @Test func fixedStepAfterDawnDoesNotRelight() throws {
        // Montdidier in June: sunrise 05:47 CEST, after 05:00 — the 05:00 step applies until sunrise.
        let e = try engine(yaml)
        let steps = e.night(CivilDate("2026-06-20")!, photocell: nil).timelines[0].steps
        #expect(steps.map(\.level.tenths) == [750, 500, 750, 0])   // sunset after 22:00: on at 75 %
        // Oslo-like latitude 59.9°: sunrise 03:54, before 05:00: the 05:00 step collapses onto sunrise.
        let oslo = Site(id: "o", name: "Oslo", coordinate: GeoCoordinate(latitude: 59.91, longitude: 10.75)!,
                        timeZone: TimeZone(identifier: "Europe/Oslo")!)
        let o = try engine(yaml, installation(oslo))
        let night = o.night(CivilDate("2026-06-20")!, photocell: nil)
        #expect(night.timelines[0].steps.last?.level == .off)
        #expect(night.timelines[0].steps.last?.at == night.sun[.sunrise])
        #expect(!night.timelines[0].steps.contains { $0.level.tenths == 750 && $0.at > night.sun[.sunrise] })
    }
}
