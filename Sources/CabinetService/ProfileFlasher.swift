import Cabinet
import ControlAPI
import Controller
import Dispatch
import Foundation
import Ledger
import Lighting
import Logging
import ProfileTrust
import Simulation
import SourceFiles
import Units

/// `lanterne profile flash`, `rollback` and `history` on the running controller.
///
/// A flash, one at a time (a second one meanwhile is refused, saying whose is under way):
/// 1. the profile's text is validated against this cabinet and its board, as the cabinet
///    file's own profile is (``Cabinet/CabinetLoader/replacingProfile(of:text:file:)``);
/// 2. its signature is checked against the trusted keys (the cabinet file's `flash:`); an
///    unsigned profile only with `allowUnsigned: true` (the bench), and an event says so;
/// 3. its `version:` must be above the highest this controller has activated: an old signed
///    profile cannot be replayed (``rollback(_:by:)`` re-activates one, on purpose);
/// 4. a dry run stops here and compares: tonight's plan per group, a year simulated with each;
/// 5. the file and its signature are stored beside the state file (`flashed-profiles/SHA256.yaml`);
/// 6. the state file is written with it in force (atomic: the commit point — a crash before
///    it leaves the old profile, after it the new one);
/// 7. the control loop gets its engine and writes the outputs; an event records who flashed
///    which profile, its hash and its signer.
public actor ProfileFlasher {
    /// The run's cabinet with the profile in force.
    public private(set) var current: CabinetConfiguration
    let loop: ControlLoop
    let state: StateKeeper
    let say: @Sendable (ControlEvent) -> Void
    /// The flash under way: by whom, since when.
    private var busy: (by: String, since: Date)?

    public typealias Refusal = ControlServer.Refusal

    /// - Parameter say: logs an event and hands it to the ledger.
    public init(configuration: CabinetConfiguration, loop: ControlLoop, state: StateKeeper, say: @escaping @Sendable (ControlEvent) -> Void) {
        self.current = configuration
        self.loop = loop
        self.state = state
        self.say = say
    }

    /// The profiles in force so far, oldest first.
    public func history() async -> [ProfileHistoryEntry] { await state.history }

    public func flash(_ request: FlashRequest, by: String) async throws(Refusal) -> FlashResult {
        let now = try begin(by: by)
        defer { busy = nil }
        let data = Data(request.profile.utf8)
        let checked = try await check(text: request.profile, file: request.file)
        guard let version = checked.profile.version else {
            throw Refusal(.unprocessableContent, "profile \(checked.profile.id) (\(request.file)) has no version: give it 'version: N'"
                          + (await state.highestVersion.map { ", above \($0), the highest this controller has activated" } ?? ""))
        }
        let signer = try verify(data, signature: request.signature, file: request.file)
        if let highest = await state.highestVersion, version <= highest {
            let which = await state.history.last { $0.version == highest }
            throw Refusal(.conflict, "version \(version) of profile \(checked.profile.id) is not above \(highest), the highest this controller has activated"
                          + (which.map { " (profile \($0.id), \(InstantText.isoUTC($0.at)))" } ?? "")
                          + ": an old profile cannot be flashed again; 'lanterne profile rollback --to VERSION' re-activates one on purpose")
        }
        let digest = ProfileSignature.digest(data)
        let previous = await state.profile
        if request.dryRun {
            let comparison = await compare(with: checked, sha256: digest, at: now)
            let would = ActiveProfile(id: checked.profile.id, version: version, sha256: digest, path: request.file, since: now,
                                      signer: signer?.text)
            return FlashResult(active: would, previous: previous, comparison: comparison)
        }
        let stored = try store(data, signature: request.signature, sha256: digest)
        let active = ActiveProfile(id: checked.profile.id, version: version, sha256: digest, path: stored, since: now, signer: signer?.text)
        try await activate(checked, as: active, action: .flash, by: by, at: now,
                           detail: "flashed by \(by)" + (signer.map { ", signed by \($0)" } ?? ", UNSIGNED (allowUnsigned: for the bench only)")
                           + "; replaces \(previous.id) version \(previous.version.map(String.init) ?? "-") (sha256 \(previous.sha256))")
        return FlashResult(active: active, previous: previous, comparison: nil)
    }

    /// Re-activates an earlier profile from its stored copy: version `toVersion`, or the one in
    /// force before the active one. Its signature is checked again against today's trusted
    /// keys; its version may be below the active one's (that is what a rollback is for).
    public func rollback(_ request: RollbackRequest, by: String) async throws(Refusal) -> FlashResult {
        let now = try begin(by: by)
        defer { busy = nil }
        let history = await state.history, previous = await state.profile
        let target: ProfileHistoryEntry
        if let version = request.toVersion {
            guard let entry = history.last(where: { $0.version == version }) else {
                let known = Array(Set(history.compactMap(\.version))).sorted().map(String.init).joined(separator: ", ")
                throw Refusal(.notFound, "no profile of version \(version) was ever in force here" + (known.isEmpty ? "" : " (versions: \(known))"))
            }
            target = entry
        } else {
            guard let entry = history.last(where: { $0.sha256 != previous.sha256 }) else {
                throw Refusal(.notFound, "no earlier profile to roll back to: only \(previous.id) has been in force here")
            }
            target = entry
        }
        guard target.sha256 != previous.sha256 else {
            throw Refusal(.conflict, "version \(target.version.map(String.init) ?? "-") (profile \(target.id)) is the one in force")
        }
        guard let data = FileManager.default.contents(atPath: target.path), ProfileSignature.digest(data) == target.sha256 else {
            throw Refusal(.gone, "the copy of profile \(target.id) kept at \(target.path) is missing or was changed: it cannot be re-activated; flash it again")
        }
        let signatureText = try? String(contentsOfFile: target.path + ".sig", encoding: .utf8)
        let checked = try await check(text: String(decoding: data, as: UTF8.self), file: target.path)
        let signer = target.action == .cabinetFile ? nil : try verify(data, signature: signatureText, file: target.path)
        let active = ActiveProfile(id: checked.profile.id, version: checked.profile.version, sha256: target.sha256, path: target.path,
                                   since: now, signer: signer?.text)
        try await activate(checked, as: active, action: .rollback, by: by, at: now,
                           detail: "rolled back by \(by) from version \(previous.version.map(String.init) ?? "-") (sha256 \(previous.sha256))"
                           + (signer.map { ", signed by \($0)" } ?? ""))
        return FlashResult(active: active, previous: previous, comparison: nil)
    }

    // MARK: - The steps

    /// Takes the flash (refused while another holds it); returns now.
    private func begin(by: String) throws(Refusal) -> Date {
        if let busy {
            throw Refusal(.conflict, "another flash is under way (by \(busy.by), since \(InstantText.isoUTC(busy.since))): try again when it is done")
        }
        let now = loop.clock.wallNow
        busy = (by, now)
        return now
    }

    /// The profile's text against this cabinet and board.
    private func check(text: String, file: String) async throws(Refusal) -> CabinetConfiguration {
        let loaded = CabinetLoader.replacingProfile(of: current, text: text, file: file)
        guard let config = loaded.value else {
            let findings = loaded.diagnostics.sorted.filter { $0.severity == .error }.map(\.description)
            throw Refusal(.unprocessableContent, "\(file) is not a valid profile for cabinet \(current.site.id) (\(findings.count) error(s)); the active profile stays",
                          findings: findings)
        }
        return config
    }

    /// Who signed it, or nil for an unsigned profile the cabinet file allows.
    private func verify(_ data: Data, signature text: String?, file: String) throws(Refusal) -> KeyFingerprint? {
        guard let text else {
            if current.flash.allowUnsigned { return nil }
            throw Refusal(.forbidden, "\(file) is unsigned: sign it ('lanterne profile sign \(file) --key NAME') with a key this controller trusts (\(current.flash.trustedKeys))")
        }
        do {
            let signature = try ProfileSignature.parse(text, file: file + ".sig")
            return try TrustedKeys(directory: current.flash.trustedKeys).check(data, signature: signature, file: file)
        } catch {
            throw Refusal(.forbidden, error.description + "; the active profile stays")
        }
    }

    /// The file and its signature kept beside the state file, named by the file's hash.
    private func store(_ data: Data, signature: String?, sha256: String) throws(Refusal) -> String {
        guard let directory = state.profilesDirectory else {
            throw Refusal(.conflict, "this controller keeps no state file (lanterne run --state): a flashed profile would be lost at its next start")
        }
        let path = (directory as NSString).appendingPathComponent("\(sha256).yaml")
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
            try AtomicFile.write(data, to: path)
            if let signature { try AtomicFile.write(Data(signature.utf8), to: path + ".sig") }
        } catch {
            throw Refusal(.internalServerError, "cannot keep the profile: \(error); the active profile stays")
        }
        return path
    }

    /// The state first (the commit point), then the loop, then the event.
    private func activate(_ config: CabinetConfiguration, as active: ActiveProfile, action: ProfileHistoryEntry.Action, by: String,
                          at now: Date, detail: String) async throws(Refusal) {
        let engine: DimmingEngine
        do { engine = try DimmingEngine.compile(profile: config.profile, installation: config.installation).get() } catch {
            throw Refusal(.unprocessableContent, "\(error)")
        }
        let entry = ProfileHistoryEntry(at: now, action: action, id: active.id, version: active.version, sha256: active.sha256,
                                        signer: active.signer, by: by, path: active.path)
        do { try await state.commit(active, entry: entry) } catch {
            throw Refusal(.internalServerError, "\(error); the active profile stays")
        }
        current = config
        await loop.activate(engine)
        say(ControlEvent(at: now, kind: .profileActivated(id: active.id, version: active.version, sha256: active.sha256, detail: detail,
                                                          unsigned: action == .flash && active.signer == nil)))
    }

    // MARK: - Dry run

    /// Tonight's plan per group and a year simulated (same seed, same weather and presence),
    /// with the active profile and with `candidate`. The simulations run on a dispatch thread,
    /// off the threads the control loop runs on.
    func compare(with candidate: CabinetConfiguration, sha256: String, at now: Date) async -> ProfileComparison {
        let before = current, activeProfile = await state.profile
        let engineBefore = await loop.engine
        let night = engineBefore.lightingDay(containing: now)
        let clock = engineBefore.clock
        let from = clock.noon(of: night), to = clock.noon(of: night.adding(days: 365))
        async let yearBefore = Self.simulateYear(before, from: from, to: to)
        async let yearAfter = Self.simulateYear(candidate, from: from, to: to)
        func outlook(_ config: CabinetConfiguration, id: String, version: Int?, sha256: String, year: (Double, Double)?) -> ProfileComparison.Outlook {
            var groups: [ProfileComparison.Group] = []
            if let engine = try? DimmingEngine.compile(profile: config.profile, installation: config.installation).get() {
                let resolved = engine.night(night, photocell: nil)
                for (g, group) in config.profile.groups.enumerated() {
                    let t = resolved.timelines[g]
                    groups.append(.init(id: group.id, circuits: group.circuits, plan: t.plan, steps: t.steps.map {
                        .init(at: $0.at, level: $0.level.percent, fadeSeconds: $0.fadeSeconds, reason: $0.reason.description)
                    }))
                }
            }
            return .init(id: id, version: version, sha256: sha256, tonight: groups, yearKilowattHours: year?.0, yearBurningHours: year?.1)
        }
        let (b, a) = await (yearBefore, yearAfter)
        return ProfileComparison(
            night: night.description, timeZone: before.site.timeZone.identifier, yearFrom: night.description, yearTo: night.adding(days: 364).description,
            before: outlook(before, id: activeProfile.id, version: activeProfile.version, sha256: activeProfile.sha256, year: b),
            after: outlook(candidate, id: candidate.profile.id, version: candidate.profile.version, sha256: sha256, year: a))
    }

    /// The lighting energy (kWh) and burning hours of `[from, to)` simulated for `config`.
    static func simulateYear(_ config: CabinetConfiguration, from: Date, to: Date) async -> (Double, Double)? {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .utility).async {
                guard let simulator = try? CabinetSimulator(configuration: config, seed: config.simulation.seed),
                      let report = try? simulator.run(from: from, to: to) else {
                    continuation.resume(returning: nil)
                    return
                }
                continuation.resume(returning: (report.lighting.kilowattHours, report.burningHours))
            }
        }
    }
}
