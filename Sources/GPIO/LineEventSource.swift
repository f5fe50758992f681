import Dispatch

/// A dispatch read source on a requested line's event file descriptor, and the one owner of
/// that line's release.
///
/// The line (and with it the descriptor) is released by the source's **cancel handler**, never
/// by the code that cancels it: dispatch may still be watching the descriptor until the cancel
/// handler runs, and a descriptor closed earlier can be reused by the next `open` (another
/// line's event fd) while dispatch still has it registered. ``released`` is signalled once the
/// line is released. Dropping the source without ``cancel()`` cancels it (so a chip that goes
/// away without `shutdown` still frees its lines).
final class LineEventSource: @unchecked Sendable {
    // The source is created, resumed and cancelled once; dispatch serialises its handlers on `queue`.
    private let source: DispatchSourceRead
    /// Left once the cancel handler has released the line.
    let released = DispatchGroup()

    /// Starts watching `fd` on `queue`: `onReadable` runs there whenever it is readable;
    /// `release` runs there once, after the source is cancelled.
    init(fd: Int32, queue: DispatchQueue, onReadable: @escaping @Sendable () -> Void, release: @escaping @Sendable () -> Void) {
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler(handler: onReadable)
        released.enter()
        let group = released
        source.setCancelHandler {
            release()
            group.leave()
        }
        source.resume()
    }

    /// Stops watching; the line is released on the queue afterwards (see ``released``).
    func cancel() { source.cancel() }

    deinit { source.cancel() }
}
