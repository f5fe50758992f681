import Foundation
import HAL
import Ledger
import Lighting
import Recording
import Units

/// The energy side of a running cabinet: at the end of each interval it reads the cabinet
/// meter's import register and every inverter's lifetime energy, and makes the interval the
/// ledger records.
///
/// - The meter's register becomes the interval's energy through a ``CumulativeRegister``
///   (differences; a reset, an implausible jump or a silent meter is a gap, with an event),
///   started from the ledger's last register so that what was drawn while the controller was
///   down lands in the first interval after it.
/// - The meter serves every circuit, so each circuit's energy is its share of the meter's,
///   split by the energy the engine expected of it (``Apportionment``): `estimated`, never
///   `metered`. A gap of the meter is a gap of every circuit. The burning time and mean level
///   are what the controller decided.
/// - An inverter's lifetime energy gives the production; an inverter that does not answer, or
///   whose register went back, gives no production row for the interval (unknown, not zero).
public struct EnergySampler {
    /// A device read at each interval's end, with its register.
    struct Channel<Device> {
        let id: String
        let device: Device
        var register: CumulativeRegister
        /// Whether it answered at the last reading (its silence and its return are events).
        var answering = true
    }

    var meter: Channel<any EnergyMeter>?
    var inverters: [Channel<any PVInverter>]
    let circuits: [CircuitSpec]
    /// Each circuit's luminaires at full power (W): the split where nothing was expected.
    let ratedWatts: [Double]

    /// - Parameters:
    ///   - meter: the cabinet meter (the board's first), if any.
    ///   - last: the ledger's last register value and instant per meter or inverter id.
    public init(meter: (id: String, device: any EnergyMeter)?, inverters: [(id: String, device: any PVInverter)],
                installation: Installation, last: [String: CumulativeRegister.Reading] = [:]) {
        circuits = installation.circuits
        ratedWatts = installation.circuits.map { Double($0.luminaireCount) * $0.model.power(at: .full).value }
        let total = ratedWatts.reduce(0, +)
        self.meter = meter.map {
            Channel(id: $0.id, device: $0.device, register: CumulativeRegister(last: last[$0.id], maximumWatts: total))
        }
        // An inverter's capacity is not in the board file: no plausibility limit.
        self.inverters = inverters.map {
            Channel(id: $0.id, device: $0.device, register: CumulativeRegister(last: last[$0.id], maximumWatts: 0))
        }
    }

    /// Reads every register that has no value yet (a ledger without this meter's history),
    /// so that the first interval counts from now rather than being a gap.
    public mutating func prime(at instant: Date) async {
        if var channel = meter, channel.register.last == nil {
            if let energy = try? await channel.device.readImportEnergy() { _ = channel.register.take(Self.wattHours(energy), at: instant) }
            meter = channel
        }
        for k in inverters.indices where inverters[k].register.last == nil {
            if let energy = try? await inverters[k].device.readProducedEnergy() {
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
        let meterWh = await readMeter(at: end, into: &interval)
        let expected = circuits.indices.map { decided.indices.contains($0) ? decided[$0].wattHours : 0 }
        let shares = meterWh.map {
            Apportionment.shares(of: $0, expected: expected, ratedWatts: ratedWatts)
        }
        for (ci, c) in circuits.enumerated() {
            let account = decided.indices.contains(ci) ? decided[ci] : ExpectedEnergy.Circuit()
            let length = max(0, end.timeIntervalSince(start))
            interval.circuits.append(.init(
                circuit: c.id, energy: Energy(wattHours: shares?[ci] ?? 0),
                burningSeconds: Int(min(account.burningSeconds, length).rounded()),
                meanLevel: DimLevel.clamping(percent: account.meanLevelPercent),
                source: shares == nil ? .gap : .estimated))
        }
        for k in inverters.indices {
            if let wh = await read(&inverters[k], at: end, into: &interval, value: { (device: any PVInverter) async throws(HALError) -> Energy in try await device.readProducedEnergy() }) {
                interval.production.append(.init(inverter: inverters[k].id, energy: Energy(wattHours: wh)))
            }
        }
        return interval
    }

    /// The meter's energy over the interval (nil: unknown), its reading in `interval`.
    private mutating func readMeter(at end: Date, into interval: inout ObservedInterval) async -> Int64? {
        guard var channel = meter else { return nil }
        defer { meter = channel }
        let energy = await read(&channel, at: end, into: &interval, value: { (device: any EnergyMeter) async throws(HALError) -> Energy in try await device.readImportEnergy() })
        let register = channel.register.last?.wattHours
        if let energy, let register {
            interval.meter = .init(id: channel.id, reading: .read(registerWh: register, energyWh: energy))
        } else {
            interval.meter = .init(id: channel.id, reading: .gap(registerWh: channel.answering ? register : nil))
        }
        return energy
    }

    /// Reads one device's register and says what it means: the energy since the last value,
    /// or nil (with an event when something happened).
    private func read<Device>(_ channel: inout Channel<Device>, at end: Date, into interval: inout ObservedInterval,
                              value: (Device) async throws(HALError) -> Energy) async -> Int64? {
        let reading: Int64?
        do {
            reading = Self.wattHours(try await value(channel.device))
            if !channel.answering {
                interval.events.append(.init(at: end, kind: .fault, subject: channel.id, detail: "answers again"))
            }
            channel.answering = true
        } catch {
            if channel.answering {
                interval.events.append(.init(at: end, kind: .fault, subject: channel.id,
                                             detail: "did not answer: \(error); its intervals are gaps until it does"))
            }
            channel.answering = false
            reading = nil
        }
        let outcome = channel.register.take(reading, at: end)
        switch outcome {
        case .reset(let from, let to):
            interval.events.append(.init(at: end, kind: .meterReset, subject: channel.id,
                                         detail: "register \(from) Wh → \(to) Wh: reset or replaced; the interval is a gap, counting resumes from \(to) Wh"))
        case .implausible(let from, let to, let limit):
            interval.events.append(.init(at: end, kind: .meterReset, subject: channel.id,
                                         detail: "register \(from) Wh → \(to) Wh, more than the circuits can draw (\(limit) Wh): the interval is a gap, counting resumes from \(to) Wh"))
        case .wrapped(let energy, let from, let to):
            interval.events.append(.init(at: end, kind: .meterReset, subject: channel.id,
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
