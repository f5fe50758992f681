import Crypto
import Foundation
import Ledger
import Lighting

/// Writes a simulation's intervals into a ledger.
///
/// Each interval (its circuits, production, the cabinet meter's reading and the switchings
/// that happened during it) is one transaction, as the controller in a cabinet writes them:
/// a crash loses at most the interval in progress, and the chain stays whole.
///
/// The ledger stores whole watt-hours per interval. Rounding each interval separately would
/// let a year's sum drift from the true total by up to half a watt-hour per row, so the
/// remainder is carried to the next interval of the same circuit or inverter: the ledger's sum
/// over any run of intervals stays within 1 Wh of the simulated energy.
public struct LedgerRecorder: SimulationRecorder {
    public let store: LedgerStore
    public let cabinetID: String
    var carry: [String: Int64] = [:]   // milliwatt-hours not yet written, per channel
    /// The cabinet meter's register (Wh), continued across runs from the ledger.
    var register: Int64
    /// Rows written so far (measurements and events).
    public private(set) var rows = 0

    /// Registers the cabinet, refuses a period the ledger already covers for it, and logs the
    /// run and the profile's activation.
    ///
    /// - Throws: `LedgerError`s from the store; ``OverlapError`` when the ledger already holds
    ///   this cabinet's intervals after `from`.
    public init(store: LedgerStore, configuration: CabinetConfiguration, from: Date, to: Date, seed: UInt64,
                generator: String) throws {
        self.store = store
        let site = configuration.site
        cabinetID = site.id
        try store.register(cabinet: CabinetRecord(id: site.id, name: site.name, latitude: site.coordinate.latitude,
                                                  longitude: site.coordinate.longitude, timeZone: site.timeZone.identifier))
        try store.register(circuits: configuration.installation.circuits.map { c in
            CircuitRecord(cabinetID: site.id, circuitID: c.id, name: c.name, luminaires: c.luminaireCount,
                          ratedWatts: c.model.ratedPower.value * Double(c.luminaireCount),
                          legacyWatts: c.legacyPower.value * Double(c.luminaireCount), areaSquareMetres: configuration.areas[c.id])
        })
        if let tariff = configuration.tariff {
            try store.setTariff(cabinet: site.id, currency: tariff.currency, pricePerKilowattHour: tariff.pricePerKilowattHour)
        }
        if let last = try store.lastIntervalEnd(cabinet: site.id), last > from {
            throw OverlapError(path: store.path, cabinetID: site.id, lastEnd: last, from: from)
        }
        register = try configuration.board.meters.first.map { try store.lastRegister(cabinet: site.id, meter: $0.id) ?? 0 } ?? 0
        let profileText = (try? Data(contentsOf: URL(fileURLWithPath: configuration.profilePath))) ?? Data()
        let digest = SHA256.hash(data: profileText).map { String(format: "%02x", $0) }.joined()
        let events = [
            LedgerEvent(cabinetID: cabinetID, at: from, kind: .ledger, subject: "simulation",
                        detail: "\(generator) simulate from \(LedgerRecorder.iso(from)) to \(LedgerRecorder.iso(to)), seed \(seed)"),
            LedgerEvent(cabinetID: cabinetID, at: from, kind: .profile, subject: configuration.profile.id,
                        detail: "sha256 \(digest) \(configuration.profilePath)"),
        ]
        try store.append(LedgerBatch(events: events))
        rows += events.count
    }

    /// The ledger already covers part of the period asked for.
    public struct OverlapError: Error, CustomStringConvertible {
        public var path: String, cabinetID: String, lastEnd: Date, from: Date
        public var description: String {
            "\(path) already holds intervals of cabinet \(cabinetID) up to \(LedgerRecorder.iso(lastEnd)), after the start of this run (\(LedgerRecorder.iso(from))): use another ledger, or start at \(LedgerRecorder.iso(lastEnd)) or later"
        }
    }

    mutating func wattHours(_ energy: Energy, key: String) -> Int64 {
        let total = energy.milliwattHours + carry[key, default: 0]
        let wh = max(0, (total + 500) / 1000)
        carry[key] = total - wh * 1000
        return wh
    }

    public mutating func record(_ intervals: [SimulatedInterval]) throws {
        for i in intervals {
            var batch = LedgerBatch()
            batch.circuits = i.circuits.map { c in
                CircuitInterval(cabinetID: cabinetID, circuitID: c.circuit, start: c.start, end: c.end,
                                energyWh: wattHours(c.energy, key: "c/" + c.circuit), source: .estimated,
                                burningSeconds: c.burningSeconds, meanLevel: c.meanLevel)
            }
            batch.production = i.production.map { p in
                ProductionInterval(cabinetID: cabinetID, inverterID: p.inverter, start: p.start, end: p.end,
                                   energyWh: wattHours(p.energy, key: "p/" + p.inverter))
            }
            if let meter = i.meter {
                let wh = wattHours(meter.energy, key: "m/" + meter.id)
                register += wh
                batch.meters = [MeterReading(cabinetID: cabinetID, meterID: meter.id, start: i.start, end: i.end,
                                             registerWh: register, energyWh: wh, source: .metered)]
            }
            batch.events = i.switching.map { s in
                let fade = s.fadeSeconds > 0 ? " over \(Int(s.fadeSeconds)) s" : ""
                return LedgerEvent(cabinetID: cabinetID, at: s.at, kind: .switching, subject: s.circuit,
                                   detail: "level \(s.level) %\(fade): \(s.reason)")
            }
            try store.append(batch)
            rows += batch.count
        }
    }

    static func iso(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: d)
    }
}
