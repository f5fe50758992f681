import Foundation
import Glibc
import Synchronization

/// systemd's notify protocol (`sd_notify(3)`) without libsystemd: each state change is one
/// datagram of `KEY=VALUE` lines sent to the Unix socket named by `$NOTIFY_SOCKET` (a path, or
/// an abstract socket when it starts with `@`). Outside systemd there is no such variable and
/// every call does nothing.
///
/// A unit with `Type=notify` waits for `READY=1`; with `WatchdogSec=` it restarts the service
/// when `WATCHDOG=1` stops coming for that long (`$WATCHDOG_USEC`); `STOPPING=1` says a stop
/// has begun; `STATUS=` is the line `systemctl status` shows.
public struct SystemdNotifier: Sendable {
    /// The socket's address as given (`/run/systemd/notify`, `@abstract`); nil outside systemd.
    public let socket: String?
    /// How often systemd expects `WATCHDOG=1` at the latest (`$WATCHDOG_USEC`, when
    /// `$WATCHDOG_PID` is unset or names this process); nil without a watchdog.
    public let watchdogTimeout: Duration?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        socket = path
        let forUs = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        if path != nil, forUs, let text = environment["WATCHDOG_USEC"], let usec = Int64(text), usec > 0 {
            watchdogTimeout = .microseconds(usec)
        } else {
            watchdogTimeout = nil
        }
    }

    /// Whether the process runs under a systemd unit that listens.
    public var isActive: Bool { socket != nil }

    /// Sends `state` (newline-separated `KEY=VALUE` lines, e.g. `READY=1\nSTATUS=running`).
    ///
    /// - Throws: ``Failure`` naming the socket when the datagram cannot be sent.
    public func notify(_ state: String) throws(Failure) {
        guard let socket else { return }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(socket.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }   // abstract namespace
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { throw Failure(socket: socket, reason: "the path is longer than \(capacity - 1) bytes") }
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            path.copyBytes(from: bytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1))
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(socket: socket, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let message = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
                message.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), sockaddrPointer, length) }
            }
        }
        guard sent == message.count else { throw Failure(socket: socket, reason: String(cString: strerror(errno))) }
    }

    /// A datagram that could not be sent.
    public struct Failure: Error, CustomStringConvertible {
        public var socket: String, reason: String
        public var description: String { "cannot notify systemd at \(socket): \(reason)" }
    }
}

/// When the control loop last completed a step, on the monotonic clock: what the watchdog
/// feeder looks at, without waiting on the loop itself.
public final class Heartbeat: Sendable {
    private let last: Mutex<ContinuousClock.Instant?> = Mutex(nil)

    public init() {}

    /// The loop completed a step now.
    public func beat(at instant: ContinuousClock.Instant = .now) {
        last.withLock { $0 = instant }
    }

    /// How long ago the last beat was; nil before the first.
    public func age(at now: ContinuousClock.Instant = .now) -> Duration? {
        last.withLock { $0.map { now - $0 } }
    }

    /// Returns once the loop has completed its first step (polled every 10 ms).
    ///
    /// - Throws: `CancellationError` when the task is cancelled first.
    public func firstBeat() async throws {
        while age() == nil { try await Task.sleep(for: .milliseconds(10)) }
    }
}

/// Feeds systemd's watchdog at half its timeout, but only while the control loop beats: a loop
/// that stops stepping (stuck on a device, deadlocked) stops the feeding, and systemd restarts
/// the service after `WatchdogSec`.
public struct WatchdogFeeder: Sendable {
    public let notifier: SystemdNotifier
    public let heartbeat: Heartbeat
    /// How often `WATCHDOG=1` is sent while the loop beats.
    public let period: Duration
    /// The loop counts as stepping while its last beat is younger than this.
    public let staleAfter: Duration

    /// - Parameters:
    ///   - timeout: systemd's watchdog timeout (the notifier's); the feeder sends at half of it.
    ///   - staleAfter: how old a beat may be (a few of the loop's ticks).
    public init(notifier: SystemdNotifier, heartbeat: Heartbeat, timeout: Duration, staleAfter: Duration) {
        self.notifier = notifier
        self.heartbeat = heartbeat
        self.period = timeout / 2
        self.staleAfter = staleAfter
    }

    /// Whether the loop is stepping now.
    public var loopIsAlive: Bool {
        heartbeat.age().map { $0 < staleAfter } ?? false
    }

    /// Sends `WATCHDOG=1` when the loop is stepping; returns whether it did.
    ///
    /// - Throws: ``SystemdNotifier/Failure``.
    public func feed() throws(SystemdNotifier.Failure) -> Bool {
        guard loopIsAlive else { return false }
        try notifier.notify("WATCHDOG=1")
        return true
    }

    /// Feeds every ``period`` until cancelled; `log` hears when the feeding stops and starts
    /// again.
    public func run(log: @Sendable (String) -> Void = { _ in }) async {
        var feeding = true
        while !Task.isCancelled {
            let alive: Bool
            do { alive = try feed() } catch {
                alive = true
                log("\(error)")
            }
            if alive != feeding {
                feeding = alive
                log(alive ? "the control loop steps again: feeding systemd's watchdog"
                          : "the control loop has not stepped for \(staleAfter): systemd's watchdog is no longer fed")
            }
            do { try await Task.sleep(for: period) } catch { return }
        }
    }
}
