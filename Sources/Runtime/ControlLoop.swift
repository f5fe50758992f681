import Astronomy
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GPIO
import HAL
import Lighting
import Modbus

/// The cabinet's control loop on real hardware: the same ``Lighting/DimmingEngine`` as the
/// simulation decides, this loop feeds it the inputs (presence edges, the photocell, device
/// faults) and applies its decisions to the outputs.
///
/// - A presence edge is handled at once (``detected(sensor:at:)``): recorded in the presence
///   state, the engine evaluated, the changed outputs written — the latency the issue measures.
/// - ``tick()`` runs at least once a second (and at the engine's next change): fades,
///   plan steps, photocell changes.
/// - An output that fails marks its circuit faulted: the engine then gives the circuit its
///   board-defined safe state, which the loop keeps writing; the first successful write
///   clears the fault. Other circuits are unaffected.
/// - ``shutdown()`` drives every circuit to its safe state and releases the hardware.
public actor ControlLoop {
    public let engine: DimmingEngine
    public let board: Board
    /// Circuit index → board output id.
    public let circuitOutputs: [(circuit: Int, output: String)]
    public let hardware: HardwareSet
    private let now: @Sendable () -> Date
    private let log: @Sendable (String) -> Void

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
    /// The last decision.
    public private(set) var output = EngineOutput.empty
    /// Output writes that went to the hardware, and those that failed.
    public private(set) var writes = 0, failedWrites = 0
    /// For each of the last 1,000 presence edges handled by ``run(releasing:)``: nanoseconds
    /// from the kernel's timestamp of the edge (CLOCK_MONOTONIC) to the outputs written.
    public private(set) var presenceLatencies: [Int64] = []

    public init(engine: DimmingEngine, board: Board, circuitOutputs: [String: String], hardware: HardwareSet,
                now: @escaping @Sendable () -> Date = { Date() }, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.engine = engine
        self.board = board
        let ids = engine.installation.circuits.map(\.id)
        self.circuitOutputs = ids.enumerated().compactMap { i, id in circuitOutputs[id].map { (i, $0) } }
        self.hardware = hardware
        self.now = now
        self.log = log
        self.presence = engine.idlePresence()
    }

    /// The circuits currently held in their safe state because their output failed.
    public var faultedCircuits: Set<String> { faulted }

    /// A presence detection: recorded, then the engine decides and the outputs follow at once.
    public func detected(sensor: String, at t: Date) async {
        if let slot = presence?.slot(of: sensor) { presence?.detected(slot: slot, at: t) }
        await decideAndApply(at: now())
    }

    /// One periodic step: reads the photocell, evaluates, applies. Returns when the next step
    /// is due (at most a second away).
    @discardableResult
    public func tick() async -> Date {
        let t = now()
        await readPhotocell(at: t)
        await decideAndApply(at: t)
        return min(output.nextChange, t.addingTimeInterval(1))
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
            if photocell != nil { log("photocell: \(error); astronomy alone decides") }
            photocell = nil
            lastPhotocell = nil
        }
    }

    private func decideAndApply(at t: Date) async {
        let day = engine.lightingDay(containing: t)
        if night == nil || nightDay != day {
            if nightDay != day { photocell = lastPhotocell.map { PhotocellObservations(initiallyDark: $0) } }
            night = engine.night(day, photocell: photocell)
            nightDay = day
        }
        presence?.forget(endedBy: t)
        let inputs = EngineInputs(faultedCircuits: faulted, presence: presence, photocell: photocell)
        var decision = EngineOutput.empty
        engine.evaluate(at: t, inputs: inputs, night: night!, into: &decision)
        output = decision
        generation += 1
        await apply(decision, generation: generation)
    }

    /// The level an output must show for a circuit: the highest of its luminaires (a channel
    /// or contactor serves them all).
    static func level(of c: CircuitOutput) -> DimLevel {
        c.raised.reduce(c.base.level) { max($0, $1.sample.level) }
    }

    private func apply(_ decision: EngineOutput, generation current: Int) async {
        var byGateway: [ObjectIdentifier: (ModbusDimmingGateway, [(circuit: String, output: String, channel: Int, level: DimLevel)])] = [:]
        for (ci, outputID) in circuitOutputs {
            let c = decision.circuits[ci]
            let level = Self.level(of: c)
            guard current == generation else { return }
            guard applied[outputID] != level, let out = hardware.outputs[outputID] else { continue }
            switch out {
            case .gatewayChannel(let gw, let channel, _):
                byGateway[ObjectIdentifier(gw), default: (gw, [])].1.append((c.circuit, outputID, channel, level))
            case .relay(let relay):
                await write(circuit: c.circuit, output: outputID, level: level) { () async throws(HALError) in try await relay.set(on: !level.isOff) }
            case .dimmer(let dimmer):
                await write(circuit: c.circuit, output: outputID, level: level) { () async throws(HALError) in try await dimmer.set(level: level) }
            }
        }
        for (gw, changes) in byGateway.values {
            guard current == generation else { return }
            do {
                try await gw.apply(changes.map { ($0.channel, $0.level) })
                writes += 1
                for c in changes { succeeded(circuit: c.circuit, output: c.output, level: c.level) }
            } catch {
                failedWrites += 1
                for c in changes { failed(circuit: c.circuit, output: c.output, error: error) }
            }
        }
    }

    private func write(circuit: String, output: String, level: DimLevel, _ body: () async throws(HALError) -> Void) async {
        do {
            try await body()
            writes += 1
            succeeded(circuit: circuit, output: output, level: level)
        } catch {
            failedWrites += 1
            failed(circuit: circuit, output: output, error: error)
        }
    }

    private func succeeded(circuit: String, output: String, level: DimLevel) {
        applied[output] = level
        if faulted.remove(circuit) != nil { log("circuit \(circuit): output \(output) answers again; back to its plan") }
    }

    private func failed(circuit: String, output: String, error: HALError) {
        applied[output] = nil
        if faulted.insert(circuit).inserted { log("circuit \(circuit): \(error); circuit in its safe state until the output answers") }
    }

    /// Runs until the task is cancelled: presence edges are handled as they come, the rest
    /// every second; then every circuit goes to its safe state and, when `releasing`, the
    /// hardware is released (``shutdown()``).
    public func run(releasing: Bool = true) async {
        await withTaskGroup(of: Void.self) { group in
            for (id, sensor) in hardware.presence {
                group.addTask { [self] in
                    for await change in sensor.changes where change.level {
                        await self.detected(sensor: id, at: change.date)
                        await self.record(latencySince: change.monotonicNanoseconds)
                    }
                }
            }
            group.addTask { [self] in
                while !Task.isCancelled {
                    let next = await self.tick()
                    let wait = max(0.001, next.timeIntervalSince(self.now()))
                    try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
                }
            }
            await group.next()
            group.cancelAll()
        }
        if releasing { await shutdown() } else { _ = await enterSafeState() }
    }

    private func record(latencySince edge: Int64) {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        if presenceLatencies.count == 1000 { presenceLatencies.removeFirst() }
        presenceLatencies.append(Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec) - edge)
    }

    /// Every circuit to its board-defined safe state (the engine's fail-safe decision), then
    /// the GPIO lines are released and the Modbus lines closed.
    public func shutdown() async {
        let values = await enterSafeState()
        for e in await hardware.shutdown(outputs: values) { log("shutdown: \(e)") }
    }

    /// Writes every circuit's safe state (the engine's fail-safe decision, which the board
    /// defines per output) and returns the on/active value of each output, for the release.
    public func enterSafeState() async -> [String: Bool] {
        let t = now()
        let all = Set(engine.installation.circuits.map(\.id))
        let day = engine.lightingDay(containing: t)
        let safeNight = engine.night(day, photocell: photocell)
        var decision = EngineOutput.empty
        engine.evaluate(at: t, inputs: EngineInputs(faultedCircuits: all, photocell: photocell), night: safeNight, into: &decision)
        applied = [:]
        generation += 1
        await apply(decision, generation: generation)
        var values: [String: Bool] = [:]
        for (ci, outputID) in circuitOutputs {
            let level = Self.level(of: decision.circuits[ci])
            switch board.output(outputID)?.kind {
            case .step: values[outputID] = level < .full
            default: values[outputID] = !level.isOff
            }
        }
        return values
    }
}
