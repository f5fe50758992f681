import Astronomy
import Foundation
import HAL
import Simulation

/// A clock the test moves by hand; its `source` is what simulated devices receive.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date) { current = start }

    var now: Date { lock.withLock { current } }

    func set(_ date: Date) { lock.withLock { current = date } }

    func advance(by seconds: TimeInterval) { lock.withLock { current += seconds } }

    var source: TimeSource { { [self] in now } }
}

/// Montdidier (Somme, Picardy), the reference town.
let montdidier = GeoCoordinate(latitude: 49.648, longitude: 2.570)!

/// Midnight UTC at the start of a date.
func utcMidnight(_ year: Int, _ month: Int, _ day: Int) -> Date {
    Date(timeIntervalSince1970: Double(CivilDate(year: year, month: month, day: day)!.daysSinceEpoch) * 86_400)
}
