import Recording

/// Receives the simulation's intervals in time order, a lighting day at a time.
public protocol SimulationRecorder {
    mutating func record(_ intervals: [SimulatedInterval]) throws
}

extension SimulatedInterval {
    /// The interval as the ledger records it: the simulation's circuit energies come from its
    /// power model, so they are `estimated`; its meter is the sum of the circuits.
    public var observation: ObservedInterval {
        ObservedInterval(
            start: start, end: end,
            circuits: circuits.map {
                .init(circuit: $0.circuit, energy: $0.energy, burningSeconds: $0.burningSeconds, meanLevel: $0.meanLevel,
                      source: .estimated)
            },
            production: production.map { .init(inverter: $0.inverter, energy: $0.energy) },
            meter: meter.map { .init(id: $0.id, energy: $0.energy) },
            switching: switching)
    }
}

/// The ledger recorder records a simulation's intervals.
extension LedgerRecorder: SimulationRecorder {
    public mutating func record(_ intervals: [SimulatedInterval]) throws {
        try record(intervals.map(\.observation))
    }
}

struct DiscardingRecorder: SimulationRecorder {
    mutating func record(_ intervals: [SimulatedInterval]) {}
}
