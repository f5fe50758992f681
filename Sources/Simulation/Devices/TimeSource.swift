import Foundation

/// Where a simulated device reads "now": an injected UTC clock.
///
/// Library code never reads the system clock (DESIGN.md, Time): the runtime passes a real clock,
/// tests and simulations pass a simulated one, so a year can run in milliseconds.
public typealias TimeSource = @Sendable () -> Date
