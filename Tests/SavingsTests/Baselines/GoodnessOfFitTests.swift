import Foundation
import Savings
import Testing

/// CV(RMSE) and NMBE (ASHRAE Guideline 14-2014) on predictions that were not fitted to the data,
/// against numpy (tools/finance-reference/reference.py) and a hand computation.
@Suite("Goodness of fit (ASHRAE Guideline 14)")
struct GoodnessOfFitTests {
    static let observed = [100.0, 120.0, 90.0, 110.0, 105.0]

    @Test("Under-prediction: positive NMBE (observed − predicted); by hand and numpy")
    func underPrediction() throws {
        let fit = try GoodnessOfFit(observed: Self.observed, predicted: [98, 125, 85, 100, 104], parameterCount: 2)
        // Residuals 2, -5, 5, 10, 1: Σ = 13, Σ² = 155; ȳ = 105; n - p = 3.
        #expect(fit.sumOfResiduals == 13 && fit.sumOfSquaredResiduals == 155)
        #expect(abs(fit.nmbe - 13.0 / (3 * 105)) < 1e-15)
        #expect(abs(fit.nmbe - 0.04126984126984127) < 1e-15)            // numpy
        #expect(abs(fit.cvRMSE - (155.0 / 3).squareRoot() / 105) < 1e-15)
        #expect(abs(fit.cvRMSE - 0.06845669413602484) < 1e-15)           // numpy
        #expect(abs((fit.rSquared ?? .nan) - 0.69) < 1e-12)              // 1 - 155 / 500
        #expect(fit.degreesOfFreedom == 3)
        #expect(fit.meetsASHRAE14Monthly)
    }

    @Test("A biased model fails ASHRAE 14 monthly (|NMBE| 11.1 % > 5 %) though CV(RMSE) 9.1 % passes")
    func biased() throws {
        let fit = try GoodnessOfFit(observed: Self.observed, predicted: [95, 110, 85, 100, 100], parameterCount: 2)
        #expect(abs(fit.nmbe - 0.1111111111111111) < 1e-15)              // numpy
        #expect(abs(fit.cvRMSE - 0.0911835340720322) < 1e-15)            // numpy
        #expect(!fit.meetsASHRAE14Monthly)
        // Over-prediction flips the sign.
        let over = try GoodnessOfFit(observed: [95, 110, 85, 100, 100], predicted: Self.observed, parameterCount: 2)
        #expect(abs(over.nmbe + 35.0 / (3 * 98)) < 1e-15)
    }

    @Test("The thresholds are inclusive: CV(RMSE) 15 % and |NMBE| 5 % pass")
    func thresholds() {
        #expect(GoodnessOfFit.ashrae14MonthlyCVRMSELimit == 0.15)
        #expect(GoodnessOfFit.ashrae14MonthlyNMBELimit == 0.05)
    }

    @Test("No degree of freedom, NaN, non-positive mean: typed errors")
    func errors() {
        #expect(throws: BaselineFitError.tooFewObservations(count: 2, minimum: 3)) {
            try GoodnessOfFit(observed: [1, 2], predicted: [1, 2], parameterCount: 2)
        }
        #expect(throws: BaselineFitError.notFinite(index: 1, field: "predicted")) {
            try GoodnessOfFit(observed: [1, 2, 3], predicted: [1, .nan, 3], parameterCount: 2)
        }
        #expect(throws: BaselineFitError.nonPositiveMeanEnergy(0)) {
            try GoodnessOfFit(observed: [1, -1, 0], predicted: [1, 2, 3], parameterCount: 2)
        }
    }
}
