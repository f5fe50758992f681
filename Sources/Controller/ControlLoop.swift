import Astronomy
import BoardFiles
#if canImport(Glibc)
import Foundation
#endif
import GPIO
import Glibc
import HAL
import Lighting
import Logging
import Modbus
import Units

/// The cabinet's control loop on real hardware: the same ``Lighting/DimmingEngine`` as the
/// simulation decides, this loop feeds it the inputs (presence edges, the photocell, device
/// faults, whether the clock is trusted) and applies its decisions to the outputs.
///
/// - A presence edge is handled at once (``detected(sensor:)``): recorded in the presence
///   state, the engine evaluated, the changed outputs written.
/// - ``tick()`` runs at least every ``Settings/tickInterval`` (1 s), at the engine's next
///   change and when a deferred switching becomes due: fades, plan steps, photocell changes.
/// - Time (``CabinetClock``): the engine gets the wall clock's reading; every duration (the
///   wait between steps, the minimum relay cycle) is on the monotonic clock. At every step the
///   loop compares the two: a difference beyond ``Settings/stepThreshold`` is a step of the
///   wall clock (an event); presence holds and photocell reports move with it, so they keep
///   their durations, and tonight's schedule is recomputed. ``ClockTrust`` decides at every
///   step whether the wall clock is believed; while it is not, every circuit follows its
///   fail-safe (the engine's `clockTrusted: false`). Winning and losing trust are events.
/// - Every write goes through one ``SwitchingGuard`` (the board's `minimumCycle`, for every
///   kind of output): a switching too soon is deferred, never dropped and never a fault.
/// - Every output is written again each ``Settings/refreshInterval`` (60 s) whether it changed
///   or not: a device that went silent is found though nothing changes, and one that lost its
///   state gets it back.
/// - An output that fails marks its circuit faulted: the engine then gives the circuit its
///   board-defined safe state, which the loop keeps writing; the first successful write
///   clears the fault. Other circuits are unaffected.
/// - ``shutdown()`` drives every circuit to its safe state (through the guard, as a fail-safe
///   entry) and releases the hardware.
public actor ControlLoop {
    /// How the loop runs.
    public struct Settings: Sendable {
        /// The longest wait between two steps.
        public var tickInterval: Duration
        /// A wall clock that moves this much more or less than the monotonic clock between two
        /// readings has stepped.
        public var stepThreshold: Duration
        /// How clock trust is decided (the floors: the build, the ledger's last record).
        public var trust: ClockTrust.Policy

        /// Every output is written again this often, changed or not: a device that stopped
        /// answering is found (its circuit goes to its safe state) and one that lost its state
        /// (a gateway restarted at its power-on level) gets it back. Rewriting the same contact
        /// is not a switching for the minimum cycle.
        public var refreshInterval: Duration

        public init(tickInterval: Duration = .seconds(1), stepThreshold: Duration = .seconds(2), trust: ClockTrust.Policy = .init(),
                    refreshInterval: Duration = .seconds(60)) {
            self.tickInterval = tickInterval
            self.stepThreshold = stepThreshold
            self.refreshInterval = refreshInterval
            self.trust = trust
        }
    }

    /// The engine of the profile in force (``activate(_:)`` replaces it).
    public private(set) var engine: DimmingEngine
    public let board: Board
    /// Circuit index → board output id.
    public let circuitOutputs: [(circuit: Int, output: String)]
    public let hardware: HardwareSet
    public nonisolated let clock: any CabinetClock
    public let settings: Settings
    private let logger: Logger
    private let events: @Sendable (ControlEvent) -> Void

    private var presence: PresenceState?
    private var faulted: Set<String> = []
    private var applied: [String: DimLevel] = [:]
    /// Bumped at each decision. The actor is re-entrant across the output writes' awaits, so a
    /// decision that finds a newer one made meanwhile stops writing: a stale level never
    /// lands after a fresher one (a presence edge during a tick's writes).
    private var generation = 0
    private var night: DimmingEngine.Night?
    private var nightDay: CivilDate?
    private var photocell: PhotocellObservations?
    private var lastPhotocell: Bool?
    /// The previous reading of both clocks, to see the wall clock step.
    private var lastReading: (wall: Date, monotonic: ContinuousClock.Instant)?
    /// The minimum cycle of every output.
    public private(set) var switching: SwitchingGuard
    /// Switchings held back by the guard: output → (contact wanted, when it is allowed).
    private var deferrals: [String: (contact: Bool, until: ContinuousClock.Instant)] = [:]
    /// Circuits whose last decision was their fail-safe.
    private var inFailSafe: Set<String> = []
    /// Circuits that entered their fail-safe and whose output does not show it yet: their
    /// writes pass the minimum cycle (see ``SwitchingGuard``).
    private var enteringFailSafe: Set<String> = []
    /// The last decision.
    public private(set) var output = EngineOutput.empty
    /// The overrides in force or to come, oldest first (``setOverride(_:)``); an expired one is
    /// removed at the step that finds it so, with an event.
    public private(set) var overrides: [OverrideRecord] = []
    /// The energy the decisions have drawn by circuit since the last
    /// ``takeExpectedEnergy()``, and the monotonic instant it runs to.
    private var expected: ExpectedEnergy
    private var expectedUntil: ContinuousClock.Instant?
    /// The last clock-trust decision (nil before the first step).
    public private(set) var clockTrust: ClockTrust?
    /// Output writes that went to the hardware, and those that failed. A deferred switching
    /// writes nothing.
    public private(set) var writes = 0, failedWrites = 0
    /// Switchings deferred by the minimum cycle (counted once per deferral).
    public private(set) var deferredSwitchings = 0
    /// For each of the last 1,000 presence edges handled by ``run(releasing:)``: nanoseconds
    /// from the kernel's timestamp of the edge (CLOCK_MONOTONIC) to the outputs written.
    public private(set) var presenceLatencies: [Int64] = []

    /// - Parameters:
    ///   - circuitOutputs: circuit id → board output id.
    ///   - clock: the wall and monotonic clocks and the kernel's synchronisation state.
    ///   - logger: one line per event, at its level (and a warning per photocell failure).
    ///   - events: every ``ControlEvent``, as it happens.
    public init(engine: DimmingEngine, board: Board, circuitOutputs: [String: String], hardware: HardwareSet,
                clock: any CabinetClock = HostClock(), settings: Settings = Settings(),
                logger: Logger = Logger(label: "lanterne.control"), events: @escaping @Sendable (ControlEvent) -> Void = { _ in }) {
        self.engine = engine
        self.board = board
        let ids = engine.installation.circuits.map(\.id)
        self.circuitOutputs = ids.enumerated().compactMap { i, id in circuitOutputs[id].map { (i, $0) } }
        self.hardware = hardware
        self.clock = clock
        self.settings = settings
        self.logger = logger
        self.events = events
        self.presence = engine.idlePresence()
        self.expected = ExpectedEnergy(installation: engine.installation)
        self.switching = SwitchingGuard(minimumCycles: SwitchingGuard.minimumCycles(of: board))
    }

    /// Beaten after every step of ``run(releasing:)``: a systemd watchdog is fed only while it
    /// beats (``WatchdogFeeder``).
    public nonisolated let heartbeat = Heartbeat()

    /// The circuits currently held in their safe state because their output failed.
    public var faultedCircuits: Set<String> { faulted }

    /// Switchings waiting for their minimum cycle: output id → (contact wanted, when allowed).
    public var pendingSwitchings: [String: (contact: Bool, until: ContinuousClock.Instant)] { deferrals }

    /// A presence detection, now: recorded, then the engine decides and the outputs follow at once.
    ///
    /// - Parameter edge: the kernel's CLOCK_MONOTONIC timestamp of the edge (nanoseconds): the
    ///   time from it to the outputs written is kept in ``presenceLatencies``.
    public func detected(sensor: String, edge: Int64? = nil) async {
        let t = readClocks()
        if let slot = presence?.slot(of: sensor) { presence?.detected(slot: slot, at: t) }
        await decideAndApply(at: t, edge: edge)
    }

    /// One periodic step: reads the clocks and the photocell, evaluates, applies.
    ///
    /// - Returns: when the next step is due on the monotonic clock: at most
    ///   ``Settings/tickInterval`` away, sooner for the engine's next change or a deferred
    ///   switching's release.
    @discardableResult
    public func tick() async -> ContinuousClock.Instant {
        let t = readClocks()
        let monotonic = lastReading?.monotonic ?? clock.monotonicNow
        await readPhotocell(at: t)
        await readWatchedInputs(at: t)
        // Every output written again at this step, once per refresh interval.
        let refresh = lastRefresh.map { monotonic - $0 >= settings.refreshInterval } ?? false
        if lastRefresh == nil || refresh { lastRefresh = monotonic }
        await decideAndApply(at: t, refresh: refresh)
        var next = monotonic.advanced(by: settings.tickInterval)
        let toChange = output.nextChange.timeIntervalSince(t)
        if toChange < settings.tickInterval.timeInterval {
            next = min(next, monotonic.advanced(by: .interval(max(0.001, toChange))))
        }
        for d in deferrals.values { next = min(next, d.until) }
        return next
    }

    // MARK: - Time

    /// Reads both clocks: sees a step of the wall clock, decides trust. Returns the wall
    /// clock's reading, the instant the engine evaluates.
    private func readClocks() -> Date {
        let wall = clock.wallNow, monotonic = clock.monotonicNow
        if let last = lastReading {
            let expected = last.wall.addingTimeInterval((monotonic - last.monotonic).timeInterval)
            let step = wall.timeIntervalSince(expected)
            if abs(step) > settings.stepThreshold.timeInterval { wallClockStepped(by: step, expected: expected, reading: wall) }
        }
        lastReading = (wall, monotonic)
        let trust = ClockTrust.evaluate(kernel: clock.synchronisation(), wall: wall, policy: settings.trust)
        if clockTrust?.isTrusted != trust.isTrusted {
            emit(ControlEvent(at: wall, kind: trust.isTrusted ? .clockTrusted : .clockUntrusted(trust.reasons)))
        }
        clockTrust = trust
        return wall
    }

    /// The wall clock stepped by `seconds`: what the loop holds in wall-clock instants moves
    /// with it (a presence hold keeps the time it had left, the photocell's reports stay as
    /// far in the past), and tonight's schedule is recomputed.
    private func wallClockStepped(by seconds: TimeInterval, expected: Date, reading: Date) {
        presence?.shift(by: seconds)
        photocell = photocell?.shifted(by: seconds)
        for i in overrides.indices {
            overrides[i].from.addTimeInterval(seconds)
            overrides[i].until.addTimeInterval(seconds)
        }
        night = nil
        emit(ControlEvent(at: reading, kind: .wallClockStepped(by: .interval(seconds), expected: expected, reading: reading)))
    }

    private func emit(_ event: ControlEvent) {
        logger.log(level: event.level, "\(event.description)")
        events(event)
    }

    // MARK: - Decisions

    /// When every output was last written (``Settings/refreshInterval``).
    private var lastRefresh: ContinuousClock.Instant?

    /// The door and breaker inputs' last states (absent: not read yet, or unreadable).
    private var watchedInputs: [String: Bool] = [:]

    /// Reads the door and breaker inputs; an event at the first reading and at each change. An
    /// input that cannot be read is skipped (its device's fault is the line's to report).
    private func readWatchedInputs(at t: Date) async {
        for input in board.inputs where input.kind == .door || input.kind == .breaker {
            guard let device = hardware.inputs[input.id], let active = try? await device.read() else { continue }
            if watchedInputs[input.id] != active {
                watchedInputs[input.id] = active
                emit(ControlEvent(at: t, kind: .input(id: input.id, kind: input.kind, active: active)))
            }
        }
    }

    private func readPhotocell(at t: Date) async {
        guard let input = board.inputs.first(where: { $0.kind == .photocell }), let device = hardware.inputs[input.id] else { return }
        do {
            let dark = try await device.read()
            if photocell == nil { photocell = PhotocellObservations(initiallyDark: dark) } else if dark != lastPhotocell {
                photocell?.transitions.append((t, dark))
                night = nil   // the night's switch points may move with the photocell
            }
            lastPhotocell = dark
        } catch {
            if photocell != nil { logger.warning("photocell: \(error); astronomy alone decides") }
            photocell = nil
            lastPhotocell = nil
        }
    }

    private func resolveNight(for t: Date) -> DimmingEngine.Night {
        let day = engine.lightingDay(containing: t)
        if let night, nightDay == day { return night }
        if nightDay != day { photocell = lastPhotocell.map { PhotocellObservations(initiallyDark: $0) } }
        let resolved = engine.night(day, photocell: photocell)
        night = resolved
        nightDay = day
        return resolved
    }

    private func decideAndApply(at t: Date, refresh: Bool = false, edge: Int64? = nil) async {
        let night = resolveNight(for: t)
        presence?.forget(endedBy: t)
        if !overrides.isEmpty { expireOverrides(at: t) }
        let inputs = EngineInputs(clockTrusted: clockTrust?.isTrusted ?? false, faultedCircuits: faulted,
                                  overrides: overrides.map(\.manual), presence: presence, photocell: photocell)
        var decision = EngineOutput.empty
        engine.evaluate(at: t, inputs: inputs, night: night, into: &decision)
        decided(decision)
        generation += 1
        let current = generation
        await apply(decision, generation: current, refresh: refresh)
        if let edge { record(latencySince: edge) }
        // Said once the outputs are written: logging stays off a presence edge's path.
        if current == generation { reportChanges(decision) }
    }

    /// Makes `decision` the current one, after adding the time the previous one held to the
    /// expected energy.
    private func decided(_ decision: EngineOutput) {
        accountExpectedEnergy()
        output = decision
    }

    /// Each circuit's last reported aim: the level its output moves to and why.
    private var aims: [String: (level: DimLevel, reason: String)] = [:]

    /// An event for each circuit whose aim changed with this decision: a plan step, a fade's
    /// start (not each of its steps), a presence raise and its end, the fail-safe.
    private func reportChanges(_ decision: EngineOutput) {
        for c in decision.circuits {
            let aim = Self.aim(of: c, at: decision.at)
            if let last = aims[c.circuit], last.level == aim.level, last.reason == aim.reason { continue }
            aims[c.circuit] = (aim.level, aim.reason)
            emit(ControlEvent(at: decision.at, kind: .circuitChanged(circuit: c.circuit, level: aim.level,
                                                                     fadeSeconds: aim.fadeSeconds, reason: aim.reason)))
        }
    }

    /// Where a circuit's output is heading at `t`: the end of the fade under way (or the level
    /// now), the highest of its luminaires (as ``level(of:)``), and the reason of the luminaire
    /// that sets it (presence when a raised one is above the rest).
    public static func aim(of c: CircuitOutput, at t: Date) -> (level: DimLevel, fadeSeconds: Double, reason: String) {
        func target(_ s: LevelSample) -> (percent: Double, fade: Double) {
            guard s.slope != 0, let until = s.until, until > t else { return (s.percent, 0) }
            let seconds = until.timeIntervalSince(t)
            return (s.percent + s.slope * seconds, seconds)
        }
        var best = target(c.base), reason = c.reason.description
        for r in c.raised {
            let raised = target(r.sample)
            if raised.percent > best.percent {
                best = raised
                reason = LevelReason.presence(sensor: r.sensor).description
            }
        }
        // A raised luminaire fading out below the rest still sets the output until it crosses
        // their level: the output's fade lasts until then.
        for r in c.raised where r.sample.percent > best.percent && r.sample.slope < 0 {
            let crossing = (r.sample.percent - best.percent) / -r.sample.slope
            best.fade = max(best.fade, min(crossing, r.sample.until.map { max(0, $0.timeIntervalSince(t)) } ?? crossing))
        }
        return (DimLevel.clamping(percent: best.percent), best.fade, reason)
    }

    /// Adds the current decision's energy from where the account stopped to `now` (the step's
    /// monotonic reading by default).
    private func accountExpectedEnergy(to now: ContinuousClock.Instant? = nil) {
        let now = now ?? lastReading?.monotonic ?? clock.monotonicNow
        if let since = expectedUntil, now > since { expected.add(output, seconds: (now - since).timeInterval) }
        expectedUntil = max(expectedUntil ?? now, now)
    }

    /// What the decisions drew per circuit (the installation's order) since the last call — the
    /// energy by the luminaires' power curves (presence raises included), the burning time, the
    /// mean level: what the controller splits a shared meter by and records as decided.
    /// Monotonic durations; nothing before the first decision.
    public func takeExpectedEnergy() -> [ExpectedEnergy.Circuit] {
        accountExpectedEnergy(to: clock.monotonicNow)
        return expected.take()
    }

    /// What a circuit should draw now, as the measurements are compared with.
    public struct CircuitPower: Sendable, Hashable {
        /// The power the last decision draws now by the luminaires' power curves (W), fades
        /// and presence raises included; 0 when the circuit is not energised.
        public var watts: Double
        /// The circuit's last change of contact written to its output: when (monotonic) and to
        /// which side (on: closed).
        public var lastSwitch: LastSwitch?
        public init(watts: Double, lastSwitch: LastSwitch? = nil) {
            self.watts = watts
            self.lastSwitch = lastSwitch
        }
    }

    public struct LastSwitch: Sendable, Hashable {
        public var at: ContinuousClock.Instant
        public var on: Bool
        public init(at: ContinuousClock.Instant, on: Bool) {
            self.at = at
            self.on = on
        }
    }

    /// What each circuit should draw now (the installation's order): the decision's levels,
    /// except where the output still holds its previous state because the minimum cycle
    /// deferred its switching — then the level last written, on every luminaire.
    ///
    /// The last switching is the switching guard's: the last change of contact written (a
    /// write whose outcome is unknown gives none).
    public func expectedPower() -> [CircuitPower] {
        let decision = output, now = clock.wallNow
        var held: [Int: DimLevel] = [:], switches: [Int: LastSwitch] = [:]
        for (ci, o) in circuitOutputs {
            if deferrals[o] != nil { held[ci] = applied[o] ?? .off }
            if let g = switching.outputs[o], let at = g.lastSwitching, let on = g.contact { switches[ci] = LastSwitch(at: at, on: on) }
        }
        return engine.installation.circuits.enumerated().map { ci, spec in
            if let level = held[ci] {
                return CircuitPower(watts: level.isOff ? 0 : spec.model.watts(atPercent: level.percent) * Double(spec.luminaireCount),
                                    lastSwitch: switches[ci])
            }
            guard decision.circuits.indices.contains(ci) else { return CircuitPower(watts: 0, lastSwitch: switches[ci]) }
            let out = decision.circuits[ci]
            var watts = 0.0
            if out.energised {
                let base = out.base.percent(at: now, sampledAt: decision.at)
                watts = spec.model.watts(atPercent: base) * Double(spec.luminaireCount - out.raised.count)
                for r in out.raised { watts += spec.model.watts(atPercent: r.sample.percent(at: now, sampledAt: decision.at)) }
            }
            return CircuitPower(watts: watts, lastSwitch: switches[ci])
        }
    }

    /// The level an output must show for a circuit: the highest of its luminaires (a channel
    /// or contactor serves them all).
    static func level(of c: CircuitOutput) -> DimLevel {
        c.raised.reduce(c.base.level) { max($0, $1.sample.level) }
    }

    // MARK: - Profiles

    /// Puts another profile in force at once: its engine (compiled for the same installation)
    /// decides from now on, tonight's schedule is resolved anew, presence starts idle for its
    /// sensors; the outputs are written now, through the switching guard. Overrides stay.
    public func activate(_ engine: DimmingEngine) async {
        accountExpectedEnergy()
        self.engine = engine
        night = nil
        nightDay = nil
        presence = engine.idlePresence()
        await decideAndApply(at: readClocks())
    }

    // MARK: - Overrides

    /// Puts `record` in force (it replaces an override on the same target), then decides and
    /// writes the outputs at once. An event says it.
    public func setOverride(_ record: OverrideRecord) async {
        overrides.removeAll { $0.target == record.target }
        overrides.append(record)
        emit(ControlEvent(at: lastReading?.wall ?? clock.wallNow, kind: .override(record, .set)))
        await decideAndApply(at: readClocks())
    }

    /// Ends the overrides on `target` (nil: every one), each with an event naming `by`; decides
    /// and writes the outputs at once. Returns those ended.
    @discardableResult
    public func clearOverrides(on target: OverrideRecord.Target?, by: String) async -> [OverrideRecord] {
        let ended = overrides.filter { target == nil || $0.target == target }
        guard !ended.isEmpty else { return [] }
        overrides.removeAll { target == nil || $0.target == target }
        let t = readClocks()
        for r in ended { emit(ControlEvent(at: t, kind: .override(r, .cleared(by: by)))) }
        await decideAndApply(at: t)
        return ended
    }

    /// Overrides read back from the controller's state at its start, before the first step:
    /// those not yet expired are in force again, each with an event.
    public func resume(overrides records: [OverrideRecord]) {
        let now = clock.wallNow
        for r in records where r.until > now {
            overrides.removeAll { $0.target == r.target }
            overrides.append(r)
            emit(ControlEvent(at: now, kind: .override(r, .resumed)))
        }
    }

    /// Removes the overrides ended by `t`, each with an event. The engine puts a step at every
    /// override's end, so one ends within the step that reaches it.
    private func expireOverrides(at t: Date) {
        let ended = overrides.filter { $0.until <= t }
        guard !ended.isEmpty else { return }
        overrides.removeAll { $0.until <= t }
        for r in ended { emit(ControlEvent(at: t, kind: .override(r, .expired))) }
    }

    // MARK: - Status

    /// A circuit as the controller's status shows it.
    public struct CircuitOutlook: Sendable, Hashable {
        public var circuit: String
        /// Its board output.
        public var output: String?
        /// The level its output aims at now, and why (``aim(of:at:)``).
        public var level: DimLevel
        public var reason: String
        /// The override in force on it.
        public var override: String?
        /// Held in its safe state because its output failed.
        public var faulted: Bool
        /// When its output's switching, held back by the minimum cycle, is made (nil: none is).
        public var switchingAt: Date?
        /// Its next change without a new input (a presence detection, an override...): when,
        /// to which level, why. Nil when nothing is due (a fail-safe holds it).
        public var next: Change?

        public struct Change: Sendable, Hashable {
            public var at: Date
            public var level: DimLevel
            public var reason: String
        }
    }

    /// Every circuit's level now and its next change (the installation's order), from the last
    /// decision: the engine evaluated again where the circuit's level next changes shape.
    public func outlook() -> [CircuitOutlook] {
        let decision = output
        let outputs = Dictionary(circuitOutputs.map { (engine.installation.circuits[$0.circuit].id, $0.output) }, uniquingKeysWith: { a, _ in a })
        let inputs = EngineInputs(clockTrusted: clockTrust?.isTrusted ?? false, faultedCircuits: faulted,
                                  overrides: overrides.map(\.manual), photocell: photocell)
        var later = EngineOutput.empty
        let wallNow = clock.wallNow, monotonicNow = clock.monotonicNow
        return decision.circuits.map { c in
            let aim = Self.aim(of: c, at: decision.at)
            // The first change of level within two days (a step to the same level is not one).
            var next: CircuitOutlook.Change?
            var until = c.base.until, steps = 0
            while next == nil, let t = until, t > decision.at, t < decision.at.addingTimeInterval(2 * 86_400), steps < 16, !c.reason.isFailSafe {
                steps += 1
                let day = engine.lightingDay(containing: t)
                let night = day == nightDay ? self.night ?? engine.night(day, photocell: photocell) : engine.night(day, photocell: photocell)
                engine.evaluate(at: t, inputs: inputs, night: night, into: &later)
                guard let o = later.circuits.first(where: { $0.circuit == c.circuit }) else { break }
                let then = Self.aim(of: o, at: t)
                if then.level != aim.level { next = .init(at: t, level: then.level, reason: then.reason) }
                until = o.base.until
            }
            var override: String?
            if case .override(let id) = c.reason { override = id }
            let held = outputs[c.circuit].flatMap { deferrals[$0] }.map { wallNow.addingTimeInterval(($0.until - monotonicNow).timeInterval) }
            return CircuitOutlook(circuit: c.circuit, output: outputs[c.circuit], level: aim.level, reason: aim.reason,
                                  override: override, faulted: faulted.contains(c.circuit), switchingAt: held, next: next)
        }
    }

    // MARK: - Outputs

    /// Notes which circuits enter their fail-safe with this decision.
    private func noteFailSafe(_ decision: EngineOutput) {
        for c in decision.circuits {
            if c.reason.isFailSafe {
                if inFailSafe.insert(c.circuit).inserted { enteringFailSafe.insert(c.circuit) }
            } else {
                inFailSafe.remove(c.circuit)
                enteringFailSafe.remove(c.circuit)
            }
        }
    }

    /// Writes a decision: every changed output, through the switching guard; gateway channels
    /// in one batch per gateway. The only place outputs are driven.
    private func apply(_ decision: EngineOutput, generation current: Int, refresh: Bool = false) async {
        noteFailSafe(decision)
        var byGateway: [ObjectIdentifier: (ModbusDimmingGateway, [(circuit: String, output: String, channel: Int, level: DimLevel, contact: Bool)])] = [:]
        for (ci, outputID) in circuitOutputs {
            guard current == generation else { return }
            let c = decision.circuits[ci]
            let level = Self.level(of: c)
            guard let out = hardware.outputs[outputID] else { continue }
            if applied[outputID] == level, !refresh {
                deferrals[outputID] = nil
                enteringFailSafe.remove(c.circuit)
                continue
            }
            let contact = SwitchingGuard.contact(level, kind: board.output(outputID)?.kind ?? .relay)
            if case .deferred(let until) = switching.verdict(outputID, contact: contact, at: clock.monotonicNow,
                                                             failSafeEntry: enteringFailSafe.contains(c.circuit)) {
                deferred(circuit: c.circuit, output: outputID, contact: contact, until: until)
                continue
            }
            deferrals[outputID] = nil
            switch out {
            case .gatewayChannel(let gw, let channel, _):
                byGateway[ObjectIdentifier(gw), default: (gw, [])].1.append((c.circuit, outputID, channel, level, contact))
            case .relay(let relay):
                await write(circuit: c.circuit, output: outputID, level: level, contact: contact) { () async throws(HALError) in
                    try await relay.set(on: !level.isOff)
                }
            case .dimmer(let dimmer):
                await write(circuit: c.circuit, output: outputID, level: level, contact: contact) { () async throws(HALError) in
                    try await dimmer.set(level: level)
                }
            }
        }
        for (gw, changes) in byGateway.values {
            guard current == generation else { return }
            do {
                try await gw.apply(changes.map { ($0.channel, $0.level) })
                writes += 1
                for c in changes { succeeded(circuit: c.circuit, output: c.output, level: c.level, contact: c.contact) }
            } catch {
                failedWrites += 1
                for c in changes { failed(circuit: c.circuit, output: c.output, contact: c.contact, error: error) }
            }
        }
    }

    private func deferred(circuit: String, output: String, contact: Bool, until: ContinuousClock.Instant) {
        if let d = deferrals[output], d.contact == contact { return }   // already said
        deferrals[output] = (contact, until)
        deferredSwitchings += 1
        emit(ControlEvent(at: lastReading?.wall ?? clock.wallNow,
                          kind: .switchingDeferred(circuit: circuit, output: output, contact: contact, remaining: until - clock.monotonicNow)))
    }

    private func write(circuit: String, output: String, level: DimLevel, contact: Bool, _ body: () async throws(HALError) -> Void) async {
        do {
            try await body()
            writes += 1
            succeeded(circuit: circuit, output: output, level: level, contact: contact)
        } catch {
            failedWrites += 1
            failed(circuit: circuit, output: output, contact: contact, error: error)
        }
    }

    private func succeeded(circuit: String, output: String, level: DimLevel, contact: Bool) {
        switching.record(output, contact: contact, at: clock.monotonicNow, succeeded: true)
        applied[output] = level
        enteringFailSafe.remove(circuit)
        if faulted.remove(circuit) != nil {
            emit(ControlEvent(at: lastReading?.wall ?? clock.wallNow, kind: .outputRecovered(circuit: circuit, output: output)))
        }
    }

    private func failed(circuit: String, output: String, contact: Bool, error: HALError) {
        switching.record(output, contact: contact, at: clock.monotonicNow, succeeded: false)
        applied[output] = nil
        if faulted.insert(circuit).inserted {
            emit(ControlEvent(at: lastReading?.wall ?? clock.wallNow, kind: .outputFailed(circuit: circuit, output: output, error: error)))
        }
    }

    // MARK: - Running

    /// Runs until the task is cancelled: presence edges are handled as they come, the rest at
    /// the times ``tick()`` asks for (slept on the monotonic clock); then every circuit goes to
    /// its safe state and, when `releasing`, the hardware is released (``shutdown()``).
    public func run(releasing: Bool = true) async {
        await withTaskGroup(of: Void.self) { group in
            for (id, sensor) in hardware.presence {
                group.addTask { [self] in
                    for await change in sensor.changes where change.level {
                        await self.detected(sensor: id, edge: change.monotonicNanoseconds)
                    }
                }
            }
            group.addTask { [self] in
                while !Task.isCancelled {
                    let next = await self.tick()
                    heartbeat.beat()
                    do { try await clock.sleep(until: next) } catch { return }
                }
            }
            await group.next()
            group.cancelAll()
        }
        if releasing { await shutdown() } else { await enterSafeState() }
    }

    private func record(latencySince edge: Int64) {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        if presenceLatencies.count == 1000 { presenceLatencies.removeFirst() }
        presenceLatencies.append(Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec) - edge)
    }

    /// Every circuit to its board-defined safe state, then the GPIO lines are released and the
    /// Modbus lines closed.
    public func shutdown() async {
        await enterSafeState()
        await hardware.shutdown()
    }

    /// Writes every circuit's safe state (the engine's fail-safe decision, which the board
    /// defines per output). Every circuit enters its fail-safe here, so the writes pass the
    /// minimum cycle (``SwitchingGuard``): this is the last write before the controller stops,
    /// and a deferred one would never be made.
    public func enterSafeState() async {
        let t = readClocks()
        let all = Set(engine.installation.circuits.map(\.id))
        let safeNight = engine.night(engine.lightingDay(containing: t), photocell: photocell)
        var decision = EngineOutput.empty
        let inputs = EngineInputs(clockTrusted: clockTrust?.isTrusted ?? false, faultedCircuits: all, photocell: photocell)
        engine.evaluate(at: t, inputs: inputs, night: safeNight, into: &decision)
        // The safe state of a fault, for another reason: the controller stops (as recorded).
        for i in decision.circuits.indices { decision.circuits[i].reason = .failSafe("controller stopping") }
        decided(decision)
        applied = [:]
        inFailSafe = all
        enteringFailSafe = all
        generation += 1
        await apply(decision, generation: generation)
        reportChanges(decision)
    }
}
