import Crypto
import Foundation
import Lighting
@testable import Ledger
import Testing

/// A ledger with `days` days of two circuits (the second one missing `missing` intervals and
/// with `gaps` explicit gap records), an inverter and a meter, at Montdidier.
func exportLedger(days: Int = 3, missing: Set<Int> = [], gaps: Set<Int> = []) throws -> (LedgerStore, URL) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-export-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let store = try LedgerStore.open(path: dir.appendingPathComponent("l.sqlite").path)
    try store.declare([
        .site(CabinetRecord(id: "cab", name: "Cabinet", latitude: 49.648, longitude: 2.570, timeZone: "Europe/Paris")),
        .circuit(CircuitRecord(cabinetID: "cab", circuitID: "c1", name: "Road, \"main\"", luminaires: 10, ratedWatts: 600, legacyWatts: 1710, areaSquareMetres: 2700)),
        .circuit(CircuitRecord(cabinetID: "cab", circuitID: "c2", name: "Street", luminaires: 10, ratedWatts: 300, legacyWatts: 1160, areaSquareMetres: nil)),
        .tariff("cab", "EUR", "0.18"),
        .factor("cab", kg: 0.052),
    ])
    let first = 1_767_222_000   // 2026-01-01T00:00+01:00
    var register: Int64 = 0
    for k in 0..<(days * 96) {
        let start = Date(timeIntervalSince1970: Double(first + 900 * k)), end = start.addingTimeInterval(900)
        var batch = LedgerBatch()
        let hour = (k % 96) / 4
        let on = hour < 8 || hour >= 17
        batch.circuits.append(CircuitInterval(cabinetID: "cab", circuitID: "c1", start: start, end: end, energyWh: on ? 150 : 0,
                                              source: .estimated, burningSeconds: on ? 900 : 0, meanLevel: on ? .full : .off))
        if gaps.contains(k) {
            batch.circuits.append(CircuitInterval(cabinetID: "cab", circuitID: "c2", start: start, end: end, energyWh: 0,
                                                  source: .gap, burningSeconds: 0, meanLevel: .off))
        } else if !missing.contains(k) {
            batch.circuits.append(CircuitInterval(cabinetID: "cab", circuitID: "c2", start: start, end: end, energyWh: on ? 75 : 0,
                                                  source: .metered, burningSeconds: on ? 900 : 0, meanLevel: on ? .full : .off))
        }
        batch.production.append(ProductionInterval(cabinetID: "cab", inverterID: "inv", start: start, end: end, energyWh: on ? 0 : 2_000))
        register += on ? 225 : 0
        batch.meters.append(MeterReading(cabinetID: "cab", meterID: "m", start: start, end: end, registerWh: register, energyWh: on ? 225 : 0, source: .metered))
        try store.append(batch)
    }
    return (store, dir)
}

/// A minimal RFC 4180 reader (quotes, doubled quotes, CRLF).
func parseCSV(_ text: String, delimiter: Character = ",") -> [[String]] {
    var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
    var chars = Array(text), i = 0
    while i < chars.count {
        let c = chars[i]
        if quoted {
            if c == "\"" {
                if i + 1 < chars.count && chars[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false }
            } else { field.append(c) }
        } else if c == "\"" { quoted = true }
        else if c == delimiter { row.append(field); field = "" }
        else if c == "\r\n" || c == "\n" { row.append(field); rows.append(row); row = []; field = "" }
        else if c != "\r" { field.append(c) }
        i += 1
    }
    chars = []
    return rows
}

func runExport(_ store: LedgerStore, _ dir: URL, _ options: ExportOptions) throws -> (ExportResult, [[String]], String) {
    let path = dir.appendingPathComponent("out.csv").path
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    let handle = try #require(FileHandle(forWritingAtPath: path))
    let result = try store.export(options, to: handle)
    try handle.close()
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return (result, parseCSV(text, delimiter: options.delimiter == UInt8(ascii: ";") ? ";" : ","), text)
}

let janFirst = Date(timeIntervalSince1970: 1_767_222_000)

@Suite struct Export {

    @Test func quarterHourRowsSumToTheSummary() throws {
        let (store, dir) = try exportLedger()
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = ExportOptions(from: janFirst, to: janFirst.addingTimeInterval(3 * 86_400))
        options.interval = .native
        let (result, rows, text) = try runExport(store, dir, options)
        #expect(text.hasSuffix("\r\n") && text.contains("\r\n"))
        let header = rows[0]
        #expect(header.contains("energy_kwh") && header.contains("baseline_kwh") && header.contains("avoided_cost_eur")
                && header.contains("tariff_eur_per_kwh") && header.contains("coverage_percent") && header.contains("period_start_utc"))
        #expect(rows.count == 1 + 3 * 96 * 2 && result.rows == 3 * 96 * 2)
        let col = { (name: String) in header.firstIndex(of: name)! }
        func sum(_ name: String) -> Int64 {
            rows.dropFirst().reduce(0) { $0 + Int64(($1[col(name)].replacingOccurrences(of: ".", with: "")))! }
        }
        // Energies are printed with 3 decimals (Wh): their sums are exact.
        #expect(sum("energy_kwh") == result.totals.energyWh)
        #expect(sum("baseline_kwh") == result.totals.baselineWh)
        #expect(sum("avoided_cost_eur") == result.totals.avoidedCostTenThousandths)
        #expect(sum("avoided_co2e_kg") == result.totals.avoidedCO2eGrams)
        let summary = parseCSV(ExportSummaryWriter.text(result, options: options))
        let total = try #require(summary.last)
        #expect(total[0] == "total")
        #expect(Int64(total[5].replacingOccurrences(of: ".", with: "")) == sum("energy_kwh"))
        #expect(Int64(total[6].replacingOccurrences(of: ".", with: "")) == sum("baseline_kwh"))
        // 3 nights × 15 lit hours... the legacy baseline: c1 1,710 W × dark hours.
        #expect(rows[1][col("period_start_utc")] == "2025-12-31T23:00:00Z" && rows[1][col("period_start_local")] == "2026-01-01T00:00:00+01:00")
        #expect(rows[1][col("baseline_method")] == "legacy-counterfactual")
        #expect(rows[1][col("baseline_kwh")] == "0.428")   // 1,710 W × 15 min, dark at midnight
    }

    @Test func gapsLowerCoverageAndNeverInflateSavings() throws {
        let (store, dir) = try exportLedger(days: 1, missing: [0, 1, 2, 3], gaps: [4, 5])
        defer { try? FileManager.default.removeItem(at: dir) }
        let options = ExportOptions(from: janFirst, to: janFirst.addingTimeInterval(86_400), interval: .day, grouping: .circuit)
        let (_, rows, _) = try runExport(store, dir, options)
        let header = rows[0]
        let c2 = try #require(rows.first { $0[header.firstIndex(of: "circuit_id")!] == "c2" })
        let get = { (name: String) in c2[header.firstIndex(of: name)!] }
        #expect(get("intervals") == "96" && get("gap_intervals") == "6" && get("coverage_percent") == "93.75")
        #expect(get("estimated_intervals") == "0")
        // Baseline only over the 90 intervals present: 1,160 W over their dark time.
        let baseline = Double(get("baseline_kwh"))!
        #expect(baseline < 1.16 * 24 * 90 / 96 + 0.01)
        #expect(Double(get("avoided_kwh"))! == (baseline * 1000 - Double(get("energy_kwh"))! * 1000).rounded() / 1000)
    }

    @Test func frenchSpreadsheetConventions() throws {
        let (store, dir) = try exportLedger(days: 1)
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = ExportOptions(from: janFirst, to: janFirst.addingTimeInterval(86_400), interval: .day, grouping: .cabinet,
                                    delimiter: UInt8(ascii: ";"), decimalComma: true)
        options.cabinetID = "cab"
        let (_, rows, text) = try runExport(store, dir, options)
        #expect(rows.count == 2)
        let header = rows[0], row = rows[1]
        #expect(row[header.firstIndex(of: "tariff_eur_per_kwh")!] == "0,180000")
        #expect(row[header.firstIndex(of: "pv_kwh")!] == "72,000")    // 36 unlit quarter-hours × 2,000 Wh
        #expect(row[header.firstIndex(of: "metered_kwh")!] == "13,500")  // 60 lit quarter-hours × 225 Wh
        #expect(!text.contains(",\""))   // a field with a comma is not quoted when ';' separates
        #expect(throws: ExportError.self) {
            try store.export(ExportOptions(from: janFirst, to: janFirst.addingTimeInterval(86_400), decimalComma: true),
                             to: FileHandle.nullDevice)
        }
    }

    @Test func textFieldsAreQuoted() throws {
        var w = CSVWriter(handle: FileHandle.nullDevice, delimiter: UInt8(ascii: ","), decimalComma: false)
        w.text("plain"); w.text("a,b"); w.text("say \"hi\""); w.fixed(-1234, scale: 3); w.fixed(5, scale: 3); w.decimal(.nan, scale: 2)
        try w.endRow()
        // Written bytes are observable through the digest; check the encoding by re-parsing.
        let row = parseCSV("plain,\"a,b\",\"say \"\"hi\"\"\",-1.234,0.005,\r\n")[0]
        #expect(row == ["plain", "a,b", "say \"hi\"", "-1.234", "0.005", ""])
    }

    @Test func monthRowsOverAPeriodThatStartsAndEndsMidMonth() throws {
        // Regression: a last period clamped at the export's end was found again, forever.
        let (store, dir) = try exportLedger(days: 3)
        defer { try? FileManager.default.removeItem(at: dir) }
        let options = ExportOptions(from: janFirst.addingTimeInterval(86_400), to: janFirst.addingTimeInterval(2.5 * 86_400),
                                    interval: .month, grouping: .cabinet)
        let (result, rows, _) = try runExport(store, dir, options)
        #expect(result.rows == 1 && rows.count == 2)
        let header = rows[0]
        #expect(rows[1][header.firstIndex(of: "period_start_utc")!] == "2026-01-01T23:00:00Z")
        #expect(rows[1][header.firstIndex(of: "period_end_utc")!] == "2026-01-03T11:00:00Z")
        #expect(rows[1][header.firstIndex(of: "intervals")!] == "\(2 * 144)")   // 1.5 days × 96 × 2 circuits
    }

    @Test func anEmptyPeriodIsAClearError() throws {
        let (store, dir) = try exportLedger(days: 1)
        defer { try? FileManager.default.removeItem(at: dir) }
        let later = janFirst.addingTimeInterval(30 * 86_400)
        #expect {
            try store.export(ExportOptions(from: later, to: later.addingTimeInterval(86_400)), to: FileHandle.nullDevice)
        } throws: { ($0 as? ExportError)?.description == "the ledger \(store.path) has no interval between 2026-01-30T23:00:00Z and 2026-01-31T23:00:00Z" }
    }

    @Test func theManifestSignatureCoversEveryField() throws {
        let key = Curve25519.Signing.PrivateKey()
        var m = ExportManifest(csvFile: "a.csv", csvSHA256: String(repeating: "ab", count: 32), csvBytes: 10, rows: 2, columns: ["x", "y"],
                               periodStartUTC: "2026-01-01T00:00:00Z", periodEndUTC: "2026-02-01T00:00:00Z", interval: "day",
                               grouping: "cabinet", cabinet: "cab", delimiter: ",", decimalComma: false, ledgerFile: "l.sqlite",
                               chainHead: String(repeating: "0", count: 64), chainRecords: 5, summaryFile: "a.csv.summary.csv",
                               summarySHA256: String(repeating: "cd", count: 32), generator: "lanterne test",
                               createdAtUTC: "2026-02-01T00:00:00Z", publicKey: "")
        try m.sign(with: key)
        #expect(m.signatureIsValid)
        let decoded = try JSONDecoder().decode(ExportManifest.self, from: try m.json())
        #expect(decoded.signatureIsValid && decoded == m)
        var tampered = m
        tampered.rows = 3
        #expect(!tampered.signatureIsValid)
        tampered = m
        tampered.chainRecords = 4
        #expect(!tampered.signatureIsValid)
        let other = Curve25519.Signing.PrivateKey()
        tampered = m
        tampered.publicKey = Hex.encode(other.publicKey.rawRepresentation)
        #expect(!tampered.signatureIsValid)
    }
}

/// Declarations in force per interval: tariffs per cabinet and over time, one currency per export.
@Suite struct ExportDeclarations {
    /// A second cabinet "cab2" with the same intervals as "cab" (one circuit), at another tariff.
    func twoCabinets(secondCurrency: String, secondPrice: String) throws -> (LedgerStore, URL) {
        let (store, dir) = try exportLedger(days: 2)
        try store.declare([
            .site(CabinetRecord(id: "cab2", name: "Other", latitude: 49.648, longitude: 2.570, timeZone: "Europe/Paris")),
            .circuit(CircuitRecord(cabinetID: "cab2", circuitID: "c1", name: "Road", luminaires: 10, ratedWatts: 600, legacyWatts: 1710,
                                   areaSquareMetres: nil)),
            .tariff("cab2", secondCurrency, secondPrice),
        ])
        for k in 0..<(2 * 96) {
            let start = janFirst.addingTimeInterval(Double(900 * k))
            try store.append(circuits: [CircuitInterval(cabinetID: "cab2", circuitID: "c1", start: start, end: start.addingTimeInterval(900),
                                                        energyWh: 150, source: .estimated, burningSeconds: 900, meanLevel: .full)])
        }
        return (store, dir)
    }

    @Test func eachCabinetIsPricedAtItsOwnTariff() throws {
        let (store, dir) = try twoCabinets(secondCurrency: "EUR", secondPrice: "0.30")
        defer { try? FileManager.default.removeItem(at: dir) }
        let options = ExportOptions(from: janFirst, to: janFirst.addingTimeInterval(2 * 86_400), interval: .day, grouping: .cabinet)
        let (result, rows, _) = try runExport(store, dir, options)
        let header = rows[0]
        let col = { (n: String) in header.firstIndex(of: n)! }
        for row in rows.dropFirst() {
            let price = row[col("cabinet_id")] == "cab" ? "0.180000" : "0.300000"
            #expect(row[col("tariff_eur_per_kwh")] == price)
            // Cost is the row's avoided energy at its own price, to the ten-thousandth.
            let avoidedWh = Int64(row[col("avoided_kwh")].replacingOccurrences(of: ".", with: ""))!
            let micro = avoidedWh * (price == "0.180000" ? 180_000 : 300_000) / 1000
            #expect(Int64(row[col("avoided_cost_eur")].replacingOccurrences(of: ".", with: ""))! == (micro + 50) / 100)
        }
        #expect(result.currency == "EUR")
    }

    @Test func aTotalAcrossCurrenciesIsRefused() throws {
        let (store, dir) = try twoCabinets(secondCurrency: "CHF", secondPrice: "0.30")
        defer { try? FileManager.default.removeItem(at: dir) }
        let options = ExportOptions(from: janFirst, to: janFirst.addingTimeInterval(2 * 86_400), interval: .day, grouping: .cabinet)
        let error = #expect(throws: ExportError.self) { _ = try runExport(store, dir, options) }
        #expect(error?.description == "the tariffs in force over this period are in CHF (cab2) and EUR (cab): a total would add unlike amounts; export one currency at a time with --cabinet")
        // One cabinet at a time is fine.
        var one = options
        one.cabinetID = "cab2"
        let (result, rows, _) = try runExport(store, dir, one)
        #expect(result.currency == "CHF" && rows[0].contains("tariff_chf_per_kwh"))
        // A currency that changes within one cabinet's period is refused too, with that said.
        try store.declare([.tariff("cab2", "EUR", "0.30", from: janFirst.addingTimeInterval(86_400))])
        let changed = #expect(throws: ExportError.self) { _ = try runExport(store, dir, one) }
        #expect(changed?.description == "the tariff of cabinet cab2 changes currency within this period (CHF, EUR): export the periods before and after the change separately")
    }

    @Test func aTariffChangeSplitsTheMonthAtItsInstant() throws {
        let (store, dir) = try exportLedger(days: 2)
        defer { try? FileManager.default.removeItem(at: dir) }
        // From the second day on, 0.30.
        try store.declare([.tariff("cab", "EUR", "0.30", from: janFirst.addingTimeInterval(86_400))])
        let byDay = ExportOptions(from: janFirst, to: janFirst.addingTimeInterval(2 * 86_400), interval: .day, grouping: .cabinet)
        let (days, dayRows, _) = try runExport(store, dir, byDay)
        let header = dayRows[0]
        #expect(dayRows[1][header.firstIndex(of: "tariff_eur_per_kwh")!] == "0.180000")
        #expect(dayRows[2][header.firstIndex(of: "tariff_eur_per_kwh")!] == "0.300000")
        // One row over both days: no single price to print, the cost is each day's at its price.
        let whole = ExportOptions(from: janFirst, to: janFirst.addingTimeInterval(2 * 86_400), interval: .month, grouping: .cabinet)
        let (total, rows, _) = try runExport(store, dir, whole)
        #expect(rows[1][header.firstIndex(of: "tariff_eur_per_kwh")!] == "")
        #expect(abs(total.totals.avoidedCostTenThousandths - days.totals.avoidedCostTenThousandths) <= 1)
    }

    @Test func anEmissionFactorChangeIsAppliedPerInterval() throws {
        let (store, dir) = try exportLedger(days: 2)
        defer { try? FileManager.default.removeItem(at: dir) }
        try store.declare([.factor("cab", kg: 0.5, name: "Other mix", source: "test", from: janFirst.addingTimeInterval(86_400))])
        let byDay = ExportOptions(from: janFirst, to: janFirst.addingTimeInterval(2 * 86_400), interval: .day, grouping: .circuit)
        let (days, dayRows, _) = try runExport(store, dir, byDay)
        let header = dayRows[0]
        let name = header.firstIndex(of: "emission_factor_name")!
        #expect(dayRows[1][name] == "France, average mix (ADEME)" && dayRows[3][name] == "Other mix")
        let whole = ExportOptions(from: janFirst, to: janFirst.addingTimeInterval(2 * 86_400), interval: .month, grouping: .cabinet)
        let (total, rows, _) = try runExport(store, dir, whole)
        #expect(rows[1][name] == "several (see the ledger's declarations)" && rows[1][header.firstIndex(of: "emission_factor_kg_per_kwh")!] == "")
        // Each day's avoided energy at its own factor: the sum of the day rows, to the gram.
        #expect(abs(total.totals.avoidedCO2eGrams - days.totals.avoidedCO2eGrams) <= 2)
        #expect(total.emissionFactors.map(\.name) == ["France, average mix (ADEME)", "Other mix"])
    }
}
