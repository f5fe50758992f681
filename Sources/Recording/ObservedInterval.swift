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
    /// The meters' registers over the interval: the simulation's cabinet meter, or each
    /// register the controller follows (a meter's, or one phase's).
    public var meters: [Meter]
    /// The first of ``meters`` (the cabinet meter).
    public var meter: Meter? { meters.first }
    /// The plan's switchings during the interval, in time order.
    public var switching: [Switching]
    /// Other things that happened during the interval (a meter reset, a device fault), chained
    /// after the switchings.
    public var events: [Event]

    public init(start: Date, end: Date, circuits: [Circuit] = [], production: [Production] = [], meter: Meter? = nil,
                meters: [Meter] = [], switching: [Switching] = [], events: [Event] = []) {
        self.start = start; self.end = end; self.circuits = circuits; self.production = production
        self.meters = (meter.map { [$0] } ?? []) + meters; self.switching = switching; self.events = events
    }

    /// Something the ledger keeps as an event of the cabinet.
    public struct Event: Sendable, Hashable {
        public var at: Date
        public var kind: LedgerEvent.Kind
        public var subject: String
        public var detail: String
        public init(at: Date, kind: LedgerEvent.Kind, subject: String, detail: String) {
            self.at = at; self.kind = kind; self.subject = subject; self.detail = detail
        }
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

    /// The cabinet meter over the interval.
    public struct Meter: Sendable, Hashable {
        public var id: String
        public var reading: Reading

        /// What is known of the meter over the interval.
        public enum Reading: Sendable, Hashable {
            /// Energy from a model (the simulation): the recorder carries the register on from
            /// the ledger's.
            case modelled(Energy)
            /// The register read at the interval's end and the energy since the previous value
            /// (whole watt-hours, from ``CumulativeRegister``).
            case read(registerWh: Int64, energyWh: Int64)
            /// The energy is unknown: the meter did not answer (no register), or its register
            /// was reset or jumped (the register read, which counting resumes from).
            case gap(registerWh: Int64?)
        }

        public init(id: String, reading: Reading) { self.id = id; self.reading = reading }
        /// A modelled meter (the simulation's).
        public init(id: String, energy: Energy) { self.init(id: id, reading: .modelled(energy)) }
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
    /// The controller driving a cabinet's hardware, from `start` on.
    case controller(generator: String, board: String, start: Date)

    /// How a run from this origin groups its intervals into transactions: a simulation can be
    /// rerun, so it commits a `record(_:)` call (a lighting day) at a time, written while it
    /// simulates the next; the controller commits each interval as it closes, so that a crash
    /// loses at most the interval in progress.
    var transactions: LedgerRecorder.Transactions {
        switch self {
        case .simulation: .eachRecordCallInBackground
        case .controller: .eachInterval
        }
    }

    var subject: String {
        switch self {
        case .simulation: "simulation"
        case .controller: "run"
        }
    }

    var detail: String {
        switch self {
        case let .simulation(generator, from, to, seed):
            "\(generator) simulate from \(InstantText.isoUTC(from)) to \(InstantText.isoUTC(to)), seed \(seed)"
        case let .controller(generator, board, start):
            "\(generator) run on board \(board), started \(InstantText.isoUTC(start))"
        }
    }
}
