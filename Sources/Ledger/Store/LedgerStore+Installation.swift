import Foundation
import GRDB

extension LedgerStore {
    /// Records the circuits of a cabinet (replacing what was known of them).
    ///
    /// - Throws: ``LedgerError/invalidRecord(path:record:reason:)`` for negative or non-finite
    ///   watts or area; ``LedgerError/unknownCabinet(path:cabinetID:)``;
    ///   ``LedgerError/writeFailed(path:reason:)``.
    public func register(circuits: [CircuitRecord]) throws(LedgerError) {
        for c in circuits {
            let what = "circuit \"\(c.circuitID)\" of cabinet \"\(c.cabinetID)\""
            if c.circuitID.isEmpty { throw .invalidRecord(path: path, record: what, reason: "the id is empty") }
            if !(c.ratedWatts.isFinite && c.ratedWatts >= 0 && c.legacyWatts.isFinite && c.legacyWatts >= 0) {
                throw .invalidRecord(path: path, record: what, reason: "watts must be finite and not negative")
            }
            if let a = c.areaSquareMetres, !(a.isFinite && a > 0) {
                throw .invalidRecord(path: path, record: what, reason: "the area must be positive")
            }
        }
        let path = self.path
        try write { db in
            for c in circuits {
                do {
                    try db.execute(sql: """
                        INSERT INTO circuit (cabinet_id, circuit_id, name, luminaires, rated_watts, legacy_watts, area_m2)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (cabinet_id, circuit_id) DO UPDATE SET name = excluded.name,
                            luminaires = excluded.luminaires, rated_watts = excluded.rated_watts,
                            legacy_watts = excluded.legacy_watts, area_m2 = excluded.area_m2
                        """, arguments: [c.cabinetID, c.circuitID, c.name, c.luminaires, c.ratedWatts, c.legacyWatts,
                                         c.areaSquareMetres])
                } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                    throw LedgerStore.constraintError(error, path: path, cabinetID: c.cabinetID, interval: "circuit \(c.circuitID)")
                }
            }
        }
    }

    /// The circuits recorded for a cabinet, by id.
    ///
    /// - Throws: ``LedgerError/readFailed(path:reason:)``.
    public func circuits(cabinet cabinetID: String) throws(LedgerError) -> [CircuitRecord] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT circuit_id, name, luminaires, rated_watts, legacy_watts, area_m2 FROM circuit
                WHERE cabinet_id = ? ORDER BY circuit_id
                """, arguments: [cabinetID]).map { row in
                CircuitRecord(cabinetID: cabinetID, circuitID: row[0], name: row[1], luminaires: row[2],
                              ratedWatts: row[3], legacyWatts: row[4], areaSquareMetres: row[5])
            }
        }
    }

    /// Records a cabinet's energy tariff (a decimal price per kWh, kept as text so no binary
    /// rounding touches it) and its currency.
    ///
    /// - Throws: ``LedgerError/writeFailed(path:reason:)``.
    public func setTariff(cabinet cabinetID: String, currency: String, pricePerKilowattHour: Decimal) throws(LedgerError) {
        let price = "\(pricePerKilowattHour)"
        try write { db in
            try db.execute(sql: "UPDATE cabinet SET currency = ?, price_per_kwh = ? WHERE id = ?",
                           arguments: [currency, price, cabinetID])
        }
    }

    /// A cabinet's tariff, when recorded.
    ///
    /// - Throws: ``LedgerError/readFailed(path:reason:)``.
    public func tariff(cabinet cabinetID: String) throws(LedgerError) -> (currency: String, pricePerKilowattHour: Decimal)? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT currency, price_per_kwh FROM cabinet WHERE id = ?", arguments: [cabinetID]),
                  let currency: String = row[0], let text: String = row[1],
                  let price = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else { return nil }
            return (currency, price)
        }
    }

    /// Records the cabinet's Ed25519 public key (64 hex digits), used to check signed exports.
    ///
    /// - Throws: ``LedgerError/writeFailed(path:reason:)``.
    public func setPublicKey(cabinet cabinetID: String, hex: String) throws(LedgerError) {
        try write { db in
            try db.execute(sql: "UPDATE cabinet SET public_key = ? WHERE id = ?", arguments: [hex, cabinetID])
        }
    }

    /// The cabinet's Ed25519 public key, when recorded.
    ///
    /// - Throws: ``LedgerError/readFailed(path:reason:)``.
    public func publicKey(cabinet cabinetID: String) throws(LedgerError) -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT public_key FROM cabinet WHERE id = ?", arguments: [cabinetID]) }
    }
}
