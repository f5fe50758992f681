import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Watches one input line's events with a ``LineEventSource`` on the chip's queue, so an edge
/// is read within microseconds of the kernel queueing it, inside the chip actor
/// (`assumeIsolated`). Debouncing: after an edge, the level is read again once the line has
/// been quiet for the debounce time (`DispatchQueue.asyncAfter`, on the monotonic clock), and a
/// change is reported only if the level differs from the last one reported (contact bounce and
/// spikes shorter than the debounce vanish).
///
/// The handlers hold the chip weakly: the chip owns its watchers, never the other way round, so
/// a chip nobody holds any more goes away and its lines with it.
final class EdgeWatcher: @unchecked Sendable {
    // Touched only on the chip's queue.
    private let events: LineEventSource
    private let queue: DispatchQueue
    private let onChange: @Sendable (InputChange) -> Void
    private var debouncer: Debouncer
    private var pending: DispatchWorkItem?

    /// - Parameter release: gives the line back; called once, by the event source's cancel handler.
    init(chip: GPIOChip, offset: Int, fd: Int32, queue: DispatchQueue, debounce: Duration, initial: Bool,
         onChange: @escaping @Sendable (InputChange) -> Void, release: @escaping @Sendable () -> Void) {
        self.queue = queue
        self.onChange = onChange
        self.debouncer = Debouncer(debounce: debounce, initial: initial)
        let box = WeakBox<EdgeWatcher>()
        events = LineEventSource(fd: fd, queue: queue, onReadable: { [weak chip] in
            guard let chip, let watcher = box.value else { return }
            chip.assumeIsolated { chip in
                // Every edge in order: a release and a new detection read together are two changes.
                for edge in chip.drainEvents(offset: offset) {
                    watcher.edge(level: edge.level, at: edge.timestampNanoseconds, chip: chip, offset: offset)
                }
            }
        }, release: release)
        box.value = self
    }

    private func edge(level: Bool, at ts: Int64, chip: isolated GPIOChip, offset: Int) {
        act(debouncer.edge(level: level, at: ts), chip: chip, offset: offset)
    }

    /// Reports a change, or (re)starts the wait after which the line is read again.
    private func act(_ step: Debouncer.Step, chip: isolated GPIOChip, offset: Int) {
        switch step {
        case .none:
            return
        case .change(let level, let ts):
            onChange(InputChange(level: level, monotonicNanoseconds: ts, date: chip.wallClock()))
        case .recheck(let nanoseconds):
            pending?.cancel()
            let item = DispatchWorkItem { [weak self, weak chip] in
                guard let self, let chip else { return }
                chip.assumeIsolated { chip in
                    self.pending = nil
                    self.act(self.debouncer.quiet(level: try? chip.get(offset: offset)), chip: chip, offset: offset)
                }
            }
            pending = item
            queue.asyncAfter(deadline: .now() + .nanoseconds(nanoseconds), execute: item)
        }
    }

    /// Stops watching; the line is released by the event source's cancel handler, after which
    /// ``released`` is signalled.
    func cancel() {
        pending?.cancel()
        events.cancel()
    }

    /// Signalled once the line is released.
    var released: DispatchGroup { events.released }

    deinit { pending?.cancel() }

    /// Whether `fd` has data to read right now (poll with a zero timeout).
    static func readable(_ fd: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) > 0 && (p.revents & Int16(POLLIN)) != 0
    }
}

/// A weak reference that a handler created before its target can hold.
final class WeakBox<T: AnyObject>: @unchecked Sendable {
    // Set once, before the source can fire (init), then only read on the chip's queue.
    weak var value: T?
}
