import ArgumentParser
import Cabinet
import CabinetService
import Controller
import Dispatch
import Foundation
import HAL
import Ledger
import Recording
import Lighting
import Logging
import SourceFiles
import Units

/// `lanterne run --cabinet FILE`: drives a real cabinet until SIGTERM or SIGINT.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Drive a cabinet's hardware with its profile until stopped (SIGTERM, SIGINT).",
        discussion: """
            Opens the board's GPIO chips and Modbus buses, then runs the control loop: the same \
            engine as 'lanterne simulate' decides, presence edges are handled as they arrive, \
            the rest every second. A device that fails puts its circuits in their safe state \
            until it answers again; a relay is never switched faster than its minimumCycle. \
            The clock is trusted only while the kernel says it is synchronised (an NTP client \
            runs) and it reads later than this build and than the ledger's last record \
            (--ledger); until then every circuit follows its fail-safe: the photocell, or its \
            safe state. On SIGTERM or SIGINT every circuit goes to its safe state and the lines \
            are released. Needs a board with driver: hardware (the simulated board runs with \
            'lanterne simulate'). Events are logged to standard error. Under systemd \
            (Type=notify) it sends READY=1 once the first step has written the outputs, \
            STOPPING=1 on a stop, and, with WatchdogSec=, WATCHDOG=1 at half the timeout while \
            the control loop steps: a stuck loop gets the service restarted. With meters on the \
            board, their power and voltage are compared with what the decisions should draw every \
            'faults.sampleEvery' (10 s): lamp failure, day-burner, contactor or relay failure and \
            supply loss are logged (and recorded with --ledger) when they start and end.
            """)

    @Option(name: .customLong("cabinet"), help: ArgumentHelp("The cabinet file.", valueName: "file"))
    var cabinet: String

    @Option(name: .customLong("profile"), help: ArgumentHelp("Run this profile instead of the cabinet's.", valueName: "file"))
    var profile: String?

    @Option(name: .customLong("ledger"), help: ArgumentHelp(
        "The cabinet's ledger, created when missing: the meters' intervals and the run's events are recorded there while the clock is trusted, and the clock is not trusted while it reads earlier than the ledger's last record. Its key file (PATH.key), when there, signs what the cabinet file changed.",
        valueName: "path"))
    var ledger: String?

    @Option(name: .customLong("interval"), help: ArgumentHelp(
        "The ledger's interval (default: the cabinet file's ledger interval, 15m).", valueName: "duration"))
    var interval: IntervalLength?

    @Option(name: .customLong("log-level"), help: ArgumentHelp(
        "The least important messages logged: debug, info, notice, warning or error. Under systemd each line carries its level for the journal.",
        valueName: "level"))
    var logLevel: LogLevel = .info

    func run() async throws {
        let level = logLevel.level
        let logger = Logger(label: "lanterne") { _ in LineLogHandler(level: level) }
        // The files' findings go to the log too, one line each, at their severity.
        let loaded = CabinetLoader.load(path: cabinet, profileOverride: profile)
        for finding in loaded.diagnostics.sorted {
            logger.log(level: finding.severity == .error ? .error : finding.severity == .warning ? .warning : .notice, "\(finding)")
        }
        guard let config = loaded.value else { throw ExitCode(1) }
        guard config.board.driver == .hardware else {
            throw CommandFailure("board '\(config.board.id)' is simulated: there is no hardware to drive (use 'lanterne simulate')")
        }
        let engine = try DimmingEngine.compile(profile: config.profile, installation: config.installation).get()
        let log: @Sendable (String) -> Void = { logger.info("\($0)") }
        let floor = ledgerFloor(cabinet: config.site.id, log: log)
        let hardware = await HardwareSet.open(config.board)
        for failure in hardware.failures { logger.error("cannot open: \(failure)") }
        log("cabinet \(config.site.id): board \(config.board.id), profile \(config.profile.id), \(config.installation.circuits.count) circuit(s)")
        let inbox = EventInbox()
        let loop = ControlLoop(engine: engine, board: config.board, circuitOutputs: config.outputs, hardware: hardware,
                               settings: .init(trust: .standard(ledgerFloor: floor)), logger: logger, events: { inbox.post($0) })
        // Signals are caught before anything is driven, so a SIGTERM never skips the safe state.
        let (stops, stop) = AsyncStream.makeStream(of: Int32.self)
        let signals = [SIGTERM, SIGINT].map { sig -> DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .main)
            source.setEventHandler { stop.yield(sig) }
            source.resume()
            return source
        }
        let systemd = SystemdNotifier()
        let status = "driving \(config.installation.circuits.count) circuit(s) of cabinet \(config.site.id) with profile \(config.profile.id)"
        // The run ends when the loop does or a signal comes; the notifier's task may end first.
        enum Ended { case loop, signal, notifier }
        await withTaskGroup(of: Ended.self) { group in
            group.addTask { await loop.run(); return .loop }
            group.addTask {
                for await sig in stops {
                    logger.notice("signal \(sig): every circuit to its safe state, then stopping")
                    Self.notify(systemd, "STOPPING=1", log: log)
                    break
                }
                return .signal
            }
            // Faults from the meters' measurements, compared with what the loop expects.
            let meters = config.board.meters.compactMap { m in hardware.meters[m.id].map { (id: m.id, device: $0, measures: m.measures) } }
            if !meters.isEmpty {
                let watch = FaultWatch(loop: loop, meters: meters, settings: config.faults,
                                       installation: config.installation, circuitOutputs: config.outputs,
                                       logger: logger, events: { inbox.post($0) })
                group.addTask { await watch.run(); return .notifier }
            }
            if let ledger {
                let keeping = LedgerKeeping(path: ledger, configuration: config, interval: interval?.seconds ?? config.intervalSeconds,
                                            inbox: inbox, logger: logger, generator: "lanterne \(LanterneVersion.string)")
                group.addTask { await keeping.run(loop: loop); return .notifier }
            }
            group.addTask {
                // Ready once the loop has made its first step (the outputs written).
                while loop.heartbeat.age() == nil {
                    do { try await Task.sleep(for: .milliseconds(10)) } catch { return .notifier }
                }
                Self.notify(systemd, "READY=1\nSTATUS=\(status)", log: log)
                guard let timeout = systemd.watchdogTimeout else { return .notifier }
                let tick = await loop.settings.tickInterval
                let feeder = WatchdogFeeder(notifier: systemd, heartbeat: loop.heartbeat, timeout: timeout,
                                            staleAfter: max(tick * 5, timeout / 2))
                log("systemd watchdog: \(timeout) timeout, fed every \(feeder.period) while the control loop steps")
                await feeder.run(log: log)
                return .notifier
            }
            while let ended = await group.next(), ended == .notifier {}
            group.cancelAll()
        }
        signals.forEach { $0.cancel() }
        logger.notice("stopped")
    }

    /// Tells systemd (when it listens) and logs a failure to.
    static func notify(_ systemd: SystemdNotifier, _ state: String, log: @Sendable (String) -> Void) {
        do { try systemd.notify(state) } catch { log("\(error)") }
    }

    /// The end of the ledger's last record for this cabinet, when `--ledger` names an existing
    /// ledger (opened with `LedgerStore.open`, only read from); nil otherwise, said in the log.
    func ledgerFloor(cabinet: String, log: @Sendable (String) -> Void) -> Date? {
        guard let ledger else { return nil }
        guard FileManager.default.fileExists(atPath: ledger) else {
            log("ledger \(ledger) does not exist: no ledger floor for the clock")
            return nil
        }
        do {
            let store = try LedgerStore.open(path: ledger)
            defer { try? store.close() }
            let end = try store.lastIntervalEnd(cabinet: cabinet)
            log("ledger \(ledger): " + (end.map { "the clock is not trusted before its last record, \(InstantText.isoUTC($0))" }
                                       ?? "no record of cabinet \(cabinet) yet: no ledger floor for the clock"))
            return end
        } catch {
            log("ledger \(ledger): \(error); no ledger floor for the clock")
            return nil
        }
    }
}

/// `--log-level`: a swift-log level by its name.
enum LogLevel: String, ExpressibleByArgument, CaseIterable {
    case debug, info, notice, warning, error

    var level: Logger.Level {
        switch self {
        case .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        }
    }
}
