import Foundation
import Ledger
import Units

/// One interval `[start, end)` of a cabinet as it was observed — by the simulator from its
/// power model, or by the controller from its meters — in the form the recorder writes into the
/// ledger. Energies are exact (milliwatt-hours); the recorder turns them into whole watt-hours.
public struct ObservedInterval: Sendable, Hashable {
    public var start: Date, end: Date
    public var circuits: [Circuit]
    public var production: [Production]
    /// The cabinet meter's energy over the interval, if the board has a meter.
    public var meter: Meter?
    /// The plan's switchings during the interval, in time order.
    public var switching: [Switching]

    public init(start: Date, end: Date, circuits: [Circuit] = [], production: [Production] = [], meter: Meter? = nil,
                switching: [Switching] = []) {
        self.start = start; self.end = end; self.circuits = circuits; self.production = production
        self.meter = meter; self.switching = switching
    }

    /// One circuit's lighting energy over the interval.
    public struct Circuit: Sendable, Hashable {
        public var circuit: String
        public var energy: Energy
        /// Seconds during which at least one luminaire of the circuit was lit.
        public var burningSeconds: Int
        /// Mean level of the circuit's luminaires over its burning time.
        public var meanLevel: DimLevel
        /// `metered` only when a meter measures exactly this circuit; a power model's or an
        /// apportioned figure is `estimated`.
        public var source: EnergySource
        public init(circuit: String, energy: Energy, burningSeconds: Int, meanLevel: DimLevel, source: EnergySource) {
            self.circuit = circuit; self.energy = energy; self.burningSeconds = burningSeconds
            self.meanLevel = meanLevel; self.source = source
        }
    }

    /// One inverter's production over the interval.
    public struct Production: Sendable, Hashable {
        public var inverter: String
        public var energy: Energy
        public init(inverter: String, energy: Energy) { self.inverter = inverter; self.energy = energy }
    }

    /// The cabinet meter's energy over the interval.
    public struct Meter: Sendable, Hashable {
        public var id: String
        public var energy: Energy
        public init(id: String, energy: Energy) { self.id = id; self.energy = energy }
    }

    /// A plan step that switched or dimmed a circuit.
    public struct Switching: Sendable, Hashable {
        public var at: Date
        public var circuit: String
        public var level: DimLevel
        public var fadeSeconds: Double
        public var reason: String
        public init(at: Date, circuit: String, level: DimLevel, fadeSeconds: Double, reason: String) {
            self.at = at; self.circuit = circuit; self.level = level; self.fadeSeconds = fadeSeconds; self.reason = reason
        }
    }
}

/// Where the intervals come from, for the run's `ledger` event.
public enum RunOrigin: Sendable, Hashable {
    /// A simulated run over `[from, to)` with a seed.
    case simulation(generator: String, from: Date, to: Date, seed: UInt64)

    /// How a run from this origin groups its intervals into transactions: a simulation can be
    /// rerun, so it commits a `record(_:)` call (a lighting day) at a time, written while it
    /// simulates the next.
    var transactions: LedgerRecorder.Transactions {
        switch self { case .simulation: .eachRecordCallInBackground }
    }

    var subject: String {
        switch self { case .simulation: "simulation" }
    }

    var detail: String {
        switch self {
        case let .simulation(generator, from, to, seed):
            "\(generator) simulate from \(InstantText.isoUTC(from)) to \(InstantText.isoUTC(to)), seed \(seed)"
        }
    }
}
