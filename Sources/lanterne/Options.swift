import ArgumentParser
import ControlAPI
import Astronomy
import Cabinet
import Foundation
import Units
import Ledger
import Lighting
import SourceFiles

// The command line's value types and the option groups commands share. A value that does not
// parse is a usage error worded by its type (`expectation`), through the one error path in
// `Lanterne.main`.

/// A value type of the command line whose usage error says what was expected.
protocol ArgumentValue: ExpressibleByArgument {
    /// The placeholder in help and usage, e.g. `YYYY-MM-DD`.
    static var valueName: String { get }
    /// Completes "--from 'x' …", e.g. "is not a calendar date: expected YYYY-MM-DD".
    static var expectation: String { get }
}

/// Every `ArgumentValue`, for the usage-error path.
let argumentValues: [any ArgumentValue.Type] = [Day.self, RowLength.self, RowGrouping.self, Timeout.self, IntervalLength.self,
                                                ShortDuration.self, ListenAddress.self, OverrideDuration.self, Percent.self]

/// A calendar day, `YYYY-MM-DD`; local to the cabinet's time zone where it is used.
struct Day: ArgumentValue, Comparable, CustomStringConvertible {
    static let valueName = "YYYY-MM-DD"
    static let expectation = "is not a calendar date: expected YYYY-MM-DD"
    let date: CivilDate
    init?(argument: String) {
        guard let date = CivilDate(argument) else { return nil }
        self.date = date
    }
    var description: String { date.description }
    static func < (a: Day, b: Day) -> Bool { a.date < b.date }

    /// Local midnight starting this day.
    func start(in clock: LocalClock) -> Date { clock.instant(date, secondsOfDay: 0) }
}

/// An export's row length: `15m` (the ledger's own intervals), `hour`, `day`, `month`.
struct RowLength: ArgumentValue {
    static let valueName = "length"
    static let expectation = "is not one of 15m, hour, day, month"
    let interval: ExportInterval
    init?(argument: String) {
        guard let interval = ExportInterval(rawValue: argument) else { return nil }
        self.interval = interval
    }
    var defaultValueDescription: String { interval.rawValue }
    init(_ interval: ExportInterval) { self.interval = interval }
}

/// An export's rows: one per `circuit` or per `cabinet`.
struct RowGrouping: ArgumentValue {
    static let valueName = "circuit|cabinet"
    static let expectation = "is not circuit or cabinet"
    let grouping: ExportGrouping
    init?(argument: String) {
        guard let grouping = ExportGrouping(rawValue: argument) else { return nil }
        self.grouping = grouping
    }
    var defaultValueDescription: String { grouping.rawValue }
    init(_ grouping: ExportGrouping) { self.grouping = grouping }
}

/// A bus reply timeout: milliseconds (`500`, `500ms`) or seconds (`2s`), 10 ms to 60 s.
struct Timeout: ArgumentValue {
    static let valueName = "ms"
    static let expectation = "is not a timeout of 10 to 60000 ms (such as 500 or 2s)"
    let milliseconds: Int
    init?(argument: String) {
        let ms: Int?
        if argument.hasSuffix("ms") { ms = Int(argument.dropLast(2)) }
        else if argument.hasSuffix("s") { ms = Int(argument.dropLast()).map { $0 * 1000 } }
        else { ms = Int(argument) }
        guard let ms, (10...60_000).contains(ms) else { return nil }
        milliseconds = ms
    }
    init(milliseconds: Int) { self.milliseconds = milliseconds }
    var defaultValueDescription: String { "\(milliseconds)" }
    var duration: Duration { .milliseconds(milliseconds) }
}

/// `--interval 15m`: the length of a ledger interval, from 1 s, dividing a day.
struct IntervalLength: ArgumentValue {
    static let valueName = "duration"
    static let expectation = "is not an interval that divides a day, from 1s (such as 15m, 1h or 10s)"
    let seconds: Int
    init?(argument: String) {
        let units: [(String, Int)] = [("h", 3600), ("m", 60), ("s", 1)]
        guard let (suffix, factor) = units.first(where: { argument.hasSuffix($0.0) }),
              let n = Int(argument.dropLast(suffix.count)), n > 0 else { return nil }
        let s = n * factor
        guard 86_400 % s == 0 else { return nil }
        seconds = s
    }
}

/// A duration in whole seconds, from 1 s to 10 minutes (`--stop-limit 20s`).
struct ShortDuration: ArgumentValue {
    static let valueName = "limit"
    static let expectation = "is not a duration from 1s to 10m (such as 20s or 1m)"
    let seconds: Int
    init(seconds: Int) { self.seconds = seconds }
    init?(argument: String) {
        let units: [(String, Int)] = [("m", 60), ("s", 1)]
        guard let (suffix, factor) = units.first(where: { argument.hasSuffix($0.0) }),
              let n = Int(argument.dropLast(suffix.count)), n > 0, n * factor <= 600 else { return nil }
        seconds = n * factor
    }
}

/// How long an override lasts: `30m`, `2h`, `1h30m`, `45s`, up to 7 days.
struct OverrideDuration: ArgumentValue {
    static let valueName = "how-long"
    static let expectation = "is not a duration from 1s to 7 days (such as 30m, 2h, 1h30m or 168h)"
    let seconds: Int
    init?(argument: String) {
        guard !argument.hasPrefix("-"), !argument.hasPrefix("+"), let s = DurationText.parseSeconds(argument),
              s >= 1, s <= 7 * 86_400 else { return nil }
        seconds = s
    }
}

/// A level in percent, 0 to 100 (`--level 30`, `--level 30%`).
struct Percent: ArgumentValue {
    static let valueName = "percent"
    static let expectation = "is not a level from 0 to 100 (%)"
    let value: Double
    init?(argument: String) {
        let text = argument.hasSuffix("%") ? String(argument.dropLast()) : argument
        guard let v = Double(text), v.isFinite, v >= 0, v <= 100 else { return nil }
        value = v
    }
}

/// Where the unit's controller keeps its control socket and its tokens file: the defaults of
/// `lanterne run` and of the commands that talk to it.
enum ControlPaths {
    static let socket = "/run/lanterne/control.sock"
    static let tokens = "/etc/lanterne/control-tokens"
}

/// `--control PATH`: the controller's control socket; or `--controller URL --token-file F`: its
/// HTTPS listener.
struct ControlOptions: ParsableArguments {
    @Option(name: .customLong("control"), help: ArgumentHelp(
        "The running controller's control socket (its group's members may use it).", valueName: "path"))
    var control: String = ControlPaths.socket

    @Option(name: .customLong("controller"), help: ArgumentHelp(
        "A controller's HTTPS listener instead of the local socket (https://HOST:PORT).", valueName: "url"))
    var controller: String?

    @Option(name: .customLong("token-file"), help: ArgumentHelp("The file holding your token for --controller.", valueName: "file"))
    var tokenFile: String?

    @Option(name: .customLong("ca-file"), help: ArgumentHelp(
        "The certificate (PEM) that the controller's must be signed by, for --controller (default: the system's authorities).",
        valueName: "file"))
    var caFile: String?

    @Option(name: .customLong("cert-file"), help: ArgumentHelp(
        "Your client certificate (PEM), for a --controller that takes them (mutual TLS) instead of a token.", valueName: "file"))
    var certFile: String?

    @Option(name: .customLong("key-file"), help: ArgumentHelp("The private key of --cert-file (PEM).", valueName: "file"))
    var keyFile: String?

    func validate() throws {
        if controller != nil, tokenFile == nil, certFile == nil {
            throw ValidationError("--controller needs --token-file (your token) or --cert-file and --key-file (your certificate)")
        }
        if (certFile == nil) != (keyFile == nil) { throw ValidationError("give both --cert-file and --key-file, or neither") }
    }

    var client: ControlClient {
        get throws {
            guard let controller else { return ControlClient(socketPath: control) }
            var token: String?
            if let tokenFile {
                guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else { throw CommandFailure("cannot read the token file \(tokenFile)") }
                token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            return try ControlClient(url: controller, token: token, caFile: caFile, certificate: certFile.map { ($0, keyFile!) })
        }
    }
}

/// `HOST:PORT` to listen on (`--metrics 127.0.0.1:9464`).
struct ListenAddress: ArgumentValue {
    static let valueName = "host:port"
    static let expectation = "is not HOST:PORT (such as 127.0.0.1:9464)"
    let host: String
    let port: Int
    init?(argument: String) {
        guard let (host, port) = ListenText.parse(argument) else { return nil }
        self.host = host
        self.port = port
    }
}

/// `--ledger PATH`: an existing ledger.
struct LedgerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Ledger file (SQLite).", valueName: "path"))
    var ledger: String

    /// The ledger's key file unless another is given.
    func keyPath(_ given: String?) -> String { given ?? ledger + ".key" }

    /// Opens the ledger; a missing file is an error, never a new ledger.
    func open() throws -> LedgerStore { try Self.open(ledger) }

    static func open(_ path: String) throws -> LedgerStore {
        guard FileManager.default.fileExists(atPath: path) else { throw CommandFailure("no ledger at \(path)") }
        return try LedgerStore.open(path: path)
    }
}

/// `--from D --to D`: local days, `[from, to)`.
struct PeriodOptions: ParsableArguments {
    @Option(help: ArgumentHelp("First day, in the cabinet's time zone.", valueName: Day.valueName))
    var from: Day

    @Option(help: ArgumentHelp("Day after the last, in the cabinet's time zone.", valueName: Day.valueName))
    var to: Day

    func validate() throws {
        guard from < to else { throw ValidationError("--to \(to) must be after --from \(from)") }
    }

    /// The period's instants in `zone`: local midnight of `from` to local midnight of `to`.
    func instants(in zone: TimeZone) -> (start: Date, end: Date) {
        let clock = LocalClock(timeZone: zone)
        return (from.start(in: clock), to.start(in: clock))
    }
}

/// `--baseline-from D --baseline-to D`: a metered period of the old installation (IPMVP
/// option B), both or neither.
struct BaselinePeriodOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Start of a metered baseline period for an IPMVP option B model.", valueName: Day.valueName))
    var baselineFrom: Day?

    @Option(help: ArgumentHelp("End (exclusive) of the baseline period.", valueName: Day.valueName))
    var baselineTo: Day?

    var period: (from: CivilDate, to: CivilDate)? {
        guard let baselineFrom, let baselineTo else { return nil }
        return (baselineFrom.date, baselineTo.date)
    }

    func validate() throws {
        guard (baselineFrom == nil) == (baselineTo == nil) else {
            throw ValidationError("give both --baseline-from and --baseline-to, or neither")
        }
        if let a = baselineFrom, let b = baselineTo, !(a < b) {
            throw ValidationError("--baseline-from and --baseline-to must be dates YYYY-MM-DD, the second after the first")
        }
    }
}

/// `--cabinet id|file` of the commands that read a ledger: a cabinet id, or a cabinet file
/// whose id is taken (the figures always come from the ledger's declarations).
struct CabinetChoiceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The cabinet: its id, or its cabinet file (only its id is used); needed when the ledger holds several.", valueName: "id|file"))
    var cabinet: String?

    /// The cabinet id, reading the cabinet file when one is named.
    func id() throws -> String? {
        guard let cabinet else { return nil }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: cabinet, isDirectory: &isDirectory), !isDirectory.boolValue else { return cabinet }
        return try CabinetFile.load(cabinet).site.id
    }
}

/// Loads a cabinet file (with its board and profile), reporting every diagnostic.
enum CabinetFile {
    static func load(_ path: String, profile: String? = nil) throws -> CabinetConfiguration {
        let loaded = CabinetLoader.load(path: path, profileOverride: profile)
        Console.report(loaded.diagnostics)
        guard let config = loaded.value else { throw ExitCode(1) }
        return config
    }
}

extension Duration {
    /// Seconds, for "in 0.42 s".
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
