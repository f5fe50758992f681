/// The debounce decision of a watched input, pure: which edges become changes, and when the
/// line is read again. An ``EdgeWatcher`` feeds it the kernel's edges and the re-reads, and
/// does what it says.
///
/// Without a debounce time each edge whose level differs from the last one reported is a
/// change. With one, an edge (re)starts a wait; once the line has been quiet for the debounce
/// time it is read again, and the level read is a change if it differs from the last one
/// reported, stamped with the first edge of the burst (contact bounce and spikes shorter than
/// the debounce vanish).
struct Debouncer: Sendable, Hashable {
    enum Step: Sendable, Hashable {
        /// Nothing to report.
        case none
        /// The line's logical level changed; `at` is the kernel timestamp of the edge.
        case change(level: Bool, at: Int64)
        /// Read the line again after `nanoseconds` of quiet, replacing any wait in progress.
        case recheck(afterNanoseconds: Int)
    }

    let debounce: Duration
    /// The last level reported (initially the level when the line was requested).
    private(set) var reported: Bool
    /// A wait is in progress, since the edge at `firstEdge`.
    private(set) var waiting = false
    private(set) var firstEdge: Int64 = 0

    init(debounce: Duration, initial: Bool) {
        self.debounce = debounce
        self.reported = initial
    }

    /// An edge of the line to `level`, at the kernel timestamp `ts`.
    mutating func edge(level: Bool, at ts: Int64) -> Step {
        if debounce == .zero {
            guard level != reported else { return .none }
            reported = level
            return .change(level: level, at: ts)
        }
        if !waiting { firstEdge = ts }
        waiting = true
        return .recheck(afterNanoseconds: Self.nanoseconds(debounce))
    }

    /// The wait is over: the line reads `level` (nil when it could not be read).
    mutating func quiet(level: Bool?) -> Step {
        waiting = false
        guard let level, level != reported else { return .none }
        reported = level
        return .change(level: level, at: firstEdge)
    }

    /// Whole nanoseconds of a duration (what `DispatchTime` takes).
    static func nanoseconds(_ d: Duration) -> Int {
        let c = d.components
        return Int(c.seconds) * 1_000_000_000 + Int(c.attoseconds / 1_000_000_000)
    }
}
