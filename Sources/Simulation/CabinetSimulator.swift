import Astronomy
import Cabinet
import Foundation
import HAL
import Lighting
import Recording
import SourceFiles
import Units

/// One interval's figures for one circuit, as the simulation measured them.
public struct SimulatedCircuitInterval: Sendable, Hashable {
    public var circuit: String
    public var start: Date, end: Date
    /// Lighting energy over the interval (power model), integer milliwatt-hours.
    public var energy: Energy
    /// Legacy-installation energy over the interval (legacy watts, full power, dusk to dawn).
    public var baseline: Energy
    /// Seconds during which at least one luminaire of the circuit was lit.
    public var burningSeconds: Int
    /// Mean level of the circuit's luminaires over its burning time.
    public var meanLevel: DimLevel
}

/// One interval's production for one PV array.
public struct SimulatedProductionInterval: Sendable, Hashable {
    public var array: String
    public var inverter: String
    public var start: Date, end: Date
    public var energy: Energy
}

/// A plan step that switched or dimmed a circuit (presence raises are not logged: they are
/// many and leave their trace in the energy).
public typealias SimulatedSwitching = ObservedInterval.Switching

/// Everything the simulation measured over one interval `[start, end)`.
public struct SimulatedInterval: Sendable, Hashable {
    public var start: Date, end: Date
    public var circuits: [SimulatedCircuitInterval]
    public var production: [SimulatedProductionInterval]
    /// The cabinet meter's energy over the interval (sum of the circuits), if the board has one.
    public var meter: (id: String, energy: Energy)?
    public var switching: [SimulatedSwitching]

    public static func == (a: Self, b: Self) -> Bool {
        a.start == b.start && a.end == b.end && a.circuits == b.circuits && a.production == b.production
            && a.meter?.id == b.meter?.id && a.meter?.energy == b.meter?.energy && a.switching == b.switching
    }
    public func hash(into h: inout Hasher) { h.combine(start); h.combine(circuits) }
}

/// Simulates one cabinet over a period, in simulated time: the dimming engine decides, the
/// simulated devices (photocell, presence sensors, PV plant) provide the inputs, and energy is
/// integrated exactly between events — nothing polls at a fixed rate.
///
/// Same configuration and seed, same result, on every machine.
public struct CabinetSimulator: Sendable {
    public let configuration: CabinetConfiguration
    public let engine: DimmingEngine
    let plants: [(spec: PVArraySpec, plant: PVPlant)]

    /// Builds the simulator; the configuration must have come from `CabinetLoader` (its profile
    /// already checked against the installation).
    public init(configuration: CabinetConfiguration, seed: UInt64) throws(Diagnostics) {
        self.configuration = configuration
        self.engine = try DimmingEngine.compile(profile: configuration.profile, installation: configuration.installation).get()
        let weather = WeatherModel(seed: seed)
        var plants: [(PVArraySpec, PVPlant)] = []
        for spec in configuration.pvArrays {
            guard let array = PVArray(peakPowerKW: spec.peakKilowatts, tilt: spec.tiltDegrees,
                                      azimuth: spec.azimuthDegrees.truncatingRemainder(dividingBy: 360),
                                      performanceRatio: spec.performanceRatio) else { continue }
            plants.append((spec, PVPlant(array: array, location: configuration.site.coordinate, weather: weather)))
        }
        self.plants = plants
        self.seed = seed
    }
    let seed: UInt64

    /// Runs `[from, to)`. `progress` receives the fraction done after each lighting day;
    /// `recorder` receives every interval.
    public func run(from: Date, to: Date, recorder: inout some SimulationRecorder,
                    progress: (Double) -> Void = { _ in }) throws -> SimulationReport {
        var state = RunState(simulator: self, from: from, to: to)
        var day = engine.lightingDay(containing: from)
        while state.t < to {
            try state.simulate(day: day, recorder: &recorder)
            progress(min(1, state.t.timeIntervalSince(from) / to.timeIntervalSince(from)))
            day = day.adding(days: 1)
        }
        for (ci, c) in configuration.installation.circuits.enumerated() {
            state.report.circuits[c.id] = state.circuitTotals[ci]
        }
        return state.report
    }

    /// Runs without recording intervals.
    public func run(from: Date, to: Date, progress: (Double) -> Void = { _ in }) throws -> SimulationReport {
        var none = DiscardingRecorder()
        return try run(from: from, to: to, recorder: &none, progress: progress)
    }
}

struct RunState {
    let sim: CabinetSimulator
    let from: Date, to: Date
    let interval: Double
    var t: Date
    var report: SimulationReport

    // Devices.
    let photocell: PhotocellModel?
    let presence: PresenceModel
    /// A simulated sensor: its slot in the engine's presence state and its random stream.
    struct Sensor {
        var slot: Int
        var timing: PresenceTiming
        var onlyWhenDark: Bool
        var generator: SeededGenerator
        var next: Date
    }
    var sensors: [Sensor]
    /// The earliest upcoming detection of any sensor.
    var nextDetection = Date.distantFuture
    var presenceState: PresenceState?

    // Current interval accumulators, per circuit.
    var intervalStart: Date
    /// The lighting: energy, burning time and level by the power curves (as the controller
    /// accounts its decisions).
    var lighting: ExpectedEnergy
    var baselineJoules: [Double]
    // The circuits as plain arrays (the hot path copies no strings).
    let legacyWatts: [Double]
    /// Per-circuit totals of the run, by circuit index (the report's dictionary is filled at the end).
    var circuitTotals: [SimulationReport.CircuitTotals]

    init(simulator: CabinetSimulator, from: Date, to: Date) {
        sim = simulator
        self.from = from
        self.to = to
        interval = Double(simulator.configuration.intervalSeconds)
        t = from
        report = SimulationReport(from: from, to: to, luminaires: simulator.configuration.installation.luminaireCount)
        let config = simulator.configuration
        let hasPhotocell = config.board.inputs.contains { $0.kind == .photocell }
        photocell = hasPhotocell
            ? PhotocellModel(thresholdAltitude: config.simulation.photocellAltitude, seed: simulator.seed,
                             weather: WeatherModel(seed: simulator.seed))
            : nil
        presence = PresenceModel(peakDetectionsPerHour: config.simulation.presencePeakPerHour)
        let clock = simulator.engine.clock
        sensors = []
        presenceState = simulator.engine.idlePresence()
        for rule in config.profile.presence {
            for s in rule.sensors where config.board.input(s.id)?.kind == .presence {
                guard let slot = presenceState?.slot(of: s.id) else { continue }
                var g = SeededGenerator(seed: simulator.seed, stream: "presence/\(s.id)")
                let next = presence.nextDetection(after: from, utcOffsetSeconds: clock.utcOffset(at: from), generator: &g)
                sensors.append(Sensor(slot: slot, timing: rule.timing, onlyWhenDark: rule.onlyWhenDark, generator: g, next: next))
            }
        }
        nextDetection = .distantFuture
        for s in sensors { nextDetection = min(nextDetection, s.next) }
        // Intervals are aligned on multiples of their length since the epoch.
        let i = interval
        intervalStart = Date(timeIntervalSince1970: (from.timeIntervalSince1970 / i).rounded(.down) * i)
        let n = config.installation.circuits.count
        lighting = ExpectedEnergy(installation: config.installation)
        legacyWatts = config.installation.circuits.map { $0.legacyPower.value * Double($0.luminaireCount) }
        baselineJoules = Array(repeating: 0, count: n)
        circuitTotals = Array(repeating: SimulationReport.CircuitTotals(), count: n)
    }

    /// The engine's decision, reused from event to event.
    var output = EngineOutput.empty

    /// Simulates the part of lighting day `day` inside the run.
    mutating func simulate(day: CivilDate, recorder: inout some SimulationRecorder) throws {
        let engine = sim.engine
        let clock = engine.clock
        let place = sim.configuration.site.coordinate
        var observations: PhotocellObservations?
        if let photocell {
            let offset = clock.offsetAtNoon(of: day)
            let (dark, light) = photocell.transitions(on: day, at: place, utcOffsetSeconds: offset)
            let start = clock.noon(of: day)
            var transitions: [(at: Date, dark: Bool)] = []
            if let dark { transitions.append((dark, true)) }
            if let light, light > (dark ?? start) { transitions.append((light, false)) }
            let initiallyDark = photocell.isDark(at: start, of: place, utcOffsetSeconds: offset)
            observations = PhotocellObservations(initiallyDark: initiallyDark, transitions: transitions)
        }
        let night = engine.night(day, photocell: observations)
        let end = min(night.sun.end, to)
        let dark = night.sun.dark
        var inputs = EngineInputs(presence: presenceState, photocell: observations)
        var pending: [SimulatedInterval] = []
        let offset = clock.utcOffset(at: night.sun.start)
        // The night's plan steps, per circuit, in time order: logged as switching events.
        var switching: [SimulatedSwitching] = []
        for (ci, c) in sim.configuration.installation.circuits.enumerated() {
            guard let g = engine.groupIndex(ofCircuit: ci) else { continue }
            for step in night.timelines[g].steps where step.at >= t && step.at < end {
                switching.append(SimulatedSwitching(at: step.at, circuit: c.id, level: step.level,
                                                    fadeSeconds: step.fadeSeconds, reason: step.reason.description))
            }
        }
        switching.sort { ($0.at, $0.circuit) < ($1.at, $1.circuit) }
        var nextSwitching = 0
        while t < end {
            engine.evaluate(at: t, inputs: inputs, night: night, into: &output)
            var next = min(output.nextChange, end, intervalStart.addingTimeInterval(interval))
            next = min(next, nextDetection)
            integrate(output, from: t, to: next, dark: dark)
            report.events += 1
            t = next
            // Every sensor firing at this instant. A detection whose raise cannot reach the dark
            // period changes nothing under an only-when-dark rule: it is drawn but not tracked.
            if t == nextDetection {
                for k in sensors.indices where sensors[k].next == t {
                    let timing = sensors[k].timing
                    let reach = t.addingTimeInterval(timing.hold + timing.fadeOut)
                    if !sensors[k].onlyWhenDark || (reach > dark.lowerBound && t < dark.upperBound) {
                        inputs.presence?.detected(slot: sensors[k].slot, at: t)
                    }
                    sensors[k].next = presence.nextDetection(after: t, utcOffsetSeconds: offset, generator: &sensors[k].generator)
                }
                nextDetection = .distantFuture
                for s in sensors { nextDetection = min(nextDetection, s.next) }
            }
            inputs.presence?.forget(endedBy: t)
            if t == intervalStart.addingTimeInterval(interval) || t == to {
                var steps: [SimulatedSwitching] = []
                while nextSwitching < switching.count, switching[nextSwitching].at < t {
                    steps.append(switching[nextSwitching])
                    nextSwitching += 1
                }
                pending.append(closeInterval(at: t, switching: steps))
            }
        }
        presenceState = inputs.presence
        try recorder.record(pending)
    }

    /// Adds the energy of `[a, b)` under `output`, where every level is linear.
    mutating func integrate(_ output: EngineOutput, from a: Date, to b: Date, dark: Range<Date>) {
        let dt = b.timeIntervalSince(a)
        guard dt > 0 else { return }
        // Baseline: legacy lamps at full power while it is dark (sunset to sunrise).
        let darkSeconds = max(0, min(b, dark.upperBound).timeIntervalSince(max(a, dark.lowerBound)))
        if darkSeconds > 0 {
            for ci in legacyWatts.indices { baselineJoules[ci] += legacyWatts[ci] * darkSeconds }
        }
        lighting.add(output, seconds: dt)
    }

    /// Emits the interval ending at `end` and starts the next.
    mutating func closeInterval(at end: Date, switching: [SimulatedSwitching]) -> SimulatedInterval {
        let start = max(intervalStart, from)
        let circuits = sim.configuration.installation.circuits
        var result = SimulatedInterval(start: start, end: end, circuits: [], production: [], meter: nil, switching: switching)
        result.circuits.reserveCapacity(circuits.count)
        var metered = Energy.zero
        let accounts = lighting.take()
        for (ci, c) in circuits.enumerated() {
            let account = accounts[ci]
            let energy = Energy(milliwattHours: Int64((account.joules / 3.6).rounded()))
            let baseline = Energy(milliwattHours: Int64((baselineJoules[ci] / 3.6).rounded()))
            report.lighting = report.lighting + energy
            report.baseline = report.baseline + baseline
            metered += energy
            circuitTotals[ci].lighting += energy
            circuitTotals[ci].baseline += baseline
            circuitTotals[ci].burningSeconds += Int(account.burningSeconds.rounded())
            let mean = account.meanLevelPercent
            result.circuits.append(SimulatedCircuitInterval(circuit: c.id, start: start, end: end, energy: energy,
                                                            baseline: baseline, burningSeconds: Int(account.burningSeconds.rounded()),
                                                            meanLevel: DimLevel.clamping(percent: mean)))
            baselineJoules[ci] = 0
        }
        if let meter = sim.configuration.board.meters.first {
            result.meter = (meter.id, metered)
        }
        for (spec, plant) in sim.plants {
            let e = plant.energy(from: start, to: end)
            report.production = report.production + e
            result.production.append(SimulatedProductionInterval(array: spec.id, inverter: spec.inverter, start: start, end: end, energy: e))
        }
        report.burningHours = lighting.luminaireBurningSeconds / 3600 / Double(max(1, report.luminaires))
        intervalStart = intervalStart.addingTimeInterval(interval)
        return result
    }
}
