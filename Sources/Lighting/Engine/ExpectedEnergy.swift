/// The energy the engine's decisions draw, by circuit, integrated over time: what the
/// luminaires' power curves say each circuit consumes at the levels decided, presence raises
/// included. Not a measurement: the controller splits a meter shared by several circuits in
/// proportion to it (`Apportionment`), and compares it with what a meter measures.
public struct ExpectedEnergy: Sendable {
    private let counts: [Int]
    private let models: [LuminaireModel]
    /// Joules per circuit since the last ``take()``.
    public private(set) var joules: [Double]

    public init(installation: Installation) {
        counts = installation.circuits.map(\.luminaireCount)
        models = installation.circuits.map(\.model)
        joules = Array(repeating: 0, count: installation.circuits.count)
    }

    /// Adds `seconds` of `output` (each level linear from the decision, as the simulation
    /// integrates it; a circuit not energised draws nothing).
    public mutating func add(_ output: EngineOutput, seconds dt: Double) {
        guard dt > 0, output.circuits.count == counts.count else { return }
        for ci in counts.indices {
            let out = output.circuits[ci]
            guard out.energised else { continue }
            var e = models[ci].segment(out.base, dt).joules * Double(counts[ci] - out.raised.count)
            for r in out.raised { e += models[ci].segment(r.sample, dt).joules }
            joules[ci] += e
        }
    }

    /// Watt-hours per circuit since the last call, in the installation's order; then starts
    /// again from zero.
    public mutating func take() -> [Double] {
        defer { joules = Array(repeating: 0, count: joules.count) }
        return joules.map { $0 / 3600 }
    }
}
