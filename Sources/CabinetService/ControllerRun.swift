import Cabinet
import ControlAPI
import Controller
import Foundation
import HAL
import Ledger
import Lighting
import Logging
import Recording
import ServiceLifecycle
import Synchronization
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
        /// The control API's Unix socket (nil: none) and the group that may use it.
        public var control: String?
        public var controlGroup = "lanterne"
        /// The state file (nil: the overrides last until the process ends).
        public var state: String?

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
        // The state file is saved again when the loop moves or ends an override itself.
        let keeperBox = Mutex<StateKeeper?>(nil)
        let loop = ControlLoop(engine: engine, board: config.board, circuitOutputs: config.outputs, hardware: hardware,
                               settings: .init(trust: .standard(ledgerFloor: floor)), logger: logger, events: { event in
            inbox.post(event)
            switch event.kind {
            case .override(_, .expired), .wallClockStepped:
                if let keeper = keeperBox.withLock({ $0 }) {
                    Task { do { try await keeper.save() } catch { logger.error("\(error)") } }
                }
            default: break
            }
        })
        let startedAt = loop.clock.wallNow, startedMonotonic = loop.clock.monotonicNow
        let state = try await resumeState(config, options: options, loop: loop, inbox: inbox, logger: logger)
        keeperBox.withLock { $0 = state }

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
        // Stopped before the loop: no change lands while the circuits go to their safe state.
        if let socket = options.control {
            let server = ControlServer(
                context: .init(configuration: config, program: options.generator, startedAt: startedAt,
                               startedMonotonic: startedMonotonic, ledgerPath: options.ledger),
                loop: loop, state: state, watch: watch, progress: progress, logger: logger)
            services.append(.init(service: server.service(socket: socket, group: options.controlGroup), successTerminationBehavior: .ignore))
        }
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

    /// Reads the state file: the overrides not yet ended are in force again. A state file that
    /// cannot be used is set aside and said (an event): the run starts from its cabinet file.
    /// Then the state is written as it now is (the profile in force).
    static func resumeState(_ config: CabinetConfiguration, options: Options, loop: ControlLoop, inbox: EventInbox,
                            logger: Logger) async throws -> StateKeeper {
        let now = loop.clock.wallNow
        let profile = ActiveProfile(id: config.profile.id, sha256: try LedgerRecorder.profileDigest(config.profilePath),
                                    path: config.profilePath, since: now)
        let file = options.state.map(StateFile.init)
        func say(_ detail: String, problem: Bool) {
            let event = ControlEvent(at: now, kind: .state(detail: detail, problem: problem))
            logger.log(level: event.level, "\(event.description)")
            inbox.post(event)
        }
        switch file?.load(cabinet: config.site.id) {
        case .state(let saved):
            let live = saved.overrides.filter { $0.until > now }
            say("\(file!.path) read: \(live.count) override(s) in force again, \(saved.overrides.count - live.count) ended while stopped", problem: false)
            await loop.resume(overrides: live)
        case .unusable(let why):
            say("\(why); starting from the cabinet file, without overrides", problem: true)
        case .missing:
            logger.info("state: \(file!.path) does not exist yet: a first start")
        case nil:
            logger.notice("state: no state file (--state): overrides last until the controller stops")
        }
        let keeper = StateKeeper(file: file, cabinet: config.site.id, profile: profile, loop: loop)
        do { try await keeper.save() } catch { logger.error("\(error)") }
        return keeper
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
