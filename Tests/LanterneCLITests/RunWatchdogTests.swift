import Foundation
import ModbusTestSupport
import Testing

/// A stuck control loop stops feeding systemd's watchdog, at process level: `lanterne run`
/// under a stand-in for systemd's notify socket (`WATCHDOG_USEC` 2 s: fed every second while
/// the loop has stepped within 5 s), against the cabinet peer. The peer's I/O module goes
/// silent with a 10-second timeout on its bus, so the loop's step — which reads the photocell
/// and the door there — hangs in the read, as on a hung bus. The watchdog messages stop; when
/// the read times out the loop steps again and they come back.
@Suite(.serialized) struct RunWatchdogTests {
    @Test func aStuckLoopStopsFeedingTheWatchdog() async throws {
        try RunLedgerTests.declareKernelClockSynchronised()
        let peer = try CabinetPeer(timeScale: 1)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-watchdog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cabinet = try peer.writeCabinet(in: dir, id: "watchdog")
        // One try of 10 s per request on every bus: a silent unit holds the loop that long.
        try peer.board(timeout: "10s").replacingOccurrences(of: #"retries: \d"#, with: "retries: 0", options: .regularExpression)
            .write(to: dir.appendingPathComponent("board.yaml"), atomically: true, encoding: .utf8)
        let socket = dir.appendingPathComponent("notify").path
        let listener = try NotifyListener(at: socket)

        let process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = ["run", "--cabinet", cabinet, "--control", "none"]
        process.environment = ProcessInfo.processInfo.environment.merging(["NOTIFY_SOCKET": socket, "WATCHDOG_USEC": "2000000"]) { $1 }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        try await Task.sleep(for: .seconds(3))
        let muted = NotifyListener.monotonic()
        try peer.command("mute io")          // the loop's next read of the photocell hangs for 10 s
        try await Task.sleep(for: .seconds(9))
        try peer.command("unmute io")
        try await Task.sleep(for: .seconds(5))   // the read times out at 10 s; the loop steps again
        process.terminate()
        process.waitUntilExit()
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let messages = listener.messages().map { (at: $0.at - muted, text: $0.text) }
        let watchdog = messages.filter { $0.text == "'WATCHDOG=1'" }.map(\.at)
        #expect(messages.first?.text.hasPrefix("'READY=1") == true, "\(messages)")
        #expect(watchdog.contains { $0 < 0 }, "fed before the bus hung: \(watchdog)")
        // Stale after 5 s without a step, then not fed while the loop is stuck (until the read
        // times out, 10 s after the mute).
        #expect(!watchdog.contains { $0 > 6.5 && $0 < 9.5 }, "fed while the loop was stuck: \(watchdog)")
        #expect(watchdog.contains { $0 > 10 }, "fed again once the loop stepped: \(watchdog)")
        #expect(log.contains("the control loop has not stepped for 5.0 seconds: systemd's watchdog is no longer fed")
                || log.contains("systemd's watchdog is no longer fed"), "\(log)")
        #expect(log.contains("the control loop steps again: feeding systemd's watchdog"), "\(log)")
        #expect(messages.last?.text == "'STOPPING=1'", "\(messages)")
    }
}
