import Foundation

/// Whether the wall clock can be believed: a pure decision from the kernel's synchronisation
/// state, the wall clock's reading and plausibility floors. The control loop asks at every
/// step; while the answer is "not trusted" every circuit follows its fail-safe
/// (docs/PROFILES.md, "Clock trust").
///
/// The clock is trusted when all of these hold:
/// 1. the kernel's state could be read (`adjtimex`);
/// 2. the kernel says it is synchronised (`STA_UNSYNC` clear): something (an NTP client, a GPS
///    daemon) has set and is steering it. At boot the kernel sets `STA_UNSYNC`, whatever the
///    RTC said; it sets it again once `maxerror` passes 16 s without an update;
/// 3. the kernel's bound on the error (`maxerror`) is within ``Policy/maximumError``;
/// 4. the reading is not earlier than any floor: the build floor (``buildFloor``: this code
///    did not exist before it) and, when the run command found one, the end of the last
///    interval recorded in the cabinet's ledger (the cabinet already lived until then).
public struct ClockTrust: Sendable, Hashable {
    /// A lowest plausible instant and where it comes from.
    public struct Floor: Sendable, Hashable {
        public var instant: Date
        /// What it is, for messages: "the build", "the ledger's last record".
        public var source: String
        public init(_ instant: Date, source: String) {
            self.instant = instant
            self.source = source
        }
    }

    /// What the decision weighs.
    public struct Policy: Sendable, Hashable {
        /// The largest `maxerror` trusted. Default 10 s: lighting decisions are written to the
        /// minute, so this is far inside what a street notices, and it is an independent check
        /// below the kernel's own 16 s limit (reached about 5 h after the last update instead of 9).
        public var maximumError: Duration
        /// Instants the wall clock cannot be earlier than.
        public var floors: [Floor]

        public init(maximumError: Duration = .seconds(10), floors: [Floor] = [ClockTrust.build]) {
            self.maximumError = maximumError
            self.floors = floors
        }

        /// The default policy with the ledger's last record as a further floor.
        public static func standard(ledgerFloor: Date?) -> Policy {
            Policy(floors: [ClockTrust.build] + (ledgerFloor.map { [Floor($0, source: "the ledger's last record")] } ?? []))
        }
    }

    /// Why the clock is not trusted.
    public enum Reason: Sendable, Hashable, CustomStringConvertible {
        case kernelUnreadable(String)
        case kernelUnsynchronised
        case errorTooLarge(maximumError: Duration, limit: Duration)
        case beforeFloor(Floor)

        public var description: String {
            switch self {
            case .kernelUnreadable(let why): return "the kernel's synchronisation state cannot be read (\(why))"
            case .kernelUnsynchronised: return "the kernel says the clock is not synchronised (STA_UNSYNC)"
            case .errorTooLarge(let e, let limit):
                return "the kernel's maximum error is \(TimeText.seconds(e)), more than \(TimeText.seconds(limit))"
            case .beforeFloor(let f):
                return "the clock reads earlier than \(f.source) (\(TimeText.iso(f.instant)))"
            }
        }
    }

    /// Every reason the clock is not trusted; empty when it is.
    public var reasons: [Reason]
    public var isTrusted: Bool { reasons.isEmpty }

    public init(reasons: [Reason]) { self.reasons = reasons }

    /// The decision for a wall-clock reading `wall`, the kernel's state and a policy.
    public static func evaluate(kernel: Result<KernelClockSync, KernelClockError>, wall: Date, policy: Policy) -> ClockTrust {
        var reasons: [Reason] = []
        switch kernel {
        case .failure(let e):
            reasons.append(.kernelUnreadable(e.message))
        case .success(let k):
            if k.unsynchronised { reasons.append(.kernelUnsynchronised) }
            if k.maximumError > policy.maximumError { reasons.append(.errorTooLarge(maximumError: k.maximumError, limit: policy.maximumError)) }
        }
        for f in policy.floors where wall < f.instant { reasons.append(.beforeFloor(f)) }
        return ClockTrust(reasons: reasons)
    }

    /// The build floor: 2026-11-30T00:00:00Z, the day this constant was last set. It is kept
    /// in source and moved forward at each release (SwiftPM has no build-time date without a
    /// plugin; a file's date on the cabinet would be whatever its clock said when it was
    /// written). A floor in the future would leave every cabinet untrusted for ever, so a test
    /// checks that it is not later than the machine's clock; a floor left behind only weakens
    /// the check, and the ledger's floor then does most of the work.
    public static let buildFloor = Date(timeIntervalSince1970: 1_795_996_800)   // 2026-11-30T00:00:00Z
    /// ``buildFloor`` as a floor.
    public static var build: Floor { Floor(buildFloor, source: "the build") }
}
