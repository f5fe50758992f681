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
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(fd)
        if !path.hasPrefix("@") { unlink(path) }
    }

    /// The datagrams that arrive within `seconds`.
    func receive(for seconds: Double) -> [String] {
        var messages: [String] = []
        let end = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < end {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { messages.append(String(decoding: buffer[0 ..< n], as: UTF8.self)) }
        }
        return messages
    }

    /// The first datagram within `seconds`, if any.
    func next(within seconds: Double = 2) -> String? {
        let end = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < end {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { return String(decoding: buffer[0 ..< n], as: UTF8.self) }
        }
        return nil
    }
}

/// The notify protocol, received on a socket of the test's own (systemd is not PID 1 here).
@Suite struct SystemdNotifierTests {
    @Test func statesArriveAsDatagrams() throws {
        let socket = try NotifySocket()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path])
        #expect(notifier.isActive)
        try notifier.notify("READY=1\nSTATUS=driving 3 circuits")
        try notifier.notify("STOPPING=1")
        #expect(socket.next() == "READY=1\nSTATUS=driving 3 circuits")
        #expect(socket.next() == "STOPPING=1")
    }

    @Test func anAbstractSocketToo() throws {
        let socket = try NotifySocket(abstract: true)
        try SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path]).notify("READY=1")
        #expect(socket.next() == "READY=1")
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

    /// The watchdog is fed while the loop beats, and no longer once it stops beating.
    @Test func theWatchdogIsFedOnlyWhileTheLoopBeats() async throws {
        let socket = try NotifySocket()
        let heartbeat = Heartbeat()
        let feeder = WatchdogFeeder(notifier: SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path]),
                                    heartbeat: heartbeat, timeout: .milliseconds(100), staleAfter: .milliseconds(300))
        let beating = Task {
            while !Task.isCancelled {
                heartbeat.beat()
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        let feeding = Task { await feeder.run() }
        defer { feeding.cancel() }
        let whileBeating = socket.receive(for: 0.6)
        #expect(whileBeating.count >= 2, "\(whileBeating)")
        #expect(whileBeating.allSatisfy { $0 == "WATCHDOG=1" })
        beating.cancel()   // the loop is stuck from here
        _ = socket.receive(for: 0.5)   // the beat goes stale (300 ms)
        let stuck = socket.receive(for: 0.6)
        #expect(stuck.isEmpty, "\(stuck)")
        #expect(!feeder.loopIsAlive)
    }

    @Test func aLoopThatNeverBeatIsNotAlive() {
        let feeder = WatchdogFeeder(notifier: SystemdNotifier(environment: [:]), heartbeat: Heartbeat(),
                                    timeout: .seconds(30), staleAfter: .seconds(5))
        #expect(!feeder.loopIsAlive)
        #expect(feeder.period == .seconds(15))
    }
}
