import Foundation
import Ledger
import Report

/// Report data for tests: a realistic year at Montdidier and edge cases derived from it.
enum ReportSamples {
    static let paris = TimeZone(identifier: "Europe/Paris")!

    /// The first instant of a local month in Paris.
    static func month(_ year: Int, _ month: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = paris
        return calendar.date(from: DateComponents(year: year, month: month, day: 1))!
    }

    /// Dark hours of each month at 49.6° N (sunset to sunrise), January first.
    static let darkHours: [Double] = [474, 389, 375, 309, 273, 240, 260, 304, 345, 409, 444, 487]
    /// Legacy (HPS, full power all night) consumption, kWh, January first.
    static let baseline: [Double] = [5_620, 4_880, 4_560, 3_830, 3_310, 3_010, 3_120, 3_650, 4_240, 4_980, 5_480, 5_690]
    /// Fraction of the baseline that the LED and dimming installation consumed.
    static let actualRatio: [Double] = [0.171, 0.168, 0.172, 0.169, 0.174, 0.176, 0.173, 0.170, 0.169, 0.171, 0.168, 0.170]
    /// PV production, kWh, January first.
    static let pv: [Double] = [1_050, 1_720, 3_050, 4_310, 5_120, 5_480, 5_360, 4_720, 3_520, 2_280, 1_240, 960]

    /// IPMVP option B fit of the legacy consumption on dark hours (made on 2023 readings).
    static let fit = IPMVPFigures(slopeKWhPerDarkHour: 10.94, interceptKWh: 410.5, n: 12, rSquared: 0.962,
                                  cvRMSEPercent: 4.1, nmbePercent: 0.02, meetsASHRAE14: true,
                                  baselinePeriod: "January – December 2023, 12 monthly meter readings",
                                  criteria: "CV(RMSE) ≤ 20 %, |NMBE| ≤ 5 % (monthly data)")

    /// Cumulative discounted cash flows of a 120 000 EUR retrofit at 4 % over 20 years:
    /// energy savings growing 2 % a year plus 3 500 EUR of avoided maintenance.
    static func roi(energySavingsPerYear: Double) -> ROIFigures {
        let capex = 120_000.0, rate = 0.04, years = 20
        func flows(_ rate: Double) -> [Double] {
            var cumulative = [-capex]
            for year in 1...years {
                let saving = energySavingsPerYear * pow(1.02, Double(year - 1)) + 3_500
                cumulative.append(cumulative[year - 1] + saving / pow(1 + rate, Double(year)))
            }
            return cumulative
        }
        let discounted = flows(rate), undiscounted = flows(0)
        func payback(_ series: [Double]) -> Double? {
            guard let year = series.firstIndex(where: { $0 >= 0 }), year > 0 else { return nil }
            let before = series[year - 1], after = series[year]
            return Double(year - 1) + (-before) / (after - before)
        }
        var low = 0.0, high = 1.0
        for _ in 0..<100 {
            let mid = (low + high) / 2
            if flows(mid).last! > 0 { low = mid } else { high = mid }
        }
        let money = discounted.map { Decimal(Int(($0).rounded())) }
        return ROIFigures(capex: 120_000, simplePaybackYears: payback(undiscounted),
                          discountedPaybackYears: payback(discounted), npv: money.last!,
                          irr: (low + high) / 2, sir: (discounted.last! + capex) / capex, discountRate: rate,
                          years: years, cumulativeDiscounted: money)
    }

    /// A year (2025) at Montdidier with every section filled.
    static func montdidier() -> ReportData {
        let months = (0..<12).map { index in
            let gaps = [0, 0, 12, 0, 0, 0, 4, 0, 0, 0, 0, 0][index]
            return MonthFigures(
                month: month(2025, index + 1), baselineKWh: baseline[index],
                adjustedBaselineKWh: (fit.slopeKWhPerDarkHour * darkHours[index] + fit.interceptKWh).rounded(),
                actualKWh: (baseline[index] * actualRatio[index]).rounded(), pvKWh: pv[index],
                coveragePercent: 100 - Double(gaps) / 29.76,
                estimatedIntervals: [3, 0, 18, 0, 2, 0, 6, 0, 0, 1, 0, 4][index], gapIntervals: gaps)
        }
        let adjusted = months.reduce(0) { $0 + $1.effectiveBaselineKWh }
        let actual = months.reduce(0) { $0 + $1.actualKWh }
        let production = months.reduce(0) { $0 + $1.pvKWh }
        let avoided = adjusted - actual
        let tariff = Decimal(string: "0.1843")!
        var cost = Decimal(Int(avoided.rounded())) * tariff
        var rounded = Decimal()
        NSDecimalRound(&rounded, &cost, 2, .plain)
        let totals = ReportTotals(baselineKWh: adjusted, actualKWh: actual, pvKWh: production,
                                  coveragePercent: 99.95, previousPeriodPVKWh: (production / 1.52).rounded(),
                                  avoidedCost: rounded, avoidedCO2eKg: avoided * 0.052,
                                  emissionFactorName: "Example factor: 52 g CO₂e/kWh (French grid, lighting use)")
        return ReportData(
            title: "Montdidier — armoire des Remparts (exemple)", cabinetID: "MTD-01",
            siteDescription: "49.648° N, 2.570° E — Europe/Paris",
            periodStart: month(2025, 1), periodEnd: month(2026, 1), timeZone: paris,
            generatedAt: Date(timeIntervalSince1970: 1_767_606_720),  // 2026-01-05T09:52:00Z
            generator: "lanterne 0.1.0", currency: "EUR", months: months, totals: totals,
            baselineMethod: "Legacy counterfactual: 120 HPS luminaires (15.3 kW) at full power from sunset to sunrise",
            ipmvp: fit, roi: roi(energySavingsPerYear: avoided * 0.1843),
            aeci: [AECIRow(name: "Boulevard des Remparts", areaSquareMetres: 6_480, annualKWh: 3_310),
                   AECIRow(name: "Rue de la Gare", areaSquareMetres: 4_150, annualKWh: 2_470),
                   AECIRow(name: "Place du Marché", areaSquareMetres: 2_900, annualKWh: 1_980),
                   AECIRow(name: "Chemin du Moulin (footpath)", areaSquareMetres: 1_260, annualKWh: 1_080)],
            integrity: ReportIntegrity(
                chainHeadHex: "9f3c2a7d41e05b8c6d2f17a4e9b03c58d6a1f24e7b9c0d3e5f6a7b8c9d0e1f2a",
                records: 71_296, verified: true,
                note: "Every record re-hashed from the genesis record on 5 January 2026; no break in the chain."),
            notes: ["16 fifteen-minute intervals are missing (March and July, meter reboots); they are not filled in.",
                    "34 intervals were estimated from the power model while the meter was unreachable.",
                    "PV production is that of the 36 kWp array on the municipal workshop roof."])
    }

    /// A single month with no PV, no ROI, no IPMVP fit, no AECI and no notes.
    static func singleMonthNoExtras() -> ReportData {
        var data = montdidier()
        data.periodStart = month(2025, 6)
        data.periodEnd = month(2025, 7)
        data.months = [MonthFigures(month: month(2025, 6), baselineKWh: 3_010, actualKWh: 520, pvKWh: 0,
                                    coveragePercent: 100)]
        data.totals = ReportTotals(baselineKWh: 3_010, actualKWh: 520, pvKWh: 0, coveragePercent: 100)
        data.ipmvp = nil
        data.roi = nil
        data.aeci = []
        data.notes = []
        return data
    }

    /// More consumption than the baseline (negative savings) and a failed chain check.
    static func negativeSavings() -> ReportData {
        var data = montdidier()
        data.months = data.months.map { figures in
            var changed = figures
            changed.adjustedBaselineKWh = nil
            changed.actualKWh = figures.baselineKWh * 1.08
            return changed
        }
        let baseline = data.months.reduce(0) { $0 + $1.baselineKWh }
        let actual = data.months.reduce(0) { $0 + $1.actualKWh }
        data.totals = ReportTotals(baselineKWh: baseline, actualKWh: actual, pvKWh: data.totals.pvKWh,
                                   coveragePercent: 82.5, avoidedCost: Decimal(-1_234.5),
                                   avoidedCO2eKg: (baseline - actual) * 0.052, emissionFactorName: "Example factor")
        data.ipmvp = IPMVPFigures(slopeKWhPerDarkHour: 9.1, interceptKWh: -120, n: 6, rSquared: 0.41,
                                  cvRMSEPercent: 31.5, nmbePercent: -7.25, meetsASHRAE14: false,
                                  baselinePeriod: "six months of 2023")
        data.roi = roi(energySavingsPerYear: -2_000)
        data.roi?.simplePaybackYears = nil
        data.roi?.discountedPaybackYears = nil
        data.roi?.irr = nil
        data.integrity.verified = false
        data.integrity.note = "Record 40 112 does not match its hash."
        return data
    }

    /// Zero baseline, zero consumption, zero PV, and non-finite figures everywhere the
    /// caller could put them.
    static func zeros() -> ReportData {
        var data = singleMonthNoExtras()
        data.months = [MonthFigures(month: month(2025, 6), baselineKWh: 0, adjustedBaselineKWh: .nan,
                                    actualKWh: 0, pvKWh: 0, coveragePercent: .nan)]
        data.totals = ReportTotals(baselineKWh: 0, actualKWh: 0, avoidedKWh: 0, avoidedPercent: .nan,
                                   pvKWh: 0, renewableSharePercent: .infinity, avoidedCost: nil,
                                   avoidedCO2eKg: .nan, emissionFactorName: nil, coveragePercent: .nan,
                                   previousPeriodPVKWh: 0, pvChangePercent: .infinity)
        data.aeci = [AECIRow(name: "Unmeasured road", areaSquareMetres: 0, annualKWh: 0)]
        data.roi = ROIFigures(capex: 0, simplePaybackYears: .nan, discountedPaybackYears: .infinity, npv: 0,
                              irr: .nan, sir: .nan, discountRate: .nan, years: 0, cumulativeDiscounted: [0])
        data.ipmvp = IPMVPFigures(slopeKWhPerDarkHour: .nan, interceptKWh: .infinity, n: 0, rSquared: .nan,
                                  cvRMSEPercent: .nan, nmbePercent: -.infinity, meetsASHRAE14: false,
                                  baselinePeriod: "")
        return data
    }

    /// No months at all (an empty period).
    static func empty() -> ReportData {
        var data = zeros()
        data.months = []
        data.periodEnd = data.periodStart
        data.roi = nil
        return data
    }
}
