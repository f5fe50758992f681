/// Why an IPMVP option B baseline could not be fitted. Every message is one line; observations
/// are numbered from 0 in the order they were given.
public enum BaselineFitError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Fewer observations than the fit needs: at least `minimum` (3 for the two-parameter model,
    /// so that one degree of freedom is left for the error statistics).
    case tooFewObservations(count: Int, minimum: Int)
    /// Every observation has the same dark hours (`value`), so the slope is undetermined (the
    /// normal equations are singular).
    case constantDarkHours(value: Double)
    /// Observation `index` has a NaN or infinite `field`.
    case notFinite(index: Int, field: String)
    /// Observation `index` has a negative `field` (energy or dark hours).
    case negative(index: Int, field: String, value: Double)
    /// Observation `index` does not end after it starts.
    case emptyPeriod(index: Int)
    /// Observation `index` has a coverage outside 0...1.
    case coverageOutOfRange(index: Int, value: Double)
    /// The mean observed energy is not positive, so CV(RMSE) and NMBE (which divide by it) do
    /// not exist.
    case nonPositiveMeanEnergy(Double)

    /// One line, for example `observation 4 has a NaN or infinite energyKWh`.
    public var description: String {
        switch self {
        case .tooFewObservations(let count, let minimum):
            return "a baseline needs at least \(minimum) observations, found \(count)"
        case .constantDarkHours(let value):
            return "every observation has \(value) dark hours: the slope cannot be fitted (singular); "
                + "use periods of different lengths or seasons"
        case .notFinite(let index, let field):
            return "observation \(index) has a NaN or infinite \(field)"
        case .negative(let index, let field, let value):
            return "observation \(index) has a negative \(field) (\(value))"
        case .emptyPeriod(let index):
            return "observation \(index) does not end after it starts"
        case .coverageOutOfRange(let index, let value):
            return "observation \(index) has a coverage of \(value): expected a fraction between 0 and 1"
        case .nonPositiveMeanEnergy(let mean):
            return "the mean observed energy is \(mean) kWh: CV(RMSE) and NMBE need a positive mean"
        }
    }
}
