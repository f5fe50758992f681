import Foundation
import Lighting
import Units

/// What a simulated period produced, for one cabinet or summed over several.
public struct SimulationReport: Sendable, Hashable {
    /// Start of the simulated period (inclusive).
    public var from: Date
    /// End of the simulated period (exclusive).
    public var to: Date
    /// Energy drawn by the lighting (power model, including driver standby while energised).
    public var lighting: Energy
    /// What the legacy installation would have drawn: legacy watts at full power, dusk to dawn.
    public var baseline: Energy
    /// PV production over the period.
    public var production: Energy
    /// Luminaire-hours above level 0, summed over luminaires, divided by the luminaire count:
    /// the average burning hours of one luminaire.
    public var burningHours: Double
    /// Number of luminaires simulated.
    public var luminaires: Int
    /// Number of engine events processed (for progress and benchmarks).
    public var events: Int
    /// Lighting and baseline energy per circuit id.
    public var circuits: [String: CircuitTotals] = [:]

    /// One circuit's share of the totals.
    public struct CircuitTotals: Sendable, Hashable {
        public var lighting: Energy = .zero
        public var baseline: Energy = .zero
        public var burningSeconds: Int = 0
        public init() {}
    }

    public init(from: Date, to: Date, lighting: Energy = .zero, baseline: Energy = .zero,
                production: Energy = .zero, burningHours: Double = 0, luminaires: Int = 0, events: Int = 0) {
        self.from = from
        self.to = to
        self.lighting = lighting
        self.baseline = baseline
        self.production = production
        self.burningHours = burningHours
        self.luminaires = luminaires
        self.events = events
    }

    /// Savings against the baseline, in percent (0 when there is no baseline).
    public var savingsPercent: Double {
        baseline.milliwattHours > 0
            ? 100 * Double(baseline.milliwattHours - lighting.milliwattHours) / Double(baseline.milliwattHours) : 0
    }

    /// PV production as a share of lighting consumption, in percent.
    public var renewableSharePercent: Double {
        lighting.milliwattHours > 0 ? 100 * Double(production.milliwattHours) / Double(lighting.milliwattHours) : 0
    }
}
