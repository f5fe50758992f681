import Foundation
import Savings
import Testing

/// IPMVP option B regression, against a hand computation and against scipy.stats.linregress
/// (tools/finance-reference/reference.py prints the reference values).
@Suite("Baseline model (IPMVP option B)")
struct BaselineModelTests {
    static let t0 = Date(timeIntervalSince1970: 1_735_689_600)  // 2025-01-01T00:00:00Z

    /// Observations on consecutive 30-day periods.
    static func observations(darkHours: [Double], kWh: [Double], coverage: Double = 1) -> [BaselineObservation] {
        zip(darkHours, kWh).enumerated().map { i, pair in
            BaselineObservation(start: t0.addingTimeInterval(Double(i) * 30 * 86_400),
                                end: t0.addingTimeInterval(Double(i + 1) * 30 * 86_400),
                                energyKWh: pair.1, darkHours: pair.0, coverage: coverage)
        }
    }

    static let monthDarkHours = [485.2, 404.9, 381.3, 309.8, 266.4, 234.7, 251.2, 296.5, 339.8, 410.6, 451.3, 490.1]
    static let monthKWh = [20310.0, 16480.0, 16520.0, 12600.0, 11850.0, 9870.0, 10220.0, 13080.0, 14390.0, 17660.0, 18520.0, 20480.0]

    @Test("Hand-checkable: x = 1, 2, 3; y = 2, 4, 5 gives slope 3/2, intercept 2/3, R² 27/28")
    func small() throws {
        let model = try BaselineModel.fit(Self.observations(darkHours: [1, 2, 3], kWh: [2, 4, 5]))
        #expect(abs(model.slope - 1.5) < 1e-12)
        #expect(abs(model.intercept - 2.0 / 3) < 1e-12)
        #expect(model.observationCount == 3 && model.degreesOfFreedom == 1)
        // Residuals -1/6, 1/3, -1/6: SSres = 1/6; SStot = 14/3.
        #expect(abs(model.fit.sumOfSquaredResiduals - 1.0 / 6) < 1e-12)
        #expect(abs((model.rSquared ?? .nan) - 27.0 / 28) < 1e-12)
        // CV(RMSE) = sqrt(SSres / (n - p)) / ȳ = sqrt(1/6) / (11/3) = 0.11134044285378078 (numpy).
        #expect(abs(model.cvRMSE - (1.0 / 6).squareRoot() / (11.0 / 3)) < 1e-12)
        #expect(abs(model.cvRMSE - 0.11134044285378078) < 1e-12)
        // The least-squares residuals sum to zero: NMBE is zero up to rounding.
        #expect(abs(model.nmbe) < 1e-12)
        #expect(model.meetsASHRAE14Monthly)
        #expect(model.darkHoursRange == 1...3)
        #expect(model.period == DateInterval(start: Self.t0, end: Self.t0.addingTimeInterval(90 * 86_400)))
        #expect(abs(model.adjustedBaseline(darkHours: 4) - (2.0 / 3 + 6)) < 1e-12)
    }

    @Test("Twelve months against scipy.stats.linregress 1.17.1 and numpy")
    func twelveMonths() throws {
        let model = try BaselineModel.fit(Self.observations(darkHours: Self.monthDarkHours, kWh: Self.monthKWh))
        #expect(abs(model.slope - 40.84801012268374) < 1e-9)
        #expect(abs(model.intercept - 453.5891543154503) < 1e-7)
        #expect(abs((model.rSquared ?? .nan) - 0.9874310558324657) < 1e-12)
        #expect(abs(model.cvRMSE - 0.02870573213790023) < 1e-12)
        #expect(abs(model.nmbe) < 1e-12)
        #expect(model.observationCount == 12 && model.degreesOfFreedom == 10)
        #expect(model.meetsASHRAE14Monthly)
        #expect(abs(model.adjustedBaseline(darkHours: 300) - 12707.992191120573) < 1e-7)
        // Over the baseline's own months, the model gives back the metered total.
        #expect(abs(model.adjustedBaseline(periodDarkHours: Self.monthDarkHours) - 181_980) < 1e-6)
    }

    @Test("Savings over a reporting year: 27 % avoided, coverage carried, no extrapolation")
    func savings() throws {
        let model = try BaselineModel.fit(Self.observations(darkHours: Self.monthDarkHours, kWh: Self.monthKWh))
        let result = try model.savings(periodDarkHours: Self.monthDarkHours, reportingKWh: 181_980 * 0.73, coverage: 0.995)
        #expect(abs(result.adjustedBaselineKWh - 181_980) < 1e-6)
        #expect(abs(result.avoidedKWh - 181_980 * 0.27) < 1e-6)
        #expect(abs((result.avoidedPercent ?? .nan) - 27) < 1e-9)
        #expect(result.coverage == 0.995)
        #expect(result.extrapolatedPeriods == 0)
        // A month darker than any in the baseline is an extrapolation.
        let dark = try model.savings(periodDarkHours: [600, 300], reportingKWh: 10_000, coverage: 1)
        #expect(dark.extrapolatedPeriods == 1)
        #expect(model.extrapolates(darkHours: 600) && !model.extrapolates(darkHours: 300))
        #expect(throws: SavingsError.coverageOutOfRange(1.5)) {
            try model.savings(periodDarkHours: [300], reportingKWh: 1, coverage: 1.5)
        }
        #expect(throws: SavingsError.negative(what: "dark hours of reporting period 1", value: -1)) {
            try model.savings(periodDarkHours: [300, -1], reportingKWh: 1, coverage: 1)
        }
    }

    @Test("The minimum coverage of the baseline observations is reported")
    func coverage() throws {
        var observations = Self.observations(darkHours: Self.monthDarkHours, kWh: Self.monthKWh)
        observations[3].coverage = 0.9
        #expect(try BaselineModel.fit(observations).minimumCoverage == 0.9)
    }

    @Test("Fewer than 3 observations, equal dark hours, NaN, negative values: typed errors")
    func errors() {
        #expect(throws: BaselineFitError.tooFewObservations(count: 2, minimum: 3)) {
            try BaselineModel.fit(Self.observations(darkHours: [1, 2], kWh: [1, 2]))
        }
        #expect(throws: BaselineFitError.constantDarkHours(value: 300)) {
            try BaselineModel.fit(Self.observations(darkHours: [300, 300, 300], kWh: [1, 2, 3]))
        }
        #expect(throws: BaselineFitError.notFinite(index: 1, field: "energyKWh")) {
            try BaselineModel.fit(Self.observations(darkHours: [1, 2, 3], kWh: [1, .nan, 3]))
        }
        #expect(throws: BaselineFitError.notFinite(index: 2, field: "darkHours")) {
            try BaselineModel.fit(Self.observations(darkHours: [1, 2, .infinity], kWh: [1, 2, 3]))
        }
        #expect(throws: BaselineFitError.negative(index: 0, field: "energyKWh", value: -1)) {
            try BaselineModel.fit(Self.observations(darkHours: [1, 2, 3], kWh: [-1, 2, 3]))
        }
        #expect(throws: BaselineFitError.coverageOutOfRange(index: 0, value: 2)) {
            try BaselineModel.fit(Self.observations(darkHours: [1, 2, 3], kWh: [1, 2, 3], coverage: 2))
        }
        #expect(throws: BaselineFitError.nonPositiveMeanEnergy(0)) {
            try BaselineModel.fit(Self.observations(darkHours: [1, 2, 3], kWh: [0, 0, 0]))
        }
        var reversed = Self.observations(darkHours: [1, 2, 3], kWh: [1, 2, 3])
        reversed[1].end = reversed[1].start
        #expect(throws: BaselineFitError.emptyPeriod(index: 1)) { try BaselineModel.fit(reversed) }
        #expect(BaselineFitError.tooFewObservations(count: 2, minimum: 3).description
                == "a baseline needs at least 3 observations, found 2")
        #expect(!BaselineFitError.constantDarkHours(value: 300).description.contains("\n"))
    }

    @Test("Constant energy: the slope is 0 and R² does not exist")
    func constantEnergy() throws {
        let model = try BaselineModel.fit(Self.observations(darkHours: [1, 2, 3], kWh: [5, 5, 5]))
        #expect(model.slope == 0 && model.intercept == 5)
        #expect(model.rSquared == nil)
        #expect(model.cvRMSE == 0)
    }
}
