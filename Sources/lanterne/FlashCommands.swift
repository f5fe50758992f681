import ArgumentParser
import CabinetService
import ControlAPI
import Foundation
import Lighting
import ProfileTrust
import SourceFiles
import Units

/// `lanterne keys generate --out NAME`
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Ed25519 key pairs that sign profiles; tokens that open a controller's HTTPS control API.",
        subcommands: [Generate.self, Token.self])

    struct Token: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "token",
            abstract: "Make a bearer token for the control API on TCP: its SHA-256 is added to the tokens file, the token is printed once.",
            discussion: "Give the token to its holder (lanterne --controller URL --token-file F); the controller keeps only its hash. Remove the line to revoke it.")

        @Option(help: ArgumentHelp("Its holder, as changes will name them.", valueName: "name"))
        var name: String

        @Option(help: ArgumentHelp("The controller's tokens file (lanterne run --control-tokens).", valueName: "file"))
        var tokens: String = ControlPaths.tokens

        func validate() throws {
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.@".contains($0) }) else {
                throw ValidationError("--name '\(name)' must be letters, digits, '-', '_', '.' or '@'")
            }
        }

        func run() throws {
            let (token, line) = TokenBook.make(name: name)
            var text = (try? String(contentsOfFile: tokens, encoding: .utf8)) ?? "# Lanterne control API tokens: NAME SHA256 (lanterne keys token)\n"
            if TokenBook(path: tokens).names.contains(name) { throw CommandFailure("\(tokens) already has a token for \(name): remove its line first") }
            if !text.hasSuffix("\n") { text += "\n" }
            text += line + "\n"
            let existed = FileManager.default.fileExists(atPath: tokens)
            guard FileManager.default.createFile(atPath: tokens, contents: Data(text.utf8), attributes: existed ? nil : [.posixPermissions: 0o640]) else {
                throw CommandFailure("cannot write \(tokens)")
            }
            print(token)
            Console.stderr("\(tokens): token of \(name) added (only its SHA-256 is kept; the token above is shown once)\n")
        }
    }

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Write a new key pair: NAME.key (private, mode 0600: keep it to yourself) and NAME.pub (public).",
            discussion: """
                A controller trusts a key once NAME.pub is in its trusted-keys folder \
                (/etc/lanterne/trusted-keys, or the cabinet file's flash.trustedKeys). A key is \
                never overwritten.
                """)

        @Option(name: .customLong("out"), help: ArgumentHelp("The pair's name: NAME.key and NAME.pub are written.", valueName: "name"))
        var name: String

        func run() throws {
            let (key, privatePath, publicPath) = try ProfileKeys.generate(name: name)
            print("\(privatePath): private key (keep it to yourself)")
            print("\(publicPath): public key \(KeyFingerprintText.of(key.publicKeyHex)) — copy it to the controllers' trusted-keys folder")
        }
    }
}

enum KeyFingerprintText {
    static func of(_ hex: String) -> String { ProfileSignature(sha256: "", publicKey: hex, signature: "").fingerprint.description }
}

/// `lanterne profile sign FILE --key NAME`
struct SignProfile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a profile: its detached signature goes to FILE.sig.",
        discussion: "The profile is validated first; the signature covers the file's bytes exactly: any change after signing is refused by the controller.")

    @Argument(help: ArgumentHelp("The profile file.", valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp("The key pair's name (NAME.key) or the private key's file.", valueName: "name"))
    var key: String

    @Option(help: ArgumentHelp("Where the signature goes (default FILE.sig).", valueName: "file"))
    var out: String?

    func run() throws {
        let loaded = ProfileLoader.load(path: file)
        Console.report(loaded.diagnostics)
        guard let profile = loaded.value else { throw CommandFailure("\(file) is not a valid profile: not signed") }
        if profile.version == nil {
            Console.stderr("warning: \(file) has no 'version:': a controller refuses to flash it (give it a version, then sign it)\n")
        }
        guard let data = FileManager.default.contents(atPath: file) else { throw CommandFailure("cannot read \(file)") }
        let signature = try ProfileSignature.sign(data, with: try ProfileKeys.load(name: key))
        let path = out ?? file + ".sig"
        guard FileManager.default.createFile(atPath: path, contents: Data(signature.text.utf8)) else { throw CommandFailure("cannot write \(path)") }
        print("\(path): profile \(profile.id) version \(profile.version.map(String.init) ?? "-") (sha256 \(signature.sha256.prefix(16))…) signed by \(signature.fingerprint)")
    }
}

/// `lanterne profile flash FILE [--dry-run]`
struct FlashProfile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flash",
        abstract: "Activate a signed profile on the running controller; with --dry-run, show what would change.",
        discussion: """
            The profile is validated here, its signature (FILE.sig, or --signature) checked \
            against the file, then uploaded. The controller validates it again against its own \
            board and cabinet, checks the signature against the keys it trusts and that its \
            version is above every version it has run, keeps it, and activates it at once; the \
            previous profile stays available to 'lanterne profile rollback'. --dry-run changes \
            nothing: it shows tonight's plan per group before and after, and the energy and \
            burning hours of a year simulated on this cabinet with each profile.
            """)

    @Argument(help: ArgumentHelp("The profile file.", valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp("Its detached signature (default FILE.sig when it exists).", valueName: "file"))
    var signature: String?

    @Flag(name: .customLong("dry-run"), help: "Check and compare; change nothing.")
    var dryRun = false

    @Flag(help: "Print the controller's answer as JSON.")
    var json = false

    @OptionGroup var control: ControlOptions

    func run() async throws {
        // 1. Valid here (the controller checks again against its cabinet).
        let loaded = ProfileLoader.load(path: file)
        Console.report(loaded.diagnostics)
        guard loaded.value != nil else { throw CommandFailure("\(file) is not a valid profile: nothing was sent") }
        guard let data = FileManager.default.contents(atPath: file) else { throw CommandFailure("cannot read \(file)") }
        // 2. Its signature is of this file.
        let signaturePath = signature ?? (FileManager.default.fileExists(atPath: file + ".sig") ? file + ".sig" : nil)
        var signatureText: String?
        if let signaturePath {
            guard let text = try? String(contentsOfFile: signaturePath, encoding: .utf8) else { throw CommandFailure("cannot read \(signaturePath)") }
            let parsed = try ProfileSignature.parse(text, file: signaturePath)
            guard parsed.sha256 == ProfileSignature.digest(data), parsed.verifies(data) else {
                throw CommandFailure("\(signaturePath) is not a signature of \(file) as it is now (changed after signing?): sign it again")
            }
            signatureText = text
        }
        // 3. Uploaded; the controller does the rest.
        let request = FlashRequest(file: (file as NSString).lastPathComponent, profile: String(decoding: data, as: UTF8.self),
                                   signature: signatureText, dryRun: dryRun)
        let result = try await control.client.call(.POST, "/v1/profile", body: request, as: FlashResult.self)
        if json {
            print(String(decoding: try APICoding.encoder().encode(result), as: UTF8.self))
            return
        }
        if let comparison = result.comparison {
            print(ComparisonText(comparison: comparison).text, terminator: "")
            print("dry run: nothing was changed; profile \(result.previous.id) version \(result.previous.version.map(String.init) ?? "-") stays in force")
        } else {
            print("profile \(result.active.id) version \(result.active.version.map(String.init) ?? "-") in force (sha256 \(result.active.sha256.prefix(16))…, "
                  + (result.active.signer.map { "signed by key \($0)" } ?? "UNSIGNED") + ")")
            print("previous: \(result.previous.id) version \(result.previous.version.map(String.init) ?? "-") — 'lanterne profile rollback' re-activates it")
        }
    }
}

/// A dry run's comparison as a technician reads it.
struct ComparisonText {
    let comparison: ProfileComparison
    var timeZone: TimeZone? { TimeZone(identifier: comparison.timeZone) }

    func time(_ d: Date) -> String {
        let f = DateFormatter()
        f.timeZone = timeZone ?? TimeZone(identifier: "UTC")
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = timeZone == nil ? "HH:mm'Z'" : "HH:mm"
        return f.string(from: d)
    }

    func plan(_ o: ProfileComparison.Outlook) -> [String] {
        o.tonight.map { g in
            "  \(g.id) (\(g.plan)): " + (g.steps.isEmpty ? "no switching" : g.steps.map { "\(time($0.at)) \(StatusText.level($0.level))" }.joined(separator: ", "))
        }
    }

    var text: String {
        let c = comparison
        func name(_ o: ProfileComparison.Outlook) -> String { "\(o.id) version \(o.version.map(String.init) ?? "-")" }
        var out = "tonight (lighting day \(c.night)), before: \(name(c.before))\n" + plan(c.before).joined(separator: "\n") + "\n"
        out += "after: \(name(c.after))\n" + plan(c.after).joined(separator: "\n") + "\n"
        out += "a year simulated on this cabinet (\(c.yearFrom) to \(c.yearTo), the same weather and presence):\n"
        if let e0 = c.before.yearKilowattHours, let e1 = c.after.yearKilowattHours, let h0 = c.before.yearBurningHours, let h1 = c.after.yearBurningHours {
            let de = e1 - e0, dh = h1 - h0
            out += "  energy         \(NumberText.fixed(e0, decimals: 0)) → \(NumberText.fixed(e1, decimals: 0)) kWh (\(de >= 0 ? "+" : "")\(NumberText.fixed(de, decimals: 0)) kWh, \(e0 > 0 ? String(format: "%+.1f %%", de / e0 * 100) : "-"))\n"
            out += "  burning hours  \(NumberText.fixed(h0, decimals: 0)) → \(NumberText.fixed(h1, decimals: 0)) h (\(dh >= 0 ? "+" : "")\(NumberText.fixed(dh, decimals: 0)) h)\n"
        } else {
            out += "  (the simulation could not run on the controller)\n"
        }
        return out
    }
}

/// `lanterne profile history`
struct ProfileHistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Every profile that was in force on the running controller: when, how, by whom, with which key, its hash.")

    @Flag(help: "Print the answer as JSON.")
    var json = false

    @OptionGroup var control: ControlOptions

    func run() async throws {
        let history = try await control.client.call(.GET, "/v1/profile/history", as: ProfileHistory.self)
        if json {
            print(String(decoding: try APICoding.encoder().encode(history), as: UTF8.self))
            return
        }
        for e in history.entries {
            print("\(InstantText.isoUTC(e.at))  \(e.action.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0))  \(e.id) version \(e.version.map(String.init) ?? "-")  sha256 \(e.sha256.prefix(16))…  "
                  + (e.signer.map { "key \($0)" } ?? "unsigned") + "  by \(e.by)")
        }
    }
}

/// `lanterne profile rollback [--to VERSION]`
struct RollbackProfile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Re-activate an earlier profile on the running controller, signed as it was.",
        discussion: "Without --to, the profile in force before the active one. Its kept copy and its signature are checked again against the keys the controller trusts today.")

    @Option(name: .customLong("to"), help: ArgumentHelp("The version to re-activate.", valueName: "version"))
    var version: Int?

    @OptionGroup var control: ControlOptions

    func run() async throws {
        let result = try await control.client.call(.POST, "/v1/profile/rollback", body: RollbackRequest(toVersion: version), as: FlashResult.self)
        print("profile \(result.active.id) version \(result.active.version.map(String.init) ?? "-") in force again (sha256 \(result.active.sha256.prefix(16))…), instead of version \(result.previous.version.map(String.init) ?? "-")")
    }
}
