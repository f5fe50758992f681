import BoardFiles
import Lighting

/// One register of a meter that the controller follows — the meter's import register (and
/// power), or one phase's — with the circuits it measures: what the board file's `measures:`
/// and `phases:` say, resolved against the cabinet's circuits. The energy sampler and the fault
/// monitor both work per register, from this one list.
public struct MeterRegister: Sendable, Hashable {
    /// Its ledger channel and name in events: the meter's id, or `METER/L1`… for a phase.
    public var id: String
    /// Index of its meter in the list it was made from.
    public var meter: Int
    /// nil: the meter as a whole; k: phase k.
    public var phase: Int?
    /// Installation indices of the circuits it measures (fed by the outputs it measures).
    public var circuits: [Int]

    /// Phase `phase` (0-based) of `meter`, as the ledger, events and metrics name it: `METER/L1`…
    public static func phaseID(meter: String, phase: Int) -> String { "\(meter)/L\(phase + 1)" }

    /// One of a meter's `count` phases by name: the meter's id for a single-phase meter.
    public static func phaseName(meter: String, phase: Int, of count: Int) -> String {
        count > 1 ? phaseID(meter: meter, phase: phase) : meter
    }

    /// The registers of `meters`, in order: a meter without `measures` or `phases` measures the
    /// whole cabinet; with `phases`, each phase that feeds some output is a register.
    ///
    /// - Parameter circuitOutputs: circuit id → the board output that feeds it.
    public static func of(_ meters: [(id: String, measures: Board.Measures?)], installation: Installation,
                          circuitOutputs: [String: String]) -> [MeterRegister] {
        func measured(by outputs: [String]?) -> [Int] {
            installation.circuits.indices.filter { c in
                outputs.map { o in circuitOutputs[installation.circuits[c].id].map(o.contains) ?? false } ?? true
            }
        }
        return meters.enumerated().flatMap { k, m -> [MeterRegister] in
            switch m.measures {
            case nil: [MeterRegister(id: m.id, meter: k, phase: nil, circuits: measured(by: nil))]
            case .outputs(let o): [MeterRegister(id: m.id, meter: k, phase: nil, circuits: measured(by: o))]
            case .phases(let phases):
                phases.indices.filter { !phases[$0].isEmpty }.map {
                    MeterRegister(id: phaseID(meter: m.id, phase: $0), meter: k, phase: $0, circuits: measured(by: phases[$0]))
                }
            }
        }
    }
}
