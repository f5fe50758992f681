import Cabinet
import Controller
import Foundation
import HAL
import Ledger
import Lighting
import Logging
import ServiceLifecycle
import Units

/// `lanterne run`: a cabinet's services in one swift-service-lifecycle `ServiceGroup`, until
/// SIGTERM or SIGINT.
///
/// The services, in the order the group starts them (it shuts them down the other way round,
/// each after the one before it has finished):
/// 1. the ledger (``LedgerKeeping``, with `--ledger`) — stopped last: it records the interval in
///    progress with everything the others did while stopping, the stop, and checkpoints the
///    ledger;
/// 2. the fault watch (``FaultWatch``, when the board has meters), then the metrics endpoint
///    (``RunMetrics``, with `--metrics`);
/// 3. the control loop and its input watchers — stopped by writing every circuit's safe state
///    (the hardware stays open for the ledger's last reading, and is released after the group);
/// 4. systemd's notifier — stopped first: `STOPPING=1` as soon as the signal comes. It says
///    `READY=1` once the loop has written the outputs and feeds the watchdog while the loop
///    steps (``WatchdogFeeder``).
///
/// The shutdown is bounded: services still running after ``Options/gracefulShutdownLimit`` are
/// cancelled (the loop's safe state is written in the first of them, so it is not what runs
/// out of time).
public enum ControllerRun {
    public struct Options: Sendable {
        /// The ledger's path (`--ledger`), nil: none.
        public var ledger: String?
        /// The ledger's interval in seconds.
        public var intervalSeconds: Int
        /// The program and its version, for the ledger's run event.
        public var generator: String
        /// How long the services may take to stop before they are cancelled.
        public var gracefulShutdownLimit: Duration = .seconds(20)
        /// Where `GET /metrics` is served (nil: nowhere).
        public var metrics: (host: String, port: Int)?

        public init(ledger: String?, intervalSeconds: Int, generator: String) {
            self.ledger = ledger
            self.intervalSeconds = intervalSeconds
            self.generator = generator
        }
    }

    /// Opens the hardware, runs the services until a signal, then releases the hardware.
    public static func run(_ config: CabinetConfiguration, options: Options, logger: Logger) async throws {
        let engine = try DimmingEngine.compile(profile: config.profile, installation: config.installation).get()
        let floor = ledgerFloor(options.ledger, cabinet: config.site.id, logger: logger)
        let hardware = await HardwareSet.open(config.board)
        for failure in hardware.failures { logger.error("cannot open: \(failure)") }
        logger.info("cabinet \(config.site.id): board \(config.board.id), profile \(config.profile.id), \(config.installation.circuits.count) circuit(s)")
        let inbox = EventInbox()
        let loop = ControlLoop(engine: engine, board: config.board, circuitOutputs: config.outputs, hardware: hardware,
                               settings: .init(trust: .standard(ledgerFloor: floor)), logger: logger, events: { inbox.post($0) })

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        var progress: LedgerProgress?
        if let path = options.ledger {
            let keeping = LedgerKeeping(path: path, configuration: config, interval: options.intervalSeconds, inbox: inbox,
                                        logger: logger, generator: options.generator)
            progress = keeping.progress
            services.append(.init(service: StoppedByCancelling("ledger") { await keeping.run(loop: loop) },
                                  successTerminationBehavior: .ignore))
        }
        let meters = EnergySampler.Meter.opened(config.board, in: hardware)
        var watch: FaultWatch?
        if !meters.isEmpty {
            let w = FaultWatch(loop: loop, meters: meters, settings: config.faults, installation: config.installation,
                               circuitOutputs: config.outputs, logger: logger, events: { inbox.post($0) })
            watch = w
            services.append(.init(service: StoppedByCancelling("fault watch") { await w.run() }, successTerminationBehavior: .ignore))
        }
        if let address = options.metrics {
            let ledgerProgress = progress
            let metrics = RunMetrics(loop: loop, circuits: config.installation.circuits.map(\.id), watch: watch, lines: hardware.lines,
                                     lastInterval: { ledgerProgress?.lastIntervalEnd })
            logger.notice("metrics: http://\(address.host):\(address.port)/metrics")
            // An endpoint that cannot listen is an error in the log; the lights go on.
            let endpoint = metrics.endpoint(host: address.host, port: address.port, logger: logger)
            services.append(.init(service: ClosureService {
                do { try await endpoint.run() } catch { logger.error("metrics at \(address.host):\(address.port): \(error); the run goes on without them") }
            }, successTerminationBehavior: .ignore))
        }
        services.append(.init(service: StoppedByCancelling("control loop") { await loop.run(releasing: false) },
                              successTerminationBehavior: .gracefullyShutdownGroup))
        let status = "driving \(config.installation.circuits.count) circuit(s) of cabinet \(config.site.id) with profile \(config.profile.id)"
        services.append(.init(service: SystemdService(loop: loop, status: status, logger: logger), successTerminationBehavior: .ignore))

        var configuration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger)
        configuration.maximumGracefulShutdownDuration = options.gracefulShutdownLimit
        configuration.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: configuration)
        defer { logger.notice("stopped") }
        do {
            try await group.run()
        } catch {
            logger.error("\(error)")
        }
        await hardware.shutdown()
    }

    /// The end of the ledger's last record for this cabinet, when `path` names an existing
    /// ledger (opened with `LedgerStore.open`, only read from); nil otherwise, said in the log.
    static func ledgerFloor(_ path: String?, cabinet: String, logger: Logger) -> Date? {
        guard let path else { return nil }
        guard FileManager.default.fileExists(atPath: path) else {
            logger.info("ledger \(path) does not exist: no ledger floor for the clock")
            return nil
        }
        do {
            let store = try LedgerStore.open(path: path)
            defer { try? store.close() }
            let end = try store.lastIntervalEnd(cabinet: cabinet)
            let said = end.map { "the clock is not trusted before its last record, \(InstantText.isoUTC($0))" }
                ?? "no record of cabinet \(cabinet) yet: no ledger floor for the clock"
            logger.info("ledger \(path): \(said)")
            return end
        } catch {
            logger.info("ledger \(path): \(error); no ledger floor for the clock")
            return nil
        }
    }
}

/// A service whose body runs until the group's graceful shutdown cancels it (the body then
/// finishes what it must: the loop its safe state, the ledger its last interval).
struct StoppedByCancelling: Service, CustomStringConvertible {
    let description: String
    let body: @Sendable () async -> Void

    init(_ name: String, _ body: @escaping @Sendable () async -> Void) {
        self.description = name
        self.body = body
    }

    func run() async {
        await cancelWhenGracefulShutdown(body)
    }
}

/// systemd's notify protocol for `lanterne run` (without libsystemd; a no-op when
/// `NOTIFY_SOCKET` is unset): `READY=1` after the loop's first step, `WATCHDOG=1` while it
/// steps, `STOPPING=1` at once on a graceful shutdown.
struct SystemdService: Service, CustomStringConvertible {
    let loop: ControlLoop
    let status: String
    let logger: Logger
    var description: String { "systemd notifier" }

    func run() async {
        let systemd = SystemdNotifier()
        let logger = logger
        await withGracefulShutdownHandler {
            await cancelWhenGracefulShutdown {
                await readyThenWatchdog(systemd)
                try? await gracefulShutdown()   // without a watchdog: stay for the STOPPING=1
            }
        } onGracefulShutdown: {
            logger.notice("stopping: every circuit to its safe state, then the ledger's interval in progress")
            Self.notify(systemd, "STOPPING=1", logger: logger)
        }
    }

    private func readyThenWatchdog(_ systemd: SystemdNotifier) async {
        // Ready once the loop has made its first step (the outputs written).
        while loop.heartbeat.age() == nil {
            do { try await Task.sleep(for: .milliseconds(10)) } catch { return }
        }
        Self.notify(systemd, "READY=1\nSTATUS=\(status)", logger: logger)
        guard let timeout = systemd.watchdogTimeout else { return }
        let tick = await loop.settings.tickInterval
        let feeder = WatchdogFeeder(notifier: systemd, heartbeat: loop.heartbeat, timeout: timeout,
                                    staleAfter: max(tick * 5, timeout / 2))
        let logger = logger
        logger.info("systemd watchdog: \(timeout) timeout, fed every \(feeder.period) while the control loop steps")
        await feeder.run(log: { logger.info("\($0)") })
    }

    /// Tells systemd (when it listens) and logs a failure to.
    static func notify(_ systemd: SystemdNotifier, _ state: String, logger: Logger) {
        do { try systemd.notify(state) } catch { logger.warning("\(error)") }
    }
}
