import Foundation

/// When a presence sensor fires: a non-homogeneous Poisson process whose rate is
/// `peakDetectionsPerHour × curve[local hour]`.
///
/// Because the rate is constant within each local hour, the next event is drawn exactly by
/// inverting the cumulative intensity (the time-change theorem): draw `E ~ Exp(1)` and walk the
/// hours until their integrated rate reaches `E`. This is thinning with an envelope that equals
/// the rate everywhere, so no candidate is ever rejected: one exponential draw per detection,
/// which matters when a city simulation draws millions of them.
///
/// Pure and deterministic: the randomness comes from the caller's ``SeededGenerator``.
public struct PresenceModel: Sendable, Hashable {
    /// Detections per hour during the busiest hour (curve value 1). Non-negative.
    public var peakDetectionsPerHour: Double
    /// Relative intensity per local hour.
    public var curve: TrafficCurve

    /// Creates a model. `peakDetectionsPerHour` must be finite and non-negative (a programming
    /// error otherwise).
    public init(peakDetectionsPerHour: Double, curve: TrafficCurve = .residentialNight) {
        precondition(peakDetectionsPerHour.isFinite && peakDetectionsPerHour >= 0,
                     "peak detections per hour must be finite and >= 0, got \(peakDetectionsPerHour)")
        self.peakDetectionsPerHour = peakDetectionsPerHour
        self.curve = curve
    }

    /// Expected detections per day.
    public var expectedDetectionsPerDay: Double { peakDetectionsPerHour * curve.dailySum }

    /// The next detection strictly after `instant`, or `Date.distantFuture` when the rate is
    /// zero at every hour.
    ///
    /// - Parameters:
    ///   - instant: the UTC instant to search from (the previous detection, or now).
    ///   - utcOffsetSeconds: local time minus UTC, applied for the whole search (a search that
    ///     spans a daylight-saving change uses the offset at its start; the error is at most an
    ///     hour's shift of the curve for that one draw).
    ///   - generator: the random stream; advanced by one draw.
    public func nextDetection(after instant: Date, utcOffsetSeconds: Int,
                              generator: inout SeededGenerator) -> Date {
        let offset = Double(utcOffsetSeconds)
        let local = instant.timeIntervalSince1970 + offset
        guard let next = nextLocalDetection(afterLocalSeconds: local, generator: &generator) else {
            return .distantFuture
        }
        let date = Date(timeIntervalSince1970: next - offset)
        // Date's own rounding must not undo the strict progress made in local seconds.
        return date > instant ? date : instant.addingTimeInterval(1e-6)
    }

    /// The core of ``nextDetection(after:utcOffsetSeconds:generator:)`` on local seconds since
    /// the epoch; `nil` when the rate is zero everywhere.
    func nextLocalDetection(afterLocalSeconds start: Double,
                            generator: inout SeededGenerator) -> Double? {
        let perSecond = peakDetectionsPerHour / 3600
        guard perSecond > 0, curve.dailySum > 0 else { return nil }
        var remaining = generator.nextExponential()  // in units of expected detections
        var t = start
        var hourIndex = (t / 3600).rounded(.down)
        let values = curve.values
        let perDay = perSecond * 3600 * curve.dailySum
        while true {
            var h = Int(hourIndex.truncatingRemainder(dividingBy: 24))
            if h < 0 { h += 24 }
            if h == 0 && t == hourIndex * 3600 && remaining > 2 * perDay {
                // Very low rates: skip whole days at once (keeping at least one day in hand).
                let days = (remaining / perDay).rounded(.down) - 1
                remaining -= days * perDay
                hourIndex += days * 24
                t = hourIndex * 3600
            }
            let hourEnd = (hourIndex + 1) * 3600
            let rate = perSecond * values[h]
            if rate > 0 {
                let needed = remaining / rate
                if t + needed < hourEnd {
                    // Guarantee strict progress even when `needed` is below the ulp of `t`.
                    let next = t + needed
                    return next > start ? next : start.nextUp
                }
                remaining -= rate * (hourEnd - t)
            }
            t = hourEnd
            hourIndex += 1
        }
    }
}
