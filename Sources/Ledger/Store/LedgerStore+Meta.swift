import GRDB

extension LedgerStore {
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
