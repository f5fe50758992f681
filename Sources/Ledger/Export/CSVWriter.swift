import Foundation

/// Writes RFC 4180 CSV (UTF-8, CRLF line ends, fields quoted only when they must be) into a
/// buffer flushed to a file, with number formatting that allocates nothing: exports of millions
/// of rows spend their time in SQLite, not in `String(format:)`.
///
/// Each full buffer is hashed and written on a thread of its own (``ChunkSink``) while the next
/// one fills.
struct CSVWriter {
    let delimiter: UInt8
    let decimalSeparator: UInt8
    private var buffer: [UInt8] = []
    private var firstField = true
    private let sink: ChunkSink?

    /// A writer into `handle`; with no handle, one whose bytes stay in ``pendingBytes``.
    init(handle: FileHandle?, delimiter: UInt8, decimalComma: Bool) {
        self.sink = handle.map(ChunkSink.init)
        self.delimiter = delimiter
        self.decimalSeparator = decimalComma ? UInt8(ascii: ",") : UInt8(ascii: ".")
        buffer.reserveCapacity(Self.chunkSize)
    }

    /// How many bytes are buffered before they are handed to the file.
    static let chunkSize = 1 << 20

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
        if buffer.count >= Self.chunkSize { try flush() }
    }

    /// Hands what is buffered to the file.
    ///
    /// - Throws: the error of an earlier chunk's write.
    mutating func flush() throws {
        guard let sink, !buffer.isEmpty else { return }
        var full: [UInt8] = []
        full.reserveCapacity(Self.chunkSize + 4096)
        swap(&full, &buffer)
        try sink.write(full)
    }

    /// Flushes, waits until every byte is written, and gives their count and SHA-256.
    ///
    /// - Throws: the error of a write.
    mutating func finish() throws -> (bytes: Int, sha256: String) {
        try flush()
        guard let sink else { return (0, ChunkSink.hex(SHA256())) }
        return try sink.finish()
    }
}

import Crypto
import Dispatch
import Synchronization

/// Hashes and writes chunks to a file on a serial queue of its own, in the order given, while
/// the caller prepares the next: at most two chunks wait.
final class ChunkSink: Sendable {
    private let handle: FileHandle
    private let queue = DispatchQueue(label: "lanterne.csv-writer")
    private let places = DispatchSemaphore(value: 2)
    private let state = Mutex(State())

    private struct State {
        var hasher = SHA256()
        var bytes = 0
        var failure: (any Error)?
    }

    init(handle: FileHandle) {
        self.handle = handle
    }

    /// Queues `chunk`; waits while two chunks are waiting already.
    ///
    /// - Throws: the error of an earlier chunk's write (later chunks are not written).
    func write(_ chunk: [UInt8]) throws {
        if let error = state.withLock({ $0.failure }) { throw error }
        places.wait()
        queue.async { [self] in
            defer { places.signal() }
            guard state.withLock({ $0.failure == nil }) else { return }
            do {
                try handle.write(contentsOf: chunk)
                state.withLock { state in
                    chunk.withUnsafeBytes { state.hasher.update(bufferPointer: $0) }
                    state.bytes += chunk.count
                }
            } catch {
                state.withLock { $0.failure = error }
            }
        }
    }

    /// Waits for every queued chunk; their byte count and SHA-256 in hex.
    func finish() throws -> (bytes: Int, sha256: String) {
        queue.sync {}
        return try state.withLock { state in
            if let error = state.failure { throw error }
            return (state.bytes, Self.hex(state.hasher))
        }
    }

    static func hex(_ hasher: SHA256) -> String {
        hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
