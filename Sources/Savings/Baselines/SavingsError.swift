/// Why a savings or renewable-energy computation refused its inputs. Every message is one line
/// that names the value at fault and what was expected.
public enum SavingsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `what` is NaN or infinite where a finite number is required.
    case notFinite(what: String)
    /// `what` is negative where only zero or more makes sense (energy, power, dark hours).
    case negative(what: String, value: Double)
    /// A data coverage fraction is outside 0...1.
    case coverageOutOfRange(Double)
    /// The reference of a ratio is zero, so the ratio does not exist: the previous period's
    /// production for a change, the consumption for a share. `what` names the reference.
    case zeroReference(what: String)

    /// One line, for example `previous production is 0 kWh: a change relative to it does not exist`.
    public var description: String {
        switch self {
        case .notFinite(let what):
            return "\(what) is not a finite number"
        case .negative(let what, let value):
            return "\(what) must be 0 or more, found \(value)"
        case .coverageOutOfRange(let value):
            return "coverage must be a fraction between 0 and 1, found \(value)"
        case .zeroReference(let what):
            return "\(what) is 0 kWh: a ratio relative to it does not exist"
        }
    }
}
