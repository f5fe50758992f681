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
    private let buffer = ByteBuffer(capacity: CSVWriter.chunkSize + 64 * 1024)
    private var firstField = true
    private let sink: ChunkSink?

    /// A writer into `handle`; with no handle, one whose bytes stay in ``pendingBytes``.
    init(handle: FileHandle?, delimiter: UInt8, decimalComma: Bool) {
        self.sink = handle.map(ChunkSink.init)
        self.delimiter = delimiter
        self.decimalSeparator = decimalComma ? UInt8(ascii: ",") : UInt8(ascii: ".")
    }

    /// How many bytes are buffered before they are handed to the file.
    static let chunkSize = 1 << 20

    /// Room for the separator and `bytes` more bytes; the separator written.
    private mutating func separator(reserving bytes: Int) {
        buffer.reserve(bytes + 1)
        if !firstField { buffer.append(delimiter) }
        firstField = false
    }

    /// A text field, quoted when it holds the delimiter, a quote, CR or LF.
    mutating func text(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            separator(reserving: 2 * utf8.count + 2)
            var needsQuotes = false
            for b in utf8 where b == delimiter || b == UInt8(ascii: "\"") || b == 10 || b == 13 {
                needsQuotes = true
                break
            }
            if !needsQuotes {
                buffer.append(UnsafeRawBufferPointer(utf8))
                return
            }
            buffer.append(UInt8(ascii: "\""))
            for b in utf8 {
                if b == UInt8(ascii: "\"") { buffer.append(b) }
                buffer.append(b)
            }
            buffer.append(UInt8(ascii: "\""))
        }
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
        separator(reserving: bytes.count)
        bytes.withUnsafeBytes { buffer.append($0) }
    }

    /// What is buffered and not yet flushed (for composing constant fields).
    var pendingBytes: [UInt8] { buffer.bytes }

    /// An empty field.
    mutating func empty() { separator(reserving: 0) }

    /// An integer.
    mutating func integer(_ v: Int64) {
        separator(reserving: 20)
        if v < 0 { buffer.append(UInt8(ascii: "-")) }
        buffer.appendDigits(v.magnitude, minimumCount: 1)
    }

    /// A fixed-point number: `value / 10^scale` with exactly `scale` decimals (1234, 3 → 1.234).
    mutating func fixed(_ value: Int64, scale: Int) {
        separator(reserving: 22 + max(0, scale))
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        guard scale > 0 else {
            buffer.appendDigits(value.magnitude, minimumCount: 1)
            return
        }
        var divisor: UInt64 = 1
        for _ in 0..<scale { divisor *= 10 }
        let (whole, fraction) = value.magnitude.quotientAndRemainder(dividingBy: divisor)
        buffer.appendDigits(whole, minimumCount: 1)
        buffer.append(decimalSeparator)
        buffer.appendDigits(fraction, minimumCount: scale)
    }

    /// A Double rounded to `scale` decimals (empty when not finite).
    mutating func decimal(_ v: Double, scale: Int) {
        guard v.isFinite else { empty(); return }
        var factor = 1.0
        for _ in 0..<scale { factor *= 10 }
        fixed(Int64((v * factor).rounded()), scale: scale)
    }

    /// Ends the row (CRLF) and flushes when the buffer is large.
    mutating func endRow() throws {
        buffer.reserve(2)
        buffer.append(13)
        buffer.append(10)
        firstField = true
        if buffer.count >= Self.chunkSize { try flush() }
    }

    /// Hands what is buffered to the file.
    ///
    /// - Throws: the error of an earlier chunk's write.
    mutating func flush() throws {
        guard let sink, buffer.count > 0 else { return }
        let chunk = buffer.bytes
        buffer.removeAll()
        try sink.write(chunk)
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

/// A growable byte buffer written through a pointer. Callers reserve room for a field first,
/// then append without a capacity or uniqueness check per byte (an `Array` checks both on every
/// `append`, which made number formatting a tenth of an export).
final class ByteBuffer {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(64, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// Makes room for `extra` more bytes.
    @inline(__always) func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    private func grow(to needed: Int) {
        let larger = max(needed, 2 * capacity)
        let new = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
        new.update(from: base, count: count)
        base.deallocate()
        base = new
        capacity = larger
    }

    /// One byte, in room reserved before.
    @inline(__always) func append(_ byte: UInt8) {
        base[count] = byte
        count += 1
    }

    /// Bytes, in room reserved before.
    func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        UnsafeMutableRawPointer(base + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    /// `value` in decimal, zero-padded to at least `minimumCount` digits, in room reserved
    /// before (20 digits at most, plus the padding).
    @inline(__always) func appendDigits(_ value: UInt64, minimumCount: Int) {
        var digits = 1
        var rest = value / 10
        while rest > 0 { digits += 1; rest /= 10 }
        let n = max(digits, minimumCount)
        var p = base + count + n
        var v = value
        for _ in 0 ..< n {
            p -= 1
            p.pointee = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10)
            v /= 10
        }
        count += n
    }

    /// The bytes buffered, as an array.
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    func removeAll() { count = 0 }
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
