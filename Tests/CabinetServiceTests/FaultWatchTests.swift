import Astronomy
import BoardFiles
import Cabinet
import CabinetService
import Controller
import Foundation
import HAL
import Lighting
import ModbusTestSupport
import Testing
import Units

/// Each fault found from measurements, injected through the Modbus test bed's cabinet peer:
/// the control loop drives the peer's contactors over Modbus TCP, the peer's SDM630 measures
/// what its outputs draw (rated as the peer's model rates them), and the fault watch reads the
/// meter's phases and compares. Holds of 0 s: one sample finds a fault, two without end it.
@Suite(.serialized) struct FaultWatchTests {
    /// c1 on k1 (L1, 1,800 W), c2 on k2 (L2, 1,200 W), c3 on k3 (L3, 900 W): luminaires of
    /// 100 W without standby, as many as the peer's outputs draw.
    static let installation = Installation(site: Site(id: "faults", name: "faults", coordinate: GeoCoordinate(latitude: 49.648, longitude: 2.570)!,
                                                      timeZone: TimeZone(identifier: "Europe/Paris")!), circuits: [
        ("c1", 18), ("c2", 12), ("c3", 9),
    ].map { CircuitSpec(id: $0.0, name: $0.0, luminaireCount: $0.1, model: LuminaireModel(ratedPower: Watts(100), standbyPower: Watts(0)),
                        legacyPower: Watts(150), safeState: .on) })
    static let outputs = ["c1": "k1", "c2": "k2", "c3": "k3"]

    final class Found: @unchecked Sendable {
        private let lock = NSLock()
        private var events: [String] = []
        func add(_ e: ControlEvent) { lock.lock(); events.append(e.description); lock.unlock() }
        func take() -> [String] { lock.lock(); defer { events = []; lock.unlock() }; return events }
    }

    @Test func eachInjectedFaultIsFoundAndEnds() async throws {
        let peer = try CabinetPeer(timeScale: 1)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-faults-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try peer.board().replacingOccurrences(of: "bus: meter-gw, unit: 1 }",
                                              with: "bus: meter-gw, unit: 1, phases: { L1: [k1, k4], L2: [k2, dali-1], L3: [k3, dali-2] } }")
            .write(to: file, atomically: true, encoding: .utf8)
        let board = try #require(BoardLoader.load(path: file.path).value)
        let hardware = await HardwareSet.open(board)
        #expect(hardware.failures.isEmpty, "\(hardware.failures)")
        let profile = try #require(ProfileLoader.load(path: CabinetServiceTestsRepo.root.appendingPathComponent("tools/gpio-sim/check/testbed-profile.yaml").path).value)
        let engine = try #require(DimmingEngine.compile(profile: profile, installation: Self.installation).value)
        // 2026-12-21 22:00 UTC: night in Picardy, every circuit on (c3 at 50 %: its contactor closed).
        let clock = ManualClock(wall: Date(timeIntervalSince1970: 1_797_890_400))
        let loop = ControlLoop(engine: engine, board: board, circuitOutputs: Self.outputs, hardware: hardware, clock: clock)
        var settings = FaultSettings()
        settings.lampFailureHoldSeconds = 0
        settings.dayBurnerHoldSeconds = 0
        settings.contactorHoldSeconds = 0
        settings.supplyLossHoldSeconds = 0
        settings.contactorWindowSeconds = 60
        let found = Found()
        let meter = try #require(hardware.meters["meter-main"])
        let watch = FaultWatch(loop: loop, meters: [.init(id: "meter-main", device: meter, measures: board.meters[0].measures)], settings: settings,
                               installation: Self.installation, circuitOutputs: Self.outputs, logger: .init(label: "test"),
                               events: { found.add($0) })
        /// Lets the peer's physics update its meter (every 50 ms), then samples `times` times.
        func sample(_ times: Int = 1) async throws -> [String] {
            for _ in 0..<times {
                try await Task.sleep(for: .milliseconds(300))
                await watch.sample()
            }
            return found.take()
        }

        await loop.tick()
        #expect(try await sample(2) == [], "all as expected")

        try peer.command("lamp-fail k1 0.5")   // half of c1's lamps out
        #expect(try await sample() == ["lamp failure on c1: 900 W measured on meter-main/L1, 1800 W expected (50 % under)"])
        #expect(watch.faults.map(\.subject) == ["c1"])
        try peer.command("lamp-fail k1 1")
        let relamped = try await sample(2)
        #expect(relamped.count == 1 && relamped[0].hasPrefix("lamp failure on c1 ended"), "\(relamped)")

        try peer.command("stuck k2 off")   // c2's contactor does not close
        #expect(try await sample() == ["contactor or relay failure on c2: no power with the supply present: 0 W measured on meter-main/L2, 1200 W expected"])
        try peer.command("unstick k2")
        #expect(try await sample(2).count == 1)

        try peer.command("phase-lost L3")   // c3's phase: supply loss, not its contactor
        #expect(try await sample() == ["supply loss on meter-main/L3: 0 V, under 100 V"])
        try peer.command("phase-restored L3")
        #expect(try await sample(2) == ["supply loss on meter-main/L3 ended: cleared (since 2026-12-21T22:00:00Z)"])

        // Noon, a second later: the circuits are to go off, but their contactors' minimum
        // cycle (1 minute) holds them on. Power drawn while the controller itself holds a
        // contactor closed is no fault.
        clock.advance(by: .seconds(1))
        clock.setWall(Date(timeIntervalSince1970: 1_797_854_400))   // 2026-12-21 11:00 UTC
        await loop.tick()
        #expect(await loop.pendingSwitchings.count == 3)
        #expect(try await sample(2) == [])
        // A minute later they switch off. A contactor that stays closed after switching off is
        // the contactor's fault; a lamp lit at noon long after any switching is a day-burner.
        try peer.command("stuck k2 on")
        clock.advance(by: .seconds(60))
        await loop.tick()
        #expect(await loop.pendingSwitchings.isEmpty)
        #expect(await loop.expectedPower().allSatisfy { $0.watts == 0 })
        #expect(try await sample() == ["contactor or relay failure on c2: power still drawn after switching off: 1200 W measured on meter-main/L2, 0 W expected"])
        try peer.command("unstick k2")
        _ = try await sample(2)
        clock.advance(by: .seconds(120))   // beyond the contactor window
        try peer.command("day-burner k3")
        #expect(try await sample() == ["day-burner on c3: power while off: 900 W measured on meter-main/L3, 0 W expected"])
        try peer.command("day-burner-off k3")
        #expect(try await sample(2).count == 1)
        #expect(watch.faults.isEmpty)
        await hardware.shutdown()
    }
}

enum CabinetServiceTestsRepo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
