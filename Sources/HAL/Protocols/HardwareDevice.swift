/// Anything on the controller's hardware that has a configured name.
///
/// Every HAL protocol refines this one. Conformances are usually actors (one owner per
/// physical resource), so the name is the only synchronous requirement.
public protocol HardwareDevice: Sendable {
    /// The device's name as configured in the board file (`relay-c1`, `meter-main`), used in
    /// errors and logs. Stable for the device's lifetime.
    var name: String { get }
}
