import Foundation

/// Something that happened at a cabinet and that an auditor may need to explain the energy:
/// switching, faults, overrides, profile activations, clock adjustments (SQL table `event`).
public struct LedgerEvent: Sendable, Hashable {
    /// What kind of thing happened.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A circuit switched or changed level (subject: circuit id; detail: level and reason).
        case switching
        /// A device or bus fault, or its recovery (subject: device).
        case fault
        /// A manual override set or removed (subject: override id).
        case override
        /// A profile became active (subject: profile id; detail: its file's SHA-256).
        case profile
        /// The clock was set or adjusted (detail: old and new time).
        case clock
        /// A meter register went backwards (reset or replacement) (subject: meter id).
        case meterReset
        /// The recording itself: started, stopped, resumed after a crash.
        case ledger
        /// A door or breaker input changed (subject: input id; detail: its state).
        case input
    }

    public var cabinetID: String
    /// When it happened (UTC, whole seconds in the ledger).
    public var at: Date
    public var kind: Kind
    /// What it is about: a circuit, device, override or profile id (may be empty).
    public var subject: String
    /// Free text: levels, reasons, old and new values.
    public var detail: String

    public init(cabinetID: String, at: Date, kind: Kind, subject: String, detail: String) {
        self.cabinetID = cabinetID
        self.at = at
        self.kind = kind
        self.subject = subject
        self.detail = detail
    }
}
