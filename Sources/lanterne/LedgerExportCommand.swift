import ArgumentParser
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

    /// IPMVP option B, with `--by cabinet`: fills adjusted_baseline_kwh.
    @OptionGroup var baseline: BaselinePeriodOptions

    @Option(help: ArgumentHelp("The ledger's Ed25519 signing key file (default: <ledger>.key).", valueName: "file"))
    var key: String?

    @Flag(help: "No progress bar.")
    var quiet = false

    func validate() throws {
        guard delimiter == "," || delimiter == ";" else { throw ValidationError("--delimiter must be ',' or ';'") }
        if decimalComma && delimiter == "," {
            throw ValidationError("--decimal-comma needs --delimiter ';' (a comma cannot separate both fields and decimals)")
        }
        if baseline.period != nil, by.grouping != .cabinet {
            throw ValidationError("the IPMVP baseline is fitted per cabinet: use it with --by cabinet")
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
            baselinePeriod: baseline.period,
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
            let check = try ExportCheck.verify(csvPath: file, publicKey: publicKey, ledger: ledger)
            for line in check.lines { print(line) }
        } catch let e as ExportError {
            throw CommandFailure("\(file): \(e.description)")
        }
    }
}
