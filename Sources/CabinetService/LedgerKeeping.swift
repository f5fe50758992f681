import Cabinet
import Controller
import Foundation
import Ledger
import Logging
import Recording
import Units

/// `lanterne run --ledger PATH`: the ledger kept beside the control loop, from the first step
/// taken with a trusted clock until the run stops. A ledger that cannot be opened or written
/// is an error in the log and the lighting goes on: the ledger never stops the lights.
public struct LedgerKeeping: Sendable {
    public let path: String
    public let configuration: CabinetConfiguration
    /// The interval's length in seconds.
    public let interval: Int
    public let inbox: EventInbox
    public let logger: Logger
    /// The signing key's file: written with a new ledger, read for an existing one (it signs
    /// what the cabinet file changed).
    public let keyPath: String
    /// The program and its version, for the run's event.
    public let generator: String
    /// The end of the last interval recorded, as it moves.
    public let progress = LedgerProgress()

    public init(path: String, configuration: CabinetConfiguration, interval: Int, inbox: EventInbox, logger: Logger,
                generator: String, keyPath: String? = nil) {
        self.path = path
        self.generator = generator
        self.configuration = configuration
        self.interval = interval
        self.inbox = inbox
        self.logger = logger
        self.keyPath = keyPath ?? path + ".key"
    }

    /// Waits for the loop's first step with a trusted clock, records until cancelled, then
    /// closes the interval in progress, records the stop and closes the ledger.
    public func run(loop: ControlLoop) async {
        let clock = loop.clock
        if await loop.clockTrust?.isTrusted != true {
            logger.notice("ledger \(path): waiting for a trusted clock before recording (intervals carry wall-clock instants)")
        }
        while await loop.clockTrust?.isTrusted != true {
            do { try await Task.sleep(for: .milliseconds(200)) } catch { break }
        }
        // A run stopped early still records its start, its events and its stop, if the clock is
        // trusted by then.
        guard await loop.clockTrust?.isTrusted == true else {
            logger.notice("ledger \(path): the run stopped before the clock was trusted: nothing recorded")
            return
        }
        let store: LedgerStore
        let isNew = !FileManager.default.fileExists(atPath: path)
        do {
            store = try LedgerStore.open(path: path)
        } catch {
            logger.error("ledger \(path): \(error); the run goes on without a ledger")
            return
        }
        progress.store = store
        defer {
            progress.store = nil
            do { try store.close() } catch { logger.error("ledger \(path): \(error)") }
        }
        do {
            var keeper = try await start(store: store, isNew: isNew, loop: loop, at: clock.wallNow)
            logger.notice("ledger \(path): recording every \(interval) s from \(InstantText.isoUTC(keeper.lastEnd))")
            await keeper.run()
            try keeper.recordStop(at: clock.wallNow)
        } catch {
            logger.error("ledger \(path): \(error); the run goes on without a ledger")
        }
    }

    /// The recorder (the run's and the profile's events, what the cabinet file changed), the
    /// sampler started from the ledger's registers, and the keeper.
    func start(store: LedgerStore, isNew: Bool, loop: ControlLoop, at now: Date) async throws -> LedgerKeeper {
        let site = configuration.site.id
        let previousEnd = try store.lastIntervalEnd(cabinet: site)
        // Recording starts where the ledger's intervals end (after a restart), or now.
        let from = min(previousEnd ?? now, now)
        let (signer, created) = try RunSigningKey.choose(store: store, isNew: isNew, keyPath: keyPath, effective: from)
        if let created {
            logger.notice("ledger \(path): signing key \(created.fingerprint) (\(created.written ? "written to" : "read from") \(created.path))")
        }
        let recorder = try LedgerRecorder(
            store: store, configuration: configuration, from: from,
            origin: .controller(generator: generator, board: configuration.board.id, start: now),
            signer: signer)
        var last: [String: CumulativeRegister.Reading] = [:]
        let hardware = await loop.hardware
        let meters = EnergySampler.Meter.opened(configuration.board, in: hardware)
        let inverters = configuration.board.inverters.compactMap { i in hardware.inverters[i.id].map { (id: i.id, device: $0) } }
        // Each meter register carries on from the ledger's last value (a meter's or a phase's).
        // The ledger keeps no inverter register: an inverter starts again at each run.
        let registers = MeterRegister.of(meters.map { ($0.id, $0.measures) }, installation: configuration.installation,
                                         circuitOutputs: configuration.outputs)
        for id in registers.map(\.id) {
            if let reading = try store.lastRegisterReading(cabinet: site, meter: id) {
                last[id] = .init(wattHours: reading.wattHours, at: reading.end)
            }
        }
        var sampler = EnergySampler(meters: meters, inverters: inverters, installation: configuration.installation,
                                    circuitOutputs: configuration.outputs, last: last)
        await sampler.prime(at: now)
        if let previousEnd { progress.recorded(until: previousEnd, registers: sampler.lastValues) }
        _ = await loop.takeExpectedEnergy()   // what was decided before recording began is not this ledger's
        if let previousEnd, now.timeIntervalSince(previousEnd) > Double(interval) {
            logger.notice("ledger \(path): the first interval spans the time since the last one recorded, \(InstantText.isoUTC(previousEnd))")
        }
        return LedgerKeeper(loop: loop, recorder: recorder, sampler: sampler, interval: interval, clock: loop.clock, inbox: inbox,
                            lastEnd: from, logger: logger, progress: progress)
    }
}
