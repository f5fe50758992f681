import Astronomy
import Crypto
import Foundation
import Lighting
import Savings
import Units

/// What `lanterne ledger export` asks for: a period of local days, the rows' shape, where to
/// write, and the key to sign with.
public struct ExportRequest: Sendable {
    public var from: CivilDate, to: CivilDate
    public var interval: ExportInterval
    public var grouping: ExportGrouping
    /// Only this cabinet; nil for every cabinet of the ledger (the first one's time zone).
    public var cabinet: String?
    public var csvPath: String
    /// `,` or `;`.
    public var delimiter: String
    public var decimalComma: Bool
    /// A metered period of the old installation for an IPMVP option B model (`--by cabinet`).
    public var baselinePeriod: (from: CivilDate, to: CivilDate)?
    /// The ledger's signing key file; it must hold the key in force.
    public var keyPath: String
    /// Who writes the manifest, e.g. "lanterne 0.1.0".
    public var generator: String

    public init(from: CivilDate, to: CivilDate, interval: ExportInterval, grouping: ExportGrouping, cabinet: String?,
                csvPath: String, delimiter: String, decimalComma: Bool, baselinePeriod: (from: CivilDate, to: CivilDate)?,
                keyPath: String, generator: String) {
        self.from = from; self.to = to; self.interval = interval; self.grouping = grouping; self.cabinet = cabinet
        self.csvPath = csvPath; self.delimiter = delimiter; self.decimalComma = decimalComma
        self.baselinePeriod = baselinePeriod; self.keyPath = keyPath; self.generator = generator
    }
}

/// The three files an export wrote and what they hold.
public struct ExportFiles: Sendable {
    public var result: ExportResult
    public var csvPath: String, summaryPath: String, manifestPath: String
    public var manifest: ExportManifest
    /// The IPMVP model's one-line description, when a baseline period was given.
    public var ipmvp: String?
}

extension LedgerStore {
    /// Writes an export as the auditor receives it: the CSV rows, the summary (totals per
    /// circuit or cabinet and overall, sums of the rows) and the manifest signed with the
    /// ledger's key in force. The key is never created here; a CSV left half-written by a
    /// failure is removed.
    ///
    /// - Throws: `ExportError` (no such cabinet, no signing key or another key, a file that
    ///   cannot be written), `LedgerError`, `BaselineFitError`.
    public func exportFiles(_ request: ExportRequest, progress: @Sendable (Double) -> Void = { _ in }) throws -> ExportFiles {
        let clock = LocalClock(timeZone: try exportTimeZone(cabinet: request.cabinet))
        let start = clock.instant(request.from, secondsOfDay: 0), end = clock.instant(request.to, secondsOfDay: 0)
        var options = ExportOptions(from: start, to: end, interval: request.interval, grouping: request.grouping,
                                    cabinetID: request.cabinet, delimiter: UInt8(ascii: request.delimiter == ";" ? ";" : ","),
                                    decimalComma: request.decimalComma)
        var ipmvp: String?
        if let period = request.baselinePeriod {
            let (model, text) = try ipmvpAdjustment(cabinet: request.cabinet, period: period, clock: clock)
            options.adjustedBaseline = model
            ipmvp = text
        }
        let signingKey = try exportSigningKey(at: request.keyPath)
        let result = try writeCSV(options, to: request.csvPath, progress: progress)
        let summaryPath = request.csvPath + ".summary.csv"
        let summary = ExportSummaryWriter.text(result, options: options)
        try Data(summary.utf8).write(to: URL(fileURLWithPath: summaryPath))
        let head = try chainHeadForExport()
        var manifest = ExportManifest(
            csvFile: (request.csvPath as NSString).lastPathComponent, csvSHA256: result.sha256, csvBytes: result.bytes,
            rows: result.rows, columns: result.columns, periodStartUTC: InstantText.isoUTC(start), periodEndUTC: InstantText.isoUTC(end),
            interval: request.interval.rawValue, grouping: request.grouping.rawValue, cabinet: request.cabinet,
            delimiter: request.delimiter, decimalComma: request.decimalComma,
            ledgerFile: (path as NSString).lastPathComponent, chainHead: head.hash.hex, chainRecords: head.records,
            summaryFile: (summaryPath as NSString).lastPathComponent,
            summarySHA256: Hex.encode(Data(SHA256.hash(data: Data(summary.utf8)))),
            generator: request.generator, createdAtUTC: InstantText.isoUTC(Date()), publicKey: "")
        try manifest.sign(with: signingKey)
        let manifestPath = request.csvPath + ".manifest.json"
        try manifest.json().write(to: URL(fileURLWithPath: manifestPath))
        return ExportFiles(result: result, csvPath: request.csvPath, summaryPath: summaryPath, manifestPath: manifestPath,
                           manifest: manifest, ipmvp: ipmvp)
    }

    /// The time zone the period's local days are read in: the chosen cabinet's, or the first
    /// cabinet's when every cabinet is exported.
    func exportTimeZone(cabinet: String?) throws -> TimeZone {
        let cabinets = try cabinets()
        guard let site = cabinet.flatMap({ id in cabinets.first { $0.id == id } }) ?? (cabinet == nil ? cabinets.first : nil) else {
            throw ExportError(cabinet.map { "the ledger \(path) has no cabinet \($0)" + (cabinets.isEmpty ? "" : " (it has \(cabinets.map(\.id).joined(separator: ", ")))") }
                              ?? "the ledger \(path) has no cabinet")
        }
        return TimeZone(identifier: site.timeZone) ?? .gmt
    }

    /// The IPMVP option B model (monthly energy against dark hours) fitted on the baseline
    /// period, as the adjusted baseline of any period: intercept pro rata to the period's
    /// length (a month is 1/12 of 365.25 days) plus slope × its dark hours.
    func ipmvpAdjustment(cabinet: String?, period: (from: CivilDate, to: CivilDate),
                         clock: LocalClock) throws -> (@Sendable (Double, Double) -> Double, String) {
        let model = try fitBaselineModel(cabinet: cabinet, from: clock.instant(period.from, secondsOfDay: 0),
                                         to: clock.instant(period.to, secondsOfDay: 0))
        let month = 365.25 * 86_400 / 12
        let intercept = model.intercept, slope = model.slope
        let text = String(format: "IPMVP option B on %@ to %@: %.3f kWh/month + %.4f kWh per dark hour, CV(RMSE) %.1f %%, NMBE %.2f %%%@",
                          period.from.description, period.to.description, intercept, slope, 100 * model.cvRMSE, 100 * model.nmbe,
                          model.meetsASHRAE14Monthly ? ", meets ASHRAE Guideline 14" : ", does NOT meet ASHRAE Guideline 14")
        return ({ seconds, darkHours in intercept * seconds / month + slope * darkHours }, text)
    }

    /// The ledger's key in force, read from `keyPath`: an export is signed by the ledger's
    /// chained key or not at all.
    func exportSigningKey(at keyPath: String) throws -> Curve25519.Signing.PrivateKey {
        guard let inForce = try declarationLog().currentKey else {
            throw ExportError("\(path) has no signing key, so the export could not be signed: create one with 'lanterne ledger key create --ledger \(path)'")
        }
        let signingKey = try SigningKeyFile.load(at: keyPath)
        guard signingKey.publicKeyHex == inForce.publicKey else {
            throw ExportError("\(keyPath) is not the ledger's signing key (\(inForce.fingerprint.text))")
        }
        return signingKey
    }

    /// Streams the rows into a new file at `csvPath`, removed again if the export fails.
    func writeCSV(_ options: ExportOptions, to csvPath: String, progress: @Sendable (Double) -> Void) throws -> ExportResult {
        guard FileManager.default.createFile(atPath: csvPath, contents: nil),
              let handle = FileHandle(forWritingAtPath: csvPath) else {
            throw ExportError("cannot create \(csvPath)")
        }
        do {
            let result = try export(options, to: handle, progress: progress)
            try handle.close()
            return result
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: csvPath)
            throw error
        }
    }
}
