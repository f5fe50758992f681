import Foundation
import HAL

/// A presence sensor that fires according to a ``PresenceModel`` as the injected clock advances.
///
/// Detections are generated lazily up to the clock's "now" on each ``readDetections()``, from
/// the sensor's own ``SeededGenerator`` stream, so a given seed gives the same detections
/// however often the sensor is polled.
public actor SimulatedPresenceSensor: PresenceSensor {
    /// The device name used in errors.
    public nonisolated let name: String
    /// The model that draws the detections.
    public nonisolated let model: PresenceModel
    /// The time zone whose local hour indexes the model's traffic curve.
    public nonisolated let timeZone: TimeZone

    private let clock: TimeSource
    private var generator: SeededGenerator
    private var upcoming: Date
    private var injected: [Date] = []
    private var fault = SimulatedFault()

    /// Creates a sensor whose first possible detection follows the clock's current instant.
    ///
    /// - Parameters:
    ///   - generator: the sensor's random stream, for example
    ///     `SeededGenerator(seed: runSeed, stream: "presence-\(name)")`.
    ///   - timeZone: local time for the traffic curve.
    public init(name: String, model: PresenceModel, generator: SeededGenerator,
                timeZone: TimeZone, clock: @escaping TimeSource) {
        self.name = name
        self.model = model
        self.timeZone = timeZone
        self.clock = clock
        var generator = generator
        let start = clock()
        self.upcoming = model.nextDetection(after: start,
                                            utcOffsetSeconds: timeZone.secondsFromGMT(for: start),
                                            generator: &generator)
        self.generator = generator
    }

    /// The detections up to the clock's current instant that were not returned yet, oldest
    /// first, including any added with ``inject(detectionAt:)``.
    ///
    /// - Throws: the injected fault; detections are kept for the next successful call.
    public func readDetections() throws(HALError) -> [Date] {
        try fault.check(device: name)
        let now = clock()
        var result: [Date] = []
        while upcoming <= now {
            result.append(upcoming)
            upcoming = model.nextDetection(after: upcoming,
                                           utcOffsetSeconds: timeZone.secondsFromGMT(for: upcoming),
                                           generator: &generator)
        }
        if !injected.isEmpty {
            let due = injected.filter { $0 <= now }
            injected.removeAll { $0 <= now }
            result = (result + due).sorted()
        }
        return result
    }

    /// Adds one detection at `instant` (a test's hand waving in front of the sensor). It is
    /// returned by the first ``readDetections()`` at or after `instant`.
    public func inject(detectionAt instant: Date) { injected.append(instant) }

    /// Makes every read fail with `kind` until ``clearFault()``.
    public func injectFault(_ kind: HALError.Kind, message: String? = nil) {
        fault.inject(kind, message: message)
    }

    /// Ends an injected fault.
    public func clearFault() { fault.clear() }
}
