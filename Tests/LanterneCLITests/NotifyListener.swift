import Foundation
import Glibc

/// A stand-in for systemd's notify socket (systemd is not PID 1 here): Python's socket module
/// binds a datagram socket at `path` and prints each message it receives — CLOCK_MONOTONIC
/// seconds, then the message as Python's repr — until STOPPING=1.
final class NotifyListener {
    let path: String
    private let process = Process()
    private let heard = Pipe()

    init(at path: String) throws {
        self.path = path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", """
            socket, sys, time = __import__("socket"), __import__("sys"), __import__("time")
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.bind(sys.argv[1])
            print("LISTENING", flush=True)
            while True:
                data = s.recv(4096)
                print("%.3f %r" % (time.monotonic(), data.decode()), flush=True)
                if data.startswith(b"STOPPING=1"):
                    break
            """, path]
        process.standardOutput = heard
        try process.run()
        var waited = 0
        while !FileManager.default.fileExists(atPath: path), waited < 200 { usleep(25_000); waited += 1 }
    }

    deinit { if process.isRunning { process.terminate() } }

    /// Once STOPPING=1 came: each message with when it came (CLOCK_MONOTONIC seconds) and its
    /// repr (`'WATCHDOG=1'`).
    func messages() -> [(at: Double, text: String)] {
        process.waitUntilExit()
        return String(decoding: heard.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: "\n").dropFirst().compactMap { line in
                let parts = line.split(separator: " ", maxSplits: 1)
                guard parts.count == 2, let at = Double(parts[0]) else { return nil }
                return (at, String(parts[1]))
            }
    }

    /// CLOCK_MONOTONIC in seconds, as Python's time.monotonic() reads it.
    static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
