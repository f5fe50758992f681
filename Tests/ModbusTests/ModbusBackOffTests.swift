import Foundation
@testable import Modbus
import HAL
import ModbusTestSupport
import Synchronization
import Testing

/// A faulted unit's back-off runs on the line's injected monotonic clock: a wall-clock step
/// cannot shorten or stretch it, and a test can move it without waiting.
@Suite(.serialized) struct ModbusBackOffTests {
    final class Monotonic: Sendable {
        let now = Mutex(ContinuousClock.now)
        func advance(_ d: Duration) { now.withLock { $0 = $0.advanced(by: d) } }
        var reading: ContinuousClock.Instant { now.withLock { $0 } }
    }

    @Test func theBackOffFollowsTheInjectedMonotonicClock() async throws {
        let peer = try ModbusPeer(tcp: ["1:sdm120"])
        let clock = Monotonic()
        let line = ModbusLine(endpoint: .tcp(host: peer.host, port: peer.port),
                              options: .init(responseTimeout: .milliseconds(100), retries: 0, faultRetry: .seconds(30), faultRetryMax: .seconds(120)),
                              now: { clock.reading })
        try peer.command("mute 1")
        await #expect(throws: ModbusError.self) { try await line.readRegisters(unit: 1, input: true, address: 72, count: 2) }
        let h = await line.health(of: 1)
        #expect(h.state == .faulted && h.nextAttempt == h.faultedSince.map { $0.advanced(by: .seconds(30)) })
        // 29 s later on that clock: refused without a frame.
        clock.advance(.seconds(29))
        let frames = await line.framesSent
        do { _ = try await line.readRegisters(unit: 1, input: true, address: 72, count: 2) } catch {
            #expect(error.kind == .faulted && error.message.contains("next attempt in 1000 ms"))
        }
        #expect(await line.framesSent == frames)
        // 30 s: one probing frame; it fails again and the wait doubles to 60 s.
        clock.advance(.seconds(1))
        await #expect(throws: ModbusError.self) { try await line.readRegisters(unit: 1, input: true, address: 72, count: 2) }
        #expect(await line.framesSent == frames + 1)
        #expect(await line.health(of: 1).nextAttempt == clock.reading.advanced(by: .seconds(60)))
        try peer.command("unmute 1")
        clock.advance(.seconds(60))
        #expect(try await line.readRegisters(unit: 1, input: true, address: 72, count: 2).count == 2)
        #expect(await line.health(of: 1).state == .ok)
        await line.close()
    }
}
