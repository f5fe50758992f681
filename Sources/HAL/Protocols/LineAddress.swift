/// Which line of a GPIO chip: its offset, or the name the device tree gives it.
public enum LineAddress: Sendable, Hashable, CustomStringConvertible {
    case offset(Int)
    case name(String)
    public var description: String {
        switch self { case .offset(let o): return "line \(o)"; case .name(let n): return "line \"\(n)\"" }
    }
}

/// The bias a GPIO input line is requested with (`as-is` leaves the chip's setting alone).
public enum LineBias: String, Sendable, Hashable, CaseIterable {
    case asIs = "as-is", disabled, pullUp = "pull-up", pullDown = "pull-down"
}
