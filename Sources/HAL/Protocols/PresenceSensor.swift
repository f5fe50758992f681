import Foundation

/// A presence detector: a PIR or radar head on a GPIO line or a wireless gateway.
///
/// The sensor buffers detections; the caller collects them whenever it runs (the control loop
/// does so on each tick), which suits both edge-event queues (libgpiod) and simulated time.
public protocol PresenceSensor: HardwareDevice {
    /// Returns the detections recorded since the previous call, oldest first, as UTC instants,
    /// and forgets them. Returns an empty array when there were none.
    ///
    /// - Throws: ``HALError`` from the driver; detections buffered when the error happens are
    ///   kept for the next successful call when the hardware allows it.
    func readDetections() async throws(HALError) -> [Date]
}
