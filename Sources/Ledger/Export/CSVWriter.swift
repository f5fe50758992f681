import Foundation

/// Writes RFC 4180 CSV (UTF-8, CRLF line ends, fields quoted only when they must be) into a
/// buffer flushed to a file handle, with number formatting that allocates nothing: exports of
/// millions of rows spend their time in SQLite, not in `String(format:)`.
struct CSVWriter {
    let handle: FileHandle
    let delimiter: UInt8
    let decimalSeparator: UInt8
    private var buffer: [UInt8] = []
    private var firstField = true
    /// Bytes written so far.
    private(set) var bytesWritten = 0
    /// SHA-256 of everything written, updated as it is flushed.
    var digest = SHA256Stream()

    init(handle: FileHandle, delimiter: UInt8, decimalComma: Bool) {
        self.handle = handle
        self.delimiter = delimiter
        self.decimalSeparator = decimalComma ? UInt8(ascii: ",") : UInt8(ascii: ".")
        buffer.reserveCapacity(1 << 20)
    }

    private mutating func separator() {
        if !firstField { buffer.append(delimiter) }
        firstField = false
    }

    /// A text field, quoted when it holds the delimiter, a quote, CR or LF.
    mutating func text(_ s: String) {
        separator()
        var needsQuotes = false
        for b in s.utf8 where b == delimiter || b == UInt8(ascii: "\"") || b == 10 || b == 13 {
            needsQuotes = true
            break
        }
        if !needsQuotes {
            buffer.append(contentsOf: s.utf8)
            return
        }
        buffer.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            if b == UInt8(ascii: "\"") { buffer.append(b) }
            buffer.append(b)
        }
        buffer.append(UInt8(ascii: "\""))
    }

    /// The bytes of `s` as a field (quoted and escaped when needed), to append many times with
    /// `field(encoded:)`.
    func encode(_ s: String) -> [UInt8] { Self.encode(s, delimiter: delimiter) }

    /// The bytes of `s` as a field of a CSV with this delimiter.
    static func encode(_ s: String, delimiter: UInt8) -> [UInt8] {
        var needsQuotes = false
        for b in s.utf8 where b == delimiter || b == UInt8(ascii: "\"") || b == 10 || b == 13 {
            needsQuotes = true
            break
        }
        if !needsQuotes { return Array(s.utf8) }
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for b in s.utf8 {
            if b == UInt8(ascii: "\"") { out.append(b) }
            out.append(b)
        }
        out.append(UInt8(ascii: "\""))
        return out
    }

    /// A field already encoded by `encode(_:)`.
    mutating func field(encoded bytes: [UInt8]) {
        separator()
        buffer.append(contentsOf: bytes)
    }

    /// What is buffered and not yet flushed (for composing constant fields).
    var pendingBytes: [UInt8] { buffer }

    /// An empty field.
    mutating func empty() { separator() }

    /// An integer.
    mutating func integer(_ v: Int64) {
        separator()
        appendInteger(v)
    }

    /// A fixed-point number: `value / 10^scale` with exactly `scale` decimals (1234, 3 → 1.234).
    mutating func fixed(_ value: Int64, scale: Int) {
        separator()
        var v = value
        if v < 0 {
            buffer.append(UInt8(ascii: "-"))
            v = -v
        }
        var divisor: Int64 = 1
        for _ in 0..<scale { divisor *= 10 }
        appendInteger(v / divisor)
        guard scale > 0 else { return }
        buffer.append(decimalSeparator)
        // The fraction's digits, most significant first, written in place.
        var fraction = v % divisor
        var place = divisor / 10
        while place > 0 {
            buffer.append(UInt8(ascii: "0") + UInt8(fraction / place))
            fraction %= place
            place /= 10
        }
    }

    /// A Double rounded to `scale` decimals (empty when not finite).
    mutating func decimal(_ v: Double, scale: Int) {
        guard v.isFinite else { empty(); return }
        var factor = 1.0
        for _ in 0..<scale { factor *= 10 }
        fixed(Int64((v * factor).rounded()), scale: scale)
    }

    private mutating func appendInteger(_ value: Int64) {
        var v = value
        if v < 0 { buffer.append(UInt8(ascii: "-")); v = -v }
        if v == 0 { buffer.append(UInt8(ascii: "0")); return }
        var tmp: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                  UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &tmp) { raw in
            while v > 0 {
                raw[n] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                n += 1
            }
            for i in stride(from: n - 1, through: 0, by: -1) { buffer.append(raw[i]) }
        }
    }

    /// Ends the row (CRLF) and flushes when the buffer is large.
    mutating func endRow() throws {
        buffer.append(13)
        buffer.append(10)
        firstField = true
        if buffer.count >= 1 << 20 { try flush() }
    }

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        digest.update(buffer)
        try handle.write(contentsOf: buffer)
        bytesWritten += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}

import Crypto

/// An incremental SHA-256 (a value wrapper around swift-crypto's hasher).
struct SHA256Stream {
    private var hasher = SHA256()
    mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) } }
    func hex() -> String { hasher.finalize().map { String(format: "%02x", $0) }.joined() }
}
