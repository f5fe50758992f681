import Crypto
import Foundation

/// The manifest written beside an exported CSV: what it covers, its SHA-256, the ledger's
/// chain head at export time, and an Ed25519 signature by the cabinet's key.
///
/// The signature covers `signedText`: the manifest's fields, one `key=value` per line in a fixed
/// order (docs/LEDGER.md), so a verifier needs no JSON canonicalisation.
public struct ExportManifest: Codable, Sendable, Hashable {
    /// The format this build writes. `/2` adds the signer's fingerprint to the signed text;
    /// `/1` manifests (no fingerprint) are still verified.
    public static let formatName = "lanterne-export/2"
    public static let readableFormats: Set<String> = ["lanterne-export/1", formatName]

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
    /// Ed25519 public key, 64 hex digits: the ledger's signing key in force at export time.
    public var publicKey: String
    /// ``KeyFingerprint`` of `publicKey` (format /2), for a person to compare with the one the
    /// municipality holds.
    public var publicKeyFingerprint: String?
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
        ].joined(separator: "\n") + "\n" + (format == "lanterne-export/1" ? "" : "publicKeyFingerprint=\(publicKeyFingerprint ?? "")\n")
    }

    /// Signs with `key` (sets `publicKey` and `signature`).
    public mutating func sign(with key: Curve25519.Signing.PrivateKey) throws {
        publicKey = key.publicKeyHex
        publicKeyFingerprint = KeyFingerprint(hex: publicKey).text
        signature = Hex.encode(try key.signature(for: Data(signedText.utf8)))
    }

    /// Whether `signature` is a valid Ed25519 signature of `signedText` by `publicKey`.
    public var signatureIsValid: Bool {
        guard let keyBytes = Hex.decode(publicKey), let signatureBytes = Hex.decode(signature),
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes) else { return false }
        return key.isValidSignature(signatureBytes, for: Data(signedText.utf8))
    }

    /// The signer's fingerprint, computed from `publicKey` (never taken from the file).
    public var keyFingerprint: KeyFingerprint { KeyFingerprint(hex: publicKey) }

    /// Pretty, sorted JSON.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// A ledger's Ed25519 signing key, kept in a file (64 hex digits and a newline, mode 0600).
/// Created with the ledger (`lanterne simulate --ledger` on a new file) or by `lanterne ledger
/// key create`, never silently by an export; its public half is a chained declaration.
public enum SigningKeyFile {
    /// Loads the key at `path`.
    ///
    /// - Throws: ``ExportError`` when the file is missing, unreadable or not a key.
    public static func load(at path: String) throws(ExportError) -> Curve25519.Signing.PrivateKey {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ExportError("no signing key at \(path)")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let bytes = Hex.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)),
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: bytes) else {
            throw ExportError("\(path) is not a Lanterne signing key (64 hexadecimal digits)")
        }
        return key
    }

    /// Writes a new key to `path`, which must not exist (a key is never overwritten).
    ///
    /// - Throws: ``ExportError`` when the file exists or cannot be created.
    public static func create(at path: String) throws(ExportError) -> Curve25519.Signing.PrivateKey {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw ExportError("\(path) exists already: a signing key is never overwritten")
        }
        let key = Curve25519.Signing.PrivateKey()
        let created = FileManager.default.createFile(atPath: path, contents: Data((Hex.encode(key.rawRepresentation) + "\n").utf8),
                                                     attributes: [.posixPermissions: 0o600])
        guard created else { throw ExportError("cannot create the signing key \(path)") }
        return key
    }

    /// The key at `path`, or a new one written there when the file does not exist.
    public static func loadOrCreate(at path: String) throws(ExportError) -> (key: Curve25519.Signing.PrivateKey, created: Bool) {
        if FileManager.default.fileExists(atPath: path) { return (try load(at: path), false) }
        return (try create(at: path), true)
    }
}

extension Curve25519.Signing.PrivateKey {
    /// The public half, 64 lowercase hex digits: how the ledger and manifests name the key.
    public var publicKeyHex: String { Hex.encode(publicKey.rawRepresentation) }
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
