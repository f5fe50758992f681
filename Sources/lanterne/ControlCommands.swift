import ArgumentParser
import ControlAPI
import Controller
import Foundation
import Units

/// `lanterne status`: what the running controller is doing.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what the running controller is doing: its profile, each circuit's level and next change, overrides, faults, clock, meters, ledger.",
        discussion: """
            Asks the controller started by 'lanterne run' through its control socket \
            (--control, default /run/lanterne/control.sock; its group's members may use it). \
            Instants are the cabinet's local time. --json prints the API's answer as it is \
            (docs/API.md describes it).
            """)

    @OptionGroup var control: ControlOptions

    @Flag(help: "Print the status as JSON (GET /v1/status).")
    var json = false

    func run() async throws {
        let client = try control.client
        let answer = try await client.send(.GET, "/v1/status")
        try client.check(answer)
        if json {
            print(String(decoding: answer.body, as: UTF8.self))
            return
        }
        let status = try APICoding.decoder().decode(CabinetStatus.self, from: answer.body)
        print(StatusText(status).text, terminator: "")
    }
}

/// The status as a technician reads it.
struct StatusText {
    let s: CabinetStatus
    let zone: TimeZone

    init(_ status: CabinetStatus) {
        s = status
        zone = TimeZone(identifier: status.timeZone) ?? TimeZone(identifier: "UTC")!
    }

    /// `2026-11-30 23:59:00` in the cabinet's time; the day left out when it is the status's.
    func local(_ d: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: d)
        let now = calendar.dateComponents([.year, .month, .day], from: s.now)
        let time = String(format: "%02d:%02d:%02d", c.hour!, c.minute!, c.second!)
        if c.year == now.year, c.month == now.month, c.day == now.day { return time }
        return String(format: "%04d-%02d-%02d ", c.year!, c.month!, c.day!) + time
    }

    static func level(_ percent: Double) -> String {
        percent == percent.rounded() ? "\(Int(percent)) %" : String(format: "%.1f %%", percent)
    }

    static func uptime(_ seconds: Double) -> String {
        let s = Int(seconds)
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        if s < 86_400 { return "\(s / 3600) h \(s % 3600 / 60) min" }
        return "\(s / 86_400) d \(s % 86_400 / 3600) h"
    }

    var text: String {
        var out = "cabinet \(s.cabinet)  board \(s.board)  \(s.program)  up \(Self.uptime(s.uptimeSeconds)) (since \(local(s.startedAt)))\n"
        out += "now      \(local(s.now)) \(s.timeZone)\n"
        out += "profile  \(s.profile.id) version \(s.profile.version.map(String.init) ?? "-")  sha256 \(s.profile.sha256.prefix(16))…  "
            + (s.profile.signer.map { "signed by key \($0)" } ?? "unsigned") + "  since \(local(s.profile.since))  \(s.profile.path)\n"
        out += "clock    " + (s.clock.trusted ? "trusted\n" : "NOT trusted: \(s.clock.reasons.joined(separator: "; ")); every circuit follows its fail-safe\n")
        out += "\ncircuits\n"
        let idWidth = s.circuits.map(\.id.count).max() ?? 0, outWidth = s.circuits.map { ($0.output ?? "-").count }.max() ?? 0
        for c in s.circuits {
            var line = "  " + c.id.padding(toLength: idWidth, withPad: " ", startingAt: 0) + "  "
                + (c.output ?? "-").padding(toLength: outWidth, withPad: " ", startingAt: 0) + "  "
                + String(repeating: " ", count: max(0, 7 - Self.level(c.level).count)) + Self.level(c.level) + "  " + c.reason
            if c.faulted { line += "  [output faulted]" }
            if let at = c.switchingAt { line += "  [switched at \(local(at)): minimum cycle]" }
            if let n = c.next { line += "  → \(Self.level(n.level)) at \(local(n.at)) (\(n.reason))" }
            out += line + "\n"
        }
        if !s.overrides.isEmpty {
            out += "\noverrides\n"
            for o in s.overrides {
                out += "  \(o.id)  \(o.target) at \(Self.level(o.level.percent)) until \(local(o.until)), by \(o.by)\(o.reason.isEmpty ? "" : ": \(o.reason)")\n"
            }
        }
        out += "\nfaults" + (s.faults.isEmpty ? "   none\n" : "\n")
        for f in s.faults { out += "  \(f.fault) on \(f.subject) since \(local(f.since)): \(f.detail)\n" }
        if !s.readings.isEmpty {
            out += "\nmeters (last sample)\n"
            let w = s.readings.map(\.register.count).max() ?? 0
            for r in s.readings {
                var line = "  " + r.register.padding(toLength: w, withPad: " ", startingAt: 0)
                if let watts = r.watts { line += "  " + NumberText.fixed(watts, decimals: 0) + " W" }
                if let volts = r.volts { line += "  " + NumberText.fixed(volts, decimals: 1) + " V" }
                out += line + "\n"
            }
        }
        if let ledger = s.ledger {
            out += "\nledger   \(ledger.path): " + (ledger.lastIntervalEnd.map { "last interval ends \(local($0))" } ?? "no interval recorded yet") + "\n"
            let w = s.registers.map(\.channel.count).max() ?? 0
            for r in s.registers {
                out += "  " + r.channel.padding(toLength: w, withPad: " ", startingAt: 0) + "  " + NumberText.fixed(r.wattHours / 1000, decimals: 3) + " kWh\n"
            }
        }
        return out
    }
}

/// `lanterne override`: a level imposed on circuits for a while, and `override clear`.
struct OverrideCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "override",
        abstract: "Impose a level on circuits of the running controller for a while, or clear it.",
        discussion: """
            An override holds a circuit, a group or every circuit at a level until it expires \
            (--for), or until 'lanterne override clear'. It is written in the controller's \
            state file before the command returns, so it survives a restart, and every \
            override set, cleared or expired is an event in the ledger with who set it. A \
            fail-safe (an untrusted clock, a faulted output) wins over an override.
            """,
        subcommands: [Set.self, Clear.self],
        defaultSubcommand: Set.self)

    /// Which circuits: exactly one of the three.
    struct Target: ParsableArguments {
        @Option(help: ArgumentHelp("A circuit of the cabinet.", valueName: "id"))
        var circuit: String?
        @Option(help: ArgumentHelp("A group of the active profile.", valueName: "id"))
        var group: String?
        @Flag(help: "Every circuit.")
        var all = false

        var target: OverrideRecord.Target? {
            if let circuit { return .circuit(circuit) }
            if let group { return .group(group) }
            return all ? .all : nil
        }

        func validate() throws {
            let given = [circuit != nil, group != nil, all].filter { $0 }.count
            if given > 1 { throw ValidationError("give one of --circuit, --group and --all") }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Hold circuits at a level for a while (the default: 'lanterne override --level 0 --circuit c1 --for 30m').")

        @Option(help: ArgumentHelp("The level, 0 to 100 (%).", valueName: "percent"))
        var level: Percent
        @OptionGroup var target: Target
        @Option(name: .customLong("for"), help: ArgumentHelp("How long: 30m, 2h, 1h30m (up to 7 days: 168h).", valueName: "how-long"))
        var duration: OverrideDuration
        @Option(help: ArgumentHelp("Why, for the ledger's event (a lamp change, an event in the street...).", valueName: "text"))
        var reason: String?
        @OptionGroup var control: ControlOptions

        func validate() throws {
            if target.target == nil { throw ValidationError("say which circuits: --circuit ID, --group ID or --all") }
        }

        func run() async throws {
            let request = OverrideRequest(target: target.target!, level: level.value, forSeconds: Double(duration.seconds), reason: reason)
            let record = try await control.client.call(.POST, "/v1/overrides", body: request, as: OverrideRecord.self)
            print("override \(record.id): \(record.target) at \(StatusText.level(record.level.percent)) until \(InstantText.isoUTC(record.until))")
        }
    }

    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clear",
            abstract: "End overrides now: their circuits go back to their plan.")

        @OptionGroup var target: Target
        @OptionGroup var control: ControlOptions

        func validate() throws {
            if target.target == nil { throw ValidationError("say which overrides: --circuit ID, --group ID or --all") }
        }

        func run() async throws {
            let query = switch target.target! {
            case .all: "target=all"
            case .circuit(let c): "target=circuit:\(Self.escaped(c))"
            case .group(let g): "target=group:\(Self.escaped(g))"
            }
            let cleared = try await control.client.call(.DELETE, "/v1/overrides?\(query)", as: OverrideList.self)
            for o in cleared.overrides { print("override \(o.id) cleared: \(o.target) back to its plan") }
        }

        static func escaped(_ s: String) -> String {
            s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? s
        }
    }
}

/// `lanterne events [--since T] [--kind K] [--follow]`
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "List the running controller's chained events; --follow streams new ones as they happen.",
        discussion: """
            The events of the cabinet's ledger (switching, faults, overrides, profiles, clock, \
            inputs, the controller's own), oldest first, each with its place in the chain (#SEQ), \
            then those not recorded yet (the interval in progress: '(pending)'). --follow then \
            prints each new event as it happens, until interrupted or the controller stops.
            """)

    @Option(help: ArgumentHelp("Only from this instant (2026-11-30T18:00:00Z).", valueName: "instant"))
    var since: String?

    @Option(help: ArgumentHelp("Only these kinds (repeatable): switching, fault, override, profile, clock, meterReset, ledger, input.",
                               valueName: "kind"))
    var kind: [String] = []

    @Option(help: ArgumentHelp("At most this many of the latest (default 100).", valueName: "count"))
    var limit: Int = 100

    @Flag(help: "Then print each new event as it happens.")
    var follow = false

    @Flag(help: "One JSON object per line.")
    var json = false

    @OptionGroup var control: ControlOptions

    func run() async throws {
        var query = ["limit=\(limit)"]
        if let since { query.append("since=\(OverrideCommand.Clear.escaped(since))") }
        if !kind.isEmpty { query.append("kind=\(kind.map(OverrideCommand.Clear.escaped).joined(separator: ","))") }
        let json = json
        // Written at once (not buffered): a follower sees each event as it happens.
        let show: @Sendable (EventLine) -> Void = { e in
            var text = ""
            if json, let data = try? APICoding.encoder().encode(e) { text = String(decoding: data, as: UTF8.self) } else {
                text = "\(InstantText.isoUTC(e.at))  \(e.seq.map { "#\($0)" } ?? "(pending)")  \(e.kind)  \(e.subject)  \(e.detail)"
            }
            FileHandle.standardOutput.write(Data((text + "\n").utf8))
        }
        if follow {
            try await control.client.follow("/v1/events/stream?" + query.joined(separator: "&")) { data in
                show(try APICoding.decoder().decode(EventLine.self, from: data))
            }
        } else {
            for e in try await control.client.call(.GET, "/v1/events?" + query.joined(separator: "&"), as: EventList.self).events { show(e) }
        }
    }
}
