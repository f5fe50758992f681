import ArgumentParser
import Crypto
import Foundation
import Ledger
import Units

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

    @OptionGroup var options: LedgerOptions
    @OptionGroup var period: PeriodOptions

    @Option(help: ArgumentHelp("Row length: 15m (the ledger's own intervals), hour, day or month.", valueName: RowLength.valueName))
    var interval = RowLength(.native)

    @Option(help: ArgumentHelp("One row per circuit, or per cabinet (with PV and the meter).", valueName: RowGrouping.valueName))
    var by = RowGrouping(.circuit)

    @Option(help: ArgumentHelp("Only this cabinet (default: every cabinet of the ledger).", valueName: "id"))
    var cabinet: String?

    @Option(help: ArgumentHelp("CSV file to write (default: <ledger>-<from>-<to>-<length>.csv in the current directory).", valueName: "file"))
    var out: String?

    @Option(help: ArgumentHelp("Field separator: ',' (default) or ';'.", valueName: "char"))
    var delimiter: String = ","

    @Flag(help: "Decimal comma, for spreadsheets set to French conventions (needs --delimiter ';').")
    var decimalComma = false

    @Option(help: ArgumentHelp("IPMVP option B: start of a metered baseline period (old installation) in this ledger; fills adjusted_baseline_kwh (with --by cabinet).", valueName: Day.valueName))
    var baselineFrom: Day?

    @Option(help: ArgumentHelp("End (exclusive) of the baseline period.", valueName: Day.valueName))
    var baselineTo: Day?

    @Option(help: ArgumentHelp("The ledger's Ed25519 signing key file (default: <ledger>.key).", valueName: "file"))
    var key: String?

    @Flag(help: "No progress bar.")
    var quiet = false

    func validate() throws {
        guard delimiter == "," || delimiter == ";" else { throw ValidationError("--delimiter must be ',' or ';'") }
        if decimalComma && delimiter == "," {
            throw ValidationError("--decimal-comma needs --delimiter ';' (a comma cannot separate both fields and decimals)")
        }
        guard (baselineFrom == nil) == (baselineTo == nil) else {
            throw ValidationError("give both --baseline-from and --baseline-to, or neither")
        }
        if let a = baselineFrom, let b = baselineTo {
            guard a < b else {
                throw ValidationError("--baseline-from and --baseline-to must be dates YYYY-MM-DD, the second after the first")
            }
            guard by.grouping == .cabinet else {
                throw ValidationError("the IPMVP baseline is fitted per cabinet: use it with --by cabinet")
            }
        }
    }

    func run() throws {
        let ledger = options.ledger
        let store = try options.open()
        defer { try? store.close() }
        let csvPath = out ?? "\(((ledger as NSString).lastPathComponent as NSString).deletingPathExtension)-\(period.from)-\(period.to)-\(interval.interval.rawValue).csv"
        let request = ExportRequest(
            from: period.from.date, to: period.to.date, interval: interval.interval, grouping: by.grouping, cabinet: cabinet,
            csvPath: csvPath, delimiter: delimiter, decimalComma: decimalComma,
            baselinePeriod: baselineFrom.flatMap { a in baselineTo.map { (a.date, $0.date) } },
            keyPath: options.keyPath(key), generator: "lanterne \(LanterneVersion.string)")
        let bar = ProgressBar(enabled: !quiet && Console.stderrIsTerminal, label: "exporting \(period.from) → \(period.to)")
        let began = ContinuousClock.now
        let files = try bar.finishing { try store.exportFiles(request, progress: bar.update) }
        let elapsed = (ContinuousClock.now - began).inSeconds
        if let ipmvp = files.ipmvp { print(ipmvp) }
        let t = files.result.totals
        let kwh = { (wh: Int64) in NumberText.fixed(Double(wh) / 1000, decimals: 1) + " kWh" }
        print("\(csvPath): \(files.result.rows) rows, \(files.result.bytes) bytes, sha256 \(files.result.sha256)")
        print("  energy \(kwh(t.energyWh)), baseline \(kwh(t.baselineWh)), avoided \(kwh(t.baselineWh - t.energyWh))"
              + (t.pvWh > 0 ? ", PV \(kwh(t.pvWh))" : "")
              + ", coverage \(NumberText.fixed(t.intervals > 0 ? 100 * Double(t.intervals - t.gapIntervals) / Double(t.intervals) : 0, decimals: 2)) %"
              + " (\(t.estimatedIntervals) estimated, \(t.gapIntervals) gap intervals)")
        print("\(files.summaryPath): totals per \(by.grouping.rawValue) and overall")
        print("\(files.manifestPath): signed by the ledger's \(files.manifest.keyFingerprint) (\(options.keyPath(key))), chain head \(files.manifest.chainHead.prefix(16))… of \(files.manifest.chainRecords) records")
        if !quiet { Console.stderr("exported in \(NumberText.fixed(elapsed, decimals: 2)) s\n") }
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
            throw CommandFailure("\(file): \(e.description)")
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
            defer { try? store.close() }
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
