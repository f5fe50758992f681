import Cabinet
import CabinetService
import Controller
import Foundation
import Ledger
import Logging
import Recording
import Lighting
import ModbusTestSupport
import Testing

/// A cabinet on the test bed's cabinet peer (`CabinetPeer.writeCabinet`, its counting slowed
/// down to nothing: the tests set the meter), its hardware opened, and a control loop on a
/// manual clock at 2026-12-21 22:00 UTC (night; the kernel synchronised) posting its events to
/// an inbox.
struct PeerCabinet {
    let peer: CabinetPeer
    let dir: URL
    let config: CabinetConfiguration
    let hardware: HardwareSet
    let clock = ManualClock(wall: Date(timeIntervalSince1970: 1_797_890_400))
    let inbox = EventInbox()
    let loop: ControlLoop

    /// - Parameter edit: changes the cabinet file before it is loaded.
    init(id: String, edit: (String) -> String = { $0 }) async throws {
        peer = try CabinetPeer(timeScale: 0.000_001)
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-\(id)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = try peer.writeCabinet(in: dir, id: id)
        try edit(try String(contentsOfFile: file, encoding: .utf8)).write(toFile: file, atomically: true, encoding: .utf8)
        let loaded = CabinetLoader.load(path: file)
        config = try #require(loaded.value, "\(loaded.diagnostics)")
        let engine = try #require(DimmingEngine.compile(profile: config.profile, installation: config.installation).value)
        hardware = await HardwareSet.open(config.board)
        #expect(hardware.failures.isEmpty, "\(hardware.failures)")
        let inbox = self.inbox
        loop = ControlLoop(engine: engine, board: config.board, circuitOutputs: config.outputs, hardware: hardware, clock: clock,
                           events: { inbox.post($0) })
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }

    /// A ledger keeper recording into `store` from now, every `interval` seconds, the cabinet
    /// meter's register read now (the first interval counts from it).
    func keeper(store: LedgerStore, interval: Int) async throws -> LedgerKeeper {
        let recorder = try LedgerRecorder(store: store, configuration: config, from: clock.wallNow,
                                          origin: .controller(generator: "test", board: config.board.id, start: clock.wallNow))
        let meter = try #require(hardware.meters["meter-main"])
        var sampler = EnergySampler(meters: [.init(id: "meter-main", device: meter)], inverters: [], installation: config.installation,
                                    circuitOutputs: config.outputs)
        await sampler.prime(at: clock.wallNow)
        return LedgerKeeper(loop: loop, recorder: recorder, sampler: sampler, interval: interval, clock: clock, inbox: inbox,
                            lastEnd: clock.wallNow, logger: Logger(label: "test"))
    }
}
