import Foundation
import Testing
import Units

@Suite struct NumberTextTests {
    @Test func groupsByThousandsFromTheRight() {
        #expect(NumberText.grouped("0") == "0")
        #expect(NumberText.grouped("999") == "999")
        #expect(NumberText.grouped("1000") == "1 000")
        #expect(NumberText.grouped("65686") == "65 686")
        #expect(NumberText.grouped("1234567") == "1 234 567")
        #expect(NumberText.grouped("-1234567") == "-1 234 567")
        #expect(NumberText.grouped("-123") == "-123")
        #expect(NumberText.grouped("65686", separator: "\u{202F}") == "65\u{202F}686")
    }

    @Test func groupsOnlyTheIntegerPart() {
        #expect(NumberText.groupingInteger(of: "12345.6789") == "12 345.6789")
        #expect(NumberText.groupingInteger(of: "-9876543.21") == "-9 876 543.21")
        #expect(NumberText.groupingInteger(of: "1000") == "1 000")
    }

    /// `fixed` rounds as C's `%.*f` does (the figures printed before it existed).
    @Test func fixedRoundsLikePrintf() {
        for (value, decimals) in [(11229.94, 1), (0.05, 1), (2.5, 0), (3.5, 0), (-1234.5678, 2), (82.86, 1), (1e9 + 0.5, 0)] {
            let printf = String(format: "%.\(decimals)f", value)
            #expect(NumberText.fixed(value, decimals: decimals).replacingOccurrences(of: " ", with: "") == printf)
        }
        #expect(NumberText.fixed(65686.04, decimals: 1) == "65 686.0")
    }

    @Test func instantsAreISO8601InUTC() {
        #expect(InstantText.isoUTC(Date(timeIntervalSince1970: 1_767_225_600)) == "2026-01-01T00:00:00Z")
    }
}

/// `InstantText.isoUTC` writes what `ISO8601DateFormatter` (`.withInternetDateTime`) writes,
/// by arithmetic: leap days, century years, the fraction of a second dropped, instants before
/// 1970. From 1583 on: before, the formatter counts in the Julian calendar, where ISO 8601
/// (and this text) continues the Gregorian one.
@Suite struct InstantTextTests {
    @Test func writesWhatTheFormatterWrites() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        var generator = SystemRandomNumberGenerator()
        var instants: [Double] = [0, -1, -0.5, 0.999, 86_399.9, 951_782_400, 951_868_799.75, 4_107_542_400, 1_798_761_599,
                                  -12_212_553_600, 253_402_300_799, 1_609_459_199, 1_609_459_200]
        // Fractions short of the next second by more than the formatter's rounding to
        // milliseconds (it goes through milliseconds as a Double).
        for _ in 0 ..< 20_000 {
            instants.append(Double(Int64.random(in: -12_212_553_600 ... 253_402_300_799, using: &generator))
                + Double.random(in: 0 ..< 0.99, using: &generator))
        }
        for t in instants {
            let date = Date(timeIntervalSince1970: t)
            #expect(InstantText.isoUTC(date) == formatter.string(from: date), "\(t)")
        }
        #expect(InstantText.isoUTC(Date(timeIntervalSince1970: 1_798_761_600)) == "2027-01-01T00:00:00Z")
        #expect(InstantText.isoUTC(Date(timeIntervalSince1970: -62_135_596_800)) == "0001-01-01T00:00:00Z")
    }
}
