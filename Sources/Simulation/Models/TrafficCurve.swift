/// Relative presence intensity (pedestrians, cyclists, vehicles passing a sensor) for each
/// local hour of the day, 0 ... 1, where 1 is the busiest hour.
///
/// The intensity is constant within each hour (hour `h` covers `h:00 ..< h+1:00` local time).
public struct TrafficCurve: Sendable, Hashable {
    /// 24 values, index = local hour 0 ... 23, each in 0 ... 1.
    public let values: [Double]

    /// Creates a curve; returns `nil` unless there are exactly 24 finite values in 0 ... 1.
    public init?(values: [Double]) {
        guard values.count == 24, values.allSatisfy({ $0.isFinite && (0...1).contains($0) }) else {
            return nil
        }
        self.values = values
    }

    /// The intensity during local hour `hour` (0 ... 23).
    public subscript(hour: Int) -> Double {
        precondition((0..<24).contains(hour), "hour \(hour) outside 0 ... 23")
        return values[hour]
    }

    /// The sum of the 24 values: expected detections per day divided by the peak hourly rate.
    public var dailySum: Double { values.reduce(0, +) }

    /// A night-time profile for a residential street or footpath: busy 17-21 h (school and
    /// work returns, errands, dog walks), falling through the late evening to about 5 % of the
    /// peak between 02 and 04 h, rising again from 05-06 h with the first commuters.
    ///
    /// Shape after published hour-of-day distributions of traffic and footfall on urban roads
    /// (for example the UK Department for Transport table TRA0307, "traffic distribution by
    /// time of day", and French CEREMA urban counts): a morning peak lower than the evening
    /// peak, a night trough of a few percent. The values are rounded illustrations of that
    /// shape, not a fit to one count site; see docs/SIMULATION-MODELS.md.
    public static let residentialNight = TrafficCurve(values: [
        0.22, 0.12, 0.06, 0.05, 0.05, 0.10,  // 00-05 h
        0.30, 0.60, 0.70, 0.50, 0.45, 0.50,  // 06-11 h
        0.60, 0.55, 0.55, 0.65, 0.80, 0.95,  // 12-17 h
        1.00, 1.00, 0.90, 0.75, 0.50, 0.35,  // 18-23 h
    ])!

    /// The same intensity all day and night.
    public static let constant = TrafficCurve(values: Array(repeating: 1, count: 24))!
}
