import Foundation
import GRDB

/// The ledger's SQL schema and its migrations.
///
/// Growing the schema: add a migration `"vN"` at the end of ``migrator`` that alters the tables
/// and sets `ledger_meta.schema_version` to N, then raise ``supportedVersion``. Never edit a
/// migration that has shipped. A build refuses files whose `schema_version` is above its
/// ``supportedVersion`` (``LedgerError/schemaTooNew(path:found:supported:)``).
enum LedgerSchema {
    /// The highest schema version this build reads and writes.
    static let supportedVersion = 3

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
        migrator.registerMigration("v2") { db in
            try migrateToV2(db)
        }
        migrator.registerMigration("v3") { db in
            try migrateToV3(db)
        }
        return migrator
    }

    /// Schema 2: one hash-chained `measurement` table for circuit, production and meter
    /// intervals, an `event` table in the same chain, and views with the names of schema 1.
    ///
    /// All measurements of one interval share the leaf pages of the table and of its key
    /// (which starts with the interval's start), so writing an interval touches few pages: this
    /// is what keeps SD-card writes low. Rows of a schema-1 file are moved over, in time order,
    /// and chained.
    static func migrateToV2(_ db: Database) throws {
        try createV2Tables(db)
        try chainV1Rows(db)
        try replaceV1TablesWithViews(db)
    }

    /// Schema 2's tables, the schema-1 tables renamed out of the way.
    private static func createV2Tables(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE circuit_interval RENAME TO circuit_interval_v1;
            ALTER TABLE production_interval RENAME TO production_interval_v1;
            ALTER TABLE cabinet ADD COLUMN public_key TEXT;
            ALTER TABLE cabinet ADD COLUMN currency TEXT;
            ALTER TABLE cabinet ADD COLUMN price_per_kwh TEXT;

            -- What each circuit is, for the derived figures (baseline, AECI): the replaced
            -- installation's power is the legacy counterfactual baseline.
            CREATE TABLE circuit (
                cabinet_id    TEXT NOT NULL REFERENCES cabinet(id),
                circuit_id    TEXT NOT NULL CHECK (length(circuit_id) > 0),
                name          TEXT NOT NULL,
                luminaires    INTEGER NOT NULL CHECK (luminaires >= 0),
                rated_watts   REAL NOT NULL CHECK (rated_watts >= 0),
                legacy_watts  REAL NOT NULL CHECK (legacy_watts >= 0),
                area_m2       REAL CHECK (area_m2 > 0),
                PRIMARY KEY (cabinet_id, circuit_id)
            ) WITHOUT ROWID;

            -- The hash chain runs over measurement and event together, in seq order: seq is
            -- the position in the chain (unique across both tables), hash is
            -- SHA-256(previous hash || canonical encoding of the row) (docs/LEDGER.md).
            CREATE TABLE measurement (
                seq               INTEGER PRIMARY KEY,
                cabinet_id        TEXT NOT NULL REFERENCES cabinet(id),
                kind              TEXT NOT NULL
                    CHECK (kind = 'circuit' OR kind = 'production' OR kind = 'meter'),
                channel_id        TEXT NOT NULL CHECK (length(channel_id) > 0),
                start_unix        INTEGER NOT NULL,
                end_unix          INTEGER NOT NULL,
                energy_wh         INTEGER NOT NULL CHECK (energy_wh >= 0),
                source            TEXT NOT NULL
                    CHECK (source = 'metered' OR source = 'estimated' OR source = 'gap'),
                burning_seconds   INTEGER,
                mean_level_tenths INTEGER CHECK (mean_level_tenths BETWEEN 0 AND 1000),
                register_wh       INTEGER,
                hash              BLOB NOT NULL CHECK (length(hash) = 32),
                CHECK (end_unix > start_unix),
                CHECK (burning_seconds BETWEEN 0 AND end_unix - start_unix)
            );
            CREATE UNIQUE INDEX measurement_key ON measurement (start_unix, cabinet_id, kind, channel_id);

            CREATE TABLE event (
                seq        INTEGER PRIMARY KEY,
                cabinet_id TEXT NOT NULL REFERENCES cabinet(id),
                at_unix    INTEGER NOT NULL,
                kind       TEXT NOT NULL,
                subject    TEXT NOT NULL,
                detail     TEXT NOT NULL,
                hash       BLOB NOT NULL CHECK (length(hash) = 32)
            );
            CREATE INDEX event_time ON event (at_unix);
            """)
    }

    /// The schema-1 rows moved into `measurement` and chained, oldest first.
    private static func chainV1Rows(_ db: Database) throws {
        var previous = ChainHash.genesis
        var seq: Int64 = 0
        let insert = try db.makeStatement(sql: """
            INSERT INTO measurement (seq, cabinet_id, kind, channel_id, start_unix, end_unix, energy_wh,
                source, burning_seconds, mean_level_tenths, register_wh, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)
            """)
        let rows = try Row.fetchAll(db, sql: """
            SELECT cabinet_id, 'circuit', circuit_id, start_unix, end_unix, energy_wh, source,
                   burning_seconds, mean_level_tenths FROM circuit_interval_v1
            UNION ALL
            SELECT cabinet_id, 'production', inverter_id, start_unix, end_unix, energy_wh, 'metered',
                   NULL, NULL FROM production_interval_v1
            ORDER BY 4, 1, 2, 3
            """)
        for row in rows {
            seq += 1
            let cabinet: String = row[0], kind: String = row[1], channel: String = row[2]
            let start: Int64 = row[3], end: Int64 = row[4], energy: Int64 = row[5], source: String = row[6]
            let burning: Int64? = row[7], level: Int64? = row[8]
            let record = CanonicalRecord.measurement(
                seq: seq, cabinet: cabinet, kind: kind, channel: channel, start: start, end: end,
                energyWh: energy, source: source, burningSeconds: burning, meanLevelTenths: level, registerWh: nil)
            previous = record.chained(after: previous)
            try insert.execute(arguments: [seq, cabinet, kind, channel, start, end, energy, source, burning, level,
                                           previous.data])
        }
    }

    /// The schema-1 tables dropped, and views with their names over `measurement`.
    private static func replaceV1TablesWithViews(_ db: Database) throws {
        try db.execute(sql: """
            DROP TABLE circuit_interval_v1;
            DROP TABLE production_interval_v1;

            CREATE VIEW circuit_interval AS
                SELECT seq, cabinet_id, channel_id AS circuit_id, start_unix, end_unix, energy_wh, source,
                       burning_seconds, mean_level_tenths
                FROM measurement WHERE kind = 'circuit';
            CREATE VIEW production_interval AS
                SELECT seq, cabinet_id, channel_id AS inverter_id, start_unix, end_unix, energy_wh, source
                FROM measurement WHERE kind = 'production';
            CREATE VIEW meter_reading AS
                SELECT seq, cabinet_id, channel_id AS meter_id, start_unix, end_unix, register_wh, energy_wh, source
                FROM measurement WHERE kind = 'meter';

            UPDATE ledger_meta SET value = '2' WHERE key = 'schema_version';
            """)
    }

    /// Schema 3: what the derived figures depend on — sites, circuits, tariffs — moves from
    /// the updatable `cabinet` and `circuit` tables into `declaration`, a table in the hash
    /// chain (docs/LEDGER.md). The declarations a schema-2 file holds are chained at the end of
    /// its chain, effective from the cabinet's first interval, and an event per cabinet says
    /// they were not chained before. `cabinet` keeps only the ids (the intervals' foreign key);
    /// `circuit` goes.
    ///
    /// A schema-2 public key (in `cabinet.public_key`, unchained, possibly planted) is not
    /// carried over: the event names it, and `lanterne ledger key create --key FILE` chains the
    /// key file it belongs to.
    static func migrateToV3(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE declaration (
                seq            INTEGER PRIMARY KEY,
                cabinet_id     TEXT NOT NULL,
                effective_unix INTEGER NOT NULL,
                kind           TEXT NOT NULL,
                subject        TEXT NOT NULL,
                body           TEXT NOT NULL,
                signature      TEXT CHECK (signature IS NULL OR length(signature) = 128),
                hash           BLOB NOT NULL CHECK (length(hash) = 32)
            );
            CREATE INDEX declaration_lookup ON declaration (cabinet_id, kind, subject, effective_unix);
            """)
        let now = Int64(Date().timeIntervalSince1970)
        var (seq, previous) = try LedgerStore.chainHead(db)
        let cabinets = try Row.fetchAll(db, sql: """
            SELECT id, name, latitude, longitude, time_zone, currency, price_per_kwh, public_key FROM cabinet ORDER BY id
            """)
        for row in cabinets {
            let id: String = row[0]
            let effective = try Int64.fetchOne(db, sql: "SELECT min(start_unix) FROM measurement WHERE cabinet_id = ?",
                                               arguments: [id]) ?? now
            var contents: [DeclarationContent] = [
                .site(CabinetRecord(id: id, name: row[1], latitude: row[2], longitude: row[3], timeZone: row[4])),
            ]
            if let currency: String = row[5], let price: String = row[6],
               let value = Decimal(string: price, locale: Locale(identifier: "en_US_POSIX")) {
                contents.append(.tariff(TariffDeclaration(currency: currency, pricePerKilowattHour: value)))
            }
            for c in try Row.fetchAll(db, sql: """
                SELECT circuit_id, name, luminaires, rated_watts, legacy_watts, area_m2 FROM circuit
                WHERE cabinet_id = ? ORDER BY circuit_id
                """, arguments: [id]) {
                contents.append(.circuit(CircuitRecord(cabinetID: id, circuitID: c[0], name: c[1], luminaires: c[2],
                                                       ratedWatts: c[3], legacyWatts: c[4], areaSquareMetres: c[5])))
            }
            for content in contents {
                seq += 1
                previous = try LedgerStore.insertDeclaration(db, seq: seq, after: previous, cabinet: id, effective: effective,
                                                             content: content, signer: nil)
            }
            let key: String? = row[7]
            let detail = "schema 2 → 3: \(contents.count) declarations (site, tariff, circuits) chained from the cabinet and circuit tables, "
                + "where they were not chained before; they take effect from \(LedgerStore.iso(effective)) and are unsigned"
                + (key.map { "; the unchained public key \($0) is not carried over: chain the key file with 'lanterne ledger key create --key FILE'" } ?? "")
            seq += 1
            previous = CanonicalRecord.event(seq: seq, cabinet: id, at: now, kind: LedgerEvent.Kind.ledger.rawValue,
                                             subject: "migration", detail: detail).chained(after: previous)
            try db.execute(sql: "INSERT INTO event (seq, cabinet_id, at_unix, kind, subject, detail, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           arguments: [seq, id, now, LedgerEvent.Kind.ledger.rawValue, "migration", detail, previous.data])
        }
        try db.execute(sql: """
            DROP TABLE circuit;
            ALTER TABLE cabinet DROP COLUMN name;
            ALTER TABLE cabinet DROP COLUMN latitude;
            ALTER TABLE cabinet DROP COLUMN longitude;
            ALTER TABLE cabinet DROP COLUMN time_zone;
            ALTER TABLE cabinet DROP COLUMN public_key;
            ALTER TABLE cabinet DROP COLUMN currency;
            ALTER TABLE cabinet DROP COLUMN price_per_kwh;
            UPDATE ledger_meta SET value = '3' WHERE key = 'schema_version';
            """)
    }
}
