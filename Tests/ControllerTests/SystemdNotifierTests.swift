import Controller
import Foundation
import Glibc
import Testing

/// A Unix datagram socket of the test's own, standing in for systemd's notify socket.
final class NotifySocket {
    let path: String
    private let fd: Int32

    /// Binds a socket at a fresh path (or, `abstract`, in the abstract namespace).
    init(abstract: Bool = false) throws {
        let name = "lanterne-notify-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        path = abstract ? "@" + name : NSTemporaryDirectory() + name
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
    }

    deinit {
        close(fd)
        if !path.hasPrefix("@") { unlink(path) }
    }

    /// The datagrams that arrive within `seconds`. Polls without blocking and sleeps between
    /// polls, so that the tasks under test keep the cooperative threads they need.
    func receive(for seconds: Double) async -> [String] {
        var messages: [String] = []
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < end {
            if let message = poll() { messages.append(message) } else { try? await Task.sleep(for: .milliseconds(10)) }
        }
        while let message = poll() { messages.append(message) }
        return messages
    }

    /// The first datagram within `seconds`, if any.
    func next(within seconds: Double = 2) async -> String? {
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < end {
            if let message = poll() { return message }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return poll()
    }

    /// A datagram waiting now, if any.
    private func poll() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        return n > 0 ? String(decoding: buffer[0 ..< n], as: UTF8.self) : nil
    }
}

/// The notify protocol, received on a socket of the test's own (systemd is not PID 1 here).
@Suite struct SystemdNotifierTests {
    @Test func statesArriveAsDatagrams() async throws {
        let socket = try NotifySocket()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path])
        #expect(notifier.isActive)
        try notifier.notify("READY=1\nSTATUS=driving 3 circuits")
        try notifier.notify("STOPPING=1")
        #expect(await socket.next() == "READY=1\nSTATUS=driving 3 circuits")
        #expect(await socket.next() == "STOPPING=1")
    }

    @Test func anAbstractSocketToo() async throws {
        let socket = try NotifySocket(abstract: true)
        try SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path]).notify("READY=1")
        #expect(await socket.next() == "READY=1")
    }

    @Test func outsideSystemdNothingIsSent() throws {
        let notifier = SystemdNotifier(environment: [:])
        #expect(!notifier.isActive)
        #expect(notifier.watchdogTimeout == nil)
        try notifier.notify("READY=1")   // no socket: nothing to do, no error
    }

    @Test func aSocketThatIsGoneIsAnErrorNamingIt() {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": NSTemporaryDirectory() + "lanterne-no-such-socket"])
        #expect {
            try notifier.notify("READY=1")
        } throws: { error in
            "\(error)".contains("lanterne-no-such-socket")
        }
    }

    @Test func theWatchdogTimeoutIsReadForThisProcessOnly() {
        let socket = "/run/systemd/notify"
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": socket, "WATCHDOG_USEC": "30000000"]).watchdogTimeout == .seconds(30))
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": socket, "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid())"])
            .watchdogTimeout == .seconds(30))
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": socket, "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"])
            .watchdogTimeout == nil)
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": socket, "WATCHDOG_USEC": "soon"]).watchdogTimeout == nil)
    }

    /// The watchdog is fed while the loop beats, not once its last beat is older than
    /// `staleAfter`.
    @Test func theWatchdogIsFedOnlyWhileTheLoopBeats() async throws {
        let socket = try NotifySocket()
        let heartbeat = Heartbeat()
        let feeder = WatchdogFeeder(notifier: SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path]),
                                    heartbeat: heartbeat, timeout: .seconds(10), staleAfter: .seconds(5))
        #expect(try feeder.feed() == false)   // no beat yet
        heartbeat.beat()
        #expect(try feeder.feed() == true)
        #expect(await socket.next() == "WATCHDOG=1")
        heartbeat.beat(at: .now - .seconds(6))   // the loop stopped stepping 6 s ago
        #expect(!feeder.loopIsAlive)
        #expect(try feeder.feed() == false)
        #expect(await socket.receive(for: 0.2).isEmpty)
        heartbeat.beat()
        #expect(try feeder.feed() == true)
        #expect(await socket.next() == "WATCHDOG=1")
    }

    /// `run()` feeds at half the timeout: with 200 ms, messages keep coming while the loop beats.
    @Test func runFeedsAtHalfTheTimeout() async throws {
        let socket = try NotifySocket()
        let heartbeat = Heartbeat()
        heartbeat.beat()
        let feeder = WatchdogFeeder(notifier: SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path]),
                                    heartbeat: heartbeat, timeout: .milliseconds(200), staleAfter: .seconds(600))
        #expect(feeder.period == .milliseconds(100))
        let feeding = Task { await feeder.run() }
        defer { feeding.cancel() }
        var received = 0
        for _ in 0 ..< 3 where await socket.next(within: 30) == "WATCHDOG=1" { received += 1 }
        #expect(received == 3)
    }

    @Test func aLoopThatNeverBeatIsNotAlive() {
        let feeder = WatchdogFeeder(notifier: SystemdNotifier(environment: [:]), heartbeat: Heartbeat(),
                                    timeout: .seconds(30), staleAfter: .seconds(5))
        #expect(!feeder.loopIsAlive)
        #expect(feeder.period == .seconds(15))
    }
}
