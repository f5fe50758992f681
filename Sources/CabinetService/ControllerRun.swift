import Cabinet
import ControlAPI
import Controller
import Foundation
import HAL
import Ledger
import Lighting
import Logging
import ProfileTrust
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
        /// The control API on TCP too (`--https`).
        public var remote: RemoteAccess?
        /// How long after the loop's first step the start-up's pages are given back
        /// (``StartupPages``); nil: never.
        public var releaseStartupPagesAfter: Duration? = .seconds(10)

        public init(ledger: String?, intervalSeconds: Int, generator: String) {
            self.ledger = ledger
            self.intervalSeconds = intervalSeconds
            self.generator = generator
        }
    }

    /// Opens the hardware, runs the services until a signal, then releases the hardware.
    public static func run(_ cabinetFile: CabinetConfiguration, options: Options, logger: Logger) async throws {
        if let problem = options.remote?.problem { throw RunRefused(description: problem) }
        let inbox = EventInbox()
        // The state file first: the profile in force may be a flashed one.
        let resumed = try resume(cabinetFile, options: options, logger: logger)
        for (detail, problem) in resumed.said {
            let event = ControlEvent(at: Date(), kind: .state(detail: detail, problem: problem))
            logger.log(level: event.level, "\(event.description)")
            inbox.post(event)
        }
        let config = resumed.config
        let engine = try DimmingEngine.compile(profile: config.profile, installation: config.installation).get()
        let floor = ledgerFloor(options.ledger, cabinet: config.site.id, logger: logger)
        let hardware = await HardwareSet.open(config.board)
        for failure in hardware.failures { logger.error("cannot open: \(failure)") }
        logger.info("cabinet \(config.site.id): board \(config.board.id), profile \(config.profile.id), \(config.installation.circuits.count) circuit(s)")
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
        await loop.resume(overrides: resumed.overrides)
        let state = StateKeeper(file: options.state.map(StateFile.init), cabinet: config.site.id, profile: resumed.profile,
                                history: resumed.history, loop: loop)
        do { try await state.save() } catch { logger.error("\(error)") }
        keeperBox.withLock { $0 = state }
        let flasher = ProfileFlasher(configuration: config, loop: loop, state: state, say: { event in
            logger.log(level: event.level, "\(event.description)")
            inbox.post(event)
        })

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
        let server = ControlServer(
            context: .init(configuration: config, program: options.generator, startedAt: startedAt,
                           startedMonotonic: startedMonotonic, ledgerPath: options.ledger),
            loop: loop, state: state, flasher: flasher, watch: watch, progress: progress, inbox: inbox, logger: logger)
        if let socket = options.control {
            services.append(.init(service: server.service(socket: socket, group: options.controlGroup), successTerminationBehavior: .ignore))
        }
        if let remote = options.remote {
            services.append(.init(service: try server.service(remote), successTerminationBehavior: .ignore))
        }
        if let delay = options.releaseStartupPagesAfter {
            services.append(.init(service: StoppedByCancelling("start-up pages") {
                // After the first step and the first samplings: what the start alone needed.
                do {
                    try await loop.heartbeat.firstBeat()
                    try await Task.sleep(for: delay)
                } catch { return }
                // Not inside the log call: its message is not evaluated below its level.
                let released = StartupPages.release()
                logger.info("\(released)")
            }, successTerminationBehavior: .ignore))
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

    /// What a start takes from the state file.
    struct Resumed {
        /// The cabinet file's configuration, with the profile in force.
        var config: CabinetConfiguration
        var profile: ActiveProfile
        var history: [ProfileHistoryEntry]
        /// Those not ended yet.
        var overrides: [OverrideRecord]
        /// What to say (an event each): the detail, and whether it is a problem.
        var said: [(String, Bool)] = []
    }

    /// Reads the state file. A flashed profile kept there is in force again when its copy is
    /// whole (its SHA-256) and still valid for this cabinet; otherwise the cabinet file's, with
    /// an error event. The overrides not ended yet are resumed. A state file that cannot be used
    /// is set aside and said (an event): the run starts from its cabinet file.
    static func resume(_ cabinetFile: CabinetConfiguration, options: Options, logger: Logger) throws -> Resumed {
        let now = Date()
        let sha = try LedgerRecorder.profileDigest(cabinetFile.profilePath)
        let fromFile = ActiveProfile(id: cabinetFile.profile.id, version: cabinetFile.profile.version, sha256: sha,
                                     path: cabinetFile.profilePath, since: now, signer: nil)
        let fileEntry = ProfileHistoryEntry(at: now, action: .cabinetFile, id: fromFile.id, version: fromFile.version, sha256: sha,
                                            signer: nil, by: "lanterne run", path: fromFile.path)
        var resumed = Resumed(config: cabinetFile, profile: fromFile, history: [fileEntry], overrides: [])
        guard let file = options.state.map(StateFile.init) else {
            logger.notice("state: no state file (--state): overrides and flashed profiles last until the controller stops")
            return resumed
        }
        switch file.load(cabinet: cabinetFile.site.id) {
        case .missing:
            logger.info("state: \(file.path) does not exist yet: a first start")
        case .unusable(let why):
            resumed.said.append(("\(why); starting from the cabinet file, without overrides", true))
        case .state(let saved):
            resumed.history = saved.history
            resumed.overrides = saved.overrides.filter { $0.until > now }
            let ended = saved.overrides.count - resumed.overrides.count
            var said = "\(file.path) read: \(resumed.overrides.count) override(s) in force again, \(ended) ended while stopped"
            if let kept = saved.profile, kept.path != cabinetFile.profilePath {
                // A flashed profile, from its stored copy.
                switch flashed(kept, cabinet: cabinetFile) {
                case .success(let config):
                    resumed.config = config
                    resumed.profile = kept
                    said += "; profile \(kept.id) version \(kept.version.map(String.init) ?? "-") (flashed, \(kept.path)) in force again"
                    if kept.id != cabinetFile.profile.id || sha != kept.sha256 {
                        said += ", not the cabinet file's (\(cabinetFile.profile.id), \(cabinetFile.profilePath))"
                    }
                case .failure(let why):
                    resumed.said.append(("the flashed profile \(kept.id) cannot be used: \(why); the cabinet file's profile \(cabinetFile.profile.id) is in force instead", true))
                    resumed.history.append(fileEntry)
                }
            } else {
                if let kept = saved.profile, kept.sha256 == sha { resumed.profile.since = kept.since }
                if resumed.history.last?.sha256 != sha { resumed.history.append(fileEntry) }
            }
            resumed.said.insert((said, false), at: 0)
        }
        return resumed
    }

    struct Unusable: Error, CustomStringConvertible { var description: String }

    /// A run that does not start: what it was asked for cannot be served safely.
    public struct RunRefused: Error, CustomStringConvertible { public var description: String }

    /// The cabinet with a flashed profile's stored copy, checked whole and valid.
    static func flashed(_ kept: ActiveProfile, cabinet: CabinetConfiguration) -> Result<CabinetConfiguration, Unusable> {
        guard let data = FileManager.default.contents(atPath: kept.path) else { return .failure(Unusable(description: "\(kept.path) is missing")) }
        guard ProfileSignature.digest(data) == kept.sha256 else {
            return .failure(Unusable(description: "\(kept.path) was changed (its SHA-256 is not \(kept.sha256))"))
        }
        let loaded = CabinetLoader.replacingProfile(of: cabinet, text: String(decoding: data, as: UTF8.self), file: kept.path)
        guard let config = loaded.value else {
            return .failure(Unusable(description: loaded.diagnostics.sorted.filter { $0.severity == .error }.map(\.description).joined(separator: "; ")))
        }
        return .success(config)
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
        do { try await loop.heartbeat.firstBeat() } catch { return }
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
