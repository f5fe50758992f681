import Controller
import Foundation

/// `GET /v1/status`: what a running controller is doing, as `lanterne status` shows it.
public struct CabinetStatus: Sendable, Equatable, Codable {
    public var cabinet: String
    /// The cabinet's time zone (IANA), for showing its instants in local time.
    public var timeZone: String
    public var board: String
    /// The program and its version.
    public var program: String
    /// The controller's wall clock when it answered.
    public var now: Date
    public var startedAt: Date
    /// On the monotonic clock.
    public var uptimeSeconds: Double
    public var profile: ActiveProfile
    public var clock: Clock
    public var circuits: [Circuit]
    public var overrides: [OverrideRecord]
    /// Faults found from the meters' measurements, while they last.
    public var faults: [Fault]
    /// Each meter's and phase's power and voltage at the fault watch's last sample.
    public var readings: [Reading]
    /// The meters' and inverters' cumulative registers at the ledger's last interval.
    public var registers: [Register]
    /// Nil: the controller keeps no ledger.
    public var ledger: Ledger?

    public init(cabinet: String, timeZone: String, board: String, program: String, now: Date, startedAt: Date, uptimeSeconds: Double,
                profile: ActiveProfile, clock: Clock, circuits: [Circuit], overrides: [OverrideRecord], faults: [Fault],
                readings: [Reading], registers: [Register], ledger: Ledger?) {
        self.cabinet = cabinet
        self.timeZone = timeZone
        self.board = board
        self.program = program
        self.now = now
        self.startedAt = startedAt
        self.uptimeSeconds = uptimeSeconds
        self.profile = profile
        self.clock = clock
        self.circuits = circuits
        self.overrides = overrides
        self.faults = faults
        self.readings = readings
        self.registers = registers
        self.ledger = ledger
    }

    public struct Clock: Sendable, Equatable, Codable {
        public var trusted: Bool
        /// Why not, while it is not.
        public var reasons: [String]
        public init(trusted: Bool, reasons: [String]) {
            self.trusted = trusted
            self.reasons = reasons
        }
    }

    public struct Circuit: Sendable, Equatable, Codable {
        public var id: String
        public var output: String?
        /// Percent.
        public var level: Double
        public var reason: String
        public var override: String?
        public var faulted: Bool
        /// When the output's switching to this level is made: the minimum cycle holds it back
        /// until then (nil: the output shows it).
        public var switchingAt: Date?
        public var next: Change?
        public init(id: String, output: String?, level: Double, reason: String, override: String?, faulted: Bool,
                    switchingAt: Date?, next: Change?) {
            self.id = id
            self.output = output
            self.level = level
            self.reason = reason
            self.override = override
            self.faulted = faulted
            self.switchingAt = switchingAt
            self.next = next
        }
    }

    public struct Change: Sendable, Equatable, Codable {
        public var at: Date
        public var level: Double
        public var reason: String
        public init(at: Date, level: Double, reason: String) {
            self.at = at
            self.level = level
            self.reason = reason
        }
    }

    public struct Fault: Sendable, Equatable, Codable {
        public var fault: String
        public var subject: String
        public var since: Date
        public var detail: String
        public init(fault: String, subject: String, since: Date, detail: String) {
            self.fault = fault
            self.subject = subject
            self.since = since
            self.detail = detail
        }
    }

    public struct Reading: Sendable, Equatable, Codable {
        /// A meter (`meter-main`) or one of its phases (`meter-main/L1`).
        public var register: String
        public var watts: Double?
        public var volts: Double?
        public init(register: String, watts: Double?, volts: Double?) {
            self.register = register
            self.watts = watts
            self.volts = volts
        }
    }

    public struct Register: Sendable, Equatable, Codable {
        /// The ledger's channel: a meter, a phase or an inverter.
        public var channel: String
        /// Wh, as the device counts it.
        public var wattHours: Double
        public init(channel: String, wattHours: Double) {
            self.channel = channel
            self.wattHours = wattHours
        }
    }

    public struct Ledger: Sendable, Equatable, Codable {
        public var path: String
        public var lastIntervalEnd: Date?
        public init(path: String, lastIntervalEnd: Date?) {
            self.path = path
            self.lastIntervalEnd = lastIntervalEnd
        }
    }
}

/// `POST /v1/overrides`.
public struct OverrideRequest: Sendable, Equatable, Codable {
    public var target: OverrideRecord.Target
    /// Percent, 0 to 100.
    public var level: Double
    /// How long it lasts, from now.
    public var forSeconds: Double
    public var reason: String?
    public init(target: OverrideRecord.Target, level: Double, forSeconds: Double, reason: String?) {
        self.target = target
        self.level = level
        self.forSeconds = forSeconds
        self.reason = reason
    }
}

/// `GET /v1/overrides`, and what `DELETE /v1/overrides` cleared.
public struct OverrideList: Sendable, Equatable, Codable {
    public var overrides: [OverrideRecord]
    public init(overrides: [OverrideRecord]) { self.overrides = overrides }
}

/// Every error's body: a message a person can act on, and for a profile its findings
/// (`FILE:LINE:COL: error: ...`).
public struct APIError: Sendable, Equatable, Codable {
    public var error: String
    public var findings: [String]?
    public init(error: String, findings: [String]? = nil) {
        self.error = error
        self.findings = findings
    }
}

/// The JSON coders of the API: instants in ISO 8601 (UTC) with milliseconds
/// (`2026-11-30T23:39:48.120Z`); read with or without them.
public enum APICoding {
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date))
        }
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            if let date = instant(text) { return date }
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(text)' is not an instant (2026-11-30T23:39:48Z)")
        }
        return d
    }

    /// An RFC 3339 instant: `2026-11-30T18:00:00Z`, with a fraction of a second, or an offset
    /// (`+01:00`); nil when it is not one.
    public static func instant(_ text: String) -> Date? {
        let t = text.uppercased()
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(t) { return date }
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds]] {
            let f = ISO8601DateFormatter()
            f.formatOptions = options
            if let date = f.date(from: t) { return date }
        }
        return nil
    }
}

/// The profile a controller runs: which, from where, since when, signed by whom.
public struct ActiveProfile: Sendable, Equatable, Codable {
    /// The profile's id.
    public var id: String
    /// Its `version:` (nil: it says none).
    public var version: Int?
    /// The SHA-256 of its file's bytes, in hex.
    public var sha256: String
    /// Its file: the cabinet file's profile, or the controller's stored copy of a flashed one.
    public var path: String
    /// Since when it has been in force (the wall clock when it was activated).
    public var since: Date
    /// The fingerprint of the key that signed it (nil: unsigned, or the cabinet file's).
    public var signer: String?

    public init(id: String, version: Int?, sha256: String, path: String, since: Date, signer: String?) {
        self.id = id
        self.version = version
        self.sha256 = sha256
        self.path = path
        self.since = since
        self.signer = signer
    }
}

/// One activation of a profile: `GET /v1/profile/history`, and the state file's record.
public struct ProfileHistoryEntry: Sendable, Equatable, Codable {
    /// How it came in force.
    public enum Action: String, Sendable, Codable {
        /// The cabinet file's profile, at a start.
        case cabinetFile = "cabinet file"
        case flash, rollback
    }

    public var at: Date
    public var action: Action
    public var id: String
    public var version: Int?
    public var sha256: String
    /// The signer's key fingerprint (nil: unsigned, or the cabinet file's).
    public var signer: String?
    /// Who: the technician's user, or "lanterne run".
    public var by: String
    /// The file kept of it.
    public var path: String

    public init(at: Date, action: Action, id: String, version: Int?, sha256: String, signer: String?, by: String, path: String) {
        self.at = at
        self.action = action
        self.id = id
        self.version = version
        self.sha256 = sha256
        self.signer = signer
        self.by = by
        self.path = path
    }
}

/// `GET /v1/profile/history`.
public struct ProfileHistory: Sendable, Equatable, Codable {
    public var entries: [ProfileHistoryEntry]
    public init(entries: [ProfileHistoryEntry]) { self.entries = entries }
}

/// `POST /v1/profile`: a profile to flash, as its file's bytes (UTF-8), with its detached
/// signature's text.
public struct FlashRequest: Sendable, Equatable, Codable {
    /// The file's name, for the findings (`profile.yaml:12:3: error: ...`).
    public var file: String
    public var profile: String
    public var signature: String?
    /// Check everything and compare, change nothing.
    public var dryRun: Bool
    public init(file: String, profile: String, signature: String?, dryRun: Bool) {
        self.file = file
        self.profile = profile
        self.signature = signature
        self.dryRun = dryRun
    }
}

/// `POST /v1/profile/rollback`.
public struct RollbackRequest: Sendable, Equatable, Codable {
    /// The version to re-activate (nil: the profile in force before the active one).
    public var toVersion: Int?
    public init(toVersion: Int?) { self.toVersion = toVersion }
}

/// The answer to a flash or a rollback: the profile now in force and the one before; with a
/// dry run, what would change instead.
public struct FlashResult: Sendable, Equatable, Codable {
    public var active: ActiveProfile
    public var previous: ActiveProfile
    /// Set for a dry run (nothing was changed).
    public var comparison: ProfileComparison?
    public init(active: ActiveProfile, previous: ActiveProfile, comparison: ProfileComparison?) {
        self.active = active
        self.previous = previous
        self.comparison = comparison
    }
}

/// A dry run's comparison of the active profile with the one flashed: tonight's plan per
/// group, and a year simulated with each on this cabinet.
public struct ProfileComparison: Sendable, Equatable, Codable {
    /// The lighting day of "tonight".
    public var night: String
    /// The cabinet's time zone (IANA).
    public var timeZone: String
    /// The simulated year's first and last lighting days.
    public var yearFrom: String, yearTo: String
    public var before: Outlook
    public var after: Outlook

    public init(night: String, timeZone: String, yearFrom: String, yearTo: String, before: Outlook, after: Outlook) {
        self.night = night
        self.timeZone = timeZone
        self.yearFrom = yearFrom
        self.yearTo = yearTo
        self.before = before
        self.after = after
    }

    public struct Outlook: Sendable, Equatable, Codable {
        public var id: String
        public var version: Int?
        public var sha256: String
        public var tonight: [Group]
        /// The lighting energy of the simulated year (kWh) and the luminaires' burning hours
        /// (nil: the simulation could not run).
        public var yearKilowattHours: Double?
        public var yearBurningHours: Double?
        public init(id: String, version: Int?, sha256: String, tonight: [Group], yearKilowattHours: Double?, yearBurningHours: Double?) {
            self.id = id
            self.version = version
            self.sha256 = sha256
            self.tonight = tonight
            self.yearKilowattHours = yearKilowattHours
            self.yearBurningHours = yearBurningHours
        }
    }

    public struct Group: Sendable, Equatable, Codable {
        public var id: String
        public var circuits: [String]
        public var plan: String
        public var steps: [Step]
        public init(id: String, circuits: [String], plan: String, steps: [Step]) {
            self.id = id
            self.circuits = circuits
            self.plan = plan
            self.steps = steps
        }
    }

    public struct Step: Sendable, Equatable, Codable {
        public var at: Date
        public var level: Double
        public var fadeSeconds: Double
        public var reason: String
        public init(at: Date, level: Double, fadeSeconds: Double, reason: String) {
            self.at = at
            self.level = level
            self.fadeSeconds = fadeSeconds
            self.reason = reason
        }
    }
}

/// One event of the cabinet, as `lanterne events` lists it: `GET /v1/events` (a list), and each
/// line of `GET /v1/events?follow` (JSON lines, as they happen).
public struct EventLine: Sendable, Equatable, Codable {
    /// Its place in the ledger's chained event table (nil: not recorded yet; it will be with the
    /// interval in progress).
    public var seq: Int64?
    public var at: Date
    /// The ledger's kinds: switching, fault, override, profile, clock, meterReset, ledger, input.
    public var kind: String
    public var subject: String
    public var detail: String
    public init(seq: Int64?, at: Date, kind: String, subject: String, detail: String) {
        self.seq = seq
        self.at = at
        self.kind = kind
        self.subject = subject
        self.detail = detail
    }
}

/// `GET /v1/events`.
public struct EventList: Sendable, Equatable, Codable {
    public var events: [EventLine]
    public init(events: [EventLine]) { self.events = events }
}
