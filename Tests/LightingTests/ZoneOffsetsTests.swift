import Foundation
import Lighting
import Testing

/// ``LocalClock`` looks a zone's offset up once per stretch between transitions: its answers
/// are Foundation's, at any instant and in any order — zones with daylight saving time, with
/// changes of their standard offset, with a day skipped, with a half-hour saving.
@Suite struct ZoneOffsetsTests {
    static let zones = ["Europe/Paris", "Europe/Moscow", "America/Caracas", "Pacific/Apia", "Asia/Pyongyang",
                        "Australia/Lord_Howe", "America/Sao_Paulo", "Africa/Casablanca", "Asia/Kolkata", "UTC"]

    @Test(arguments: zones) func theSameOffsetsAsFoundation(_ id: String) throws {
        let zone = try #require(TimeZone(identifier: id))
        let clock = LocalClock(timeZone: zone)
        var generator = SystemRandomNumberGenerator()
        // In time order, as the loop asks (each second around the transitions too), then at
        // random.
        var instants: [Double] = []
        var t = -2_208_988_800.0   // 1900
        while t < 4_102_444_800 {  // 2100
            instants.append(t)
            t += Double.random(in: 1 ... 40 * 86_400, using: &generator)
        }
        for transition in sequence(first: Date(timeIntervalSince1970: 1_600_000_000), next: { zone.nextDaylightSavingTimeTransition(after: $0) })
            .prefix(12) {
            for dt in -2 ... 2 { instants.append(transition.timeIntervalSince1970 + Double(dt)) }
        }
        instants += (0 ..< 5_000).map { _ in Double.random(in: -2_208_988_800 ... 4_102_444_800, using: &generator).rounded(.down) }
        var wrong: [String] = []
        for t in instants {
            let date = Date(timeIntervalSince1970: t)
            let cached = clock.utcOffset(at: date), direct = zone.secondsFromGMT(for: date)
            if cached != direct { wrong.append("\(date.ISO8601Format()): \(cached) instead of \(direct)") }
        }
        #expect(wrong.isEmpty, "\(id): \(wrong.prefix(5))")
    }
}
