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
        subcommands: [AstroCommand.self, ProfileCommand.self, SimulateCommand.self, LedgerCommand.self, RoiCommand.self, ReportCommand.self, BoardCommand.self, ModbusCommand.self, RunCommand.self, StatusCommand.self, OverrideCommand.self, EventsCommand.self, KeysCommand.self])

    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(reporting: error)
        }
    }

    /// The one path from an error to its message and exit status: a usage error is one line
    /// pointing to --help (status 2); a file's diagnostics are listed by position, any other
    /// failure is one line (status 1); help, version and `ExitCode` go to ArgumentParser.
    static func exit(reporting error: any Error) -> Never {
        if exitCode(for: error) == .validationFailure {
            FileHandle.standardError.write(Data("error: \(usageMessage(for: error)) (see 'lanterne --help')\n".utf8))
            Foundation.exit(2)
        }
        if let line = CommandFailure.line(for: error) {
            Console.error(line)
            Foundation.exit(1)
        }
        if let diagnostics = error as? SourceFiles.Diagnostics {
            Console.report(diagnostics)
            Foundation.exit(1)
        }
        exit(withError: error)
    }

    /// ArgumentParser's first line, with a value that does not parse worded by its type:
    /// "--from '2026-13-01' is not a calendar date: expected YYYY-MM-DD".
    static func usageMessage(for error: any Error) -> String {
        var message = fullMessage(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
        if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
        if let match = message.firstMatch(of: /^The value '(.*)' is invalid for '(-[-\w]+) <([^>]+)>'/),
           let type = argumentValues.first(where: { $0.valueName == String(match.3) }) {
            return "\(match.2) '\(match.1)' \(type.expectation)"
        }
        return message
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
}

