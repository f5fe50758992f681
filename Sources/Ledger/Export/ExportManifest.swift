import Crypto
import Foundation

/// The manifest written beside an exported CSV: what it covers, its SHA-256, the ledger's
/// chain head at export time, and an Ed25519 signature by the cabinet's key.
///
/// The signature covers `signedText`: the manifest's fields, one `key=value` per line in a fixed
/// order (docs/LEDGER.md), so a verifier needs no JSON canonicalisation.
public struct ExportManifest: Codable, Sendable, Hashable {
    public static let formatName = "lanterne-export/1"

    public var format: String = ExportManifest.formatName
    /// The CSV's file name (no directory).
    public var csvFile: String
    public var csvSHA256: String
    public var csvBytes: Int
    /// Data rows (header excluded).
    public var rows: Int
    public var columns: [String]
    public var periodStartUTC: String, periodEndUTC: String
    public var interval: String
    public var grouping: String
    public var cabinet: String?
    public var delimiter: String
    public var decimalComma: Bool
    /// The ledger's file name, its chain head (64 hex digits) and length at export time.
    public var ledgerFile: String
    public var chainHead: String
    public var chainRecords: Int64
    public var summaryFile: String
    public var summarySHA256: String
    public var generator: String
    public var createdAtUTC: String
    /// Ed25519 public key, 64 hex digits.
    public var publicKey: String
    /// Ed25519 signature of `signedText`, 128 hex digits.
    public var signature: String = ""

    public init(csvFile: String, csvSHA256: String, csvBytes: Int, rows: Int, columns: [String], periodStartUTC: String,
                periodEndUTC: String, interval: String, grouping: String, cabinet: String?, delimiter: String, decimalComma: Bool,
                ledgerFile: String, chainHead: String, chainRecords: Int64, summaryFile: String, summarySHA256: String,
                generator: String, createdAtUTC: String, publicKey: String) {
        self.csvFile = csvFile
        self.csvSHA256 = csvSHA256
        self.csvBytes = csvBytes
        self.rows = rows
        self.columns = columns
        self.periodStartUTC = periodStartUTC
        self.periodEndUTC = periodEndUTC
        self.interval = interval
        self.grouping = grouping
        self.cabinet = cabinet
        self.delimiter = delimiter
        self.decimalComma = decimalComma
        self.ledgerFile = ledgerFile
        self.chainHead = chainHead
        self.chainRecords = chainRecords
        self.summaryFile = summaryFile
        self.summarySHA256 = summarySHA256
        self.generator = generator
        self.createdAtUTC = createdAtUTC
        self.publicKey = publicKey
    }

    /// The text the signature covers.
    public var signedText: String {
        [
            "format=\(format)", "csvFile=\(csvFile)", "csvSHA256=\(csvSHA256)", "csvBytes=\(csvBytes)", "rows=\(rows)",
            "columns=\(columns.joined(separator: ","))", "periodStartUTC=\(periodStartUTC)", "periodEndUTC=\(periodEndUTC)",
            "interval=\(interval)", "grouping=\(grouping)", "cabinet=\(cabinet ?? "")", "delimiter=\(delimiter)",
            "decimalComma=\(decimalComma)", "ledgerFile=\(ledgerFile)", "chainHead=\(chainHead)", "chainRecords=\(chainRecords)",
            "summaryFile=\(summaryFile)", "summarySHA256=\(summarySHA256)", "generator=\(generator)",
            "createdAtUTC=\(createdAtUTC)", "publicKey=\(publicKey)",
        ].joined(separator: "\n") + "\n"
    }

    /// Signs with `key` (sets `publicKey` and `signature`).
    public mutating func sign(with key: Curve25519.Signing.PrivateKey) throws {
        publicKey = Hex.encode(key.publicKey.rawRepresentation)
        signature = Hex.encode(try key.signature(for: Data(signedText.utf8)))
    }

    /// Whether `signature` is a valid Ed25519 signature of `signedText` by `publicKey`.
    public var signatureIsValid: Bool {
        guard let keyBytes = Hex.decode(publicKey), let signatureBytes = Hex.decode(signature),
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes) else { return false }
        return key.isValidSignature(signatureBytes, for: Data(signedText.utf8))
    }

    /// SHA-256 of the public key, first 16 hex digits: a short name for the key.
    public var keyFingerprint: String {
        guard let bytes = Hex.decode(publicKey) else { return "?" }
        return String(Hex.encode(Data(SHA256.hash(data: bytes))).prefix(16))
    }

    /// Pretty, sorted JSON.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// A cabinet's Ed25519 signing key, kept in a file (64 hex digits, mode 0600). Created on first
/// use; its public half goes into the ledger and into every manifest.
public enum CabinetKey {
    /// Loads the key at `path`, creating it when the file does not exist.
    ///
    /// - Throws: ``ExportError`` when the file cannot be read, written, or is not a key.
    public static func loadOrCreate(at path: String) throws -> Curve25519.Signing.PrivateKey {
        if FileManager.default.fileExists(atPath: path) {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8),
                  let bytes = Hex.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                  let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: bytes) else {
                throw ExportError("\(path) is not a Lanterne signing key (64 hexadecimal digits)")
            }
            return key
        }
        let key = Curve25519.Signing.PrivateKey()
        let created = FileManager.default.createFile(atPath: path, contents: Data((Hex.encode(key.rawRepresentation) + "\n").utf8),
                                                     attributes: [.posixPermissions: 0o600])
        guard created else { throw ExportError("cannot create the signing key \(path)") }
        return key
    }
}

/// Lowercase hexadecimal.
public enum Hex {
    public static func encode(_ data: some DataProtocol) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(data.count * 2)
        for b in data {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) -> Data? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out = Data(capacity: utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let h = ChainHash.nibble(utf8[i]), let l = ChainHash.nibble(utf8[i + 1]) else { return nil }
            out.append(h << 4 | l)
            i += 2
        }
        return out
    }
}
