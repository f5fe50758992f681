import ArgumentParser
import Foundation
import Lighting
import SourceFiles

/// The `lanterne` command-line tool: thin commands over the libraries.
///
/// Exit status: 0 success, 1 the work failed (invalid file, failed run), 2 usage error.
@main
struct Lanterne: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lanterne",
        abstract: "Street-lighting cabinet controller: astronomy, profiles, simulation, energy ledger, savings and ROI.",
        discussion: """
            Exit status: 0 on success, 1 when the work fails (an invalid file, a failed run), \
            2 on a usage error.
            """,
        version: LanterneVersion.string,
        subcommands: [AstroCommand.self, ProfileCommand.self, SimulateCommand.self, LedgerCommand.self, RoiCommand.self, ReportCommand.self, BoardCommand.self, ModbusCommand.self, RunCommand.self])

    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                // Usage errors: one line with a pointer to --help, exit status 2.
                var message = fullMessage(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
                if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
                FileHandle.standardError.write(Data("error: \(message) (see 'lanterne --help')\n".utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

enum LanterneVersion {
    static let string = "0.1.0"
}

/// Output helpers shared by the commands.
enum Console {
    static func error(_ line: String) {
        FileHandle.standardError.write(Data("error: \(line)\n".utf8))
    }
    static func stderr(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
    /// Prints diagnostics to standard error, sorted by position.
    static func report(_ d: SourceFiles.Diagnostics) {
        if !d.items.isEmpty { stderr(d.description + "\n") }
    }
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// JSON text with sorted keys, for stable output.
    static func json(_ object: Any) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    static func isoUTC(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: d)
    }
}

