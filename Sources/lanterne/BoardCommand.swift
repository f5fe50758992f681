import ArgumentParser
import BoardFiles
import Controller
import Foundation
import HAL
import Lighting

/// `lanterne board`: what a technician does first at a new cabinet.
struct BoardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "board",
        abstract: "Validate board files and probe the hardware they describe.",
        subcommands: [ValidateBoard.self, ProbeBoard.self])
}

/// `lanterne board validate FILE...`
struct ValidateBoard: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check board files; print every problem as FILE:LINE:COL: error: ...",
        discussion: "Exit status: 0 when every file is valid, 1 when any is not, 2 on a usage error.")

    @Argument(help: ArgumentHelp("Board files (YAML).", valueName: "file"))
    var files: [String]

    @Flag(name: .customLong("quiet"), help: "Print only problems, nothing for valid files.")
    var quiet = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one board file") }
    }

    func run() throws {
        var failed = false
        for file in files {
            let loaded = BoardLoader.load(path: file)
            Console.report(loaded.diagnostics)
            if let b = loaded.value {
                if !quiet {
                    var parts = ["\(b.outputs.count) output(s)", "\(b.inputs.count) input(s)"]
                    if !b.meters.isEmpty { parts.append("\(b.meters.count) meter(s)") }
                    if !b.inverters.isEmpty { parts.append("\(b.inverters.count) inverter(s)") }
                    if !b.chips.isEmpty { parts.append("GPIO \(b.chips.map(\.chip).joined(separator: ", "))") }
                    if !b.buses.isEmpty { parts.append("Modbus \(b.buses.map(\.address).joined(separator: ", "))") }
                    let warnings = loaded.diagnostics.warnings.count
                    print("\(file): valid — board '\(b.id)' (\(b.driver.rawValue)), \(parts.joined(separator: ", "))\(warnings > 0 ? ", \(warnings) warning(s)" : "")")
                }
            } else {
                failed = true
                Console.stderr("\(file): invalid (\(loaded.diagnostics.errors.count) error(s))\n")
            }
        }
        if failed { throw ExitCode(1) }
    }
}

/// `lanterne board probe --board FILE [--json]`
struct ProbeBoard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Open every device of a board once and print what it sees.",
        discussion: """
            Opens every GPIO chip and Modbus bus, reads every input, meter and inverter, reads \
            back coils and gateway levels, and checks that every GPIO output line exists and is \
            free. Outputs are never driven, so a probe is safe on a live cabinet (stop the \
            lanterne service first: it holds the lines). Each failure names the device, the \
            chip and line or the bus, unit and register. Exit status 1 when anything failed.
            """)

    @Option(name: .customLong("board"), help: ArgumentHelp("The board file.", valueName: "file"))
    var board: String

    @Flag(name: .customLong("json"), help: "Print the results as JSON.")
    var json = false

    @Option(name: .customLong("timeout"), help: ArgumentHelp("Modbus reply timeout in milliseconds, or seconds with s (default: each bus's own).", valueName: Timeout.valueName))
    var timeout: Timeout?

    func run() async throws {
        let loaded = BoardLoader.load(path: board)
        Console.report(loaded.diagnostics)
        guard let b = loaded.value else { throw ExitCode(1) }
        if b.driver == .simulated {
            if json { print(try Console.json(["board": b.id, "driver": "simulated", "devices": []])) } else {
                print("board \(b.id): simulated — nothing to probe (every device is a model; see docs/SIMULATION-MODELS.md)")
            }
            return
        }
        let timeout = self.timeout?.duration
        let entries = await BoardProbe.run(b, lineOptions: timeout.map { duration in { bus in
            .init(responseTimeout: duration, retries: bus.retries) } })
        let failures = entries.filter { !$0.ok }
        if json {
            let devices: [[String: Any]] = entries.map { e in
                var d: [String: Any] = ["id": e.id, "role": e.role.rawValue, "location": e.location, "ok": e.ok, "values": e.values]
                if let r = e.reading { d["reading"] = r }
                if let err = e.error { d["error"] = err.description; d["error_kind"] = err.kind.description }
                return d
            }
            print(try Console.json(["board": b.id, "driver": b.driver.rawValue, "devices": devices, "failures": failures.count]))
        } else {
            print("board \(b.id) (\(b.description ?? b.driver.rawValue))")
            let width = min(24, entries.map(\.id.count).max() ?? 8)
            for e in entries {
                let id = e.id.padding(toLength: max(width, e.id.count), withPad: " ", startingAt: 0)
                let role = e.role.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
                if let err = e.error {
                    print("  \(id)  \(role)  FAILED  \(err)")
                } else {
                    print("  \(id)  \(role)  \(e.location)\(e.reading.map { ": \($0)" } ?? "")")
                }
            }
            print(failures.isEmpty ? "all \(entries.count) device(s) answered" : "\(failures.count) of \(entries.count) device(s) failed")
        }
        if !failures.isEmpty { throw ExitCode(1) }
    }
}
