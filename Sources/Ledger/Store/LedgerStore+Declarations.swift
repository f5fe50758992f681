import Crypto
import Foundation
import GRDB

extension LedgerStore {
    /// Appends declarations in one transaction, each chained (and signed by `signer` when the
    /// ledger has a signing key), in the order given. Nothing is updated in place.
    ///
    /// A `.site` declaration makes its cabinet known (intervals may then name it); any other
    /// cabinet declaration needs the cabinet's site declared first.
    ///
    /// - Parameter signer: the ledger's signing key in force. Required once the ledger has one
    ///   (``createSigningKey(_:effective:)``); must be nil before. A `.signingKey` declaration
    ///   is made through ``createSigningKey(_:effective:)`` or ``rotateSigningKey(from:to:effective:)``.
    /// - Throws: ``LedgerError/invalidRecord(path:record:reason:)`` for contents out of range;
    ///   ``LedgerError/unknownCabinet(path:cabinetID:)``; ``LedgerError/signingKey(path:reason:)``
    ///   when `signer` is not the key in force; ``LedgerError/writeFailed(path:reason:)``.
    public func declare(_ declarations: [Declaration], signer: Curve25519.Signing.PrivateKey? = nil) throws(LedgerError) {
        if declarations.isEmpty { return }
        for d in declarations {
            if case .signingKey = d.content {
                throw .invalidRecord(path: path, record: "signing-key declaration",
                                     reason: "declare keys with createSigningKey or rotateSigningKey")
            }
            try validate(d)
        }
        let path = self.path
        let signer = signer.map(SigningMaterial.init)
        try write { db in
            let inForce = try LedgerStore.keyInForce(db)
            try LedgerStore.checkSigner(signer, inForce: inForce, path: path)
            var (seq, previous) = try LedgerStore.chainHead(db)
            for d in declarations {
                if case .site = d.content {
                    try db.execute(sql: "INSERT OR IGNORE INTO cabinet (id) VALUES (?)", arguments: [d.cabinetID])
                } else if try Int64.fetchOne(db, sql: "SELECT 1 FROM cabinet WHERE id = ?", arguments: [d.cabinetID]) == nil {
                    throw LedgerError.unknownCabinet(path: path, cabinetID: d.cabinetID)
                }
                seq += 1
                previous = try LedgerStore.insertDeclaration(db, seq: seq, after: previous, cabinet: d.cabinetID,
                                                             effective: LedgerStore.seconds(d.effective), content: d.content,
                                                             signer: signer)
            }
        }
    }

    /// Appends, effective at each one's instant, only the declarations that differ from the
    /// one in force then (same cabinet, kind and subject): declaring the same cabinet file twice
    /// adds nothing. Returns what was appended.
    ///
    /// - Throws: as ``declare(_:signer:)``; ``LedgerError/readFailed(path:reason:)``.
    @discardableResult
    public func declareChanges(_ declarations: [Declaration], signer: Curve25519.Signing.PrivateKey? = nil)
        throws(LedgerError) -> [Declaration]
    {
        let changed = try changes(in: declarations)
        try declare(changed, signer: signer)
        return changed
    }

    /// The declarations that differ from the one in force at their instant (what
    /// ``declareChanges(_:signer:)`` would write).
    ///
    /// - Throws: as ``declarationLog()``.
    public func changes(in declarations: [Declaration]) throws(LedgerError) -> [Declaration] {
        let log = try declarationLog()
        return declarations.filter { d in
            log.inForce(cabinet: d.cabinetID, kind: d.content.kind, subject: d.content.subject,
                        at: LedgerStore.seconds(d.effective))?.content != d.content
        }
    }

    /// The ledger's first signing key: a `signing-key` declaration signed by the key itself.
    ///
    /// - Throws: ``LedgerError/signingKey(path:reason:)`` when the ledger has a key already
    ///   (rotate it instead); ``LedgerError/writeFailed(path:reason:)``.
    public func createSigningKey(_ key: Curve25519.Signing.PrivateKey, effective: Date) throws(LedgerError) {
        let path = self.path
        let key = SigningMaterial(key)
        try write { db in
            if let current = try LedgerStore.keyInForce(db) {
                throw LedgerError.signingKey(path: path, reason: "the ledger has a signing key already (\(KeyFingerprint(hex: current))); rotate it with 'lanterne ledger key rotate'")
            }
            let (seq, previous) = try LedgerStore.chainHead(db)
            let content = DeclarationContent.signingKey(SigningKeyDeclaration(publicKey: key.publicHex, previousKey: nil))
            _ = try LedgerStore.insertDeclaration(db, seq: seq + 1, after: previous, cabinet: "", effective: LedgerStore.seconds(effective),
                                                  content: content, signer: key)
        }
    }

    /// Replaces the ledger's signing key: a `signing-key` declaration naming the previous key,
    /// signed by it. Later declarations and exports are signed by `new`.
    ///
    /// - Throws: ``LedgerError/signingKey(path:reason:)`` when `old` is not the key in force or
    ///   the ledger has none; ``LedgerError/writeFailed(path:reason:)``.
    public func rotateSigningKey(from old: Curve25519.Signing.PrivateKey, to new: Curve25519.Signing.PrivateKey,
                                 effective: Date) throws(LedgerError) {
        let path = self.path
        let old = SigningMaterial(old), new = SigningMaterial(new)
        try write { db in
            let inForce = try LedgerStore.keyInForce(db)
            guard inForce != nil else {
                throw LedgerError.signingKey(path: path, reason: "the ledger has no signing key to rotate; create one with 'lanterne ledger key create'")
            }
            try LedgerStore.checkSigner(old, inForce: inForce, path: path)
            let newHex = new.publicHex
            guard newHex != inForce else { throw LedgerError.signingKey(path: path, reason: "the new key is the key in force") }
            let (seq, previous) = try LedgerStore.chainHead(db)
            let content = DeclarationContent.signingKey(SigningKeyDeclaration(publicKey: newHex, previousKey: inForce))
            _ = try LedgerStore.insertDeclaration(db, seq: seq + 1, after: previous, cabinet: "", effective: LedgerStore.seconds(effective),
                                                  content: content, signer: old)
        }
    }

    /// Every declaration, read and checked: bodies readable, signatures valid, the key chain
    /// unbroken (docs/LEDGER.md).
    ///
    /// - Throws: ``LedgerError/invalidDeclaration(path:seq:reason:)`` for the first declaration
    ///   that fails a check; ``LedgerError/readFailed(path:reason:)``.
    public func declarationLog() throws(LedgerError) -> DeclarationLog {
        let path = self.path
        return try read { db in try DeclarationLog.load(db, path: path) }
    }

    /// The cabinets of the ledger with their latest site declaration, ordered by id.
    ///
    /// - Throws: as ``declarationLog()``.
    public func cabinets() throws(LedgerError) -> [CabinetRecord] {
        try declarationLog().latestSites()
    }

    /// A cabinet's circuits as last declared, ordered by id.
    ///
    /// - Throws: as ``declarationLog()``.
    public func circuits(cabinet cabinetID: String) throws(LedgerError) -> [CircuitRecord] {
        try declarationLog().circuits(cabinet: cabinetID, at: Int64.max)
    }

    // MARK: - Shared with the migration

    /// Inserts one declaration at `seq`, chained after `previous` and signed by `signer`;
    /// returns its hash.
    static func insertDeclaration(_ db: Database, seq: Int64, after previous: ChainHash, cabinet: String, effective: Int64,
                                  content: DeclarationContent, signer: SigningMaterial?) throws -> ChainHash {
        let kind = content.kind, subject = content.subject, body = content.body()
        var signature: String?
        if let signer {
            let message = CanonicalRecord.declarationSignedBytes(after: previous, seq: seq, cabinet: cabinet, effective: effective,
                                                                 kind: kind, subject: subject, body: body)
            signature = try signer.sign(message)
        }
        let hash = CanonicalRecord.declaration(seq: seq, cabinet: cabinet, effective: effective, kind: kind, subject: subject,
                                               body: body, signature: signature).chained(after: previous)
        try db.execute(sql: """
            INSERT INTO declaration (seq, cabinet_id, effective_unix, kind, subject, body, signature, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [seq, cabinet, effective, kind, subject, body, signature, hash.data])
        return hash
    }

    /// The public key (hex) of the latest signing-key declaration, nil when none.
    static func keyInForce(_ db: Database) throws -> String? {
        guard let body = try String.fetchOne(db, sql: "SELECT body FROM declaration WHERE kind = 'signing-key' ORDER BY seq DESC LIMIT 1"),
              case .success(.signingKey(let k)) = DeclarationContent.decode(cabinetID: "", kind: "signing-key", subject: "", body: body)
        else { return nil }
        return k.publicKey
    }

    static func checkSigner(_ signer: SigningMaterial?, inForce: String?, path: String) throws(LedgerError) {
        switch (inForce, signer) {
        case (nil, nil): return
        case (nil, .some):
            throw .signingKey(path: path, reason: "the ledger has no signing key: create one with 'lanterne ledger key create' first")
        case (.some(let k), nil):
            throw .signingKey(path: path, reason: "declarations must be signed by the ledger's key \(KeyFingerprint(hex: k)): give its key file")
        case (.some(let k), .some(let s)):
            let hex = s.publicHex
            if hex != k {
                throw .signingKey(path: path, reason: "the key given (\(KeyFingerprint(hex: hex))) is not the ledger's signing key (\(KeyFingerprint(hex: k)))")
            }
        }
    }

    private func validate(_ d: Declaration) throws(LedgerError) {
        let what = "\(d.content.kind) declaration of cabinet \"\(d.cabinetID)\""
        func fail(_ reason: String) -> LedgerError { .invalidRecord(path: path, record: what, reason: reason) }
        if d.cabinetID.isEmpty { throw fail("the cabinet id is empty") }
        switch d.content {
        case .site(let s):
            if s.id != d.cabinetID { throw fail("the site's id \"\(s.id)\" is not the declaration's cabinet") }
            if !(s.latitude.isFinite && (-90...90).contains(s.latitude)) { throw fail("latitude \(s.latitude) is outside -90 ... 90") }
            if !(s.longitude.isFinite && (-180...180).contains(s.longitude)) { throw fail("longitude \(s.longitude) is outside -180 ... 180") }
            if TimeZone(identifier: s.timeZone) == nil { throw fail("\"\(s.timeZone)\" is not an IANA time zone") }
        case .circuit(let c):
            if c.cabinetID != d.cabinetID { throw fail("the circuit's cabinet \"\(c.cabinetID)\" is not the declaration's") }
            if c.circuitID.isEmpty { throw fail("the circuit id is empty") }
            if c.luminaires < 0 { throw fail("\(c.luminaires) luminaires") }
            if !(c.ratedWatts.isFinite && c.ratedWatts >= 0 && c.legacyWatts.isFinite && c.legacyWatts >= 0) {
                throw fail("circuit \(c.circuitID): watts must be finite and not negative")
            }
            if let a = c.areaSquareMetres, !(a.isFinite && a > 0) { throw fail("circuit \(c.circuitID): the area must be positive") }
        case .tariff(let t):
            if !Self.isCurrencyCode(t.currency) { throw fail("\"\(t.currency)\" is not an ISO 4217 currency code") }
            if t.pricePerKilowattHour < 0 { throw fail("negative price \(t.pricePerKilowattHour)") }
        case .investment(let i):
            if !Self.isCurrencyCode(i.currency) { throw fail("\"\(i.currency)\" is not an ISO 4217 currency code") }
            if i.capex < 0 { throw fail("negative capex") }
            if !(1...100).contains(i.years) { throw fail("\(i.years) years is outside 1 ... 100") }
            if !(i.discountRate.isFinite && i.discountRate > -1 && i.discountRate <= 1) { throw fail("discount rate \(i.discountRate)") }
            if !(i.priceEscalation.isFinite && i.priceEscalation > -1 && i.priceEscalation <= 1) { throw fail("price escalation \(i.priceEscalation)") }
        case .emissionFactor(let f):
            if !(f.kgPerKilowattHour.isFinite && f.kgPerKilowattHour >= 0) { throw fail("factor \(f.kgPerKilowattHour) kg/kWh") }
        case .signingKey:
            break
        }
    }

    /// Whether `s` looks like an ISO 4217 code: three capital letters.
    public static func isCurrencyCode(_ s: String) -> Bool {
        s.utf8.count == 3 && s.utf8.allSatisfy { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }
    }
}

/// A short, comparable name for an Ed25519 public key: the first 16 bytes of the SHA-256 of
/// its 32 raw bytes, as 8 groups of 4 hex digits (`3f1a 09c2 ...`). An auditor compares it
/// with the one the municipality holds.
public struct KeyFingerprint: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    /// From the key's 64 hex digits ("invalid key" when they are not hex).
    public init(hex: String) {
        guard let raw = Hex.decode(hex) else { text = "invalid key"; return }
        let digits = Array(Hex.encode(Data(SHA256.hash(data: raw))).prefix(32))
        text = stride(from: 0, to: 32, by: 4).map { String(digits[$0..<$0 + 4]) }.joined(separator: " ")
    }
    public var description: String { "key \(text)" }
}

/// A private key's bytes, which may cross into the database's write closure (swift-crypto's
/// key type is not `Sendable` on Linux). Used only inside the ledger.
struct SigningMaterial: Sendable {
    let raw: Data
    let publicHex: String

    init(_ key: Curve25519.Signing.PrivateKey) {
        raw = key.rawRepresentation
        publicHex = key.publicKeyHex
    }

    /// The Ed25519 signature of `bytes`, 128 hex digits.
    func sign(_ bytes: [UInt8]) throws -> String {
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        return Hex.encode(try key.signature(for: Data(bytes)))
    }
}
