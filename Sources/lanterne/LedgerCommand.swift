import ArgumentParser
import Foundation
import Ledger
import Lighting

/// `lanterne ledger`: the auditor's commands.
struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Verify the energy ledger, export it for auditors, verify exports.",
        subcommands: [VerifyLedger.self, ExportLedger.self, VerifyExport.self])
}

/// `lanterne ledger verify --ledger PATH`
struct VerifyLedger: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the ledger's hash chain: any edited, deleted, inserted or reordered record is found and named.",
        discussion: "Exit status: 0 when the chain is sound, 1 with the reason otherwise.")

    @Option(help: ArgumentHelp("Ledger file (SQLite).", valueName: "path"))
    var ledger: String

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        guard FileManager.default.fileExists(atPath: ledger) else {
            Console.error("no ledger at \(ledger)")
            throw ExitCode(1)
        }
        let store: LedgerStore
        do { store = try LedgerStore.open(path: ledger) } catch {
            Console.error("\(error)")
            throw ExitCode(1)
        }
        let bar = ProgressBar(enabled: !json && Console.stderrIsTerminal, label: "verifying \(ledger)")
        let began = ContinuousClock.now
        let result: ChainVerification
        do {
            result = try store.verifyChain { done, total in bar.update(total > 0 ? Double(done) / Double(total) : 1) }
        } catch {
            bar.finish()
            Console.error("\(error)")
            throw ExitCode(1)
        }
        bar.finish()
        let elapsed = ContinuousClock.now - began
        if json {
            var o: [String: Any] = ["ledger": ledger, "sound": result.isSound, "records": result.records,
                                    "measurements": result.measurements, "events": result.events, "head": result.head.hex]
            if let p = result.problem { o["problem"] = p.description; o["seq"] = p.seq }
            print(try Console.json(o))
        } else if let problem = result.problem {
            Console.stderr("\(ledger): chain broken: \(problem.description)\n")
            Console.stderr("\(ledger): \(result.records) records before it are sound\n")
        } else {
            print("\(ledger): chain sound — \(result.records) records (\(result.measurements) measurements, \(result.events) events), head \(result.head.hex) (\(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow))))")
        }
        if !result.isSound { throw ExitCode(1) }
    }
}
