import Foundation
import Savings
import Testing

@Suite("Internal rate of return")
struct InternalRateOfReturnTests {
    @Test("Two sign changes: roots at 10 % and 20 %, the one closest to zero is returned (as numpy-financial)")
    func twoRoots() throws {
        let irr = try #require(InternalRateOfReturn.rate(cashFlows: [-100, 230, -132]))
        #expect(abs(irr - 0.1) < 1e-12)   // numpy-financial 1.0.0: 0.09999999999999942
        #expect(abs(InternalRateOfReturn.npv([-100, 230, -132], rate: 0.2)) < 1e-9)
    }

    @Test("No sign change, too few flows, a non-finite flow: nil")
    func none() {
        #expect(InternalRateOfReturn.rate(cashFlows: [-100, -5, -5]) == nil)
        #expect(InternalRateOfReturn.rate(cashFlows: [100, 5, 5]) == nil)
        #expect(InternalRateOfReturn.rate(cashFlows: [0, 0, 0]) == nil)
        #expect(InternalRateOfReturn.rate(cashFlows: [-100]) == nil)
        #expect(InternalRateOfReturn.rate(cashFlows: [-100, .nan, 200]) == nil)
    }

    @Test("Exact roots: 0 %, 50 %, a very high rate beyond the grid, a very negative one")
    func extremes() throws {
        #expect(abs(try #require(InternalRateOfReturn.rate(cashFlows: [-100, 50, 50]))) < 1e-12)
        #expect(abs(try #require(InternalRateOfReturn.rate(cashFlows: [-100, 150])) - 0.5) < 1e-12)
        // 1 invested returns 1e7 a year later: IRR = 9 999 999 (999 999 900 %).
        let high = try #require(InternalRateOfReturn.rate(cashFlows: [-1, 10_000_000]))
        #expect(abs(high - 9_999_999) / 9_999_999 < 1e-12)
        // 100 returns 1 a year later: -99 %.
        #expect(abs(try #require(InternalRateOfReturn.rate(cashFlows: [-100, 1])) + 0.99) < 1e-12)
        // Below -99.9 % is not searched.
        #expect(InternalRateOfReturn.rate(cashFlows: [-1_000_000, 1]) == nil)
    }

    @Test("A hundred years of flows near -99 % does not overflow")
    func longSeries() throws {
        let flows = [-1_000_000.0] + Array(repeating: 1.0, count: 100)
        let irr = try #require(InternalRateOfReturn.rate(cashFlows: flows))
        #expect(irr > -0.999 && irr < 0)
        #expect(abs(InternalRateOfReturn.npv(flows, rate: irr)) / 1_000_000 < 1e-6)
    }
}
