import ArgumentParser
import Astronomy
import Cabinet
import Crypto
import Foundation
import Ledger
import Lighting
import Savings

/// `lanterne ledger`: the auditor's commands.
struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Verify the energy ledger, export it for auditors, verify exports, declare what figures depend on, manage its signing key.",
        subcommands: [VerifyLedger.self, ExportLedger.self, VerifyExport.self, DeclareLedger.self, DeclarationsLedger.self,
                      KeyCommand.self])
}

/// `lanterne ledger verify --ledger PATH`
struct VerifyLedger: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the ledger's hash chain: any edited, deleted, inserted or reordered record is found and named.",
        discussion: """
            The chain covers the measurements, the events and the declarations (site, circuits, \
            tariffs, investment, emission factors, signing keys) that every derived figure comes \
            from. Declarations must carry a valid signature by the ledger's key in force, and \
            every key rotation one by the key it replaces. Prints the signing key's fingerprint \
            for comparison with the one the municipality holds. Exit status: 0 when sound, 1 \
            with the reason otherwise.
            """)

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
                                    "measurements": result.measurements, "events": result.events,
                                    "declarations": result.declarations, "head": result.head.hex,
                                    "unsignedDeclarations": result.unsignedDeclarations,
                                    "signingKeys": result.keys.map { ["publicKey": $0.publicKey, "fingerprint": $0.fingerprint.text, "seq": $0.seq] }]
            if let p = result.problem { o["problem"] = p.description; o["seq"] = p.seq }
            print(try Console.json(o))
        } else if let problem = result.problem {
            Console.stderr("\(ledger): chain broken: \(problem.description)\n")
            Console.stderr("\(ledger): \(result.records) records before it are sound\n")
        } else {
            print("\(ledger): chain sound — \(result.records) records (\(result.measurements) measurements, \(result.events) events, \(result.declarations) declarations), head \(result.head.hex) (\(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow))))")
            if let key = result.keys.last {
                print("  signing key \(key.fingerprint.text) (since record \(key.seq)\(result.keys.count > 1 ? ", after \(result.keys.count - 1) rotation\(result.keys.count > 2 ? "s" : "")" : ""))")
            } else {
                print("  no signing key: exports cannot be signed (lanterne ledger key create)")
            }
            if result.unsignedDeclarations > 0 {
                print("  \(result.unsignedDeclarations) declarations written before the ledger had a signing key are unsigned (see lanterne ledger declarations)")
            }
        }
        if !result.isSound { throw ExitCode(1) }
    }
}

/// Opens an existing ledger, or exits with one line.
func openExistingLedger(_ path: String) throws -> LedgerStore {
    guard FileManager.default.fileExists(atPath: path) else {
        Console.error("no ledger at \(path)")
        throw ExitCode(1)
    }
    do { return try LedgerStore.open(path: path) } catch {
        Console.error("\(error)")
        throw ExitCode(1)
    }
}

/// Runs `body`, turning the ledger's and the export's errors into one line and exit status 1.
func reportingLedgerErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as ExportError {
        Console.error(e.description)
    } catch let e as LedgerError {
        Console.error(e.description)
    } catch let e as BaselineFitError {
        Console.error("IPMVP baseline: \(e)")
    } catch let e as FinanceError {
        Console.error("\(e)")
    }
    throw ExitCode(1)
}

/// `lanterne ledger declare --ledger PATH --cabinet FILE --effective DATE`
struct DeclareLedger: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "declare",
        abstract: "Record in the ledger what changed in a cabinet file (site, circuits, tariff, investment, emission factor), effective from a date.",
        discussion: """
            A declaration is a chained, signed record, never an update: a tariff that changes on \
            1 August is declared effective 2026-08-01, and the export, the report and roi price \
            every interval at the tariff in force then; a re-lamped circuit likewise. Only what \
            differs from the declaration in force at that date is written. Signed with the \
            ledger's key (--key, default <ledger>.key) once the ledger has one.
            """)

    @Option(help: ArgumentHelp("Ledger file (SQLite).", valueName: "path"))
    var ledger: String

    @Option(help: ArgumentHelp("Cabinet file holding the new figures.", valueName: "file"))
    var cabinet: String

    @Option(help: ArgumentHelp("First day it applies, in the cabinet's time zone (00:00 local).", valueName: "YYYY-MM-DD"))
    var effective: String

    @Option(help: ArgumentHelp("The ledger's signing key file (default: <ledger>.key).", valueName: "file"))
    var key: String?

    @Flag(help: "Show what would be declared; write nothing.")
    var dryRun = false

    func validate() throws {
        guard CivilDate(effective) != nil else { throw ValidationError("--effective '\(effective)' is not a calendar date: expected YYYY-MM-DD") }
    }

    func run() throws {
        let loaded = CabinetLoader.load(path: cabinet)
        Console.report(loaded.diagnostics)
        guard let config = loaded.value else { throw ExitCode(1) }
        let store = try openExistingLedger(ledger)
        let at = LocalClock(timeZone: config.site.timeZone).instant(CivilDate(effective)!, secondsOfDay: 0)
        try reportingLedgerErrors {
            let changed = try store.changes(in: config.declarations(effective: at))
            if changed.isEmpty {
                print("\(ledger): nothing to declare — the declarations in force on \(effective) match \(cabinet)")
                return
            }
            if !dryRun {
                var signer: Curve25519.Signing.PrivateKey?
                if try store.declarationLog().currentKey != nil { signer = try SigningKeyFile.load(at: key ?? ledger + ".key") }
                try store.declare(changed, signer: signer)
            }
            for d in changed {
                print("\(dryRun ? "would declare" : "declared") \(DeclarationsLedger.describe(d.content)), effective \(Console.isoUTC(d.effective))")
            }
        }
    }
}

/// `lanterne ledger declarations --ledger PATH`
struct DeclarationsLedger: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "declarations",
        abstract: "List the ledger's declarations in chain order: what every derived figure was computed from, and when it took effect.")

    @Option(help: ArgumentHelp("Ledger file (SQLite).", valueName: "path"))
    var ledger: String

    @Option(help: ArgumentHelp("Only this cabinet.", valueName: "id"))
    var cabinet: String?

    func run() throws {
        let store = try openExistingLedger(ledger)
        let log = try reportingLedgerErrors { try store.declarationLog() }
        for e in log.entries where cabinet == nil || e.cabinetID == cabinet || e.cabinetID.isEmpty {
            let at = Console.isoUTC(Date(timeIntervalSince1970: TimeInterval(e.effective)))
            let retroactive = e.recordedUntil.map { e.isRetroactive ? "  (retroactive: intervals up to \(Console.isoUTC(Date(timeIntervalSince1970: TimeInterval($0)))) were recorded before it)" : "" } ?? ""
            print("record \(e.seq)  \(e.cabinetID.isEmpty ? "ledger" : e.cabinetID)  from \(at)  \(Self.describe(e.content))\(e.signed ? "" : "  (unsigned)")\(retroactive)")
        }
        if log.entries.isEmpty { print("\(ledger): no declarations") }
    }

    static func describe(_ c: DeclarationContent) -> String {
        switch c {
        case .site(let s): return "site \(s.name), \(s.latitude), \(s.longitude), \(s.timeZone)"
        case .circuit(let c):
            return "circuit \(c.circuitID) \(c.name): \(c.luminaires) luminaires, \(SimulateCommand.number(c.ratedWatts, decimals: 1)) W rated, "
                + "\(SimulateCommand.number(c.legacyWatts, decimals: 1)) W legacy" + (c.areaSquareMetres.map { ", \(SimulateCommand.number($0, decimals: 0)) m²" } ?? "")
        case .tariff(let t): return "tariff \(t.pricePerKilowattHour) \(t.currency)/kWh"
        case .investment(let i):
            return "investment \(i.capex) \(i.currency), discount rate \(i.discountRate), \(i.years) years, maintenance savings \(i.annualMaintenanceSavings) \(i.currency)/year, price escalation \(i.priceEscalation)"
        case .emissionFactor(let f): return "emission factor \(f.kgPerKilowattHour) kg CO2e/kWh, \(f.name) (\(f.source))"
        case .signingKey(let k):
            return "signing key \(KeyFingerprint(hex: k.publicKey).text)" + (k.previousKey.map { ", replacing \(KeyFingerprint(hex: $0).text)" } ?? "")
        }
    }
}

/// `lanterne ledger key create|rotate`
struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "The ledger's Ed25519 signing key: create it, rotate it.",
        subcommands: [CreateKey.self, RotateKey.self])

    struct CreateKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Give a ledger that has none its signing key (chained, self-signed).",
            discussion: """
                Uses the key file if it exists (for example a schema-2 ledger's <ledger>.key), \
                otherwise writes a new one (mode 0600). A ledger created by 'lanterne simulate \
                --ledger' gets its key at creation. Exports are signed with it, declarations too. \
                Give the printed fingerprint to the municipality.
                """)

        @Option(help: ArgumentHelp("Ledger file (SQLite).", valueName: "path"))
        var ledger: String

        @Option(help: ArgumentHelp("Key file (default: <ledger>.key).", valueName: "file"))
        var key: String?

        func run() throws {
            let store = try openExistingLedger(ledger)
            let path = key ?? ledger + ".key"
            try reportingLedgerErrors {
                if let current = try store.declarationLog().currentKey {
                    throw LedgerError.signingKey(path: ledger, reason: "the ledger has a signing key already (\(current.fingerprint.text)); rotate it with 'lanterne ledger key rotate'")
                }
                let (signing, created) = try SigningKeyFile.loadOrCreate(at: path)
                try store.createSigningKey(signing, effective: Date())
                print("\(ledger): signing key \(KeyFingerprint(hex: signing.publicKeyHex).text) (\(created ? "new key written to" : "from") \(path))")
            }
        }
    }

    struct RotateKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate",
            abstract: "Replace the ledger's signing key; the rotation is chained and signed by the old key.")

        @Option(help: ArgumentHelp("Ledger file (SQLite).", valueName: "path"))
        var ledger: String

        @Option(help: ArgumentHelp("The key in force (default: <ledger>.key).", valueName: "file"))
        var key: String?

        @Option(help: ArgumentHelp("The new key file (written when it does not exist).", valueName: "file"))
        var newKey: String

        func run() throws {
            let store = try openExistingLedger(ledger)
            try reportingLedgerErrors {
                let old = try SigningKeyFile.load(at: key ?? ledger + ".key")
                let (new, created) = try SigningKeyFile.loadOrCreate(at: newKey)
                try store.rotateSigningKey(from: old, to: new, effective: Date())
                print("\(ledger): signing key \(KeyFingerprint(hex: new.publicKeyHex).text) (\(created ? "new key written to" : "from") \(newKey)) replaces \(KeyFingerprint(hex: old.publicKeyHex).text)")
                print("  sign exports with --key \(newKey) from now on")
            }
        }
    }
}
