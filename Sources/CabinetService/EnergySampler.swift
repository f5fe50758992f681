import BoardFiles
import Controller
import Foundation
import HAL
import Ledger
import Lighting
import Recording
import Units

/// The energy side of a running cabinet: at the end of each interval it reads every meter's
/// import registers and every inverter's lifetime energy, and makes the interval the ledger
/// records.
///
/// - **Registers.** Each register the ledger follows — a meter's import register, or one
///   phase's when the board says its phases measure different outputs (`phases:`) — becomes
///   energy through a ``CumulativeRegister`` (differences; a reset, an implausible jump or a
///   silent meter is a gap, with an event), started from the ledger's last value so that what
///   was drawn while the controller was down lands in the first interval after it. Its ledger
///   channel is the meter's id, or `METER/L1`… for a phase.
/// - **Circuits.** A circuit's energy comes from the register that measures it most closely
///   (the one measuring the fewest circuits; the board says which outputs each measures,
///   `measures:`, or the whole cabinet). When that register measures exactly this circuit, the
///   figure is `metered`. When it measures several, each one's share is `estimated`, split by
///   the energy the engine expected of it (``Apportionment``) so that the shares sum to the
///   register's. A gap of the register is a gap of its circuits; a circuit no register
///   measures is `estimated` from the energy expected of it (the power curves). The burning
///   time and mean level are what the controller decided.
/// - **Production.** An inverter's lifetime energy gives the production; an inverter that does
///   not answer, or whose register went back, gives no production row for the interval
///   (unknown, not zero).
public struct EnergySampler {
    /// A meter as the board declares it, opened.
    public struct Meter: Sendable {
        public let id: String
        public let device: any EnergyMeter
        /// What its registers measure (nil: the whole cabinet).
        public let measures: Board.Measures?
        public init(id: String, device: any EnergyMeter, measures: Board.Measures? = nil) {
            self.id = id
            self.device = device
            self.measures = measures
        }

        /// The board's meters that `hardware` opened, in the board's order.
        public static func opened(_ board: Board, in hardware: HardwareSet) -> [Meter] {
            board.meters.compactMap { m in hardware.meters[m.id].map { Meter(id: m.id, device: $0, measures: m.measures) } }
        }
    }

    /// A register the ledger follows and where it stands.
    struct Register {
        let of: MeterRegister
        var register: CumulativeRegister
        var id: String { of.id }
        var meter: Int { of.meter }
        var phase: Int? { of.phase }
        var circuits: [Int] { of.circuits }
    }

    struct Device<D> {
        let id: String
        let device: D
        /// Whether it answered at the last reading (its silence and its return are events).
        var answering = true
    }

    var meters: [Device<any EnergyMeter>]
    var registers: [Register]
    var inverters: [(channel: Device<any PVInverter>, register: CumulativeRegister)]
    let circuits: [CircuitSpec]
    /// Each circuit's luminaires at full power (W): the split where nothing was expected.
    let ratedWatts: [Double]
    /// For each circuit, the register that measures it most closely (nil: none).
    let closest: [Int?]

    /// - Parameters:
    ///   - circuitOutputs: circuit id → the board output that feeds it.
    ///   - last: the ledger's last register value and instant per register channel
    ///     (``MeterRegister/id``) or inverter id.
    public init(meters: [Meter], inverters: [(id: String, device: any PVInverter)], installation: Installation,
                circuitOutputs: [String: String] = [:], last: [String: CumulativeRegister.Reading] = [:]) {
        circuits = installation.circuits
        let rated = installation.circuits.map { Double($0.luminaireCount) * $0.model.power(at: .full).value }
        ratedWatts = rated
        self.meters = meters.map { Device(id: $0.id, device: $0.device) }
        let registers = MeterRegister.of(meters.map { ($0.id, $0.measures) }, installation: installation, circuitOutputs: circuitOutputs)
            .map { r in
                // A register's plausible most: what its circuits can draw.
                Register(of: r, register: CumulativeRegister(last: last[r.id], maximumWatts: r.circuits.reduce(0) { $0 + rated[$1] }))
            }
        self.registers = registers
        closest = installation.circuits.indices.map { c in
            registers.indices.filter { registers[$0].circuits.contains(c) }.min { registers[$0].circuits.count < registers[$1].circuits.count }
        }
        // An inverter's capacity is not in the board file: no plausibility limit.
        self.inverters = inverters.map {
            (Device(id: $0.id, device: $0.device), CumulativeRegister(last: last[$0.id], maximumWatts: 0))
        }
    }

    /// Each register's and inverter's last value (Wh), by its ledger channel: what the last
    /// interval closed at.
    public var lastValues: [(channel: String, wattHours: Int64)] {
        registers.compactMap { r in r.register.last.map { (r.id, $0.wattHours) } }
            + inverters.compactMap { i in i.register.last.map { (i.channel.id, $0.wattHours) } }
    }

    /// Reads every register that has no value yet (a ledger without this meter's history),
    /// so that the first interval counts from now rather than being a gap.
    public mutating func prime(at instant: Date) async {
        if registers.contains(where: { $0.register.last == nil }) {
            let values = await readMeters()
            for k in registers.indices where registers[k].register.last == nil {
                if let v = values[registers[k].meter]?[registers[k].phase ?? -1] { _ = registers[k].register.take(v, at: instant) }
            }
        }
        for k in inverters.indices where inverters[k].register.last == nil {
            if let energy = try? await inverters[k].channel.device.readProducedEnergy() {
                _ = inverters[k].register.take(Self.wattHours(energy), at: instant)
            }
        }
    }

    /// Reads the registers now and makes the interval `[start, end)`.
    ///
    /// - Parameter decided: per circuit (the installation's order), what the controller's
    ///   decisions drew over the interval by the power curves.
    public mutating func close(from start: Date, to end: Date, decided: [ExpectedEnergy.Circuit]) async -> ObservedInterval {
        var interval = ObservedInterval(start: start, end: end)
        let values = await readMeters(at: end, events: &interval.events)
        var energies: [Int64?] = []
        for k in registers.indices {
            let value = values[registers[k].meter]?[registers[k].phase ?? -1]
            let energy = Self.take(value, into: &registers[k].register, id: registers[k].id, at: end, events: &interval.events)
            let register = registers[k].register.last?.wattHours
            let reading: ObservedInterval.Meter.Reading = if let energy, let register {
                .read(registerWh: register, energyWh: energy)
            } else {
                .gap(registerWh: value == nil ? nil : register)
            }
            interval.meters.append(.init(id: registers[k].id, reading: reading))
            energies.append(energy)
        }
        let expected = circuits.indices.map { decided.indices.contains($0) ? decided[$0].wattHours : 0 }
        // Each register's energy split between the circuits it measures most closely.
        var energy = [Int64?](repeating: nil, count: circuits.count)
        var source = [EnergySource](repeating: .estimated, count: circuits.count)
        for (k, r) in registers.enumerated() {
            let mine = r.circuits.filter { closest[$0] == k }
            guard !mine.isEmpty else { continue }
            guard let total = energies[k] else {
                for c in mine { source[c] = .gap }
                continue
            }
            let shares = Apportionment.shares(of: total, expected: mine.map { expected[$0] }, ratedWatts: mine.map { ratedWatts[$0] })
            for (c, share) in zip(mine, shares) {
                energy[c] = share
                source[c] = r.circuits.count == 1 ? .metered : .estimated
            }
        }
        for (ci, c) in circuits.enumerated() {
            let account = decided.indices.contains(ci) ? decided[ci] : ExpectedEnergy.Circuit()
            let length = max(0, end.timeIntervalSince(start))
            // Measured (whole watt-hours), or for a circuit no register measures, the model's.
            let figure = closest[ci] == nil ? Energy(milliwattHours: Int64((account.wattHours * 1000).rounded()))
                                            : Energy(wattHours: energy[ci] ?? 0)
            interval.circuits.append(.init(
                circuit: c.id, energy: figure,
                burningSeconds: Int(min(account.burningSeconds, length).rounded()),
                meanLevel: DimLevel.clamping(percent: account.meanLevelPercent),
                source: source[ci]))
        }
        for k in inverters.indices {
            let value: Int64?
            do {
                value = Self.wattHours(try await inverters[k].channel.device.readProducedEnergy())
                Self.answered(&inverters[k].channel, at: end, events: &interval.events)
            } catch {
                Self.failed(&inverters[k].channel, error, at: end, events: &interval.events)
                value = nil
            }
            if let wh = Self.take(value, into: &inverters[k].register, id: inverters[k].channel.id, at: end, events: &interval.events) {
                interval.production.append(.init(inverter: inverters[k].channel.id, energy: Energy(wattHours: wh)))
            }
        }
        return interval
    }

    /// Reads each meter's registers that the ledger follows: meter index → (phase index, or -1
    /// for the import register) → whole watt-hours. A meter that does not answer has none;
    /// its silence and its return are events (`events`).
    private mutating func readMeters(at instant: Date? = nil, events: inout [ObservedInterval.Event]) async -> [Int: [Int: Int64]] {
        var values: [Int: [Int: Int64]] = [:]
        for m in meters.indices {
            let mine = registers.filter { $0.meter == m }
            guard !mine.isEmpty else { continue }
            do {
                var read: [Int: Int64] = [:]
                if mine.contains(where: { $0.phase == nil }) { read[-1] = Self.wattHours(try await meters[m].device.readImportEnergy()) }
                if mine.contains(where: { $0.phase != nil }) {
                    for (p, e) in try await meters[m].device.readPhaseImportEnergies().enumerated() { read[p] = Self.wattHours(e) }
                }
                values[m] = read
                if let instant { Self.answered(&meters[m], at: instant, events: &events) }
            } catch {
                if let instant { Self.failed(&meters[m], error, at: instant, events: &events) }
            }
        }
        return values
    }

    private mutating func readMeters() async -> [Int: [Int: Int64]] {
        var ignored: [ObservedInterval.Event] = []
        return await readMeters(at: nil, events: &ignored)
    }

    private static func answered<D>(_ device: inout Device<D>, at instant: Date, events: inout [ObservedInterval.Event]) {
        if !device.answering { events.append(.init(at: instant, kind: .fault, subject: device.id, detail: "answers again")) }
        device.answering = true
    }

    private static func failed<D>(_ device: inout Device<D>, _ error: HALError, at instant: Date, events: inout [ObservedInterval.Event]) {
        if device.answering {
            events.append(.init(at: instant, kind: .fault, subject: device.id,
                                detail: "did not answer: \(error); its intervals are gaps until it does"))
        }
        device.answering = false
    }

    /// A register's value (nil: not read) made energy since the last one, or nil, with an
    /// event when something happened to the register.
    private static func take(_ value: Int64?, into register: inout CumulativeRegister, id: String, at end: Date,
                             events: inout [ObservedInterval.Event]) -> Int64? {
        let outcome = register.take(value, at: end)
        switch outcome {
        case .reset(let from, let to):
            events.append(.init(at: end, kind: .meterReset, subject: id,
                                detail: "register \(from) Wh → \(to) Wh: reset or replaced; the interval is a gap, counting resumes from \(to) Wh"))
        case .implausible(let from, let to, let limit):
            events.append(.init(at: end, kind: .meterReset, subject: id,
                                detail: "register \(from) Wh → \(to) Wh, more than the circuits can draw (\(limit) Wh): the interval is a gap, counting resumes from \(to) Wh"))
        case .wrapped(let energy, let from, let to):
            events.append(.init(at: end, kind: .meterReset, subject: id,
                                detail: "register wrapped \(from) Wh → \(to) Wh: \(energy) Wh counted across"))
        case .energy, .first, .silent:
            break
        }
        return outcome.energy
    }

    /// Whole watt-hours of a register's value.
    static func wattHours(_ energy: Energy) -> Int64 {
        (energy.milliwattHours + 500) / 1000
    }
}
