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
