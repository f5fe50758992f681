import Crypto
import Foundation
import GRDB
@testable import Recording
@testable import Cabinet
@testable import Ledger
import Simulation
import Testing
import Units

/// Every column of every table, edited in a copy of a ledger, either breaks `ledger verify`
/// (which names the record) or leaves every figure derived from the ledger unchanged: the CSV
/// exports and their summaries byte for byte, and what the report and `roi --ledger` are
/// computed from (``LedgerAnalysis``). The columns come from the schema itself, so a column
/// added later cannot slip out of the chain.
@Suite struct LedgerTamper {
    static let from = Date(timeIntervalSince1970: 1_785_362_400)   // 2026-07-30T00:00+02:00
    static let to = Date(timeIntervalSince1970: 1_785_708_000)     // 2026-08-03T00:00+02:00
    static let august = Date(timeIntervalSince1970: 1_785_535_200) // 2026-08-01T00:00+02:00

    /// Four days of the example cabinet, a tariff change on 1 August, a key rotation.
    static func makeLedger(in dir: URL) throws -> String {
        let path = dir.appendingPathComponent("source.sqlite").path
        let config = try #require(CabinetLoader.load(path: montdidierPath).value)
        let store = try LedgerStore.open(path: path)
        let key = Curve25519.Signing.PrivateKey()
        try store.createSigningKey(key, effective: from)
        var recorder = try LedgerRecorder(store: store, configuration: config, from: from, origin: .simulation(generator: "test", from: from, to: to, seed: 7), signer: key)
        let simulator = try CabinetSimulator(configuration: config, seed: 7)
        _ = try simulator.run(from: from, to: to, recorder: &recorder)
        try recorder.finish()
        let next = Curve25519.Signing.PrivateKey()
        try store.rotateSigningKey(from: key, to: next, effective: to)
        try store.declare([Declaration(cabinetID: config.site.id, effective: august,
                                       content: .tariff(TariffDeclaration(currency: "EUR", pricePerKilowattHour: Decimal(string: "0.25")!)))],
                          signer: next)
        try store.close()
        return path
    }

    /// Every figure derived from the ledger, as text.
    static func figures(_ path: String, dir: URL) throws -> [String] {
        let store = try LedgerStore.open(path: path)
        defer { try? store.close() }
        var out: [String] = []
        for (interval, grouping) in [(ExportInterval.native, ExportGrouping.circuit), (.day, .cabinet), (.month, .cabinet)] {
            let file = dir.appendingPathComponent("export-\(UUID().uuidString).csv")
            _ = FileManager.default.createFile(atPath: file.path, contents: nil)
            let handle = try FileHandle(forWritingTo: file)
            let options = ExportOptions(from: from, to: to, interval: interval, grouping: grouping)
            let result = try store.export(options, to: handle)
            try handle.close()
            out.append(try String(contentsOf: file, encoding: .utf8))
            out.append(ExportSummaryWriter.text(result, options: options))
            try FileManager.default.removeItem(at: file)
        }
        let a = try LedgerAnalysis.analyse(store: store, cabinet: "montdidier-remparts", from: from, to: to)
        out.append("\(a.site) \(a.declaredCircuits) \(a.tariff as Any) \(a.investment as Any) \(a.emissionFactors) \(a.totals) \(a.months) \(a.circuits.sorted { $0.key < $1.key }) \(a.currency as Any)")
        out.append("\(try a.investmentCase() as Any)")
        return out
    }

    /// The same value, changed: numbers moved, a digit of a text changed, a byte of a blob flipped.
    static func edited(_ value: DatabaseValue) -> DatabaseValue {
        switch value.storage {
        case .null: return 1.databaseValue
        case .int64(let i): return (i + 1_000_003).databaseValue
        case .double(let d): return (d * 2 + 1).databaseValue
        case .string(let s):
            var chars = Array(s)
            if let i = chars.firstIndex(where: \.isNumber) {
                chars[i] = chars[i] == "9" ? "0" : Character(String(chars[i].wholeNumberValue! + 1))
                return String(chars).databaseValue
            }
            return (s + "x").databaseValue
        case .blob(let data):
            var d = data
            d[d.startIndex] ^= 0x01
            return d.databaseValue
        }
    }

    @Test func everyColumnIsChainedOrIrrelevant() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-tamper-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = try Self.makeLedger(in: dir)
        let reference = try Self.figures(source, dir: dir)
        // The tariff change is priced: the August rows carry the new price, July's the old.
        #expect(reference[2].contains("0.180000") && reference[2].contains("0.250000"))

        // The schema: every table and column, with the rows to edit in each (one per kind of
        // record, and the last).
        var config = Configuration()
        config.readonly = true
        let plan: [(table: String, column: String, rowids: [Int64])] = try DatabaseQueue(path: source, configuration: config).read { db in
            var plan: [(String, String, [Int64])] = []
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            #expect(Set(tables) == ["cabinet", "declaration", "event", "grdb_migrations", "ledger_meta", "measurement"],
                    "a new table: check that this test's ledger fills it")
            for table in tables {
                let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").map { $0["name"] as String }
                let withoutRowID = try Int.fetchOne(db, sql: "SELECT 1 FROM sqlite_master WHERE name = ? AND sql LIKE '%WITHOUT ROWID%'", arguments: [table]) != nil
                #expect(!withoutRowID || table == "ledger_meta")
                let rowid = withoutRowID ? "key" : "rowid"
                var rows: [Int64] = []
                if columns.contains("kind") {
                    rows = try Int64.fetchAll(db, sql: "SELECT min(\(rowid)) FROM \(table) GROUP BY kind")
                }
                if !withoutRowID {
                    rows += try Int64.fetchAll(db, sql: "SELECT \(rowid) FROM \(table) ORDER BY \(rowid) LIMIT 1")
                    rows += try Int64.fetchAll(db, sql: "SELECT \(rowid) FROM \(table) ORDER BY \(rowid) DESC LIMIT 1")
                }
                #expect(withoutRowID || !rows.isEmpty, "table \(table) is empty in the test ledger: fill it so its columns are tried")
                for column in columns { plan.append((table, column, Array(Set(rows)).sorted())) }
            }
            return plan
        }
        #expect(plan.count > 30)
        var broken = 0, harmless = 0
        for (table, column, rowids) in plan {
            let keys: [DatabaseValueConvertible] = table == "ledger_meta" ? ["schema_version", "created_by"] : rowids
            for key in keys {
                let copy = dir.appendingPathComponent("copy.sqlite").path
                for suffix in ["", "-wal", "-shm"] {
                    try? FileManager.default.removeItem(atPath: copy + suffix)
                    if FileManager.default.fileExists(atPath: source + suffix) {
                        try FileManager.default.copyItem(atPath: source + suffix, toPath: copy + suffix)
                    }
                }
                // As a forger with the sqlite3 shell: no foreign keys, no CHECK constraints.
                var forger = Configuration()
                forger.foreignKeysEnabled = false
                let queue = try DatabaseQueue(path: copy, configuration: forger)
                let what = "\(table).\(column) of row \(key)"
                let changed: Bool = try queue.write { db in
                    try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
                    let locator = table == "ledger_meta" ? "key" : "rowid"
                    guard let old = try DatabaseValue.fetchOne(db, sql: "SELECT \(column) FROM \(table) WHERE \(locator) = ?", arguments: [key]) else { return false }
                    do {
                        try db.execute(sql: "UPDATE \(table) SET \(column) = ? WHERE \(locator) = ?", arguments: [Self.edited(old), key])
                    } catch let e as DatabaseError where e.resultCode == .SQLITE_CONSTRAINT {
                        return false   // a unique key refuses the edit: nothing to check
                    }
                    return true
                }
                try queue.close()
                guard changed else { continue }
                // Either verification fails and names the record, or nothing derived changes.
                let verdict: String?
                do {
                    let store = try LedgerStore.open(path: copy)
                    let v = try store.verifyChain()
                    try store.close()
                    verdict = v.problem.map { "record \($0.seq): \($0.description)" }
                    if let p = v.problem { #expect(p.seq > 0 && p.description.contains("record \(p.seq)"), "\(what): \(p)") }
                } catch {
                    verdict = "\(error)"   // the file is refused as a ledger: verify fails, with the reason
                }
                if verdict != nil {
                    broken += 1
                } else {
                    let after = try Self.figures(copy, dir: dir)
                    for (i, (x, y)) in zip(after, reference).enumerated() where x != y {
                        let a = Array(x), b = Array(y)
                        let at = a.indices.first { $0 >= b.count || a[$0] != b[$0] } ?? a.count
                        Issue.record("\(what) was edited, the chain is sound, yet derived figures \(i) changed at character \(at): \(String(a[max(0, at - 80)..<min(a.count, at + 80)])) instead of \(String(b[max(0, at - 80)..<min(b.count, at + 80)]))")
                    }
                    #expect(after.count == reference.count)
                    harmless += 1
                }
            }
        }
        #expect(broken > 30)
        #expect(harmless > 0)   // created_by, cabinet.id, ... exist and change nothing
    }

    /// Declarations appended by one who can write the file but has not the key are refused.
    @Test func aForgedDeclarationIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-forge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.makeLedger(in: dir)
        let store = try LedgerStore.open(path: path)
        let doubled = Declaration(cabinetID: "montdidier-remparts", effective: Self.from,
                                  content: .tariff(TariffDeclaration(currency: "EUR", pricePerKilowattHour: Decimal(string: "0.50")!)))
        // Through the library: unsigned, or signed by another key.
        #expect(throws: LedgerError.self) { try store.declare([doubled]) }
        #expect(throws: LedgerError.self) { try store.declare([doubled], signer: Curve25519.Signing.PrivateKey()) }
        // Through SQL, with a correct hash but a signature by another key.
        let forger = SigningMaterial(Curve25519.Signing.PrivateKey())
        try DatabaseQueue(path: path).write { db in
            let (seq, previous) = try LedgerStore.chainHead(db)
            _ = try LedgerStore.insertDeclaration(db, seq: seq + 1, after: previous, cabinet: doubled.cabinetID,
                                                  effective: Int64(Self.from.timeIntervalSince1970), content: doubled.content, signer: forger)
        }
        let v = try store.verifyChain()
        let p = try #require(v.problem)
        #expect(p.kind == .badDeclaration(p.description.replacingOccurrences(of: "record \(p.seq): ", with: "")))
        #expect(p.description.contains("signature is not valid"))
        #expect(throws: LedgerError.self) { try store.export(ExportOptions(from: Self.from, to: Self.to), to: FileHandle.nullDevice) }
    }
}

@Suite struct LedgerRecorderProfile {
    /// An unreadable profile is an error, never the SHA-256 of nothing in the chain.
    @Test func anUnreadableProfileIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-profile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = try #require(CabinetLoader.load(path: montdidierPath).value)
        config.profilePath = dir.appendingPathComponent("gone.yaml").path
        let store = try LedgerStore.open(path: dir.appendingPathComponent("l.sqlite").path)
        let error = #expect(throws: LedgerRecorder.ProfileFileError.self) {
            _ = try LedgerRecorder(store: store, configuration: config, from: LedgerTamper.from, origin: .simulation(generator: "test", from: LedgerTamper.from, to: LedgerTamper.to, seed: 1))
        }
        #expect(error?.description.contains("gone.yaml") == true)
        #expect(try store.verifyChain().records == 0)   // nothing written
    }
}

/// How the recorder groups intervals into transactions (its origin's choice) changes the
/// commits, never the chain.
@Suite struct LedgerRecorderTransactions {
    static let from = LedgerTamper.from
    static let origin = RunOrigin.simulation(generator: "test", from: LedgerTamper.from, to: LedgerTamper.to, seed: 7)

    static func directory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-recorder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A new ledger of the example cabinet, in a directory removed with the fixture.
    final class Fixture {
        let dir: URL
        let config: CabinetConfiguration
        let circuit: String, meter: String
        let store: LedgerStore

        init() throws {
            dir = try LedgerRecorderTransactions.directory()
            config = try #require(CabinetLoader.load(path: montdidierPath).value)
            circuit = try #require(config.installation.circuits.first).id
            meter = try #require(config.board.meters.first).id
            store = try LedgerStore.open(path: dir.appendingPathComponent("l.sqlite").path)
        }

        deinit {
            try? store.close()
            try? FileManager.default.removeItem(at: dir)
        }

        /// A recorder of a simulation from ``LedgerRecorderTransactions/from``.
        func recorder() throws -> LedgerRecorder {
            try LedgerRecorder(store: store, configuration: config, from: from, origin: origin)
        }
    }

    /// One interval of the cabinet's first circuit, with the meter's reading.
    static func interval(_ k: Int, circuit: String, meter: String) -> ObservedInterval {
        let start = from.addingTimeInterval(Double(900 * k))
        return ObservedInterval(
            start: start, end: start.addingTimeInterval(900),
            circuits: [.init(circuit: circuit, energy: Energy(milliwattHours: 250_400), burningSeconds: 900,
                             meanLevel: DimLevel.full, source: .estimated)],
            meter: .init(id: meter, energy: Energy(milliwattHours: 260_700)))
    }

    @Test func aSimulationWritesTheSameChainEitherWay() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try #require(CabinetLoader.load(path: montdidierPath).value)
        var heads: [LedgerRecorder.Transactions: (records: Int64, hash: ChainHash)] = [:]
        var rows: [LedgerRecorder.Transactions: Int] = [:]
        let all: [LedgerRecorder.Transactions] = [.eachInterval, .eachRecordCall, .eachRecordCallInBackground]
        for transactions in all {
            let store = try LedgerStore.open(path: dir.appendingPathComponent("\(transactions).sqlite").path)
            var recorder = try LedgerRecorder(store: store, configuration: config, from: Self.from, origin: Self.origin)
            #expect(recorder.transactions == .eachRecordCallInBackground)   // a simulation's own choice
            recorder.transactions = transactions
            _ = try CabinetSimulator(configuration: config, seed: 7).run(from: Self.from, to: LedgerTamper.to, recorder: &recorder)
            try recorder.finish()
            #expect(try store.verifyChain().isSound)
            heads[transactions] = try store.chainHeadForExport()
            rows[transactions] = recorder.rows
            try store.close()
        }
        let perInterval = try #require(heads[.eachInterval])
        #expect(perInterval.records > 1_000)   // four days: intervals, meter readings, switchings
        for transactions in all {
            #expect(heads[transactions]?.records == perInterval.records)
            #expect(heads[transactions]?.hash == perInterval.hash)
            #expect(rows[transactions] == rows[.eachInterval])
        }
    }

    @Test func aPerIntervalRecorderCommitsEachInterval() throws {
        let f = try Fixture()
        let (config, circuit, meter, store) = (f.config, f.circuit, f.meter, f.store)
        var recorder = try f.recorder()
        recorder.transactions = .eachInterval
        let other = try LedgerStore.open(path: store.path)   // a second connection, as an auditor's reader
        for k in 0..<3 {
            let i = Self.interval(k, circuit: circuit, meter: meter)
            try recorder.record([i])
            #expect(try other.lastIntervalEnd(cabinet: config.site.id) == i.end)
            #expect(try other.chainHeadForExport().records == store.chainHeadForExport().records)
        }
        try other.close()
        try store.close()
    }

    /// A failing interval takes its whole call with it when the call is one transaction, only
    /// itself when each interval is; the recorder's carried remainders and meter register follow.
    @Test(arguments: [LedgerRecorder.Transactions.eachInterval, .eachRecordCall])
    func aFailingIntervalRollsBackItsTransaction(_ transactions: LedgerRecorder.Transactions) throws {
        let f = try Fixture()
        let (config, circuit, meter, store) = (f.config, f.circuit, f.meter, f.store)
        var recorder = try f.recorder()
        recorder.transactions = transactions
        try recorder.record([Self.interval(1, circuit: circuit, meter: meter)])
        let rowsBefore = recorder.rows
        #expect(throws: LedgerError.self) {
            try recorder.record([0, 1, 2].map { Self.interval($0, circuit: circuit, meter: meter) })   // 1 is there already
        }
        let written = try store.circuitIntervals(cabinet: config.site.id, circuit: circuit, from: Self.from, to: LedgerTamper.to)
        switch transactions {
        case .eachInterval:
            #expect(written.map(\.start) == [Self.from, Self.from.addingTimeInterval(900)])
            #expect(recorder.rows == rowsBefore + 2)   // interval 0: its circuit and its meter reading
        case .eachRecordCall:
            #expect(written.map(\.start) == [Self.from.addingTimeInterval(900)])
            #expect(recorder.rows == rowsBefore)
            // The recorder is as before the call: the next interval gets the remainders and the
            // register left by interval 1 alone.
            try recorder.record([Self.interval(2, circuit: circuit, meter: meter)])
            let again = try store.circuitIntervals(cabinet: config.site.id, circuit: circuit, from: Self.from, to: LedgerTamper.to)
            #expect(again.map(\.energyWh) == [250, 251])   // 250.4 Wh, then 250.4 + 0.4 carried
            #expect(try store.lastRegister(cabinet: config.site.id, meter: meter) == 261 + 260)   // 260.7, then 260.7 - 0.3
        case .eachRecordCallInBackground:
            Issue.record("not an argument of this test: aFailingBackgroundWriteEndsTheRun tests it")
        }
    }

    /// In the background, a failing call is reported by the next call or by `finish()`; the
    /// ledger holds every call before it, whole and chained, and nothing after it.
    @Test func aFailingBackgroundWriteEndsTheRun() throws {
        let f = try Fixture()
        let (config, circuit, meter, store) = (f.config, f.circuit, f.meter, f.store)
        var recorder = try f.recorder()
        #expect(recorder.transactions == .eachRecordCallInBackground)
        try recorder.record([Self.interval(1, circuit: circuit, meter: meter)])
        try recorder.record([0, 1, 2].map { Self.interval($0, circuit: circuit, meter: meter) })   // 1 is there already
        // The failure surfaces here at the latest, and stops every later call.
        var failure: (any Error)?
        do {
            for k in 3..<40 { try recorder.record([Self.interval(k, circuit: circuit, meter: meter)]) }
            try recorder.finish()
        } catch {
            failure = error
        }
        let error = try #require(failure as? LedgerError)
        #expect(error.description.contains("already"), "\(error)")
        #expect(throws: LedgerError.self) { try recorder.finish() }
        let written = try store.circuitIntervals(cabinet: config.site.id, circuit: circuit, from: Self.from, to: LedgerTamper.to)
        #expect(written.map(\.start) == [Self.from.addingTimeInterval(900)])
        #expect(try store.verifyChain().isSound)
    }

    /// A write from elsewhere between two background transactions is chained in between: the
    /// chain never forks.
    @Test func aWriteBetweenBackgroundTransactionsIsChainedInBetween() throws {
        let f = try Fixture()
        let (config, circuit, meter, store) = (f.config, f.circuit, f.meter, f.store)
        var recorder = try f.recorder()
        try recorder.record([Self.interval(0, circuit: circuit, meter: meter)])
        try store.append(LedgerBatch(events: [LedgerEvent(cabinetID: config.site.id, at: Self.from, kind: .ledger,
                                                          subject: "note", detail: "written by another writer")]))
        try recorder.record([Self.interval(1, circuit: circuit, meter: meter)])
        try recorder.finish()
        #expect(try store.verifyChain().isSound)
        let chain = try store.verifyChain()
        #expect(chain.events == 3)   // the run, the profile, the note
        #expect(try store.circuitIntervals(cabinet: config.site.id, circuit: circuit, from: Self.from, to: LedgerTamper.to).count == 2)
    }
}

/// What the controller records (RunOrigin.controller): each interval committed as it closes,
/// the meter's own register, gaps with or without a register, and its events.
@Suite struct ControllerRecording {
    static let start = LedgerRecorderTransactions.from

    static func interval(_ k: Int, circuit: String, meter: ObservedInterval.Meter, events: [ObservedInterval.Event] = []) -> ObservedInterval {
        let start = Self.start.addingTimeInterval(Double(900 * k))
        return ObservedInterval(
            start: start, end: start.addingTimeInterval(900),
            circuits: [.init(circuit: circuit, energy: Energy(milliwattHours: 0), burningSeconds: 0, meanLevel: DimLevel.off,
                             source: { if case .gap = meter.reading { .gap } else { .estimated } }())],
            meter: meter, events: events)
    }

    @Test func theMetersRegisterGapsAndEventsAsRead() throws {
        let f = try LedgerRecorderTransactions.Fixture()
        let (config, circuit, meter, store) = (f.config, f.circuit, f.meter, f.store)
        var recorder = try LedgerRecorder(store: store, configuration: config, from: Self.start,
                                          origin: .controller(generator: "test", board: config.board.id, start: Self.start))
        #expect(recorder.transactions == .eachInterval)
        let reset = ObservedInterval.Event(at: Self.start.addingTimeInterval(1_900), kind: .meterReset, subject: meter,
                                           detail: "register 52000 Wh → 12 Wh: a reset or a replacement")
        try recorder.record([
            Self.interval(0, circuit: circuit, meter: .init(id: meter, reading: .read(registerWh: 52_000, energyWh: 400))),
            Self.interval(1, circuit: circuit, meter: .init(id: meter, reading: .gap(registerWh: nil))),   // silent
            Self.interval(2, circuit: circuit, meter: .init(id: meter, reading: .gap(registerWh: 12)), events: [reset]),
        ])
        try recorder.record([Self.interval(3, circuit: circuit, meter: .init(id: meter, reading: .read(registerWh: 300, energyWh: 288)))])
        let rows = try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT register_wh, energy_wh, source FROM measurement WHERE kind = 'meter' ORDER BY start_unix")
        }
        #expect(rows.map { $0[0] as Int64? } == [52_000, nil, 12, 300])
        #expect(rows.map { $0[1] as Int64 } == [400, 0, 0, 288])
        #expect(rows.map { $0[2] as String } == ["metered", "gap", "gap", "metered"])
        // A circuit's share of a gap is a gap, not an estimate of nothing.
        let shares = try store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT source FROM measurement WHERE kind = 'circuit' ORDER BY start_unix")
        }
        #expect(shares == ["estimated", "gap", "gap", "estimated"])
        let last = try #require(try store.lastRegisterReading(cabinet: config.site.id, meter: meter))
        #expect(last.wattHours == 300 && last.end == Self.start.addingTimeInterval(4 * 900))
        let events = try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT kind, subject, detail FROM event ORDER BY seq")
        }
        #expect(events.first.map { $0[1] as String } == "run")
        #expect(events.first.map { ($0[2] as String).contains("run on board \(config.board.id)") } == true)
        #expect(events.contains { ($0[0] as String) == "meterReset" && ($0[2] as String).contains("52000 Wh → 12 Wh") })
        #expect(try store.verifyChain().isSound)
    }

    /// The ledger refuses a gap that claims energy and a reading without its register.
    @Test func aGapHasNoEnergyAndAReadingHasItsRegister() throws {
        let f = try LedgerRecorderTransactions.Fixture()
        let cabinet = f.config.site.id
        let start = Self.start, end = Self.start.addingTimeInterval(900)
        #expect {
            try f.store.append(LedgerBatch(meters: [MeterReading(cabinetID: cabinet, meterID: f.meter, start: start, end: end,
                                                                  registerWh: 10, energyWh: 5, source: .gap)]))
        } throws: { "\($0)".contains("a gap has no energy (5 Wh given)") }
        #expect {
            try f.store.append(LedgerBatch(meters: [MeterReading(cabinetID: cabinet, meterID: f.meter, start: start, end: end,
                                                                  registerWh: nil, energyWh: 5, source: .metered)]))
        } throws: { "\($0)".contains("a metered reading has a register value") }
    }
}
