/// What a circuit does when the controller cannot trust its own decisions (clock not trusted,
/// hardware fault, no valid profile). Defined per output by the board.
public enum SafeState: String, Sendable, Hashable, CaseIterable {
    /// Full on.
    case on
    /// Off (for circuits that must never light without a valid plan, e.g. decorations).
    case off
    /// On while the photocell says dark; on if there is no working photocell.
    case photocell
    /// On from sunset to sunrise by astronomy when the clock is trusted, else as `photocell`.
    case astronomical
}
