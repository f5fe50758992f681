import Crypto
import Foundation
import GRDB

/// A ledger's declarations, read in chain order and checked: each body readable, each
/// signature valid by the key in force at its place in the chain, each key rotation signed by
/// the key it replaces. What the export, the report and `roi` look figures up in.
public struct DeclarationLog: Sendable {
    /// One stored declaration.
    public struct Entry: Sendable, Hashable {
        /// Its place in the chain.
        public var seq: Int64
        public var cabinetID: String
        /// When it takes effect, whole seconds since the epoch.
        public var effective: Int64
        public var content: DeclarationContent
        /// Whether it carries a signature (all do once the ledger has a key).
        public var signed: Bool
        /// The end of the cabinet's last interval recorded before this declaration, nil when
        /// none was.
        public var recordedUntil: Int64?
        /// Whether it changes intervals recorded before it: it takes effect before the end of
        /// the cabinet's last interval already in the ledger. Legitimate (a correction) but
        /// what an auditor looks at first.
        public var isRetroactive: Bool { recordedUntil.map { effective < $0 } ?? false }
    }

    /// A signing key and where it took over.
    public struct KeyEpoch: Sendable, Hashable {
        public var publicKey: String
        /// The seq of its declaration: it signs what comes after, up to the next key.
        public var seq: Int64
        public var effective: Int64
        public var fingerprint: KeyFingerprint { KeyFingerprint(hex: publicKey) }
    }

    /// Every declaration, in chain order.
    public private(set) var entries: [Entry] = []
    /// The signing keys, oldest first; the last is the key in force.
    public private(set) var keys: [KeyEpoch] = []
    /// Versions per (cabinet, kind, subject), ordered by (effective, seq): the last one at or
    /// before an instant is in force then.
    private var versions: [VersionKey: [Entry]] = [:]

    struct VersionKey: Hashable, Sendable {
        var cabinet: String, kind: String, subject: String
    }

    /// The key in force (signs new declarations and exports), nil when the ledger has none.
    public var currentKey: KeyEpoch? { keys.last }

    /// The key that was in force just after record `seq` (for an export made then).
    public func key(atRecord seq: Int64) -> KeyEpoch? { keys.last { $0.seq <= seq } }

    /// Declarations that take effect before intervals already recorded when they were written.
    public var retroactive: [Entry] { entries.filter(\.isRetroactive) }

    /// Declarations written before the ledger had a key (unsigned: migrated from schema 2, or
    /// declared before `ledger key create`).
    public var unsignedCount: Int { entries.count { !$0.signed } }

    /// The declaration of this cabinet, kind and subject in force at `t` (seconds), nil when
    /// none has taken effect yet.
    public func inForce(cabinet: String, kind: String, subject: String = "", at t: Int64) -> Entry? {
        versions[VersionKey(cabinet: cabinet, kind: kind, subject: subject)]?.last { $0.effective <= t }
    }

    /// Every version of one thing, ordered by when it takes effect.
    public func timeline(cabinet: String, kind: String, subject: String = "") -> [Entry] {
        versions[VersionKey(cabinet: cabinet, kind: kind, subject: subject)] ?? []
    }

    /// The cabinets (those with a site declaration), ordered by id.
    public var cabinetIDs: [String] {
        Set(versions.keys.filter { $0.kind == "site" }.map(\.cabinet)).sorted()
    }

    /// Each cabinet's latest site declaration, ordered by id.
    public func latestSites() -> [CabinetRecord] {
        cabinetIDs.compactMap { site(of: $0, at: Int64.max) }
    }

    /// The cabinet's site in force at `t`; before its first declaration, the first one.
    public func site(of cabinet: String, at t: Int64) -> CabinetRecord? {
        let entry = inForce(cabinet: cabinet, kind: "site", at: t) ?? timeline(cabinet: cabinet, kind: "site").first
        if case .site(let s)? = entry?.content { return s }
        return nil
    }

    /// The circuits declared for a cabinet, each as in force at `t` (or its first version when
    /// it takes effect later), ordered by id; only circuits declared to take effect before
    /// `until`.
    public func circuits(cabinet: String, at t: Int64, until: Int64 = Int64.max) -> [CircuitRecord] {
        versions.filter { $0.key.cabinet == cabinet && $0.key.kind == "circuit" }
            .compactMap { _, list -> CircuitRecord? in
                guard let first = list.first, first.effective < until else { return nil }
                if case .circuit(let c) = (list.last { $0.effective <= t } ?? first).content { return c }
                return nil
            }
            .sorted { $0.circuitID < $1.circuitID }
    }

    /// Reads and checks every declaration.
    static func load(_ db: Database, path: String) throws -> DeclarationLog {
        var log = DeclarationLog()
        let rows = try Row.fetchCursor(db, sql: """
            SELECT seq, cabinet_id, effective_unix, kind, subject, body, signature, hash FROM declaration ORDER BY seq
            """)
        while let row = try rows.next() {
            let seq: Int64 = row[0], cabinet: String = row[1], effective: Int64 = row[2]
            let kind: String = row[3], subject: String = row[4], body: String = row[5], signature: String? = row[6]
            func fail(_ reason: String) -> LedgerError {
                .invalidDeclaration(path: path, seq: seq, reason: "\(kind) declaration\(subject.isEmpty ? "" : " \(subject)")\(cabinet.isEmpty ? "" : " of cabinet \(cabinet)"): \(reason)")
            }
            let content: DeclarationContent
            switch DeclarationContent.decode(cabinetID: cabinet, kind: kind, subject: subject, body: body) {
            case .success(let c): content = c
            case .failure(let e): throw fail(e.description)
            }
            // The signer: the key in force before this record; for a first key, the key itself.
            var signer = log.currentKey?.publicKey
            if case .signingKey(let k) = content {
                guard k.previousKey == signer else {
                    throw fail(signer == nil ? "a first key cannot name a previous key"
                               : "a rotation must name the key in force (\(KeyFingerprint(hex: signer!))) as its previous key")
                }
                signer = signer ?? k.publicKey
            }
            if let signer {
                guard let signature else { throw fail("not signed, but the ledger had signing \(KeyFingerprint(hex: signer)) when it was written") }
                let previous = try Self.hash(before: seq, db)
                let message = CanonicalRecord.declarationSignedBytes(after: previous, seq: seq, cabinet: cabinet, effective: effective,
                                                                     kind: kind, subject: subject, body: body)
                guard let keyBytes = Hex.decode(signer), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes),
                      let signatureBytes = Hex.decode(signature), key.isValidSignature(signatureBytes, for: Data(message)) else {
                    throw fail("its signature is not valid for signing \(KeyFingerprint(hex: signer))")
                }
            } else if signature != nil {
                throw fail("signed although the ledger had no key then")
            }
            let recordedUntil = cabinet.isEmpty ? nil : try Int64.fetchOne(db, sql: """
                SELECT end_unix FROM measurement WHERE seq < ? AND cabinet_id = ? ORDER BY seq DESC LIMIT 1
                """, arguments: [seq, cabinet])
            let entry = Entry(seq: seq, cabinetID: cabinet, effective: effective, content: content, signed: signature != nil,
                              recordedUntil: recordedUntil)
            log.entries.append(entry)
            if case .signingKey(let k) = content {
                log.keys.append(KeyEpoch(publicKey: k.publicKey, seq: seq, effective: effective))
            }
            let key = VersionKey(cabinet: cabinet, kind: kind, subject: subject)
            var list = log.versions[key, default: []]
            let at = list.firstIndex { $0.effective > effective } ?? list.count
            list.insert(entry, at: at)
            log.versions[key] = list
        }
        return log
    }

    /// The hash of the chain record just before `seq` (any table), genesis for the first.
    static func hash(before seq: Int64, _ db: Database) throws -> ChainHash {
        if seq <= 1 { return .genesis }
        let data = try Data.fetchOne(db, sql: """
            SELECT hash FROM measurement WHERE seq = ?1 UNION ALL SELECT hash FROM event WHERE seq = ?1
            UNION ALL SELECT hash FROM declaration WHERE seq = ?1
            """, arguments: [seq - 1])
        return data.flatMap(ChainHash.init(data:)) ?? .genesis
    }
}
