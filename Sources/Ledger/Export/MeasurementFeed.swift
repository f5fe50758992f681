import Dispatch
import GRDB
import GRDBSQLite
import Synchronization

/// The export's measurement rows, in key order, read by SQLite on a thread of its own and handed
/// over in chunks: SQLite reads the next rows while the exporter adds and writes these.
///
/// Cabinet and channel ids come as numbers into ``cabinetNames`` and ``channelNames`` (each name
/// made a `String` once, not once per row): in key order an interval's rows repeat the previous
/// interval's ids, so the reader predicts each id from the one before and compares bytes, and
/// looks a name up only when the prediction fails.
///
/// `@unchecked Sendable`: the statement is stepped only by the feed's thread, and the
/// connection it belongs to is left alone by its owner until ``next()`` has returned `nil` (the
/// exporter, inside its read transaction, only adds and writes rows meanwhile).
final class MeasurementFeed: @unchecked Sendable {
    /// Rows of the measurement query, column by column.
    struct Chunk: Sendable {
        var start: [Int64] = [], end: [Int64] = [], energyWh: [Int64] = [], burningSeconds: [Int64] = []
        /// First bytes of `kind` (c, p, m) and `source` (m, e, g).
        var kind: [UInt8] = [], source: [UInt8] = []
        /// Indexes into ``MeasurementFeed/cabinetNames`` and ``MeasurementFeed/channelNames``.
        var cabinet: [Int32] = [], channel: [Int32] = []
        /// Names first seen in this chunk, in index order.
        var newCabinetNames: [String] = [], newChannelNames: [String] = []
        var count: Int { start.count }

        init(capacity: Int) {
            start.reserveCapacity(capacity); end.reserveCapacity(capacity); energyWh.reserveCapacity(capacity)
            burningSeconds.reserveCapacity(capacity); kind.reserveCapacity(capacity); source.reserveCapacity(capacity)
            cabinet.reserveCapacity(capacity); channel.reserveCapacity(capacity)
        }
    }

    static let chunkRows = 4096

    private let statement: RawStatement
    private let queue = DispatchQueue(label: "lanterne.export-reader")
    /// Chunks read and not yet taken, the reader's end and its error.
    private let state = Mutex(State())
    private let filled = DispatchSemaphore(value: 0)
    private let free: DispatchSemaphore
    /// Every name the chunks taken so far refer to.
    private(set) var cabinetNames: [String] = [], channelNames: [String] = []

    private struct State {
        var chunks: [Chunk] = []
        var finished = false
        var failure: (any Error)?
    }

    /// Starts reading `statement` (columns: start, end, cabinet, kind, channel, energy, source,
    /// burning seconds) at once.
    init(_ statement: RawStatement, depth: Int = 4) {
        self.statement = statement
        free = DispatchSemaphore(value: max(1, depth))
        queue.async { [self] in read() }
    }

    /// The next chunk; nil once every row was taken, or when the query failed (thrown).
    func next() throws -> Chunk? {
        filled.wait()
        let taken: (Chunk?, (any Error)?) = state.withLock { state in
            if !state.chunks.isEmpty { return (state.chunks.removeFirst(), nil) }
            return (nil, state.failure)
        }
        if let error = taken.1 { throw error }
        guard let chunk = taken.0 else {
            filled.signal()   // the end stays visible to later calls
            return nil
        }
        free.signal()
        cabinetNames.append(contentsOf: chunk.newCabinetNames)
        channelNames.append(contentsOf: chunk.newChannelNames)
        return chunk
    }

    /// Waits until the reader has stopped, whatever was taken: the connection is the owner's
    /// again.
    func close() {
        state.withLock { $0.finished = true }
        free.signal()
        queue.sync {}
    }

    private func read() {
        var cabinets = NameInterner(column: 2), channels = NameInterner(column: 4)
        var chunk = Chunk(capacity: Self.chunkRows)
        do {
            while try statement.step() {
                let s = statement
                chunk.start.append(s.int(0))
                chunk.end.append(s.int(1))
                chunk.cabinet.append(cabinets.id(s, newNames: &chunk.newCabinetNames))
                chunk.kind.append(s.firstByte(3))
                chunk.channel.append(channels.id(s, newNames: &chunk.newChannelNames))
                chunk.energyWh.append(s.int(5))
                chunk.source.append(s.firstByte(6))
                chunk.burningSeconds.append(s.int(7))
                if chunk.count == Self.chunkRows {
                    guard hand(chunk) else { return }
                    chunk = Chunk(capacity: Self.chunkRows)
                }
            }
            if chunk.count > 0 { _ = hand(chunk) }
            state.withLock { $0.finished = true }
        } catch {
            state.withLock { $0.failure = error; $0.finished = true }
        }
        filled.signal()
    }

    /// Queues a full chunk, waiting for room; false when the owner closed the feed.
    private func hand(_ chunk: Chunk) -> Bool {
        free.wait()
        let open = state.withLock { state in
            guard !state.finished else { return false }
            state.chunks.append(chunk)
            return true
        }
        if open { filled.signal() }
        return open
    }
}

/// Numbers for the names of one column, predicted from the row before: the same name again,
/// or the name that followed it last time.
private struct NameInterner {
    let column: Int32
    private var names: [[UInt8]] = []
    private var ids: [[UInt8]: Int32] = [:]
    private var last: Int32 = -1
    /// For each id, the id that followed it last time (-1: none yet).
    private var following: [Int32] = []

    init(column: Int32) { self.column = column }

    mutating func id(_ s: RawStatement, newNames: inout [String]) -> Int32 {
        if last >= 0 {
            if s.equals(column, names[Int(last)]) { return last }
            let guess = following[Int(last)]
            if guess >= 0, s.equals(column, names[Int(guess)]) { return moved(to: guess) }
        }
        let bytes: [UInt8] = s.textPointer(column).map { Array(UnsafeBufferPointer(start: $0, count: s.byteCount(column))) } ?? []
        if let known = ids[bytes] { return moved(to: known) }
        let id = Int32(names.count)
        names.append(bytes)
        ids[bytes] = id
        following.append(-1)
        newNames.append(String(decoding: bytes, as: UTF8.self))
        return moved(to: id)
    }

    private mutating func moved(to id: Int32) -> Int32 {
        if last >= 0 { following[Int(last)] = id }
        last = id
        return id
    }
}
