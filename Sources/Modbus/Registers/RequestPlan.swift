/// Batching: turns many small register reads or writes into few frames. Pure functions.
public enum RequestPlan {
    /// A run of consecutive registers.
    public struct Span: Sendable, Hashable {
        public var address: Int
        public var count: Int
        public init(address: Int, count: Int) { self.address = address; self.count = count }
        public var end: Int { address + count }
    }

    /// Merges wanted register spans into as few reads as possible: overlapping and adjacent
    /// spans are joined (never across a gap: a device may answer "illegal address" for
    /// registers nobody asked for), and no read exceeds `limit` registers.
    public static func coalesce(_ spans: [Span], limit: Int = 125) -> [Span] {
        let sorted = spans.filter { $0.count > 0 }.sorted { $0.address < $1.address }
        var merged: [Span] = []
        for s in sorted {
            if var last = merged.last, s.address <= last.end {
                last.count = max(last.end, s.end) - last.address
                merged[merged.count - 1] = last
            } else {
                merged.append(s)
            }
        }
        return merged.flatMap { span -> [Span] in
            stride(from: span.address, to: span.end, by: limit).map { Span(address: $0, count: min(limit, span.end - $0)) }
        }
    }

    /// A write of consecutive registers (one frame: function 6 for one value, 16 for more).
    public struct Write: Sendable, Hashable {
        public var address: Int
        public var values: [UInt16]
        public init(address: Int, values: [UInt16]) { self.address = address; self.values = values }
    }

    /// Groups register writes (address → value; a later value for the same address wins) into
    /// runs of consecutive addresses, each at most `limit` registers: each run is one frame.
    public static func writes(_ values: [(address: Int, value: UInt16)], limit: Int = 123) -> [Write] {
        var latest: [Int: UInt16] = [:]
        for (a, v) in values { latest[a] = v }
        var out: [Write] = []
        for a in latest.keys.sorted() {
            if var last = out.last, last.address + last.values.count == a, last.values.count < limit {
                last.values.append(latest[a]!)
                out[out.count - 1] = last
            } else {
                out.append(Write(address: a, values: [latest[a]!]))
            }
        }
        return out
    }
}
