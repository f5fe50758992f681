import GRDB

/// The ledger's SQL schema and its migrations.
///
/// Growing the schema: add a migration `"vN"` at the end of ``migrator`` that alters the tables
/// and sets `ledger_meta.schema_version` to N, then raise ``supportedVersion``. Never edit a
/// migration that has shipped. A build refuses files whose `schema_version` is above its
/// ``supportedVersion`` (``LedgerError/schemaTooNew(path:found:supported:)``).
enum LedgerSchema {
    /// The highest schema version this build reads and writes.
    static let supportedVersion = 1

    /// The SQLite `application_id` header field of every ledger file: "LNTN" in ASCII.
    /// `file(1)` and this build use it to recognise a ledger.
    static let applicationID: Int32 = 0x4C4E_544E

    /// The `ledger_meta` keys the ledger manages itself; ``LedgerStore/setMeta(_:forKey:)``
    /// refuses them.
    static let reservedMetaKeys: Set<String> = ["schema_version", "created_by"]

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE ledger_meta (
                    key   TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL
                ) WITHOUT ROWID;

                CREATE TABLE cabinet (
                    id        TEXT PRIMARY KEY NOT NULL CHECK (length(id) > 0),
                    name      TEXT NOT NULL,
                    latitude  REAL NOT NULL CHECK (latitude BETWEEN -90 AND 90),
                    longitude REAL NOT NULL CHECK (longitude BETWEEN -180 AND 180),
                    time_zone TEXT NOT NULL
                );

                -- Lighting consumption per circuit and interval [start_unix, end_unix),
                -- instants in whole seconds since 1970-01-01T00:00:00Z. The source check is
                -- written with OR on purpose: SQLite rebuilds an ephemeral table for an IN list
                -- on every INSERT, which halved the insert rate.
                CREATE TABLE circuit_interval (
                    id                INTEGER PRIMARY KEY,
                    cabinet_id        TEXT NOT NULL REFERENCES cabinet(id),
                    circuit_id        TEXT NOT NULL CHECK (length(circuit_id) > 0),
                    start_unix        INTEGER NOT NULL,
                    end_unix          INTEGER NOT NULL,
                    energy_wh         INTEGER NOT NULL CHECK (energy_wh >= 0),
                    source            TEXT NOT NULL
                        CHECK (source = 'metered' OR source = 'estimated' OR source = 'gap'),
                    burning_seconds   INTEGER NOT NULL CHECK (burning_seconds >= 0),
                    mean_level_tenths INTEGER NOT NULL CHECK (mean_level_tenths BETWEEN 0 AND 1000),
                    CHECK (end_unix > start_unix),
                    CHECK (burning_seconds <= end_unix - start_unix)
                );
                CREATE UNIQUE INDEX circuit_interval_key
                    ON circuit_interval (cabinet_id, circuit_id, start_unix);
                CREATE INDEX circuit_interval_period ON circuit_interval (start_unix);

                -- Renewable production per inverter and interval [start_unix, end_unix).
                CREATE TABLE production_interval (
                    id          INTEGER PRIMARY KEY,
                    cabinet_id  TEXT NOT NULL REFERENCES cabinet(id),
                    inverter_id TEXT NOT NULL CHECK (length(inverter_id) > 0),
                    start_unix  INTEGER NOT NULL,
                    end_unix    INTEGER NOT NULL,
                    energy_wh   INTEGER NOT NULL CHECK (energy_wh >= 0),
                    CHECK (end_unix > start_unix)
                );
                CREATE UNIQUE INDEX production_interval_key
                    ON production_interval (cabinet_id, inverter_id, start_unix);
                CREATE INDEX production_interval_period ON production_interval (start_unix);

                INSERT INTO ledger_meta (key, value) VALUES ('schema_version', '1');
                INSERT INTO ledger_meta (key, value) VALUES ('created_by', 'lanterne');
                PRAGMA application_id = \(applicationID);
                """)
        }
        return migrator
    }
}
