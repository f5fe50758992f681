import Crypto
import Foundation

/// The canonical byte encoding of a ledger record, the input of its chain hash.
///
/// Every record, measurement or event, is encoded as a tag byte (`M` or `E`) followed by its
/// fields in a fixed order, each as a type byte and a value:
/// - `i` then the value as a signed 64-bit big-endian integer;
/// - `t` then the UTF-8 byte length as an unsigned 32-bit big-endian integer and the bytes;
/// - `n` for NULL.
///
/// Measurement fields: seq, cabinet_id, kind, channel_id, start_unix, end_unix, energy_wh,
/// source, burning_seconds, mean_level_tenths, register_wh.
/// Event fields: seq, cabinet_id, at_unix, kind, subject, detail.
/// Declaration fields (tag `D`): seq, cabinet_id, effective_unix, kind, subject, body,
/// signature.
///
/// The hash of record n is SHA-256(hash of record n−1 ‖ encoding of record n), with 32 zero
/// bytes before the first record. docs/LEDGER.md states the same, and tools/ledger-verify.py
/// recomputes the chain independently of this code.
struct CanonicalRecord {
    private(set) var bytes: [UInt8] = []

    init(tag: UInt8) {
        bytes.reserveCapacity(128)
        bytes.append(tag)
    }

    mutating func integer(_ v: Int64) {
        bytes.append(UInt8(ascii: "i"))
        withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func text(_ s: String) {
        bytes.append(UInt8(ascii: "t"))
        var copy = s
        copy.withUTF8 { utf8 in
            withUnsafeBytes(of: UInt32(utf8.count).bigEndian) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func null() { bytes.append(UInt8(ascii: "n")) }

    mutating func integer(_ v: Int64?) {
        if let v { integer(v) } else { null() }
    }

    /// SHA-256(previous ‖ bytes).
    func chained(after previous: ChainHash) -> ChainHash {
        var hasher = SHA256()
        previous.bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return ChainHash(hasher.finalize())
    }

    static let measurementTag = UInt8(ascii: "M")
    static let eventTag = UInt8(ascii: "E")
    static let declarationTag = UInt8(ascii: "D")

    /// What a declaration's signature covers: the previous record's hash, then the
    /// declaration's encoding without its signature field (tag `D`, seq, cabinet_id,
    /// effective_unix, kind, subject, body). Binding the previous hash ties the signature to
    /// the declaration's place in this ledger's chain: it cannot be replayed elsewhere.
    static func declarationSignedBytes(after previous: ChainHash, seq: Int64, cabinet: String, effective: Int64, kind: String,
                                       subject: String, body: String) -> [UInt8] {
        previous.bytes + unsignedDeclaration(seq: seq, cabinet: cabinet, effective: effective, kind: kind, subject: subject, body: body).bytes
    }

    /// The encoding of a declaration row: the fields above, then the signature (128 hex
    /// digits) or NULL.
    static func declaration(seq: Int64, cabinet: String, effective: Int64, kind: String, subject: String, body: String,
                            signature: String?) -> CanonicalRecord {
        var r = unsignedDeclaration(seq: seq, cabinet: cabinet, effective: effective, kind: kind, subject: subject, body: body)
        if let signature { r.text(signature) } else { r.null() }
        return r
    }

    private static func unsignedDeclaration(seq: Int64, cabinet: String, effective: Int64, kind: String, subject: String,
                                            body: String) -> CanonicalRecord {
        var r = CanonicalRecord(tag: declarationTag)
        r.integer(seq)
        r.text(cabinet)
        r.integer(effective)
        r.text(kind)
        r.text(subject)
        r.text(body)
        return r
    }

    /// Appends a measurement's fields (after `reset(tag: measurementTag)`).
    mutating func appendMeasurement(seq: Int64, cabinet: String, kind: String, channel: String, start: Int64, end: Int64,
                                    energyWh: Int64, source: String, burningSeconds: Int64?, meanLevelTenths: Int64?,
                                    registerWh: Int64?) {
        integer(seq)
        text(cabinet)
        text(kind)
        text(channel)
        integer(start)
        integer(end)
        integer(energyWh)
        text(source)
        integer(burningSeconds)
        integer(meanLevelTenths)
        integer(registerWh)
    }

    /// The encoding of a measurement row.
    static func measurement(seq: Int64, cabinet: String, kind: String, channel: String, start: Int64, end: Int64,
                            energyWh: Int64, source: String, burningSeconds: Int64?, meanLevelTenths: Int64?,
                            registerWh: Int64?) -> CanonicalRecord {
        var r = CanonicalRecord(tag: measurementTag)
        r.appendMeasurement(seq: seq, cabinet: cabinet, kind: kind, channel: channel, start: start, end: end, energyWh: energyWh,
                            source: source, burningSeconds: burningSeconds, meanLevelTenths: meanLevelTenths, registerWh: registerWh)
        return r
    }

    /// Appends an event's fields (after `reset(tag: eventTag)`).
    mutating func appendEvent(seq: Int64, cabinet: String, at: Int64, kind: String, subject: String, detail: String) {
        integer(seq)
        text(cabinet)
        integer(at)
        text(kind)
        text(subject)
        text(detail)
    }

    /// The encoding of an event row.
    static func event(seq: Int64, cabinet: String, at: Int64, kind: String, subject: String, detail: String) -> CanonicalRecord {
        var r = CanonicalRecord(tag: eventTag)
        r.appendEvent(seq: seq, cabinet: cabinet, at: at, kind: kind, subject: subject, detail: detail)
        return r
    }
}

/// A SHA-256 value in the ledger's hash chain.
public struct ChainHash: Sendable, Hashable, CustomStringConvertible {
    /// The 32 bytes.
    public let bytes: [UInt8]

    /// The value before the first record: 32 zero bytes.
    public static let genesis = ChainHash(bytes: [UInt8](repeating: 0, count: 32))

    init(bytes: [UInt8]) { self.bytes = bytes }
    init(_ digest: SHA256.Digest) { self.bytes = digest.withUnsafeBytes { Array($0) } }

    /// From 64 hexadecimal digits; nil otherwise.
    public init?(hex: String) {
        guard hex.utf8.count == 64 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(32)
        var it = hex.utf8.makeIterator()
        while let hi = it.next(), let lo = it.next() {
            guard let h = ChainHash.nibble(hi), let l = ChainHash.nibble(lo) else { return nil }
            out.append(h << 4 | l)
        }
        bytes = out
    }

    /// From a BLOB column; nil unless 32 bytes.
    init?(data: Data) {
        guard data.count == 32 else { return nil }
        bytes = Array(data)
    }

    var data: Data { Data(bytes) }

    /// 64 lowercase hexadecimal digits.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { hex }

    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension CanonicalRecord {
    /// Appends a text field from raw UTF-8 bytes (the verifier reads them straight from SQLite).
    mutating func text(bytes pointer: UnsafePointer<UInt8>?, count: Int) {
        bytes.append(UInt8(ascii: "t"))
        withUnsafeBytes(of: UInt32(count).bigEndian) { bytes.append(contentsOf: $0) }
        if let pointer, count > 0 { bytes.append(contentsOf: UnsafeBufferPointer(start: pointer, count: count)) }
    }

    /// Empties the record for reuse, keeping its storage, and starts it with `tag`.
    mutating func reset(tag: UInt8) {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(tag)
    }
}
