import Foundation
import Savings
import Testing

/// ROI against numpy-financial 1.0.0 (tools/finance-reference/reference.py prints every
/// reference value used here).
@Suite("Return on investment")
struct ReturnOnInvestmentTests {
    static func flat(_ capex: String, kWh: Double, price: String, rate: Double, years: Int,
                     escalation: Double = 0, maintenance: String = "0") -> InvestmentCase {
        InvestmentCase(capex: Decimal(string: capex)!, currency: "EUR", annualEnergySavingsKWh: kWh,
                       energyPrice: .flat(perKWh: Decimal(string: price)!),
                       annualMaintenanceSavings: Decimal(string: maintenance)!, discountRate: rate,
                       lifetimeYears: years, priceEscalation: escalation)
    }

    static func double(_ d: Decimal) -> Double { NSDecimalNumber(decimal: d).doubleValue }

    /// Expected values from numpy-financial for one case.
    struct Reference {
        var npv: Double, pv: Double, irr: Double?, simple: Double?, discounted: Double?, sir: Double
    }

    static func check(_ result: ROIResult, _ r: Reference, sourceLocation: SourceLocation = #_sourceLocation) {
        // NPV and PV are rounded to the cent once: within half a cent of the float reference.
        #expect(abs(double(result.npv) - r.npv) <= 0.005 + 1e-9, "NPV \(result.npv) vs \(r.npv)", sourceLocation: sourceLocation)
        #expect(abs(double(result.presentValueOfSavings) - r.pv) <= 0.005 + 1e-9,
                "PV \(result.presentValueOfSavings) vs \(r.pv)", sourceLocation: sourceLocation)
        if let irr = r.irr {
            let mine = result.irr ?? .nan
            #expect(abs(mine - irr) < 1e-9, "IRR \(mine) vs \(irr)", sourceLocation: sourceLocation)
        } else {
            #expect(result.irr == nil, sourceLocation: sourceLocation)
        }
        if let simple = r.simple {
            #expect(abs((result.simplePaybackYears ?? .nan) - simple) < 1e-9, sourceLocation: sourceLocation)
        } else {
            #expect(result.simplePaybackYears == nil, sourceLocation: sourceLocation)
        }
        if let discounted = r.discounted {
            let mine = result.discountedPaybackYears ?? .nan
            #expect(abs(mine - discounted) < 1e-9, "discounted payback \(mine) vs \(discounted)", sourceLocation: sourceLocation)
        } else {
            #expect(result.discountedPaybackYears == nil, sourceLocation: sourceLocation)
        }
        #expect(abs((result.sir ?? .nan) - r.sir) < 1e-9, "SIR \(String(describing: result.sir)) vs \(r.sir)",
                sourceLocation: sourceLocation)
    }

    @Test("The issue's example: 120 000 EUR, 100 000 kWh/yr at 0.18 EUR, 4 %, 20 years")
    func issueExample() throws {
        let result = try Self.flat("120000", kWh: 100_000, price: "0.18", rate: 0.04, years: 20).evaluate()
        #expect(result.annualAvoidedCost == 18_000)
        #expect(result.annualNetSavings == 18_000)
        #expect(result.pricePerKWh == Decimal(string: "0.18"))
        #expect(result.npv == Decimal(string: "124625.87"))
        #expect(result.presentValueOfSavings == Decimal(string: "244625.87"))
        Self.check(result, Reference(npv: 124625.87420941833, pv: 244625.8742094183, irr: 0.13886639866120265,
                                     simple: 6.666666666666667, discounted: 7.909567409236652,
                                     sir: 2.0385489517451525))
    }

    @Test("Escalation 2 %/yr and 1 500 EUR/yr maintenance savings")
    func escalationAndMaintenance() throws {
        let result = try Self.flat("120000", kWh: 100_000, price: "0.18", rate: 0.04, years: 20,
                                   escalation: 0.02, maintenance: "1500").evaluate()
        #expect(result.years[1].cashFlow == 19_500)
        #expect(result.years[20].cashFlow == Decimal(string: "27722.60"))
        #expect(result.annualNetSavings == 19_500)
        Self.check(result, Reference(npv: 190035.18899788545, pv: 310035.18899788545, irr: 0.1711035771023759,
                                     simple: 6.153846153846154, discounted: 6.795271988036005,
                                     sir: 2.583626574982379))
    }

    @Test("Savings that never repay: negative IRR, no discounted payback, negative NPV")
    func neverRepays() throws {
        let result = try Self.flat("120000", kWh: 1_000, price: "0.18", rate: 0.04, years: 20).evaluate()
        Self.check(result, Reference(npv: -117553.74125790581, pv: 2446.2587420941854, irr: -0.22121606166084173,
                                     simple: 666.6666666666666, discounted: nil, sir: 0.020385489517451547))
        #expect(result.npv < 0)
    }

    @Test("Odd cents: 12 345.6 kWh at 0.1987, 3.5 %, 15 years, 1.5 % escalation")
    func oddCents() throws {
        let result = try Self.flat("25000", kWh: 12_345.6, price: "0.1987", rate: 0.035, years: 15,
                                   escalation: 0.015).evaluate()
        #expect(result.years[1].cashFlow == Decimal(string: "2453.07"))
        #expect(result.years[15].cashFlow == Decimal(string: "3021.58"))
        Self.check(result, Reference(npv: 6123.11123906333, pv: 31123.111239063328, irr: 0.0662645896463061,
                                     simple: 10.191311295641787, discounted: 11.68355546120612,
                                     sir: 1.2449244495625331))
    }

    @Test("The yearly series: year 0 is -capex, cumulative sums, the last cumulative discounted is the NPV")
    func series() throws {
        let result = try Self.flat("120000", kWh: 100_000, price: "0.18", rate: 0.04, years: 20,
                                   escalation: 0.02, maintenance: "1500").evaluate()
        #expect(result.years.count == 21)
        #expect(result.years.map(\.year) == Array(0...20))
        #expect(result.years[0].cashFlow == -120_000 && result.years[0].cumulativeDiscounted == -120_000)
        var cumulative = Decimal(0)
        for year in result.years {
            cumulative += year.cashFlow
            #expect(year.cumulative == cumulative)
        }
        #expect(result.years.last?.cumulativeDiscounted == result.npv)
        // The cumulative discounted line crosses zero in the year of the discounted payback.
        let payback = try #require(result.discountedPaybackYears)
        let crossing = try #require(result.years.firstIndex { $0.cumulativeDiscounted >= 0 })
        #expect(Double(crossing - 1) < payback && payback <= Double(crossing))
        // Discounted cash flows to the cent: year 1 is 19 500 / 1.04.
        #expect(result.years[1].discountedCashFlow == Decimal(string: "18750.00"))
    }

    @Test("No savings: no payback, no IRR (no sign change), SIR 0")
    func noSavings() throws {
        let result = try Self.flat("50000", kWh: 0, price: "0.18", rate: 0.04, years: 10).evaluate()
        #expect(result.simplePaybackYears == nil)
        #expect(result.discountedPaybackYears == nil)
        #expect(result.irr == nil)
        #expect(result.sir == 0)
        #expect(result.npv == -50_000)
        // Added maintenance costs larger than the energy savings: net savings negative.
        let worse = try Self.flat("50000", kWh: 1_000, price: "0.18", rate: 0.04, years: 10, maintenance: "-500").evaluate()
        #expect(worse.annualNetSavings == -320)
        #expect(worse.simplePaybackYears == nil && worse.irr == nil && worse.discountedPaybackYears == nil)
    }

    @Test("Zero capex: paybacks are 0, SIR and IRR do not exist")
    func zeroCapex() throws {
        let result = try Self.flat("0", kWh: 1_000, price: "0.20", rate: 0.04, years: 5).evaluate()
        #expect(result.simplePaybackYears == 0 && result.discountedPaybackYears == 0)
        #expect(result.sir == nil && result.irr == nil)
        #expect(result.npv > 0)
    }

    @Test("A zero discount rate: the NPV is the plain sum, the discounted payback equals the simple one")
    func zeroRate() throws {
        let result = try Self.flat("1000", kWh: 1_000, price: "0.25", rate: 0, years: 10).evaluate()
        #expect(result.npv == 1_500)
        #expect(abs((result.discountedPaybackYears ?? .nan) - 4) < 1e-12)
        #expect(abs((result.simplePaybackYears ?? .nan) - 4) < 1e-12)
    }

    @Test("Invalid figures throw one-line errors")
    func validation() {
        func error(_ c: InvestmentCase) -> FinanceError? {
            do { _ = try c.evaluate(); return nil } catch { return error }
        }
        let base = Self.flat("1000", kWh: 100, price: "0.2", rate: 0.04, years: 10)
        var c = base
        c.capex = -1
        #expect(error(c) == .negativeCapex(-1))
        c = base; c.capex = .nan
        #expect(error(c) == .notFinite(what: "the capital expenditure"))
        c = base; c.discountRate = -1
        #expect(error(c) == .discountRateTooLow(-1))
        c = base; c.discountRate = .nan
        #expect(error(c) == .notFinite(what: "the discount rate"))
        c = base; c.annualEnergySavingsKWh = .infinity
        #expect(error(c) == .notFinite(what: "the annual energy savings"))
        c = base; c.lifetimeYears = 0
        #expect(error(c) == .lifetimeOutOfRange(0, allowed: 1...100))
        c = base; c.priceEscalation = -1.5
        #expect(error(c) == .escalationTooLow(-1.5))
        c = base; c.currency = "euro"
        #expect(error(c) == .invalidCurrency("euro"))
        c = base; c.energyPrice = .flat(perKWh: Decimal(string: "-0.1")!)
        #expect(error(c) == .negativePrice(Decimal(string: "-0.1")!))
        for e in [FinanceError.negativeCapex(-1), .discountRateTooLow(-1), .lifetimeOutOfRange(0, allowed: 1...100),
                  .invalidCurrency("euro"), .notFinite(what: "the discount rate")] {
            #expect(!e.description.contains("\n") && !e.description.isEmpty)
        }
        #expect(FinanceError.discountRateTooLow(-1.5).description == "the discount rate must be greater than -1 (-100 %), found -1.5")
    }
}
