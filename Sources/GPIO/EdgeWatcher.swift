import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Watches one input line's event file descriptor with a dispatch read source on the chip's
/// queue, so an edge is read within microseconds of the kernel queueing it, inside the chip
/// actor (`assumeIsolated`). Debouncing: after an edge, the level is read again once the line
/// has been quiet for the debounce time, and a change is reported only if the level differs
/// from the last one reported (contact bounce and spikes shorter than the debounce vanish).
final class EdgeWatcher: @unchecked Sendable {
    // Touched only on the chip's queue.
    private let source: DispatchSourceRead
    private let queue: DispatchQueue
    private let debounce: Duration
    private let onChange: @Sendable (InputChange) -> Void
    private var reported: Bool
    private var pending: DispatchWorkItem?
    private var firstEdge: Int64 = 0

    init(chip: GPIOChip, offset: Int, fd: Int32, queue: DispatchQueue, debounce: Duration, initial: Bool,
         onChange: @escaping @Sendable (InputChange) -> Void) {
        self.queue = queue
        self.debounce = debounce
        self.onChange = onChange
        self.reported = initial
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [unowned(unsafe) self, chip] in
            chip.assumeIsolated { chip in
                // Every edge in order: a release and a new detection read together are two changes.
                for edge in chip.drainEvents(offset: offset) {
                    self.edge(level: edge.level, at: edge.timestampNanoseconds, chip: chip, offset: offset)
                }
            }
        }
        source.resume()
    }

    private func edge(level: Bool, at ts: Int64, chip: isolated GPIOChip, offset: Int) {
        if debounce == .zero {
            guard level != reported else { return }
            reported = level
            onChange(InputChange(level: level, monotonicNanoseconds: ts, date: chip.wallClock()))
            return
        }
        if pending == nil { firstEdge = ts }
        pending?.cancel()
        let item = DispatchWorkItem { [unowned(unsafe) self, chip] in
            chip.assumeIsolated { chip in
                self.pending = nil
                guard let now = try? chip.get(offset: offset), now != self.reported else { return }
                self.reported = now
                self.onChange(InputChange(level: now, monotonicNanoseconds: self.firstEdge, date: chip.wallClock()))
            }
        }
        pending = item
        let c = debounce.components
        queue.asyncAfter(deadline: .now() + .nanoseconds(Int(c.seconds) * 1_000_000_000 + Int(c.attoseconds / 1_000_000_000)), execute: item)
    }

    func cancel() {
        pending?.cancel()
        source.cancel()
    }

    /// Whether `fd` has data to read right now (poll with a zero timeout).
    static func readable(_ fd: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) > 0 && (p.revents & Int16(POLLIN)) != 0
    }
}
