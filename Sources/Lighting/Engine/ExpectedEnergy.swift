/// What the engine's decisions draw, by circuit, integrated over time: the energy the
/// luminaires' power curves give at the levels decided (presence raises included), the seconds
/// during which at least one luminaire was lit, and the mean level while lit. Not a
/// measurement: the controller splits a meter shared by several circuits in proportion to the
/// energy (`Apportionment`), and records the burning time and level it decided.
public struct ExpectedEnergy: Sendable {
    /// One circuit's account.
    public struct Circuit: Sendable, Hashable {
        public var joules: Double = 0
        public var burningSeconds: Double = 0
        /// ∫ mean level of the circuit's luminaires dt, over the burning time (percent·s).
        public var levelSeconds: Double = 0
        public var wattHours: Double { joules / 3600 }
        /// The mean level over the burning time (percent), 0 when never lit.
        public var meanLevelPercent: Double { burningSeconds > 0 ? levelSeconds / burningSeconds : 0 }
        public init() {}

        /// Two accounts of consecutive stretches of time, as one.
        public static func + (a: Circuit, b: Circuit) -> Circuit {
            var c = Circuit()
            c.joules = a.joules + b.joules
            c.burningSeconds = a.burningSeconds + b.burningSeconds
            c.levelSeconds = a.levelSeconds + b.levelSeconds
            return c
        }
    }

    private let counts: [Int]
    private let models: [LuminaireModel]
    /// Per circuit since the last ``take()``.
    public private(set) var circuits: [Circuit]
    /// Σ over luminaires of their lit seconds, since the start (never taken).
    public private(set) var luminaireBurningSeconds = 0.0

    public init(installation: Installation) {
        counts = installation.circuits.map(\.luminaireCount)
        models = installation.circuits.map(\.model)
        circuits = Array(repeating: Circuit(), count: installation.circuits.count)
    }

    /// Adds `seconds` of `output` (each level linear from the decision, as the simulation
    /// integrates it; a circuit not energised draws nothing and is not lit).
    public mutating func add(_ output: EngineOutput, seconds dt: Double) {
        guard dt > 0, output.circuits.count == counts.count else { return }
        for ci in counts.indices where counts[ci] > 0 {
            let out = output.circuits[ci]
            guard out.energised else { continue }
            let (baseJoules, baseLevel, baseLit) = models[ci].segment(out.base, dt)
            let others = Double(counts[ci] - out.raised.count)
            var e = baseJoules * others, level = baseLevel * others, lit = baseLit * others
            for r in out.raised {
                let x = models[ci].segment(r.sample, dt)
                e += x.joules; level += x.level; lit += x.lit
            }
            circuits[ci].joules += e
            circuits[ci].levelSeconds += level / Double(counts[ci])
            luminaireBurningSeconds += lit
            if lit > 0 { circuits[ci].burningSeconds += dt }
        }
    }

    /// The account per circuit since the last call, in the installation's order; then starts
    /// again from zero.
    public mutating func take() -> [Circuit] {
        defer { circuits = Array(repeating: Circuit(), count: circuits.count) }
        return circuits
    }
}
