import Foundation
import Testing
@testable import Recording

/// A cumulative register read interval after interval: differences, and never a negative or
/// huge interval from a reset, a wrap, a replacement or a silent meter.
@Suite struct CumulativeRegisterTests {
    static let t0 = Date(timeIntervalSince1970: 1_767_225_600)
    static func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

    @Test func differencesOfAGrowingRegister() {
        var r = CumulativeRegister(maximumWatts: 10_000)
        #expect(r.take(1_000, at: Self.at(0)) == .first(1_000))
        #expect(r.take(1_400, at: Self.at(15)) == .energy(400))
        #expect(r.take(1_400, at: Self.at(30)) == .energy(0))
        #expect(r.last == .init(wattHours: 1_400, at: Self.at(30)))
    }

    @Test func aSilentMeterKeepsItsLastValueAndTheNextIntervalSpansTheSilence() {
        var r = CumulativeRegister(maximumWatts: 10_000)
        _ = r.take(1_000, at: Self.at(0))
        #expect(r.take(nil, at: Self.at(15)) == .silent)
        #expect(r.take(nil, at: Self.at(30)) == .silent)
        #expect(r.last?.wattHours == 1_000)
        // 45 minutes at up to 10 kW: 7.5 kWh possible; 5 kWh is accepted.
        #expect(r.take(6_000, at: Self.at(45)) == .energy(5_000))
    }

    @Test func aRegisterThatGoesBackIsAResetNeverANegativeInterval() {
        var r = CumulativeRegister(maximumWatts: 10_000)
        _ = r.take(52_000, at: Self.at(0))
        #expect(r.take(12, at: Self.at(15)) == .reset(from: 52_000, to: 12))
        #expect(r.take(300, at: Self.at(30)) == .energy(288))   // counting again from the new value
    }

    @Test func aJumpBeyondWhatTheCircuitsCanDrawIsImplausible() {
        var r = CumulativeRegister(maximumWatts: 4_000)   // 15 min: 1 kWh, 1.1 kWh with the margin
        _ = r.take(0, at: Self.at(0))
        #expect(r.limit(from: Self.at(0), to: Self.at(15)) == 1_101)
        #expect(r.take(1_101, at: Self.at(15)) == .energy(1_101))
        #expect(r.take(1_101 + 1_102, at: Self.at(30)) == .implausible(from: 1_101, to: 2_203, limit: 1_101))
        #expect(r.take(2_300, at: Self.at(45)) == .energy(97))
    }

    @Test func aWrappingCounterCountsAcrossTheWrap() {
        let modulus: Int64 = 1 << 32
        var r = CumulativeRegister(modulus: modulus, maximumWatts: 10_000)
        _ = r.take(modulus - 100, at: Self.at(0))
        #expect(r.take(150, at: Self.at(15)) == .wrapped(energy: 250, from: modulus - 100, to: 150))
        // A drop from the middle of the range is no wrap: more than the circuits could draw.
        _ = r.take(1_000_000, at: Self.at(30))
        #expect(r.take(10, at: Self.at(45)) == .reset(from: 1_000_000, to: 10))
    }

    @Test func aRestartCarriesOnFromTheLedgersRegister() {
        // Down for 3 hours: the first interval after the restart holds what was drawn meanwhile.
        var r = CumulativeRegister(last: .init(wattHours: 10_000, at: Self.at(0)), maximumWatts: 2_000)
        #expect(r.take(15_200, at: Self.at(195)) == .energy(5_200))
    }

    @Test func noLimitWhenTheMaximumIsUnknown() {
        var r = CumulativeRegister(maximumWatts: 0)
        _ = r.take(0, at: Self.at(0))
        #expect(r.take(9_000_000, at: Self.at(1)) == .energy(9_000_000))
    }
}

/// A meter's watt-hours split between the circuits it serves: the shares sum to the meter.
@Suite struct ApportionmentTests {
    @Test func sharesFollowTheExpectedEnergyAndSumExactly() {
        #expect(Apportionment.shares(of: 100, expected: [1, 1, 1], ratedWatts: [1, 1, 1]) == [34, 33, 33])
        #expect(Apportionment.shares(of: 1_000, expected: [300, 100, 0], ratedWatts: [5, 5, 5]) == [750, 250, 0])
        #expect(Apportionment.shares(of: 7, expected: [0.5, 0.25, 0.25], ratedWatts: [1, 1, 1]) == [3, 2, 2])   // 3.5, 1.75, 1.75
    }

    @Test func withNothingExpectedTheRatingsDecide() {
        // A day-burner: the plan has every circuit off, the meter counts 90 Wh.
        #expect(Apportionment.shares(of: 90, expected: [0, 0], ratedWatts: [2_000, 1_000]) == [60, 30])
        #expect(Apportionment.shares(of: 5, expected: [0, 0], ratedWatts: [0, 0]) == [3, 2])
    }

    @Test func noEnergyNoShares() {
        #expect(Apportionment.shares(of: 0, expected: [3, 4], ratedWatts: [1, 1]) == [0, 0])
        #expect(Apportionment.shares(of: 12, expected: [], ratedWatts: []).isEmpty)
    }

    @Test(arguments: [1, 2, 3, 7, 64])
    func sharesAlwaysSumToTheMeterAndStayWithinAWattHour(circuits: Int) {
        var generator = SystemRandomNumberGenerator()
        for _ in 0 ..< 200 {
            let total = Int64.random(in: 0 ... 100_000, using: &generator)
            let expected = (0 ..< circuits).map { _ in Double.random(in: 0 ... 3_000, using: &generator) }
            let shares = Apportionment.shares(of: total, expected: expected, ratedWatts: Array(repeating: 100, count: circuits))
            #expect(shares.reduce(0, +) == total)
            let sum = expected.reduce(0, +)
            for (share, e) in zip(shares, expected) where sum > 0 {
                #expect(abs(Double(share) - Double(total) * e / sum) < 1.000001)
            }
        }
    }
}
