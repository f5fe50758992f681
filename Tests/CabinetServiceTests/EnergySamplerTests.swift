import Astronomy
import BoardFiles
import CabinetService
import Controller
import Foundation
import HAL
import Ledger
import Lighting
import ModbusTestSupport
import Recording
import Testing
import Units

/// The energy sampler against the test bed's cabinet peer (a real Modbus TCP SDM630 and SunSpec
/// inverter): registers become intervals, faults become gaps and events. The meter's register is
/// set by the test (the peer's own counting slowed down to nothing), so the figures do not
/// depend on how fast a loaded machine runs the test.
@Suite(.serialized) struct EnergySamplerTests {
    /// Two circuits on k1 (1,800 W) and k2 (1,200 W), as the peer's model rates them.
    static let installation = Installation(site: Site(id: "peer", name: "peer", coordinate: GeoCoordinate(latitude: 49.6, longitude: 2.5)!,
                                                      timeZone: TimeZone(identifier: "Europe/Paris")!), circuits: [
        CircuitSpec(id: "c1", name: "c1", luminaireCount: 10, model: LuminaireModel(ratedPower: Watts(180), standbyPower: Watts(0)),
                    legacyPower: Watts(250), safeState: .on),
        CircuitSpec(id: "c2", name: "c2", luminaireCount: 10, model: LuminaireModel(ratedPower: Watts(120), standbyPower: Watts(0)),
                    legacyPower: Watts(150), safeState: .on),
    ])

    struct Bench {
        let peer: CabinetPeer
        let hardware: HardwareSet
        var sampler: EnergySampler
    }

    /// - Parameters:
    ///   - timeScale: how much faster than the wall clock the peer counts energy.
    ///   - phases: the meter's line in the board file says which outputs each phase feeds.
    static func bench(timeScale: Double = 0.000_001, phases: Bool = false) async throws -> Bench {
        let peer = try CabinetPeer(timeScale: timeScale)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-peer-board-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        var text = try peer.board()
        if phases {
            // The peer's wiring (fixtures/cabinet.json).
            text = text.replacingOccurrences(of: "bus: meter-gw, unit: 1 }",
                                             with: "bus: meter-gw, unit: 1, phases: { L1: [k1, k4], L2: [k2, dali-1], L3: [k3, dali-2] } }")
        }
        try text.write(to: file, atomically: true, encoding: .utf8)
        let board = try #require(BoardLoader.load(path: file.path).value)
        let hardware = await HardwareSet.open(board)
        #expect(hardware.failures.isEmpty, "\(hardware.failures)")
        let meter = try #require(hardware.meters["meter-main"])
        let inverter = try #require(hardware.inverters["inverter-1"])
        let sampler = EnergySampler(meters: [.init(id: "meter-main", device: meter, measures: board.meters[0].measures)],
                                    inverters: [("inverter-1", inverter)], installation: installation,
                                    circuitOutputs: ["c1": "k1", "c2": "k2"])
        return Bench(peer: peer, hardware: hardware, sampler: sampler)
    }

    static func decided(_ wattHours: [Double]) -> [ExpectedEnergy.Circuit] {
        wattHours.map { var c = ExpectedEnergy.Circuit(); c.joules = $0 * 3600; c.burningSeconds = $0 > 0 ? 900 : 0; c.levelSeconds = c.burningSeconds * 100; return c }
    }

    static let t0 = Date(timeIntervalSince1970: 1_767_225_600)
    static func at(_ k: Int) -> Date { t0.addingTimeInterval(Double(900 * k)) }

    static func meterReading(_ i: ObservedInterval) -> ObservedInterval.Meter.Reading? { i.meter?.reading }

    @Test func registersBecomeIntervalsSplitByWhatWasDecided() async throws {
        var b = try await Self.bench()
        // The first reading has nothing to count from: a gap that keeps the register.
        let first = await b.sampler.close(from: Self.at(0), to: Self.at(1), decided: Self.decided([0, 0]))
        guard case .gap(let register?) = Self.meterReading(first) else { Issue.record("\(first)"); return }
        #expect(register == 12_000_000)   // the model's 12,000 kWh
        #expect(first.circuits.allSatisfy { $0.source == .gap })
        // 450 Wh counted over the next interval.
        try b.peer.command("meter-set 12000.45")
        let second = await b.sampler.close(from: Self.at(1), to: Self.at(2), decided: Self.decided([300, 0]))
        guard case .read(let registerWh, let energyWh) = Self.meterReading(second) else { Issue.record("\(second)"); return }
        #expect(registerWh == register + energyWh)
        #expect(abs(energyWh - 450) <= 2, "\(energyWh) Wh")   // a float32 of kWh
        // The circuits' shares sum to the meter, all to c1 (the only one decided on), estimated.
        #expect(second.circuits.map(\.energy.milliwattHours).reduce(0, +) == energyWh * 1000)
        #expect(second.circuits[0].energy == Energy(wattHours: energyWh) && second.circuits[1].energy == .zero)
        #expect(second.circuits.allSatisfy { $0.source == .estimated })
        #expect(second.circuits[0].burningSeconds == 900 && second.circuits[0].meanLevel == .full)
        await b.hardware.shutdown()
    }

    @Test func aResetAndASilentMeterAreGapsWithEvents() async throws {
        var b = try await Self.bench()
        let first = await b.sampler.close(from: Self.at(0), to: Self.at(1), decided: Self.decided([0, 0]))
        #expect(first.events.isEmpty, "\(first.events)")
        try b.peer.command("meter-reset")
        try b.peer.command("meter-set 0.2")   // the new meter has counted 200 Wh
        let reset = await b.sampler.close(from: Self.at(1), to: Self.at(2), decided: Self.decided([0, 100]))
        guard case .gap(let after?) = Self.meterReading(reset) else { Issue.record("\(reset)"); return }
        #expect(after == 200)   // counting again from the new meter's register
        #expect(reset.events.contains { $0.kind == .meterReset && $0.subject == "meter-main" && $0.detail.contains("12000000 Wh →") }, "\(reset.events)")
        #expect(reset.circuits.allSatisfy { $0.source == .gap && $0.energy == .zero })
        // Silent: a gap without a register, and one event; back: the energy spans the silence.
        try b.peer.command("mute meter")
        let silent = await b.sampler.close(from: Self.at(2), to: Self.at(3), decided: Self.decided([0, 100]))
        #expect(Self.meterReading(silent) == .gap(registerWh: nil))
        #expect(silent.events.contains { $0.kind == .fault && $0.subject == "meter-main" && $0.detail.hasPrefix("did not answer") }, "\(silent.events)")
        let stillSilent = await b.sampler.close(from: Self.at(3), to: Self.at(4), decided: Self.decided([0, 100]))
        #expect(stillSilent.events.isEmpty)   // said once
        try b.peer.command("meter-set 0.5")   // 300 Wh while it was silent
        try b.peer.command("unmute meter")
        // The line tries a faulted unit again after a wait that doubles: until then, the same gap.
        var k = 4
        var back = await b.sampler.close(from: Self.at(k), to: Self.at(k + 1), decided: Self.decided([0, 100]))
        while Self.meterReading(back) == .gap(registerWh: nil), k < 40 {
            #expect(back.events.isEmpty)
            try await Task.sleep(for: .milliseconds(250))
            k += 1
            back = await b.sampler.close(from: Self.at(k), to: Self.at(k + 1), decided: Self.decided([0, 100]))
        }
        guard case .read(let register, let energy) = Self.meterReading(back) else { Issue.record("\(back)"); return }
        #expect(register == 500 && energy == 300)   // the silence's energy, in the interval it answers again
        #expect(back.events.contains { $0.kind == .fault && $0.detail == "answers again" })
        #expect(back.circuits[1].energy == Energy(wattHours: energy) && back.circuits[1].source == .estimated)
        await b.hardware.shutdown()
    }

    /// A meter whose phases feed different outputs: each phase is a register of its own
    /// (`meter-main/L1`…), and a circuit alone on its phase is `metered`.
    @Test func aPhaseThatFeedsOneCircuitMetersIt() async throws {
        var b = try await Self.bench(phases: true)
        let first = await b.sampler.close(from: Self.at(0), to: Self.at(1), decided: Self.decided([0, 0]))
        #expect(first.meters.map(\.id) == ["meter-main/L1", "meter-main/L2", "meter-main/L3"])
        #expect(first.meters.allSatisfy { $0.reading == .gap(registerWh: 4_000_000) }, "\(first.meters)")   // 12,000 kWh over three phases
        // 300 Wh on L1 (c1), 200 Wh on L2 (c2), 400 Wh on L3 (no circuit of this cabinet).
        try b.peer.command("meter-set 12000.9 4000.3 4000.2 4000.4")
        let second = await b.sampler.close(from: Self.at(1), to: Self.at(2), decided: Self.decided([10, 500]))
        let energies = second.meters.map { m -> Int64? in if case .read(_, let e) = m.reading { e } else { nil } }
        #expect(zip(energies, [300, 200, 400]).allSatisfy { e, x in e.map { abs($0 - x) <= 1 } ?? false }, "\(energies)")
        // Each circuit is its phase's figure, whatever was decided: measured, not split.
        #expect(second.circuits.map(\.source) == [.metered, .metered])
        #expect(second.circuits.map { $0.energy.milliwattHours / 1000 } == [energies[0], energies[1]])
        // Silent: every phase and every circuit a gap.
        try b.peer.command("mute meter")
        let silent = await b.sampler.close(from: Self.at(2), to: Self.at(3), decided: Self.decided([10, 500]))
        #expect(silent.meters.allSatisfy { $0.reading == .gap(registerWh: nil) })
        #expect(silent.circuits.allSatisfy { $0.source == .gap && $0.energy == .zero })
        #expect(silent.events.filter { $0.kind == .fault }.count == 1, "\(silent.events)")   // the meter, once
        await b.hardware.shutdown()
    }

    @Test func theInvertersLifetimeEnergyIsTheProduction() async throws {
        var b = try await Self.bench(timeScale: 900)   // a second of the wall clock is 15 minutes
        try b.peer.command("pv-power 3000")
        _ = await b.sampler.close(from: Self.at(0), to: Self.at(1), decided: Self.decided([0, 0]))
        try await Task.sleep(for: .seconds(1))
        let sunny = await b.sampler.close(from: Self.at(1), to: Self.at(2), decided: Self.decided([0, 0]))
        let production = try #require(sunny.production.first)
        #expect(production.inverter == "inverter-1")
        #expect(production.energy > Energy(wattHours: 500), "\(production.energy)")   // 3 kW for about 15 minutes
        await b.hardware.shutdown()
    }
}
