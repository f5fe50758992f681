import Dispatch
import Foundation
@testable import GPIO
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// The life cycle of a watched line's event source, on a pipe (this machine has no GPIO; the
/// gpio-sim bed checks the same against the kernel): the descriptor is released by the source's
/// cancel handler — while dispatch may still watch it, it stays open — and a source dropped
/// without being cancelled still releases it.
@Suite struct LineEventSourceTests {
    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func bump() { lock.lock(); value += 1; lock.unlock() }
        var count: Int { lock.lock(); defer { lock.unlock() }; return value }
    }

    static func isOpen(_ fd: Int32) -> Bool { fcntl(fd, F_GETFD) != -1 }

    @Test func theCancelHandlerClosesTheDescriptorNotTheCaller() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let (r, w) = (fds[0], fds[1])
        defer { close(w) }
        let queue = DispatchQueue(label: "test.gpio.events")
        let readable = Flag(), released = Flag()
        let source = LineEventSource(fd: r, queue: queue, onReadable: {
            var byte: UInt8 = 0
            _ = read(r, &byte, 1)
            readable.bump()
        }, release: {
            released.bump()
            close(r)
        })
        var one: UInt8 = 1
        #expect(write(w, &one, 1) == 1)
        for _ in 0..<200 where readable.count == 0 { usleep(5_000) }
        #expect(readable.count == 1)
        // Cancelled on the queue, the way the chip actor does it: until the cancel handler has
        // run, the descriptor is still open (dispatch may still have it registered).
        let openAfterCancel = queue.sync { () -> Bool in
            source.cancel()
            return Self.isOpen(r) && released.count == 0
        }
        #expect(openAfterCancel)
        #expect(source.released.wait(timeout: .now() + 2) == .success)
        #expect(released.count == 1)
        #expect(!Self.isOpen(r))
    }

    @Test func aSourceDroppedWithoutCancelStillReleasesItsLine() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let (r, w) = (fds[0], fds[1])
        defer { close(w) }
        let released = Flag()
        var group: DispatchGroup?
        do {
            let source = LineEventSource(fd: r, queue: DispatchQueue(label: "test.gpio.drop"), onReadable: {}, release: {
                released.bump()
                close(r)
            })
            group = source.released
        }
        #expect(group?.wait(timeout: .now() + 2) == .success)
        #expect(released.count == 1)
        #expect(!Self.isOpen(r))
    }
}
