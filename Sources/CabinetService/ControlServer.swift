import Cabinet
import ControlAPI
import Controller
import Foundation
import Glibc
import Hummingbird
import Ledger
import Lighting
import Logging
import NIOCore
import ServiceLifecycle
import SourceFiles
import Units

/// The state file's keeper: writes the controller's state (the profile in force and the
/// history of profiles, the overrides) after each change, one write at a time.
public actor StateKeeper {
    let file: StateFile?
    let cabinet: String
    let loop: ControlLoop
    public private(set) var profile: ActiveProfile
    public private(set) var history: [ProfileHistoryEntry]

    public init(file: StateFile?, cabinet: String, profile: ActiveProfile, history: [ProfileHistoryEntry], loop: ControlLoop) {
        self.file = file
        self.cabinet = cabinet
        self.profile = profile
        self.history = history
        self.loop = loop
    }

    /// Where flashed profiles are kept: `flashed-profiles/` beside the state file (nil: no state file).
    public nonisolated var profilesDirectory: String? {
        file.map { (($0.path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("flashed-profiles") }
    }

    /// The highest version ever in force here.
    public var highestVersion: Int? { history.compactMap(\.version).max() }

    /// Writes the state as it is now (nothing without a state file).
    public func save() async throws(StateFileError) {
        guard let file else { return }
        let state = ControllerState(cabinet: cabinet, profile: profile, overrides: await loop.overrides, history: history,
                                    savedAt: loop.clock.wallNow)
        try file.save(state)
    }

    /// Makes `active` the profile in force, with its history entry, written before it returns;
    /// when the write fails nothing changes.
    public func commit(_ active: ActiveProfile, entry: ProfileHistoryEntry) async throws(StateFileError) {
        let before = (profile, history)
        profile = active
        history.append(entry)
        do { try await save() } catch {
            (profile, history) = before
            throw error
        }
    }
}

/// The control API on the controller's Unix socket (hummingbird): `lanterne status`,
/// `lanterne override` and the other technician's commands talk to it. docs/openapi.yaml
/// describes it; docs/API.md explains it.
///
/// The socket is made with mode 0660 and given to the group `group` (default `lanterne`): the
/// kernel lets only its owner and that group's members connect. Each change says who made it:
/// the connecting process's user, from the socket's peer credentials.
public struct ControlServer: Sendable {
    public struct Context: Sendable {
        public var configuration: CabinetConfiguration
        public var program: String
        public var startedAt: Date
        public var startedMonotonic: ContinuousClock.Instant
        public var ledgerPath: String?
        public init(configuration: CabinetConfiguration, program: String, startedAt: Date, startedMonotonic: ContinuousClock.Instant,
                    ledgerPath: String?) {
            self.configuration = configuration
            self.program = program
            self.startedAt = startedAt
            self.startedMonotonic = startedMonotonic
            self.ledgerPath = ledgerPath
        }
    }

    let context: Context
    let loop: ControlLoop
    let state: StateKeeper
    let flasher: ProfileFlasher
    let watch: FaultWatch?
    let progress: LedgerProgress?
    let inbox: EventInbox
    let logger: Logger

    public init(context: Context, loop: ControlLoop, state: StateKeeper, flasher: ProfileFlasher, watch: FaultWatch?,
                progress: LedgerProgress?, inbox: EventInbox, logger: Logger) {
        self.inbox = inbox
        self.context = context
        self.loop = loop
        self.state = state
        self.flasher = flasher
        self.watch = watch
        self.progress = progress
        self.logger = logger
    }

    // MARK: - What it answers

    /// `GET /v1/status`.
    public func status() async -> CabinetStatus {
        let c = context.configuration
        let trust = await loop.clockTrust
        let profile = await state.profile
        let sample = watch?.lastSample
        var readings: [String: CabinetStatus.Reading] = [:]
        for (register, watts) in sample?.power ?? [:] { readings[register, default: .init(register: register, watts: nil, volts: nil)].watts = watts }
        for (phase, volts) in sample?.volts ?? [:] { readings[phase, default: .init(register: phase, watts: nil, volts: nil)].volts = volts }
        return CabinetStatus(
            cabinet: c.site.id, timeZone: c.site.timeZone.identifier, board: c.board.id, program: context.program, now: loop.clock.wallNow, startedAt: context.startedAt,
            uptimeSeconds: Self.seconds(loop.clock.monotonicNow - context.startedMonotonic),
            profile: profile,
            clock: .init(trusted: trust?.isTrusted ?? false, reasons: trust?.reasons.map(\.description) ?? ["not read yet"]),
            circuits: await loop.outlook().map {
                .init(id: $0.circuit, output: $0.output, level: $0.level.percent, reason: $0.reason, override: $0.override,
                      faulted: $0.faulted, switchingAt: $0.switchingAt, next: $0.next.map { .init(at: $0.at, level: $0.level.percent, reason: $0.reason) })
            },
            overrides: await loop.overrides,
            faults: (watch?.faults ?? []).map { .init(fault: $0.fault.rawValue, subject: $0.subject, since: $0.since, detail: $0.detail) },
            readings: readings.values.sorted { $0.register < $1.register },
            registers: (progress?.registers ?? []).map { .init(channel: $0.channel, wattHours: Double($0.wattHours)) },
            ledger: context.ledgerPath.map { .init(path: $0, lastIntervalEnd: progress?.lastIntervalEnd) })
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// An error answer: the status and a message a person can act on.
    public struct Refusal: Error, Sendable {
        public var status: HTTPResponse.Status
        public var message: String
        /// A profile's findings (`FILE:LINE:COL: error: ...`).
        public var findings: [String]?
        public init(_ status: HTTPResponse.Status, _ message: String, findings: [String]? = nil) {
            self.status = status
            self.message = message
            self.findings = findings
        }
    }

    /// The longest override: an override is a technician's temporary measure.
    public static let longestOverride: Double = 7 * 86_400

    /// `POST /v1/overrides`: checks the request against the cabinet, puts the override in force
    /// and saves the state before answering (so an override answered survives a restart).
    public func setOverride(_ request: OverrideRequest, by: String) async throws(Refusal) -> OverrideRecord {
        try await check(request.target)
        guard request.level.isFinite, let level = DimLevel(percent: request.level) else {
            throw Refusal(.unprocessableContent, "level \(request.level) is not a level: give 0 to 100 (%)")
        }
        guard request.forSeconds.isFinite, request.forSeconds >= 1, request.forSeconds <= Self.longestOverride else {
            throw Refusal(.unprocessableContent,
                          "an override lasts from 1 second to 7 days; \(request.forSeconds) s was asked (give --for, e.g. 30m or 2h)")
        }
        let now = loop.clock.wallNow
        let existing = Set(await loop.overrides.map(\.id))
        var id = "ovr-\(Int(now.timeIntervalSince1970))"
        var n = 2
        while existing.contains(id) { id = "ovr-\(Int(now.timeIntervalSince1970))-\(n)"; n += 1 }
        let record = OverrideRecord(id: id, target: request.target, level: level, from: now,
                                    until: now.addingTimeInterval(request.forSeconds), reason: request.reason ?? "", by: by)
        await loop.setOverride(record)
        do { try await state.save() } catch {
            logger.error("\(error)")
            throw Refusal(.internalServerError, "override \(id) is in force but not saved: \(error); it will not survive a restart")
        }
        return record
    }

    /// `DELETE /v1/overrides`: ends the overrides on `target` (nil: every one).
    public func clearOverrides(on target: OverrideRecord.Target?, by: String) async throws(Refusal) -> [OverrideRecord] {
        if let target { try await check(target) }
        let ended = await loop.clearOverrides(on: target, by: by)
        guard !ended.isEmpty else {
            throw Refusal(.notFound, target.map { "no override on \($0)" } ?? "no override is in force")
        }
        do { try await state.save() } catch {
            logger.error("\(error)")
            throw Refusal(.internalServerError, "the overrides were cleared but the state was not saved: \(error); they would come back after a restart")
        }
        return ended
    }

    /// `GET /v1/events?since=ISO&kind=K,K&limit=N`: the ledger's events (and those not recorded
    /// yet), oldest first; `GET /v1/events/stream?...` the same, then each new one as it happens,
    /// one JSON line each, until the client goes or the controller stops.
    func events(_ request: Request, follow: Bool) async throws -> Response {
        let q = request.uri.queryParameters
        var since: Date?
        if let text = q["since"] {
            guard let d = APICoding.instant(String(text)) else {
                throw Refusal(.badRequest, "since=\(text) is not an instant: give it as 2026-11-30T18:00:00Z")
            }
            since = d
        }
        var kinds: Set<LedgerEvent.Kind> = []
        for k in q["kind"].map({ String($0).split(separator: ",", omittingEmptySubsequences: false) }) ?? [] {
            guard let kind = LedgerEvent.Kind(rawValue: String(k)) else {
                let all = LedgerEvent.Kind.allCases.map(\.rawValue)
                throw Refusal(.badRequest, "kind \(k) is not one of \(all.joined(separator: ", "))\(Suggestion.hint(for: String(k), in: all))")
            }
            kinds.insert(kind)
        }
        var limit = 1000
        if let text = q["limit"] {
            guard let n = Int(String(text)), n > 0, n <= 1_000_000 else { throw Refusal(.badRequest, "limit=\(text) is not a count from 1 to 1,000,000") }
            limit = n
        }
        // Followed from before the backlog is read: an event posted meanwhile is in both, and
        // skipped the second time by its number.
        let live = follow ? inbox.subscribe() : nil
        var lines: [EventLine] = []
        if let store = progress?.store {
            do {
                lines = try store.events(cabinet: context.configuration.site.id, since: since, kinds: kinds, limit: limit).map {
                    EventLine(seq: $0.seq, at: $0.event.at, kind: $0.event.kind.rawValue, subject: $0.event.subject, detail: $0.event.detail)
                }
            } catch {
                throw Refusal(.internalServerError, "the ledger cannot be read: \(error)")
            }
        }
        let pending = inbox.pending
        let shown = pending.last?.number ?? 0
        lines += pending.compactMap { Self.line($0.event, kinds: kinds, since: since) }
        if lines.count > limit { lines.removeFirst(lines.count - limit) }
        guard let live else { return try json(EventList(events: lines)) }
        let backlog = lines, filter = (kinds: kinds, since: since)
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: ResponseBody { writer in
            let encoder = APICoding.encoder()
            for l in backlog { try await writer.write(ByteBuffer(bytes: try encoder.encode(l) + Data("\n".utf8))) }
            // Until the client goes, or the controller stops (the stream is finished then).
            try await withGracefulShutdownHandler {
                for await (number, event) in live.events where number > shown {
                    guard let l = Self.line(event, kinds: filter.kinds, since: filter.since) else { continue }
                    try await writer.write(ByteBuffer(bytes: try encoder.encode(l) + Data("\n".utf8)))
                }
            } onGracefulShutdown: {
                live.finish()
            }
            try await writer.finish(nil)
        })
    }

    /// An event not recorded yet, as listed, when it passes the filters.
    static func line(_ e: ControlEvent, kinds: Set<LedgerEvent.Kind>, since: Date?) -> EventLine? {
        let event = LedgerKeeper.event(e)
        guard kinds.isEmpty || kinds.contains(event.kind), since.map({ e.at >= $0 }) ?? true else { return nil }
        return EventLine(seq: nil, at: event.at, kind: event.kind.rawValue, subject: event.subject, detail: event.detail)
    }

    /// A target must name one of the cabinet's circuits or groups.
    func check(_ target: OverrideRecord.Target) async throws(Refusal) {
        let c = await flasher.current
        switch target {
        case .all: return
        case .circuit(let id):
            let ids = c.installation.circuits.map(\.id)
            guard ids.contains(id) else {
                throw Refusal(.notFound, "cabinet \(c.site.id) has no circuit '\(id)' (its circuits: \(ids.joined(separator: ", ")))\(Suggestion.hint(for: id, in: ids))")
            }
        case .group(let id):
            let ids = c.profile.groups.map(\.id)
            guard ids.contains(id) else {
                throw Refusal(.notFound, "profile \(c.profile.id) has no group '\(id)' (its groups: \(ids.joined(separator: ", ")))\(Suggestion.hint(for: id, in: ids))")
            }
        }
    }

    // MARK: - Serving

    /// The API on `socket`, a service of the run's group. An old socket file left by a stopped
    /// controller is replaced; one that a running controller answers on is not (that is an
    /// error in the log, and the run goes on without its API).
    public func service(socket: String, group: String) -> some Service {
        let logger = logger
        let app = Application(
            router: router(), configuration: .init(address: .unixDomainSocket(path: socket), serverName: "lanterne"),
            onServerRunning: { _ in Self.secure(socket: socket, group: group, logger: logger) },
            logger: logger)
        return ControlService(app: app, socket: socket, logger: logger)
    }

    /// The API's routes (docs/openapi.yaml describes them: a test checks they agree), behind
    /// `middleware` (the TCP listener's authentication).
    public func router() -> Router<ControlRequestContext> { router(middleware: nil) }

    func router(middleware: BearerAuthentication?) -> Router<ControlRequestContext> {
        let router = Router(context: ControlRequestContext.self)
        let routes = RouteTable()
        router.middlewares.add(ErrorBody(routes: routes))
        if let middleware { router.middlewares.add(middleware) }
        let api = router.group("v1")
        api.get("status") { [self] _, _ in try json(await status()) }
        api.get("overrides") { [self] _, _ in try json(OverrideList(overrides: await loop.overrides)) }
        api.post("overrides") { [self] request, context in
            let body = try await request.decode(as: OverrideRequest.self, context: context)
            let record = try await setOverride(body, by: context.peer())
            return try json(record, status: .created)
        }
        api.delete("overrides") { [self] request, context in
            // ?target=all | circuit:ID | group:ID
            let text = request.uri.queryParameters["target"].map(String.init) ?? ""
            let target: OverrideRecord.Target?
            if text == "all" { target = nil }
            else if text.hasPrefix("circuit:"), text.count > 8 { target = .circuit(String(text.dropFirst(8))) }
            else if text.hasPrefix("group:"), text.count > 6 { target = .group(String(text.dropFirst(6))) }
            else { throw Refusal(.badRequest, "say which overrides to clear: ?target=all, ?target=circuit:ID or ?target=group:ID") }
            return try json(OverrideList(overrides: try await clearOverrides(on: target, by: context.peer())))
        }
        api.post("profile") { [self] request, context in
            let body = try await request.decode(as: FlashRequest.self, context: context)
            let result = try await flasher.flash(body, by: context.peer())
            return try json(result, status: body.dryRun ? .ok : .created)
        }
        api.get("profile/history") { [self] _, _ in try json(ProfileHistory(entries: await flasher.history())) }
        api.post("profile/rollback") { [self] request, context in
            let body = try await request.decode(as: RollbackRequest.self, context: context)
            return try json(try await flasher.rollback(body, by: context.peer()), status: .created)
        }
        api.get("events") { [self] request, _ in try await events(request, follow: false) }
        api.get("events/stream") { [self] request, _ in try await events(request, follow: true) }
        routes.methods = Dictionary(grouping: router.routes, by: { "\($0.path)" }).mapValues { Set($0.map(\.method.rawValue)) }
        return router
    }

    /// Mode 0660, and the group's when it exists (else 0600: the owner's alone).
    static func secure(socket: String, group: String, logger: Logger) {
        if let g = getgrnam(group) {
            if chown(socket, uid_t.max, g.pointee.gr_gid) != 0 {
                logger.error("control socket \(socket): cannot give it to group \(group): \(String(cString: strerror(errno))); only its owner can use it")
                chmod(socket, 0o600)
                return
            }
            chmod(socket, 0o660)
            logger.notice("control API: \(socket) (group \(group))")
        } else {
            chmod(socket, 0o600)
            logger.notice("control API: \(socket) (group \(group) does not exist: its owner's alone)")
        }
    }

    func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try APICoding.encoder().encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Runs the application, after removing a socket file no controller answers on.
struct ControlService: Service {
    let app: Application<RouterResponder<ControlRequestContext>>
    let socket: String
    let logger: Logger

    func run() async {
        let directory = (socket as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            } catch {
                logger.error("control API: cannot make \(directory): \(error); the run goes on without it")
                return
            }
        }
        if FileManager.default.fileExists(atPath: socket) {
            if await Self.answers(socket) {
                logger.error("control API: a controller already answers on \(socket); this run goes on without its API (give another --control)")
                return
            }
            unlink(socket)
        }
        do { try await app.run() } catch {
            logger.error("control API at \(socket): \(error); the run goes on without it")
        }
        unlink(socket)
    }

    /// Whether something accepts connections on `socket`.
    static func answers(_ socket: String) async -> Bool {
        (try? await ControlClient(socketPath: socket).send(.GET, "/v1/status")) != nil
    }
}

/// A request's context: hummingbird's, and the connection, for its peer's user.
public struct ControlRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel
    /// Who, once authenticated on TCP (a token's name).
    var identity: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The connecting process's user ("alice (uid 1000)"), from SO_PEERCRED.
    func peer() async -> String {
        if let identity { return identity }
        guard let provider = channel as? SocketOptionProvider,
              let cred = try? await provider.unsafeGetSocketOption(level: .socket, name: .init(rawValue: SO_PEERCRED)).get() as PeerCredentials
        else { return "unknown" }
        var pw = passwd(), result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 1024)
        if getpwuid_r(cred.uid, &pw, &buffer, buffer.count, &result) == 0, result != nil {
            return "\(String(cString: pw.pw_name)) (uid \(cred.uid))"
        }
        return "uid \(cred.uid)"
    }
}

/// Linux's `struct ucred` (glibc declares it only under _GNU_SOURCE).
struct PeerCredentials {
    var pid: pid_t = 0
    var uid: uid_t = 0
    var gid: gid_t = 0
}

/// The paths served and their methods, for the 405 of a known path with another method.
final class RouteTable: @unchecked Sendable {
    private let lock = NSLock()
    private var table: [String: Set<String>] = [:]
    var methods: [String: Set<String>] {
        get { lock.lock(); defer { lock.unlock() }; return table }
        set { lock.lock(); table = newValue; lock.unlock() }
    }
}

/// Every error as a JSON body `{"error": "..."}` with its status.
struct ErrorBody: RouterMiddleware {
    typealias Context = ControlRequestContext
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let refusal as ControlServer.Refusal {
            return Self.body(refusal.status, refusal.message, findings: refusal.findings)
        } catch let error as HTTPError {
            if error.status == .notFound, let allowed = routes.methods[request.uri.path], !allowed.contains(request.method.rawValue) {
                var response = Self.body(.methodNotAllowed, "\(request.uri.path) takes \(allowed.sorted().joined(separator: ", ")), not \(request.method)")
                response.headers[.allow] = allowed.sorted().joined(separator: ", ")
                return response
            }
            let message = switch error.status {
            case .notFound: "no such resource: \(request.method) \(request.uri.path) (docs/API.md lists them)"
            case .badRequest: "the request's body is not what \(request.method) \(request.uri.path) takes: \(error.body ?? "\(error)")"
            default: error.body ?? "\(error.status)"
            }
            return Self.body(error.status, message)
        } catch let error as DecodingError {
            return Self.body(.badRequest, "the request's body is not what \(request.method) \(request.uri.path) takes: \(StateFile.describe(error))")
        } catch {
            return Self.body(.internalServerError, "\(error)")
        }
    }

    static func body(_ status: HTTPResponse.Status, _ message: String, findings: [String]? = nil) -> Response {
        let data = (try? APICoding.encoder().encode(APIError(error: message, findings: findings))) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
