import ControlAPI
import Foundation
import ModbusTestSupport
import ProfileTrust
import Testing

/// Signed profiles flashed to a running controller on the cabinet peer: keys, signatures,
/// dry run, flash, history, rollback, a restart; every refusal (unsigned, an unknown key, a
/// changed file, an invalid profile, a replayed version); a thousand bad profiles; two flashes
/// at once; kill -9 in the middle of flashes.
@Suite(.serialized) struct ProfileFlashTests {
    /// The peer cabinet's profile (tools/gpio-sim/check/testbed-profile.yaml) as version `n`,
    /// its street plan renamed `street-vN` (so the status shows which is in force).
    static func profile(version n: Int) throws -> String {
        let base = try String(contentsOf: CLIRunner.packageRoot.appendingPathComponent("tools/gpio-sim/check/testbed-profile.yaml"), encoding: .utf8)
        return base.replacingOccurrences(of: "profile: gpio-sim-check\n", with: "profile: gpio-sim-check\nversion: \(n)\n")
            .replacingOccurrences(of: "id: full-night", with: "id: street-v\(n)")
            .replacingOccurrences(of: "default: full-night", with: "default: street-v\(n)")
    }

    /// A controller on the peer with its trusted keys in `dir/keys` (tech.pub), `extra` in its
    /// cabinet file.
    struct Bench {
        let peer: CabinetPeer
        let dir: URL
        let cabinet: String
        var socket: String { dir.appendingPathComponent("control.sock").path }
        var client: ControlClient { ControlClient(socketPath: socket) }
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

        /// `lanterne ARGUMENTS --control SOCKET`.
        func cli(_ arguments: [String]) throws -> CLIResult {
            try CLIRunner.run(arguments + ["--control", socket])
        }

        /// Writes version `n`, signed by `key` (nil: unsigned); returns its file's name.
        func write(version n: Int, key: String? = "tech") throws -> String {
            let name = "v\(n).yaml"
            try ProfileFlashTests.profile(version: n).write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
            if let key {
                let r = try CLIRunner.run(["profile", "sign", path(name), "--key", path(key)])
                guard r.status == 0 else { throw TestbedError("sign: \(r.stderr)") }
            }
            return name
        }

        func status() async throws -> CabinetStatus { try await client.call(.GET, "/v1/status", as: CabinetStatus.self) }
    }

    static func bench(extra: String = "", keys: Bool = true) throws -> Bench {
        let peer = try CabinetPeer(timeScale: 1)
        let flash = keys ? "flash: { trustedKeys: keys }\n" : ""
        let (dir, cabinet) = try ControlAPITests.cabinet(on: peer, id: "flash", extra: flash + extra)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("keys"), withIntermediateDirectories: true)
        for key in ["tech", "stranger"] {
            let r = try CLIRunner.run(["keys", "generate", "--out", dir.appendingPathComponent(key).path])
            guard r.status == 0 else { throw TestbedError("keys generate: \(r.stderr)") }
        }
        try FileManager.default.copyItem(at: dir.appendingPathComponent("tech.pub"), to: dir.appendingPathComponent("keys/tech.pub"))
        return Bench(peer: peer, dir: dir, cabinet: cabinet)
    }

    @Test func aTechniciansSessionFlashDryRunHistoryRollbackRestart() async throws {
        try RunLedgerTests.declareKernelClockSynchronised()
        let b = try Self.bench()
        defer { try? FileManager.default.removeItem(at: b.dir) }
        let ledger = b.path("ledger.sqlite")
        var (process, err) = try await ControlAPITests.start(b.cabinet, in: b.dir, extra: ["--ledger", ledger, "--interval", "1s"])
        let first = try await b.status()
        #expect(first.profile.version == nil && first.profile.signer == nil)

        // Keys and a signature (written by the CLI).
        let pub = try String(contentsOfFile: b.path("tech.pub"), encoding: .utf8)
        let mode = try FileManager.default.attributesOfItem(atPath: b.path("tech.key"))[.posixPermissions] as? Int
        #expect(pub.count == 65 && mode == 0o600)
        let again = try CLIRunner.run(["keys", "generate", "--out", b.path("tech")])
        #expect(again.status == 1 && again.stderr.contains("tech.pub exists already: a key is never overwritten"), "\(again)")
        let v2 = try b.write(version: 2)
        let sig = try String(contentsOfFile: b.path(v2 + ".sig"), encoding: .utf8)
        #expect(sig.hasPrefix("lanterne profile signature 1\nsha256: "), "\(sig)")

        // A dry run changes nothing, and compares.
        let dry = try b.cli(["profile", "flash", b.path(v2), "--dry-run"])
        #expect(dry.status == 0, "\(dry)")
        for line in ["tonight (lighting day", "after: gpio-sim-check version 2", "street (street-v2):", "a year simulated on this cabinet",
                     "energy", "burning hours", "dry run: nothing was changed"] {
            #expect(dry.stdout.contains(line), "\(line): \(dry.stdout)")
        }
        #expect(try await b.status().profile == first.profile)

        // The flash.
        let flash = try b.cli(["profile", "flash", b.path(v2)])
        #expect(flash.status == 0 && flash.stdout.contains("profile gpio-sim-check version 2 in force"), "\(flash)")
        let after = try await b.status()
        #expect(after.profile.version == 2 && after.profile.signer != nil && after.profile.path.contains("/flashed-profiles/"))
        #expect(after.circuits.first { $0.id == "c1" }?.reason.contains("street-v2") == true, "\(after.circuits)")
        // Replayed: refused, nothing changes.
        let replay = try b.cli(["profile", "flash", b.path(v2)])
        #expect(replay.status == 1 && replay.stderr.contains("is not above 2, the highest this controller has activated"), "\(replay)")
        let v3 = try b.write(version: 3)
        #expect(try b.cli(["profile", "flash", b.path(v3)]).status == 0)
        let history = try b.cli(["profile", "history"])
        #expect(history.stdout.split(separator: "\n").count == 3, "\(history)")
        #expect(history.stdout.contains("cabinet file") && history.stdout.contains("flash         gpio-sim-check version 3"), "\(history)")

        // Rollback: version 2 again, signed as it was.
        let rollback = try b.cli(["profile", "rollback"])
        #expect(rollback.status == 0 && rollback.stdout.contains("version 2 in force again"), "\(rollback)")
        #expect(try await b.status().profile.version == 2)
        let nowhere = try b.cli(["profile", "rollback", "--to", "9"])
        #expect(nowhere.status == 1 && nowhere.stderr.contains("no profile of version 9 was ever in force here (versions: 2, 3)"), "\(nowhere)")

        // A restart resumes the profile in force, from its kept copy.
        _ = ControlAPITests.stop(process, err)
        try await Task.sleep(for: .milliseconds(1100))   // past the ledger's last record (whole seconds)
        (process, err) = try await ControlAPITests.start(b.cabinet, in: b.dir, extra: ["--ledger", ledger, "--interval", "1s"])
        let resumed = try await b.status()
        #expect(resumed.profile.version == 2 && resumed.profile.sha256 == after.profile.sha256, "\(resumed.profile)")
        #expect(resumed.circuits.first { $0.id == "c1" }?.reason.contains("street-v2") == true)
        try await Task.sleep(for: .milliseconds(1500))
        let log = ControlAPITests.stop(process, err)
        #expect(log.contains("profile gpio-sim-check version 2 (flashed"), "\(log)")

        // The ledger: each activation with its hash, its signer and who; the restart's agrees.
        let events = try RunLedgerTests.query(ledger, "SELECT detail FROM event WHERE kind = 'profile' ORDER BY seq").map { $0[0] }
        let fingerprint = try #require(after.profile.signer)
        #expect(events.count == 5, "\(events)")   // the start's, v2, v3, the rollback, the restart's
        #expect(events[1].hasPrefix("sha256 \(after.profile.sha256) version 2: flashed by root (uid 0), signed by key \(fingerprint); replaces gpio-sim-check version - (sha256 \(first.profile.sha256))"), "\(events)")
        #expect(events[3].contains("rolled back by root (uid 0) from version 3"), "\(events)")
        #expect(events[4].hasPrefix("sha256 \(after.profile.sha256)"), "\(events)")
        let verify = try CLIRunner.run(["ledger", "verify", "--ledger", ledger])
        #expect(verify.status == 0, "\(verify)")
    }

    /// Every way a profile is refused, through the API as a client could send it: the message
    /// says why; the profile in force stays.
    @Test func everyRefusalSaysWhyAndTheActiveProfileStays() async throws {
        try RunLedgerTests.declareKernelClockSynchronised()
        let b = try Self.bench()
        defer { try? FileManager.default.removeItem(at: b.dir) }
        let (process, err) = try await ControlAPITests.start(b.cabinet, in: b.dir)
        defer { _ = ControlAPITests.stop(process, err) }
        let before = try await b.status()
        let v2 = try Self.profile(version: 2)
        let signedV2 = try String(contentsOfFile: b.path(try b.write(version: 2) + ".sig"), encoding: .utf8)
        _ = try b.write(version: 2, key: "stranger")
        let strangers = try String(contentsOfFile: b.path("v2.yaml.sig"), encoding: .utf8)

        func refused(_ profile: String, signature: String?, _ status: Int, _ said: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let request = FlashRequest(file: "v2.yaml", profile: profile, signature: signature, dryRun: false)
            do {
                _ = try await b.client.call(.POST, "/v1/profile", body: request, as: FlashResult.self)
                Issue.record("accepted", sourceLocation: sourceLocation)
            } catch {
                #expect(error.status == status, "\(error)", sourceLocation: sourceLocation)
                #expect(error.description.contains(said), "\(error)", sourceLocation: sourceLocation)
            }
        }
        try await refused(v2, signature: nil, 403, "v2.yaml is unsigned: sign it ('lanterne profile sign v2.yaml --key NAME')")
        try await refused(v2, signature: strangers, 403, "which this controller does not trust (")
        try await refused(v2.replacingOccurrences(of: "level: 50", with: "level: 60"), signature: signedV2, 403, "the signature is of another file")
        let forged = signedV2.replacingOccurrences(of: #"signature: [0-9a-f]{4}"#, with: "signature: 0000", options: .regularExpression)
        try await refused(v2, signature: forged, 403, "does not match its content: the file was changed after it was signed")
        try await refused(v2, signature: "hello", 403, "not a Lanterne profile signature")
        try await refused(v2.replacingOccurrences(of: "program: path\n", with: "program: paths\n"), signature: nil, 422, "v2.yaml:31:5: error: unknown program 'paths'; did you mean 'path'?")
        try await refused(v2.replacingOccurrences(of: "version: 2\n", with: ""), signature: signedV2, 422, "has no version: give it 'version: N'")
        try await refused(v2.replacingOccurrences(of: "[c1, c2]", with: "[c1, c9]"), signature: nil, 422, "names circuit 'c9', which the cabinet does not have")
        // Malformed requests.
        let answer = try await b.client.send(.POST, "/v1/profile", body: Data("{\"file\": 3}".utf8))
        #expect(answer.status == 400 && String(decoding: answer.body, as: UTF8.self).contains("is not what POST /v1/profile takes"))
        #expect(try await b.status().profile == before.profile)
    }

    @Test func aBenchCabinetTakesUnsignedProfilesWithAnEventAndNoStateFileNoFlash() async throws {
        try RunLedgerTests.declareKernelClockSynchronised()
        let b = try Self.bench(extra: "flash: { allowUnsigned: true }", keys: false)
        defer { try? FileManager.default.removeItem(at: b.dir) }
        var (process, err) = try await ControlAPITests.start(b.cabinet, in: b.dir)
        let flash = try b.cli(["profile", "flash", b.path(try b.write(version: 2, key: nil))])
        #expect(flash.status == 0 && flash.stdout.contains("UNSIGNED"), "\(flash)")
        let log = ControlAPITests.stop(process, err)
        #expect(log.contains("warning: profile gpio-sim-check version 2 in force") && log.contains("UNSIGNED (allowUnsigned: for the bench only)"), "\(log)")

        // Without a state file a flashed profile would not survive a restart: refused.
        let socket = b.socket
        (process, err) = try RunLedgerTests.start(["run", "--cabinet", b.cabinet, "--control", socket])
        defer { _ = ControlAPITests.stop(process, err) }
        try await Self.until { (try? CLIRunner.run(["status", "--control", socket]).status) == 0 }
        let refused = try b.cli(["profile", "flash", b.path(try b.write(version: 3, key: nil))])
        #expect(refused.status == 1 && refused.stderr.contains("keeps no state file (lanterne run --state)"), "\(refused)")
    }

    /// A dry run (its year simulations) holds the flash: a second flash meanwhile is told why.
    /// Two dry runs are sent at once (neither changes anything, and either may reach the
    /// controller first), again until they meet.
    @Test func twoFlashesAtOnceAreSerialised() async throws {
        try RunLedgerTests.declareKernelClockSynchronised()
        let b = try Self.bench()
        defer { try? FileManager.default.removeItem(at: b.dir) }
        let (process, err) = try await ControlAPITests.start(b.cabinet, in: b.dir)
        defer { _ = ControlAPITests.stop(process, err) }
        let v2 = try Self.profile(version: 2), sig = try String(contentsOfFile: b.path(try b.write(version: 2) + ".sig"), encoding: .utf8)
        let client = b.client
        let request = FlashRequest(file: "v2.yaml", profile: v2, signature: sig, dryRun: true)
        @Sendable func flash() async -> Result<FlashResult, ControlClientError> {
            do { return .success(try await client.call(.POST, "/v1/profile", body: request, as: FlashResult.self)) } catch { return .failure(error) }
        }
        var winner: FlashResult?, loser: ControlClientError?
        for _ in 0..<20 where loser == nil {
            async let one = flash(), other = flash()
            for outcome in await [one, other] {
                switch outcome {
                case .success(let result): winner = result
                case .failure(let error) where error.status == 409: loser = error
                case .failure(let error): throw error
                }
            }
        }
        #expect(winner?.comparison != nil)
        let refused = try #require(loser, "no flash was refused while another ran")
        #expect(refused.message.contains("another flash is under way (by root (uid 0), since "), "\(refused)")
        #expect(try await b.status().profile.version == nil)
    }

    /// A thousand profiles mutated, truncated, stale-signed, signed by a stranger, or replayed:
    /// each refused with a message; the controller runs on with its profile and plan unchanged.
    @Test func aThousandBadProfilesChangeNothing() async throws {
        try RunLedgerTests.declareKernelClockSynchronised()
        let b = try Self.bench()
        defer { try? FileManager.default.removeItem(at: b.dir) }
        let (process, err) = try await ControlAPITests.start(b.cabinet, in: b.dir)
        defer { _ = ControlAPITests.stop(process, err) }
        // Version 5 in force: a valid signed mutation of version 5 is a replay.
        #expect(try b.cli(["profile", "flash", b.path(try b.write(version: 5))]).status == 0)
        let before = try await b.status()
        let original = try Self.profile(version: 5)
        let stale = try String(contentsOfFile: b.path("v5.yaml.sig"), encoding: .utf8)
        var rng = SplitMix(seed: 20261130)
        var byStatus: [Int: Int] = [:]
        for i in 0..<1000 {
            var bytes = Array(original.utf8)
            switch rng.next() % 5 {   // the text
            case 0: bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count))))
            case 1:
                for _ in 0..<(1 + rng.next() % 4) where !bytes.isEmpty { bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next() % 128) }
            case 2:
                for _ in 0..<(1 + rng.next() % 8) where !bytes.isEmpty { bytes.remove(at: Int(rng.next() % UInt64(bytes.count))) }
            case 3:
                let tokens = [": ", "\n", "- ", "{", "}", "[", "]", "level: 130", "at: 25:00", "version: 0", "&a", "*a", "!!binary", "~", "\"", "\t"]
                for _ in 0..<(1 + rng.next() % 3) {
                    bytes.insert(contentsOf: Array(tokens[Int(rng.next() % UInt64(tokens.count))].utf8), at: Int(rng.next() % UInt64(bytes.count + 1)))
                }
            default: break   // the text as it is: the signature does the harm
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let signature: String? = switch rng.next() % 4 {
            case 0: nil
            case 1: stale
            case 2: try Self.sign(text, key: b.path("stranger.key"))
            default: try Self.sign(text, key: b.path("tech.key"))   // well signed: a replay, or invalid
            }
            let answer = try await b.client.send(.POST, "/v1/profile",
                                                 body: try APICoding.encoder().encode(FlashRequest(file: "p\(i).yaml", profile: text,
                                                                                                   signature: signature, dryRun: false)))
            byStatus[answer.status, default: 0] += 1
            #expect(!(200..<300).contains(answer.status), "accepted #\(i): \(text)")
            let message = try? APICoding.decoder().decode(APIError.self, from: answer.body)
            #expect(message?.error.isEmpty == false, "#\(i): \(String(decoding: answer.body, as: UTF8.self))")
        }
        print("a thousand bad profiles: answers by status \(byStatus.sorted { $0.key < $1.key })")
        #expect(process.isRunning)
        let after = try await b.status()
        #expect(after.profile == before.profile)
        #expect(after.circuits.map { [$0.id, $0.reason, "\($0.level)", "\(String(describing: $0.next))"] }
                == before.circuits.map { [$0.id, $0.reason, "\($0.level)", "\(String(describing: $0.next))"] })
    }

    /// kill -9 at a random moment of a flash, 50 times, each followed by a restart: the profile
    /// in force is exactly the old one or the new one, whole, and the ledger's last profile
    /// event names it.
    @Test func killedInTheMiddleOfAFlashFiftyTimes() async throws {
        try RunLedgerTests.declareKernelClockSynchronised()
        let b = try Self.bench()
        defer { try? FileManager.default.removeItem(at: b.dir) }
        let ledger = b.path("ledger.sqlite")
        let arguments = ["--ledger", ledger, "--interval", "1s"]
        var (process, err) = try await ControlAPITests.start(b.cabinet, in: b.dir, extra: arguments)
        var rng = SplitMix(seed: 50)
        var outcomes: [String: Int] = [:]
        func runs() throws -> Int { try RunLedgerTests.query(ledger, "SELECT count(*) FROM event WHERE kind = 'ledger' AND subject = 'run'").first.flatMap { Int($0[0]) } ?? 0 }
        for round in 1...50 {
            // The run's ledger has recorded its start (its profile event) before the flash.
            let started = round
            try await Self.until { (try? runs()) ?? 0 >= started }
            let before = try await b.status().profile
            let name = try b.write(version: round + 1)
            let candidate = ProfileSignature.digest(try Data(contentsOf: URL(fileURLWithPath: b.path(name))))
            let flash = Process()
            flash.executableURL = CLIRunner.executable
            flash.arguments = ["profile", "flash", b.path(name), "--control", b.socket]
            flash.standardOutput = FileHandle.nullDevice
            flash.standardError = FileHandle.nullDevice
            try flash.run()
            try await Task.sleep(for: .milliseconds(Int(20 + rng.next() % 180)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            // Truly gone: a process killed in the middle of an fsync dies when the call returns,
            // and the next run must not find it still answering on the socket or renaming the
            // state file (seen on a loaded CI machine).
            try await Self.gone(process.processIdentifier)
            _ = err.fileHandleForReading.readDataToEndOfFile()
            // The client goes too: none of its requests may reach the next run (under load one
            // was seen to flash the restarted controller).
            kill(flash.processIdentifier, SIGKILL)
            flash.waitUntilExit()

            let restarted = Date()
            (process, err) = try await ControlAPITests.start(b.cabinet, in: b.dir, extra: arguments)
            let status = try await b.status()
            #expect(status.startedAt > restarted.addingTimeInterval(-1), "round \(round): the previous controller answered")
            let after = status.profile
            let outcome = after.sha256 == candidate ? "new" : after.sha256 == before.sha256 ? "old" : "neither"
            outcomes[outcome, default: 0] += 1
            #expect(outcome != "neither", "round \(round): \(after) is neither \(before.sha256) nor \(candidate)")
            if outcome == "new" { #expect(after.version == round + 1) }
            // The restart's ledger records the profile in force: its last profile event names it.
            try await Self.until { (try? runs()) ?? 0 >= round + 1 }
            let last = try RunLedgerTests.query(ledger, "SELECT detail FROM event WHERE kind = 'profile' ORDER BY seq DESC LIMIT 1").first?.first
            let profileEvents = try RunLedgerTests.query(ledger, "SELECT seq, subject, detail FROM event WHERE kind IN ('profile', 'ledger') ORDER BY seq DESC LIMIT 6")
            #expect(last?.hasPrefix("sha256 \(after.sha256)") == true, "round \(round): \(String(describing: last)) against \(after.sha256): \(profileEvents)")
        }
        let log = ControlAPITests.stop(process, err)
        #expect(!log.contains("unusable"), "\(log)")
        print("kill -9 in flashes: \(outcomes.sorted { $0.key < $1.key })")
        #expect(try CLIRunner.run(["ledger", "verify", "--ledger", ledger]).status == 0)
    }

    /// Waits until process `pid` is dead (gone, or a zombie), up to 30 s.
    static func gone(_ pid: Int32) async throws {
        let end = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < end {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return }
            if stat[stat.index(close, offsetBy: 2)] == "Z" { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestbedError("process \(pid) still alive 30 s after SIGKILL")
    }

    /// Waits until `condition` holds, up to 30 s (a loaded machine is slow to record).
    static func until(_ condition: () -> Bool) async throws {
        let end = ContinuousClock.now + .seconds(30)
        while !condition(), ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(50)) }
    }

    /// The signature of `text` by the key at `key` (the CLI signs only valid profiles).
    static func sign(_ text: String, key: String) throws -> String {
        try ProfileSignature.sign(Data(text.utf8), with: try ProfileKeys.load(name: key)).text
    }
}

/// A small seeded generator: the same mutations on every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
