import Foundation
import Ledger
import Lighting

/// Writes a simulation's intervals into a ledger, a lighting day per transaction.
///
/// The ledger stores whole watt-hours per interval. Rounding each interval separately would let
/// a year's sum drift from the true total by up to half a watt-hour per row, so the remainder
/// is carried to the circuit's next interval: the ledger's sum over any run of intervals stays
/// within 1 Wh of the simulated energy.
public struct LedgerRecorder: SimulationRecorder {
    public let store: LedgerStore
    public let cabinetID: String
    var carry: [String: Int64] = [:]   // milliwatt-hours not yet written, per circuit or inverter
    /// Rows written so far.
    public private(set) var rows = 0

    public init(store: LedgerStore, configuration: CabinetConfiguration) throws {
        self.store = store
        cabinetID = configuration.installation.site.id
        let site = configuration.site
        try store.register(cabinet: CabinetRecord(id: site.id, name: site.name, latitude: site.coordinate.latitude,
                                                  longitude: site.coordinate.longitude, timeZone: site.timeZone.identifier))
    }

    mutating func wattHours(_ energy: Energy, key: String) -> Int64 {
        let total = energy.milliwattHours + carry[key, default: 0]
        let wh = max(0, (total + 500) / 1000)
        carry[key] = total - wh * 1000
        return wh
    }

    public mutating func record(circuits: [SimulatedCircuitInterval], production: [SimulatedProductionInterval]) throws {
        let c = circuits.map { i in
            CircuitInterval(cabinetID: cabinetID, circuitID: i.circuit, start: i.start, end: i.end,
                            energyWh: wattHours(i.energy, key: "c/" + i.circuit), source: .estimated,
                            burningSeconds: i.burningSeconds, meanLevel: i.meanLevel)
        }
        let p = production.map { i in
            ProductionInterval(cabinetID: cabinetID, inverterID: i.inverter, start: i.start, end: i.end,
                               energyWh: wattHours(i.energy, key: "p/" + i.inverter))
        }
        try store.append(circuits: c, production: p)
        rows += c.count + p.count
    }
}
