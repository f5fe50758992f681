import ArgumentParser
import Crypto
import Foundation
import Ledger
import Lighting
import Units

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

    @OptionGroup var options: LedgerOptions

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let ledger = options.ledger
        let store = try options.open()
        let bar = ProgressBar(enabled: !json && Console.stderrIsTerminal, label: "verifying \(ledger)")
        let began = ContinuousClock.now
        let result = try bar.finishing {
            try store.verifyChain { done, total in bar.update(total > 0 ? Double(done) / Double(total) : 1) }
        }
        try store.close()
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

    @OptionGroup var options: LedgerOptions

    @Option(help: ArgumentHelp("Cabinet file holding the new figures.", valueName: "file"))
    var cabinet: String

    @Option(help: ArgumentHelp("First day it applies, in the cabinet's time zone (00:00 local).", valueName: Day.valueName))
    var effective: Day

    @Option(help: ArgumentHelp("The ledger's signing key file (default: <ledger>.key).", valueName: "file"))
    var key: String?

    @Flag(help: "Show what would be declared; write nothing.")
    var dryRun = false

    func run() throws {
        let config = try CabinetFile.load(cabinet)
        let ledger = options.ledger
        let store = try options.open()
        defer { try? store.close() }
        let at = effective.start(in: LocalClock(timeZone: config.site.timeZone))
        let changed = try store.changes(in: config.declarations(effective: at))
        if changed.isEmpty {
            print("\(ledger): nothing to declare — the declarations in force on \(effective) match \(cabinet)")
            return
        }
        if !dryRun {
            var signer: Curve25519.Signing.PrivateKey?
            if try store.declarationLog().currentKey != nil { signer = try SigningKeyFile.load(at: options.keyPath(key)) }
            try store.declare(changed, signer: signer)
        }
        for d in changed {
            print("\(dryRun ? "would declare" : "declared") \(d.content.summary), effective \(InstantText.isoUTC(d.effective))")
        }
    }
}

/// `lanterne ledger declarations --ledger PATH`
struct DeclarationsLedger: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "declarations",
        abstract: "List the ledger's declarations in chain order: what every derived figure was computed from, and when it took effect.")

    @OptionGroup var options: LedgerOptions

    @Option(help: ArgumentHelp("Only this cabinet.", valueName: "id"))
    var cabinet: String?

    func run() throws {
        let store = try options.open()
        let log = try store.declarationLog()
        try store.close()
        for e in log.entries where cabinet == nil || e.cabinetID == cabinet || e.cabinetID.isEmpty {
            let at = InstantText.isoUTC(Date(timeIntervalSince1970: TimeInterval(e.effective)))
            let retroactive = e.recordedUntil.map { e.isRetroactive ? "  (retroactive: intervals up to \(InstantText.isoUTC(Date(timeIntervalSince1970: TimeInterval($0)))) were recorded before it)" : "" } ?? ""
            print("record \(e.seq)  \(e.cabinetID.isEmpty ? "ledger" : e.cabinetID)  from \(at)  \(e.content.summary)\(e.signed ? "" : "  (unsigned)")\(retroactive)")
        }
        if log.entries.isEmpty { print("\(options.ledger): no declarations") }
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

        @OptionGroup var options: LedgerOptions

        @Option(help: ArgumentHelp("Key file (default: <ledger>.key).", valueName: "file"))
        var key: String?

        func run() throws {
            let ledger = options.ledger
            let store = try options.open()
            defer { try? store.close() }
            let path = options.keyPath(key)
            if let current = try store.declarationLog().currentKey {
                throw LedgerError.signingKey(path: ledger, reason: "the ledger has a signing key already (\(current.fingerprint.text)); rotate it with 'lanterne ledger key rotate'")
            }
            let (signing, created) = try SigningKeyFile.loadOrCreate(at: path)
            try store.createSigningKey(signing, effective: Date())
            print("\(ledger): signing key \(KeyFingerprint(hex: signing.publicKeyHex).text) (\(created ? "new key written to" : "from") \(path))")
        }
    }

    struct RotateKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate",
            abstract: "Replace the ledger's signing key; the rotation is chained and signed by the old key.")

        @OptionGroup var options: LedgerOptions

        @Option(help: ArgumentHelp("The key in force (default: <ledger>.key).", valueName: "file"))
        var key: String?

        @Option(help: ArgumentHelp("The new key file (written when it does not exist).", valueName: "file"))
        var newKey: String

        func run() throws {
            let store = try options.open()
            defer { try? store.close() }
            let old = try SigningKeyFile.load(at: options.keyPath(key))
            let (new, created) = try SigningKeyFile.loadOrCreate(at: newKey)
            try store.rotateSigningKey(from: old, to: new, effective: Date())
            print("\(options.ledger): signing key \(KeyFingerprint(hex: new.publicKeyHex).text) (\(created ? "new key written to" : "from") \(newKey)) replaces \(KeyFingerprint(hex: old.publicKeyHex).text)")
            print("  sign exports with --key \(newKey) from now on")
        }
    }
}
