import Crypto
import Foundation

/// What `lanterne ledger verify-export` establishes about an export: the CSV and summary are
/// those the manifest names, the manifest is signed, and — when pinned — by whom.
public struct ExportCheck: Sendable {
    public var manifest: ExportManifest
    /// What was checked, one line each, as the command prints them.
    public var lines: [String]

    /// Checks the CSV at `csvPath` against `csvPath.manifest.json` and its summary; with
    /// `publicKey` (64 hex digits or a file holding them) or `ledger`, that the signer is the
    /// expected key or the ledger's chained key at the export's chain head.
    ///
    /// - Throws: `ExportError` saying what does not match; `LedgerError` for the ledger.
    public static func verify(csvPath: String, publicKey: String?, ledger: String?) throws -> ExportCheck {
        let manifest = try signedManifest(beside: csvPath)
        try checkFiles(csvPath, against: manifest)
        var lines = ["\(csvPath): sound — \(manifest.rows) rows, \(manifest.periodStartUTC) to \(manifest.periodEndUTC), sha256 matches, signed by \(manifest.keyFingerprint)"]
        if let publicKey { lines.append(try pin(manifest, toKey: publicKey)) }
        if let ledger { lines.append(try pin(manifest, toLedger: ledger)) }
        if publicKey == nil && ledger == nil {
            lines.append("  the signer is NOT pinned: anyone can make a key and sign; compare \(manifest.keyFingerprint.text) with the fingerprint the municipality holds, or give --public-key or --ledger")
        }
        return ExportCheck(manifest: manifest, lines: lines)
    }

    /// The manifest beside the CSV, readable and validly signed.
    static func signedManifest(beside file: String) throws -> ExportManifest {
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
        if let stated = manifest.publicKeyFingerprint, stated != manifest.keyFingerprint.text {
            throw ExportError("the manifest states fingerprint \(stated), but its public key's is \(manifest.keyFingerprint.text)")
        }
        return manifest
    }

    /// The CSV and the summary are those the manifest names: hashes, size, row count.
    static func checkFiles(_ file: String, against manifest: ExportManifest) throws {
        guard let csv = FileManager.default.contents(atPath: file) else { throw ExportError("cannot read the CSV") }
        let sha = Hex.encode(Data(SHA256.hash(data: csv)))
        guard sha == manifest.csvSHA256 else {
            throw ExportError("SHA-256 \(sha) differs from the manifest's \(manifest.csvSHA256): the CSV was altered")
        }
        guard csv.count == manifest.csvBytes else { throw ExportError("\(csv.count) bytes, the manifest says \(manifest.csvBytes)") }
        let rows = countRecords(csv) - 1
        guard rows == manifest.rows else { throw ExportError("\(rows) rows, the manifest says \(manifest.rows)") }
        let summaryPath = ((file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(manifest.summaryFile)
        guard let summary = FileManager.default.contents(atPath: summaryPath) else {
            throw ExportError("the summary \(summaryPath) is missing")
        }
        guard Hex.encode(Data(SHA256.hash(data: summary))) == manifest.summarySHA256 else {
            throw ExportError("the summary \(summaryPath) was altered (SHA-256 differs from the manifest's)")
        }
    }

    /// The signer is `expected`: 64 hex digits, or a file holding them.
    static func pin(_ manifest: ExportManifest, toKey expected: String) throws -> String {
        let hex = (FileManager.default.contents(atPath: expected).map { String(decoding: $0, as: UTF8.self) } ?? expected)
            .trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard hex == manifest.publicKey else {
            throw ExportError("signed by \(manifest.keyFingerprint), not by the expected \(KeyFingerprint(hex: hex))")
        }
        return "  the signer is the expected key"
    }

    /// The signer is the ledger's chained key in force at the export's chain head, which is
    /// still in the ledger.
    static func pin(_ manifest: ExportManifest, toLedger ledger: String) throws -> String {
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
        return "  the signer is the ledger's chained signing key at the export (record \(key.seq)), and record \(manifest.chainRecords) of \(ledger) is the manifest's chain head"
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
