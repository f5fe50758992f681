import Foundation

/// Result of looking for the instants the sun's centre crosses an altitude on one day.
///
/// The day window is the upper transit of the sun nearest to local noon, ±12 hours (see
/// ``Sun/crossings(of:on:at:utcOffsetSeconds:)``). A rising crossing is looked for between the
/// start of the window and the transit, a setting crossing between the transit and the end of
/// the window.
public enum AltitudeCrossings: Sendable, Hashable {
    /// The sun crosses the altitude at least once in the window. `rising` is the instant it goes
    /// up through the altitude before the transit, `setting` the instant it goes down after the
    /// transit (both UTC); a side is `nil` when that crossing does not happen inside the window
    /// (first or last day of a polar period). At least one side is non-`nil`.
    case crosses(rising: Date?, setting: Date?)
    /// The sun stays above the altitude during the whole window.
    case alwaysAbove
    /// The sun stays below the altitude during the whole window.
    case alwaysBelow
}

extension AltitudeCrossings {
    /// The rising crossing, or `nil` when there is none in the window.
    public var rising: Date? {
        if case .crosses(let rising, _) = self { return rising }
        return nil
    }

    /// The setting crossing, or `nil` when there is none in the window.
    public var setting: Date? {
        if case .crosses(_, let setting) = self { return setting }
        return nil
    }
}
