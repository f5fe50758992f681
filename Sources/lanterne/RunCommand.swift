import ArgumentParser
import Cabinet
import CabinetService
import Controller
import Foundation
import Logging

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
            safe state. On SIGTERM or SIGINT (a graceful shutdown, within --stop-limit) systemd \
            is told STOPPING=1, every circuit goes to its safe state, the ledger records the \
            interval in progress and the stop, and the lines are released. Needs a board with driver: hardware (the simulated board runs with \
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
        "The cabinet's ledger, created when missing with its signing key (PATH.key): the meters' intervals and the run's events are recorded there while the clock is trusted, and the clock is not trusted while it reads earlier than the ledger's last record. The key signs what the cabinet file changed, and the exports.",
        valueName: "path"))
    var ledger: String?

    @Option(name: .customLong("interval"), help: ArgumentHelp(
        "The ledger's interval (default: the cabinet file's ledger interval, 15m).", valueName: "duration"))
    var interval: IntervalLength?

    @Option(name: .customLong("metrics"), help: ArgumentHelp(
        "Serve Prometheus metrics at http://HOST:PORT/metrics (default: the cabinet file's metrics address; none when neither gives one). Keep it on loopback or a management network.",
        valueName: "host:port"))
    var metrics: ListenAddress?

    @Option(name: .customLong("control"), help: ArgumentHelp(
        "The control API's Unix socket, for 'lanterne status', 'lanterne override'... (mode 0660, group --control-group); 'none': no control API.",
        valueName: "path"))
    var control: String = ControlPaths.socket

    @Option(name: .customLong("control-group"), help: ArgumentHelp(
        "The group whose members may use the control socket (when it does not exist, only the socket's owner can).", valueName: "group"))
    var controlGroup: String = "lanterne"

    @Option(name: .customLong("https"), help: ArgumentHelp(
        "Serve the control API on TCP too, for remote technicians and operators: every request needs a bearer token of --control-tokens; TLS (--tls-cert, --tls-key) is required unless HOST is loopback.",
        valueName: "host:port"))
    var https: ListenAddress?

    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("The HTTPS server's certificate chain (PEM).", valueName: "file"))
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("The HTTPS server's private key (PEM).", valueName: "file"))
    var tlsKey: String?

    @Option(name: .customLong("tls-client-ca"), help: ArgumentHelp(
        "Mutual TLS: client certificates signed by this authority (PEM) authenticate on --https, as a token does; the certificate's common name says who.",
        valueName: "file"))
    var tlsClientCA: String?

    @Option(name: .customLong("control-tokens"), help: ArgumentHelp(
        "The tokens that open the API on TCP: 'NAME SHA256' per line ('lanterne keys token' adds one).", valueName: "file"))
    var controlTokens: String = ControlPaths.tokens

    @Option(name: .customLong("state"), help: ArgumentHelp(
        "The state file: the profile in force and the overrides, written atomically at each change and read back at the start (default: state.json in $STATE_DIRECTORY when systemd gives one; else none, and overrides end with the process).",
        valueName: "path"))
    var state: String?

    @Option(name: .customLong("stop-limit"), help: ArgumentHelp(
        "How long the services may take to stop on SIGTERM (safe states written, the interval in progress recorded, the ledger checkpointed) before they are cancelled (default 20s).",
        valueName: "limit"))
    var stopLimit: ShortDuration = ShortDuration(seconds: 20)

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
        var options = ControllerRun.Options(ledger: ledger, intervalSeconds: interval?.seconds ?? config.intervalSeconds,
                                            generator: "lanterne \(LanterneVersion.string)")
        options.gracefulShutdownLimit = .seconds(stopLimit.seconds)
        options.metrics = metrics.map { ($0.host, $0.port) } ?? config.metricsAddress
        options.control = control == "none" ? nil : control
        options.controlGroup = controlGroup
        if let https {
            guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("give both --tls-cert and --tls-key, or neither") }
            options.remote = RemoteAccess(host: https.host, port: https.port, tls: tlsCert.map { ($0, tlsKey!) }, tokens: controlTokens,
                                          clientCA: tlsClientCA)
        }
        options.state = state ?? ProcessInfo.processInfo.environment["STATE_DIRECTORY"].flatMap {
            $0.split(separator: ":").first.map { "\($0)/state.json" }
        }
        try await ControllerRun.run(config, options: options, logger: logger)
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
