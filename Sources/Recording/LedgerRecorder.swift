import Cabinet
import Crypto
import Foundation
import Ledger
import SourceFiles
import Units

/// Writes a cabinet's observed intervals into its ledger: the simulator's and, in a cabinet,
/// the controller's (one recorder for both, so that neither depends on the other).
///
/// Each interval (its circuits, production, the cabinet meter's reading and the switchings
/// that happened during it) is chained in the same way whatever the transactions; how many
/// intervals one transaction holds is the recorder's ``Transactions``, decided by the
/// ``RunOrigin``: the controller in a cabinet commits each interval (a crash loses at most the
/// interval in progress); a simulation, which can be rerun, commits each `record(_:)` call (a
/// lighting day), written on the ledger's writer thread while it simulates the next day
/// (``AppendPipeline``). Either way the chain stays whole, and it is the same chain, byte for
/// byte. Call ``finish()`` before closing the store.
///
/// The ledger stores whole watt-hours per interval. Rounding each interval separately would
/// let a year's sum drift from the true total by up to half a watt-hour per row, so the
/// remainder is carried to the next interval of the same circuit or inverter: the ledger's sum
/// over any run of intervals stays within 1 Wh of the simulated energy.
public struct LedgerRecorder {
    public let store: LedgerStore
    public let cabinetID: String
    /// Milliwatt-hours not yet written, per circuit, inverter and meter.
    var carry = Carry()

    struct Carry {
        var circuits: [String: Int64] = [:], inverters: [String: Int64] = [:], meters: [String: Int64] = [:]
    }
    /// The cabinet meter's register (Wh), continued across runs from the ledger.
    var register: Int64
    /// Rows written so far (measurements and events).
    public private(set) var rows = 0
    /// How intervals are grouped into transactions (the origin's choice; tests set it).
    public internal(set) var transactions: Transactions
    /// The writer thread of ``Transactions/eachRecordCallInBackground``, started by the first
    /// `record(_:)`.
    var pipeline: AppendPipeline?

    /// How many intervals one transaction holds.
    public enum Transactions: Sendable, Hashable {
        /// One transaction per interval: committed once `record(_:)` has written it.
        case eachInterval
        /// One transaction per `record(_:)` call: all its intervals or none.
        case eachRecordCall
        /// One transaction per `record(_:)` call, written on the ledger's writer thread while
        /// the caller goes on. A failure is thrown by a later `record(_:)` or by ``finish()``;
        /// the ledger then holds every call before the failed one, and the run is over.
        case eachRecordCallInBackground
    }

    /// Refuses a period the ledger already covers for the cabinet, declares what changed in the
    /// cabinet file (site, circuits, tariff, investment, emission factor) effective at `from`,
    /// and logs the run and the profile's activation with the profile file's SHA-256.
    ///
    /// - Parameter signer: the ledger's signing key, needed when the ledger has one and the
    ///   cabinet file changed what is declared.
    /// - Throws: `LedgerError`s from the store; ``OverlapError`` when the ledger already holds
    ///   this cabinet's intervals after `from`; ``ProfileFileError`` when the profile file
    ///   cannot be read (its hash would be a lie).
    public init(store: LedgerStore, configuration: CabinetConfiguration, from: Date, origin: RunOrigin,
                signer: Curve25519.Signing.PrivateKey? = nil) throws {
        self.store = store
        transactions = origin.transactions
        let site = configuration.site
        cabinetID = site.id
        if let last = try store.lastIntervalEnd(cabinet: site.id), last > from {
            throw OverlapError(path: store.path, cabinetID: site.id, lastEnd: last, from: from)
        }
        let digest = try Self.profileDigest(configuration.profilePath)
        let declared = try store.declareChanges(configuration.declarations(effective: from), signer: signer)
        rows += declared.count
        register = try configuration.board.meters.first.map { try store.lastRegister(cabinet: site.id, meter: $0.id) ?? 0 } ?? 0
        let events = [
            LedgerEvent(cabinetID: cabinetID, at: from, kind: .ledger, subject: origin.subject, detail: origin.detail),
            LedgerEvent(cabinetID: cabinetID, at: from, kind: .profile, subject: configuration.profile.id,
                        detail: "sha256 \(digest) \(configuration.profilePath)"),
        ]
        try store.append(LedgerBatch(events: events))
        rows += events.count
    }

    /// The SHA-256 of a profile file's bytes (hex): what its activation is recorded with.
    public static func profileDigest(_ path: String) throws(ProfileFileError) -> String {
        do {
            let text = try Data(contentsOf: URL(fileURLWithPath: path))
            return SHA256.hash(data: text).map { String(format: "%02x", $0) }.joined()
        } catch {
            throw ProfileFileError(path: path, reason: FileProblem.describe(error, path: path))
        }
    }

    /// The profile file cannot be read, so its activation cannot be recorded with its hash.
    public struct ProfileFileError: Error, CustomStringConvertible {
        public var path: String, reason: String
        public var description: String { "cannot record the activation of profile \(path): \(reason)" }
    }

    /// The ledger already covers part of the period asked for.
    public struct OverlapError: Error, CustomStringConvertible {
        public var path: String, cabinetID: String, lastEnd: Date, from: Date
        public var description: String {
            "\(path) already holds intervals of cabinet \(cabinetID) up to \(InstantText.isoUTC(lastEnd)), after the start of this run (\(InstantText.isoUTC(from))): use another ledger, or start at \(InstantText.isoUTC(lastEnd)) or later"
        }
    }

    /// Whole watt-hours of `energy` plus what was carried; the remainder carried on.
    static func wattHours(_ energy: Energy, carried: inout Int64) -> Int64 {
        let total = energy.milliwattHours + carried
        let wh = max(0, (total + 500) / 1000)
        carried = total - wh * 1000
        return wh
    }

    /// Writes `intervals`, in order, in one transaction each or all in one (``transactions``).
    ///
    /// - Throws: `LedgerError`s from the store. With ``Transactions/eachRecordCall``, nothing
    ///   of the call is written then, and the recorder is left as it was before the call.
    public mutating func record(_ intervals: [ObservedInterval]) throws {
        switch transactions {
        case .eachInterval:
            for interval in intervals {
                let before = (carry, register)
                let batch = self.batch(interval)
                do {
                    try store.append(batch)
                } catch {
                    (carry, register) = before   // as if it had not been asked: it can be asked again
                    throw error
                }
                rows += batch.count
            }
        case .eachRecordCall:
            let before = (carry, register)
            let batches = intervals.map { batch($0) }
            do {
                try store.append(contentsOf: batches)
            } catch {
                (carry, register) = before
                throw error
            }
            rows += batches.reduce(0) { $0 + $1.count }
        case .eachRecordCallInBackground:
            let pipeline = try self.pipeline ?? AppendPipeline(store: store)
            self.pipeline = pipeline
            let batches = intervals.map { batch($0) }
            try pipeline.submit(batches)
            rows += batches.reduce(0) { $0 + $1.count }
        }
    }

    /// Waits until every interval recorded is written.
    ///
    /// - Throws: the `LedgerError` of a write that failed in the background.
    public func finish() throws {
        try pipeline?.finish()
    }

    /// One interval as the ledger records it: whole watt-hours (the remainders carried), the
    /// meter's register advanced, the switchings as events.
    mutating func batch(_ i: ObservedInterval) -> LedgerBatch {
        var batch = LedgerBatch()
        batch.circuits = i.circuits.map { c in
            CircuitInterval(cabinetID: cabinetID, circuitID: c.circuit, start: i.start, end: i.end,
                            energyWh: Self.wattHours(c.energy, carried: &carry.circuits[c.circuit, default: 0]), source: c.source,
                            burningSeconds: c.burningSeconds, meanLevel: c.meanLevel)
        }
        batch.production = i.production.map { p in
            ProductionInterval(cabinetID: cabinetID, inverterID: p.inverter, start: i.start, end: i.end,
                               energyWh: Self.wattHours(p.energy, carried: &carry.inverters[p.inverter, default: 0]))
        }
        for meter in i.meters {
            let reading: MeterReading
            switch meter.reading {
            case .modelled(let energy):
                let wh = Self.wattHours(energy, carried: &carry.meters[meter.id, default: 0])
                register += wh
                reading = MeterReading(cabinetID: cabinetID, meterID: meter.id, start: i.start, end: i.end,
                                       registerWh: register, energyWh: wh, source: .metered)
            case .read(let registerWh, let energyWh):
                register = registerWh
                reading = MeterReading(cabinetID: cabinetID, meterID: meter.id, start: i.start, end: i.end,
                                       registerWh: registerWh, energyWh: energyWh, source: .metered)
            case .gap(let registerWh):
                if let registerWh { register = registerWh }
                reading = MeterReading(cabinetID: cabinetID, meterID: meter.id, start: i.start, end: i.end,
                                       registerWh: registerWh, energyWh: 0, source: .gap)
            }
            batch.meters.append(reading)
        }
        batch.events = i.switching.map { s in
            let fade = s.fadeSeconds > 0 ? " over \(Int(s.fadeSeconds)) s" : ""
            return LedgerEvent(cabinetID: cabinetID, at: s.at, kind: .switching, subject: s.circuit,
                               detail: "level \(s.level) %\(fade): \(s.reason)")
        } + i.events.map(ledgerEvent)
        return batch
    }

    func ledgerEvent(_ e: ObservedInterval.Event) -> LedgerEvent {
        LedgerEvent(cabinetID: cabinetID, at: e.at, kind: e.kind, subject: e.subject, detail: e.detail)
    }

    /// Events outside any interval (a run's stop and what came just before it), in one
    /// transaction.
    public mutating func record(events: [ObservedInterval.Event]) throws {
        let batch = LedgerBatch(events: events.map(ledgerEvent))
        try store.append(batch)
        rows += batch.count
    }

}

/// Which key signs what a run records in its ledger, the same for a simulation and for the
/// controller.
public enum RunSigningKey {
    /// A new ledger gets its signing key now (the key file is written unless it exists) and its
    /// public half is chained, effective `from`; an existing ledger's key is read when its file
    /// is there (it signs what the cabinet file changed); a ledger without a key stays without
    /// one ('lanterne ledger key create' gives it one, explicitly).
    ///
    /// - Returns: the signer, if any, and the key given to a new ledger (its fingerprint, its
    ///   file, and whether the file was written now).
    public static func choose(store: LedgerStore, isNew: Bool, keyPath: String, effective from: Date) throws
        -> (signer: Curve25519.Signing.PrivateKey?, created: (fingerprint: String, path: String, written: Bool)?) {
        if try store.declarationLog().currentKey != nil {
            return (FileManager.default.fileExists(atPath: keyPath) ? try SigningKeyFile.load(at: keyPath) : nil, nil)
        }
        guard isNew else { return (nil, nil) }
        let (key, written) = try SigningKeyFile.loadOrCreate(at: keyPath)
        try store.createSigningKey(key, effective: from)
        return (key, (KeyFingerprint(hex: key.publicKeyHex).text, keyPath, written))
    }
}
