import Crypto
import Foundation
import Ledger

/// A profile's detached signature (`FILE.sig`, beside the profile): an Ed25519 signature of the
/// profile file's bytes, exactly as they are, by a technician's or operator's key.
///
/// ```
/// lanterne profile signature 1
/// sha256: <the profile file's SHA-256, hex>
/// key: <the signer's public key, 64 hex digits>
/// signature: <128 hex digits>
/// ```
public struct ProfileSignature: Sendable, Equatable {
    public var sha256: String
    public var publicKey: String
    public var signature: String

    public init(sha256: String, publicKey: String, signature: String) {
        self.sha256 = sha256
        self.publicKey = publicKey
        self.signature = signature
    }

    static let header = "lanterne profile signature 1"

    /// Signs `profile` (a profile file's bytes) with `key`.
    public static func sign(_ profile: Data, with key: Curve25519.Signing.PrivateKey) throws -> ProfileSignature {
        ProfileSignature(sha256: digest(profile), publicKey: key.publicKeyHex, signature: Hex.encode(try key.signature(for: profile)))
    }

    /// The SHA-256 of `data`, hex.
    public static func digest(_ data: Data) -> String { Hex.encode(Data(SHA256.hash(data: data))) }

    /// The signer's fingerprint, as the ledger names keys.
    public var fingerprint: KeyFingerprint { KeyFingerprint(hex: publicKey) }

    /// The file's text.
    public var text: String {
        "\(Self.header)\nsha256: \(sha256)\nkey: \(publicKey)\nsignature: \(signature)\n"
    }

    /// Reads a signature file's text; `file` names it in the error.
    public static func parse(_ text: String, file: String) throws(TrustError) -> ProfileSignature {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.first == header else {
            throw TrustError("\(file): not a Lanterne profile signature (its first line is not '\(header)')")
        }
        var fields: [String: String] = [:]
        for (n, line) in lines.dropFirst().enumerated() {
            guard let colon = line.firstIndex(of: ":") else { throw TrustError("\(file):\(n + 2): expected 'NAME: VALUE'") }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        func hex(_ name: String, digits: Int) throws(TrustError) -> String {
            guard let v = fields[name] else { throw TrustError("\(file): no '\(name):' line") }
            guard v.count == digits, Hex.decode(v) != nil else { throw TrustError("\(file): '\(name):' is not \(digits) hexadecimal digits") }
            return v.lowercased()
        }
        return ProfileSignature(sha256: try hex("sha256", digits: 64), publicKey: try hex("key", digits: 64),
                                signature: try hex("signature", digits: 128))
    }

    /// Whether this signature is `profile`'s by its key (the key's trust is the caller's matter).
    public func verifies(_ profile: Data) -> Bool {
        guard let raw = Hex.decode(publicKey), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw),
              let signature = Hex.decode(signature) else { return false }
        return key.isValidSignature(signature, for: profile)
    }
}

/// A key pair for signing profiles: `NAME.key` (the private key, 64 hex digits, mode 0600, as
/// the ledger's keys) and `NAME.pub` (the public key, 64 hex digits), which a controller trusts
/// once it is in its trusted-keys folder.
public enum ProfileKeys {
    /// Writes a new pair; neither file may exist.
    public static func generate(name: String) throws(TrustError) -> (key: Curve25519.Signing.PrivateKey, privatePath: String, publicPath: String) {
        let privatePath = name + ".key", publicPath = name + ".pub"
        guard !FileManager.default.fileExists(atPath: publicPath) else {
            throw TrustError("\(publicPath) exists already: a key is never overwritten")
        }
        let key: Curve25519.Signing.PrivateKey
        do { key = try SigningKeyFile.create(at: privatePath) } catch { throw TrustError(error.description) }
        guard FileManager.default.createFile(atPath: publicPath, contents: Data((key.publicKeyHex + "\n").utf8),
                                             attributes: [.posixPermissions: 0o644]) else {
            throw TrustError("cannot create \(publicPath)")
        }
        return (key, privatePath, publicPath)
    }

    /// The private key of `name` (`NAME.key`, or the path itself when it ends in `.key`).
    public static func load(name: String) throws(TrustError) -> Curve25519.Signing.PrivateKey {
        let path = name.hasSuffix(".key") ? name : name + ".key"
        do { return try SigningKeyFile.load(at: path) } catch { throw TrustError(error.description) }
    }
}

/// The public keys a controller trusts: every `*.pub` file of a folder (64 hex digits each).
public struct TrustedKeys: Sendable {
    public let directory: String
    /// Public key (hex) → its file's name.
    public let keys: [String: String]
    /// Files of the folder that are not keys, and why.
    public let problems: [String]

    public init(directory: String) {
        self.directory = directory
        var keys: [String: String] = [:], problems: [String] = []
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names.sorted() where name.hasSuffix(".pub") {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { problems.append("\(path): unreadable"); continue }
            let hex = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            guard hex.count == 64, let raw = Hex.decode(hex), (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil else {
                problems.append("\(path): not a public key (64 hexadecimal digits)")
                continue
            }
            keys[hex] = name
        }
        self.keys = keys
        self.problems = problems
    }

    /// Who signed `profile`: its signature checked against these keys.
    ///
    /// - Throws: ``TrustError`` when the signature is of another file, by a key not trusted
    ///   here, or does not match the profile's bytes.
    public func check(_ profile: Data, signature: ProfileSignature, file: String) throws(TrustError) -> KeyFingerprint {
        let digest = ProfileSignature.digest(profile)
        guard signature.sha256 == digest else {
            throw TrustError("the signature is of another file (sha256 \(signature.sha256.prefix(16))…), not of \(file) (sha256 \(digest.prefix(16))…): sign this file")
        }
        guard keys[signature.publicKey] != nil else {
            let held = keys.isEmpty ? "it holds no key" : "it holds \(keys.values.sorted().joined(separator: ", "))"
            throw TrustError("\(file) is signed by \(signature.fingerprint), which this controller does not trust (\(directory): \(held))")
        }
        guard signature.verifies(profile) else {
            throw TrustError("the signature of \(file) does not match its content: the file was changed after it was signed")
        }
        return signature.fingerprint
    }
}

/// A signature or key that cannot be used, and why.
public struct TrustError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
