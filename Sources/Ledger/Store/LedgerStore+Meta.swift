import GRDB

extension LedgerStore {
    /// Records a cabinet, or updates its name, place and time zone when its id is known.
    ///
    /// - Throws: ``LedgerError/invalidRecord(path:record:reason:)`` for an empty id, a latitude
    ///   outside -90 ... 90, a longitude outside -180 ... 180 or an empty time zone;
    ///   ``LedgerError/writeFailed(path:reason:)`` when SQLite refuses the write.
    public func register(cabinet: CabinetRecord) throws(LedgerError) {
        let what = "cabinet \"\(cabinet.id)\""
        if cabinet.id.isEmpty {
            throw .invalidRecord(path: path, record: what, reason: "the id is empty")
        }
        if !(cabinet.latitude.isFinite && (-90...90).contains(cabinet.latitude)) {
            throw .invalidRecord(path: path, record: what,
                                 reason: "latitude \(cabinet.latitude) is outside -90 ... 90")
        }
        if !(cabinet.longitude.isFinite && (-180...180).contains(cabinet.longitude)) {
            throw .invalidRecord(path: path, record: what,
                                 reason: "longitude \(cabinet.longitude) is outside -180 ... 180")
        }
        if cabinet.timeZone.isEmpty {
            throw .invalidRecord(path: path, record: what, reason: "the time zone is empty")
        }
        try write { db in
            try db.execute(sql: """
                INSERT INTO cabinet (id, name, latitude, longitude, time_zone) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, latitude = excluded.latitude,
                    longitude = excluded.longitude, time_zone = excluded.time_zone
                """,
                arguments: [cabinet.id, cabinet.name, cabinet.latitude, cabinet.longitude,
                            cabinet.timeZone])
        }
    }

    /// The registered cabinets, ordered by id.
    ///
    /// - Throws: ``LedgerError/readFailed(path:reason:)``.
    public func cabinets() throws(LedgerError) -> [CabinetRecord] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, name, latitude, longitude, time_zone FROM cabinet ORDER BY id
                """).map { row in
                CabinetRecord(id: row[0], name: row[1], latitude: row[2], longitude: row[3],
                              timeZone: row[4])
            }
        }
    }

    /// Stores a free-form key/value pair in `ledger_meta` (replacing any previous value).
    ///
    /// - Throws: ``LedgerError/invalidRecord(path:record:reason:)`` for an empty key or a key
    ///   the ledger manages itself (`schema_version`, `created_by`);
    ///   ``LedgerError/writeFailed(path:reason:)`` when SQLite refuses the write.
    public func setMeta(_ value: String, forKey key: String) throws(LedgerError) {
        if key.isEmpty {
            throw .invalidRecord(path: path, record: "ledger_meta entry", reason: "the key is empty")
        }
        if LedgerSchema.reservedMetaKeys.contains(key) {
            throw .invalidRecord(path: path, record: "ledger_meta entry \"\(key)\"",
                                 reason: "this key is managed by the ledger itself")
        }
        try write { db in
            try db.execute(sql: """
                INSERT INTO ledger_meta (key, value) VALUES (?, ?)
                ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """, arguments: [key, value])
        }
    }

    /// The value stored under `key` in `ledger_meta`, `nil` when absent.
    ///
    /// - Throws: ``LedgerError/readFailed(path:reason:)``.
    public func meta(_ key: String) throws(LedgerError) -> String? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT value FROM ledger_meta WHERE key = ?",
                                arguments: [key])
        }
    }
}
