import Astronomy
import Foundation
import HAL

/// A photocell input driven by a ``PhotocellModel``, the place's sun and the injected clock:
/// ``read()`` returns `true` (active) when the cell sees dark.
public actor SimulatedPhotocell: DigitalInput {
    /// The device name used in errors.
    public nonisolated let name: String
    /// The switching model.
    public nonisolated let model: PhotocellModel
    /// Where the cell is.
    public nonisolated let location: GeoCoordinate
    /// The local time zone, which decides which night (noon to noon) an instant belongs to.
    public nonisolated let timeZone: TimeZone

    private let clock: TimeSource
    private var fault = SimulatedFault()

    /// Creates a photocell.
    public init(name: String, model: PhotocellModel, location: GeoCoordinate, timeZone: TimeZone,
                clock: @escaping TimeSource) {
        self.name = name
        self.model = model
        self.location = location
        self.timeZone = timeZone
        self.clock = clock
    }

    /// `true` when the cell reports dark at the clock's current instant.
    ///
    /// - Throws: the injected fault (a failed cell or a broken wire).
    public func read() throws(HALError) -> Bool {
        try fault.check(device: name)
        let now = clock()
        return model.isDark(at: now, of: location, utcOffsetSeconds: timeZone.secondsFromGMT(for: now))
    }

    /// Makes every read fail with `kind` until ``clearFault()``.
    public func injectFault(_ kind: HALError.Kind, message: String? = nil) {
        fault.inject(kind, message: message)
    }

    /// Ends an injected fault.
    public func clearFault() { fault.clear() }
}
