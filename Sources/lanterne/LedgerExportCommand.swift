import ArgumentParser
import Astronomy
import Crypto
import Foundation
import Ledger
import Lighting
import SourceFiles

/// `lanterne ledger export`
struct ExportLedger: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the ledger to RFC 4180 CSV for auditors, with a summary and a signed manifest.",
        discussion: """
            Writes FILE (the rows), FILE.summary.csv (one row per circuit or cabinet over the \
            whole period and a total row whose figures are the sums of the rows) and \
            FILE.manifest.json (period, row count, SHA-256 of both CSV files, the ledger's chain \
            head, generator, signed with the ledger's Ed25519 key and naming its fingerprint). \
            Dates are local dates in the cabinet's time zone; the period is half-open. Every \
            interval is valued with the declarations in force at its start (legacy watts, site, \
            tariff, emission factor: 'lanterne ledger declarations'). Gaps are counted, never \
            filled: the baseline and avoided energy cover only the intervals present, and \
            coverage says how many those are. Check an export with 'lanterne ledger verify-export \
            FILE --ledger PATH'.
            """)

    @Option(help: ArgumentHelp("Ledger file (SQLite).", valueName: "path"))
    var ledger: String

    @Option(help: ArgumentHelp("First day, in the cabinet's time zone.", valueName: "YYYY-MM-DD"))
    var from: String

    @Option(help: ArgumentHelp("Day after the last, in the cabinet's time zone.", valueName: "YYYY-MM-DD"))
    var to: String

    @Option(help: ArgumentHelp("Row length: 15m (the ledger's own intervals), hour, day or month.", valueName: "length"))
    var interval: String = "15m"

    @Option(help: ArgumentHelp("One row per circuit, or per cabinet (with PV and the meter).", valueName: "circuit|cabinet"))
    var by: String = "circuit"

    @Option(help: ArgumentHelp("Only this cabinet (default: every cabinet of the ledger).", valueName: "id"))
    var cabinet: String?

    @Option(help: ArgumentHelp("CSV file to write (default: <ledger>-<from>-<to>.csv in the current directory).", valueName: "file"))
    var out: String?

    @Option(help: ArgumentHelp("Field separator: ',' (default) or ';'.", valueName: "char"))
    var delimiter: String = ","

    @Flag(help: "Decimal comma, for spreadsheets set to French conventions (needs --delimiter ';').")
    var decimalComma = false

    @Option(help: ArgumentHelp("IPMVP option B: start of a metered baseline period (old installation) in this ledger; fills adjusted_baseline_kwh (with --by cabinet).", valueName: "YYYY-MM-DD"))
    var baselineFrom: String?

    @Option(help: ArgumentHelp("End (exclusive) of the baseline period.", valueName: "YYYY-MM-DD"))
    var baselineTo: String?

    @Option(help: ArgumentHelp("The ledger's Ed25519 signing key file (default: <ledger>.key).", valueName: "file"))
    var key: String?

    @Flag(help: "No progress bar.")
    var quiet = false

    func validate() throws {
        guard CivilDate(from) != nil else { throw ValidationError("--from '\(from)' is not a calendar date: expected YYYY-MM-DD") }
        guard CivilDate(to) != nil else { throw ValidationError("--to '\(to)' is not a calendar date: expected YYYY-MM-DD") }
        guard CivilDate(from)! < CivilDate(to)! else { throw ValidationError("--to \(to) must be after --from \(from)") }
        guard ExportInterval(rawValue: interval) != nil else {
            throw ValidationError("--interval '\(interval)' is not one of 15m, hour, day, month")
        }
        guard ExportGrouping(rawValue: by) != nil else { throw ValidationError("--by '\(by)' is not circuit or cabinet") }
        guard delimiter == "," || delimiter == ";" else { throw ValidationError("--delimiter must be ',' or ';'") }
        if decimalComma && delimiter == "," {
            throw ValidationError("--decimal-comma needs --delimiter ';' (a comma cannot separate both fields and decimals)")
        }
        guard (baselineFrom == nil) == (baselineTo == nil) else {
            throw ValidationError("give both --baseline-from and --baseline-to, or neither")
        }
        if let a = baselineFrom, let b = baselineTo {
            guard let x = CivilDate(a), let y = CivilDate(b), x < y else {
                throw ValidationError("--baseline-from and --baseline-to must be dates YYYY-MM-DD, the second after the first")
            }
            guard by == "cabinet" else {
                throw ValidationError("the IPMVP baseline is fitted per cabinet: use it with --by cabinet")
            }
        }
    }

    func run() throws {
        let store = try openExistingLedger(ledger)
        try reportingLedgerErrors { try export(store) }
    }

    /// Fits the IPMVP option B model (monthly energy against dark hours) on the baseline period
    /// and returns the adjusted baseline of any period: intercept pro rata to the period's
    /// length (a month is 1/12 of 365.25 days) plus slope × its dark hours.
    func ipmvpModel(_ store: LedgerStore, clock: LocalClock) throws -> (@Sendable (Double, Double) -> Double, String)? {
        guard let a = baselineFrom, let b = baselineTo else { return nil }
        let model = try store.fitBaselineModel(cabinet: cabinet, from: clock.instant(CivilDate(a)!, secondsOfDay: 0),
                                               to: clock.instant(CivilDate(b)!, secondsOfDay: 0))
        let month = 365.25 * 86_400 / 12
        let intercept = model.intercept, slope = model.slope
        let text = String(format: "IPMVP option B on %@ to %@: %.3f kWh/month + %.4f kWh per dark hour, CV(RMSE) %.1f %%, NMBE %.2f %%%@",
                          a, b, intercept, slope, 100 * model.cvRMSE, 100 * model.nmbe,
                          model.meetsASHRAE14Monthly ? ", meets ASHRAE Guideline 14" : ", does NOT meet ASHRAE Guideline 14")
        return ({ seconds, darkHours in intercept * seconds / month + slope * darkHours }, text)
    }

    func export(_ store: LedgerStore) throws {
        let cabinets = try store.cabinets()
        guard let zoneCabinet = cabinet.flatMap({ id in cabinets.first { $0.id == id } }) ?? (cabinet == nil ? cabinets.first : nil) else {
            throw ExportError(cabinet.map { "the ledger \(ledger) has no cabinet \($0)\(Suggestion.hint(for: $0, in: cabinets.map(\.id)))" }
                              ?? "the ledger \(ledger) has no cabinet")
        }
        let clock = LocalClock(timeZone: TimeZone(identifier: zoneCabinet.timeZone) ?? .gmt)
        let start = clock.instant(CivilDate(from)!, secondsOfDay: 0), end = clock.instant(CivilDate(to)!, secondsOfDay: 0)
        var options = ExportOptions(from: start, to: end, interval: ExportInterval(rawValue: interval)!,
                                    grouping: ExportGrouping(rawValue: by)!, cabinetID: cabinet,
                                    delimiter: UInt8(ascii: delimiter == ";" ? ";" : ","), decimalComma: decimalComma)
        if let (model, text) = try ipmvpModel(store, clock: clock) {
            options.adjustedBaseline = model
            print(text)
        }

        // Signing key: the ledger's key in force, a chained declaration (never created here).
        let keyPath = key ?? ledger + ".key"
        guard let inForce = try store.declarationLog().currentKey else {
            throw ExportError("\(ledger) has no signing key, so the export could not be signed: create one with 'lanterne ledger key create --ledger \(ledger)'")
        }
        let signingKey = try SigningKeyFile.load(at: keyPath)
        guard signingKey.publicKeyHex == inForce.publicKey else {
            throw ExportError("\(keyPath) is not the ledger's signing key (\(inForce.fingerprint.text))")
        }

        let csvPath = out ?? "\(((ledger as NSString).lastPathComponent as NSString).deletingPathExtension)-\(from)-\(to)-\(interval).csv"
        guard FileManager.default.createFile(atPath: csvPath, contents: nil),
              let handle = FileHandle(forWritingAtPath: csvPath) else {
            throw ExportError("cannot create \(csvPath)")
        }
        let bar = ProgressBar(enabled: !quiet && Console.stderrIsTerminal, label: "exporting \(from) → \(to)")
        let began = ContinuousClock.now
        let result: ExportResult
        do {
            result = try store.export(options, to: handle, progress: bar.update)
            try handle.close()
        } catch {
            bar.finish()
            try? handle.close()
            try? FileManager.default.removeItem(atPath: csvPath)
            throw error
        }
        bar.finish()
        let seconds = (ContinuousClock.now - began).components
        let elapsed = Double(seconds.seconds) + Double(seconds.attoseconds) / 1e18

        // Summary: one row per key over the period, then the total, from the rows' own figures.
        let summaryPath = csvPath + ".summary.csv"
        let summary = ExportSummaryWriter.text(result, options: options)
        try Data(summary.utf8).write(to: URL(fileURLWithPath: summaryPath))

        let head = try store.chainHeadForExport()
        var manifest = ExportManifest(
            csvFile: (csvPath as NSString).lastPathComponent, csvSHA256: result.sha256, csvBytes: result.bytes, rows: result.rows,
            columns: result.columns, periodStartUTC: Console.isoUTC(start), periodEndUTC: Console.isoUTC(end), interval: interval,
            grouping: by, cabinet: cabinet, delimiter: delimiter, decimalComma: decimalComma,
            ledgerFile: (ledger as NSString).lastPathComponent, chainHead: head.hash.hex, chainRecords: head.records,
            summaryFile: (summaryPath as NSString).lastPathComponent,
            summarySHA256: Hex.encode(Data(SHA256.hash(data: Data(summary.utf8)))),
            generator: "lanterne \(LanterneVersion.string)", createdAtUTC: Console.isoUTC(Date()), publicKey: "")
        try manifest.sign(with: signingKey)
        let manifestPath = csvPath + ".manifest.json"
        try manifest.json().write(to: URL(fileURLWithPath: manifestPath))

        let t = result.totals
        let kwh = { (wh: Int64) in SimulateCommand.number(Double(wh) / 1000, decimals: 1) + " kWh" }
        print("\(csvPath): \(result.rows) rows, \(result.bytes) bytes, sha256 \(result.sha256)")
        print("  energy \(kwh(t.energyWh)), baseline \(kwh(t.baselineWh)), avoided \(kwh(t.baselineWh - t.energyWh))"
              + (t.pvWh > 0 ? ", PV \(kwh(t.pvWh))" : "")
              + ", coverage \(SimulateCommand.number(t.intervals > 0 ? 100 * Double(t.intervals - t.gapIntervals) / Double(t.intervals) : 0, decimals: 2)) %"
              + " (\(t.estimatedIntervals) estimated, \(t.gapIntervals) gap intervals)")
        print("\(summaryPath): totals per \(by) and overall")
        print("\(manifestPath): signed by the ledger's \(manifest.keyFingerprint) (\(keyPath)), chain head \(head.hash.hex.prefix(16))… of \(head.records) records")
        if !quiet { Console.stderr("exported in \(SimulateCommand.number(elapsed, decimals: 2)) s\n") }
    }
}

/// `lanterne ledger verify-export FILE.csv`
struct VerifyExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-export",
        abstract: "Check an exported CSV against its manifest and signature.",
        discussion: """
            Checks the CSV's and the summary's SHA-256 and the row count against FILE.manifest.json, \
            and the manifest's Ed25519 signature. A signature alone proves only that someone \
            holding the key in the manifest signed it: pin the signer with --public-key (the key \
            the municipality holds) or --ledger (the ledger's chained key in force at the export's \
            chain head, which must still be in the ledger). Prints the signer's fingerprint. Exit \
            status: 0 when sound, 1 with the reason otherwise.
            """)

    @Argument(help: ArgumentHelp("The exported CSV.", valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp("The expected signer: 64 hex digits, or a file holding them.", valueName: "key"))
    var publicKey: String?

    @Option(help: ArgumentHelp("The ledger the export came from.", valueName: "path"))
    var ledger: String?

    func run() throws {
        do {
            let lines = try check()
            for l in lines { print(l) }
        } catch let e as ExportError {
            Console.error("\(file): \(e.description)")
            throw ExitCode(1)
        }
    }

    func check() throws -> [String] {
        let manifestPath = file + ".manifest.json"
        guard let manifestData = FileManager.default.contents(atPath: manifestPath) else {
            throw ExportError("no manifest beside it (\(manifestPath))")
        }
        guard let manifest = try? JSONDecoder().decode(ExportManifest.self, from: manifestData),
              ExportManifest.readableFormats.contains(manifest.format) else {
            throw ExportError("\(manifestPath) is not a Lanterne export manifest")
        }
        guard manifest.signatureIsValid else {
            throw ExportError("the manifest's signature is not valid: the manifest was altered after signing")
        }
        guard let csv = FileManager.default.contents(atPath: file) else { throw ExportError("cannot read the CSV") }
        let sha = Hex.encode(Data(SHA256.hash(data: csv)))
        guard sha == manifest.csvSHA256 else {
            throw ExportError("SHA-256 \(sha) differs from the manifest's \(manifest.csvSHA256): the CSV was altered")
        }
        guard csv.count == manifest.csvBytes else { throw ExportError("\(csv.count) bytes, the manifest says \(manifest.csvBytes)") }
        let rows = VerifyExport.countRecords(csv) - 1
        guard rows == manifest.rows else { throw ExportError("\(rows) rows, the manifest says \(manifest.rows)") }
        let summaryPath = ((file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(manifest.summaryFile)
        guard let summary = FileManager.default.contents(atPath: summaryPath) else {
            throw ExportError("the summary \(summaryPath) is missing")
        }
        guard Hex.encode(Data(SHA256.hash(data: summary))) == manifest.summarySHA256 else {
            throw ExportError("the summary \(summaryPath) was altered (SHA-256 differs from the manifest's)")
        }
        if let stated = manifest.publicKeyFingerprint, stated != manifest.keyFingerprint.text {
            throw ExportError("the manifest states fingerprint \(stated), but its public key's is \(manifest.keyFingerprint.text)")
        }
        var lines = ["\(file): sound — \(manifest.rows) rows, \(manifest.periodStartUTC) to \(manifest.periodEndUTC), sha256 matches, signed by \(manifest.keyFingerprint)"]
        if let expected = publicKey {
            let hex = (FileManager.default.contents(atPath: expected).map { String(decoding: $0, as: UTF8.self) } ?? expected)
                .trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            guard hex == manifest.publicKey else {
                throw ExportError("signed by \(manifest.keyFingerprint), not by the expected \(KeyFingerprint(hex: hex))")
            }
            lines.append("  the signer is the expected key")
        }
        if let ledger {
            let store = try LedgerStore.open(path: ledger)
            guard let head = ChainHash(hex: manifest.chainHead), try store.containsRecord(hash: head, seq: manifest.chainRecords) else {
                throw ExportError("the manifest's chain head (record \(manifest.chainRecords)) is not in \(ledger): the ledger was rewritten or truncated since the export")
            }
            let log = try store.declarationLog()
            guard let key = log.key(atRecord: manifest.chainRecords) else {
                throw ExportError("\(ledger) had no signing key at record \(manifest.chainRecords): the export was not signed by the ledger")
            }
            guard key.publicKey == manifest.publicKey else {
                throw ExportError("signed by \(manifest.keyFingerprint), but the ledger's key at record \(manifest.chainRecords) was \(key.fingerprint)")
            }
            lines.append("  the signer is the ledger's chained signing key at the export (record \(key.seq)), and record \(manifest.chainRecords) of \(ledger) is the manifest's chain head")
        }
        if publicKey == nil && ledger == nil {
            lines.append("  the signer is NOT pinned: anyone can make a key and sign; compare \(manifest.keyFingerprint.text) with the fingerprint the municipality holds, or give --public-key or --ledger")
        }
        return lines
    }

    /// CSV records (RFC 4180: line breaks inside quotes do not end a record).
    static func countRecords(_ data: Data) -> Int {
        var count = 0, quoted = false, sawByte = false
        for b in data {
            if b == UInt8(ascii: "\"") { quoted.toggle() }
            if b == 10 && !quoted { count += 1; sawByte = false } else { sawByte = true }
        }
        return count + (sawByte ? 1 : 0)
    }
}
