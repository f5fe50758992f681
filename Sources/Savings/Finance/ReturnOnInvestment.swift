import Foundation

extension InvestmentCase {
    /// The return on the investment: payback, NPV, IRR, SIR and the yearly series.
    ///
    /// Formulas (r the discount rate, e the escalation, N the lifetime, P the year-1 price,
    /// E the annual kWh, M the maintenance savings):
    /// - cash flow of year 0: −capex; of year t ≥ 1: CFₜ = cents(E × P × (1 + e)ᵗ⁻¹) + M;
    /// - NPV = −capex + Σₜ CFₜ / (1 + r)ᵗ; PV(savings) = Σₜ CFₜ / (1 + r)ᵗ;
    /// - simple payback = capex / CF₁ (year-1 prices, undiscounted);
    /// - discounted payback = (t − 1) + |Dₜ₋₁| / (Dₜ − Dₜ₋₁) for the first year t where the
    ///   cumulative discounted cash flow D goes from below zero to zero or above;
    /// - IRR: `InternalRateOfReturn.rate(cashFlows:)` of (−capex, CF₁ ... CF_N);
    /// - SIR = PV(savings) / capex.
    ///
    /// Money is `Decimal` throughout; the rates enter as the exact decimals of their shortest
    /// text (0.04 is 0.04), and powers of (1 + r) and (1 + e) are products of decimals. Only the
    /// IRR search and the payback years are `Double`. See `ROIResult` for rounding.
    ///
    /// - Throws: what `validate()` throws.
    public func evaluate() throws(FinanceError) -> ROIResult {
        let price = try validatedPrice()
        let kWh = DecimalMath.decimal(annualEnergySavingsKWh)
        let maintenance = DecimalMath.cents(annualMaintenanceSavings)
        let onePlusRate = 1 + DecimalMath.decimal(discountRate)
        let onePlusEscalation = 1 + DecimalMath.decimal(priceEscalation)
        let annualAvoidedCost = DecimalMath.cents(kWh * price)
        let annualNetSavings = annualAvoidedCost + maintenance

        var years = [ROIResult.Year(year: 0, cashFlow: -capex, discountedCashFlow: -capex,
                                    cumulative: -capex, cumulativeDiscounted: -capex)]
        var flows = [DecimalMath.double(-capex)]
        var growth = Decimal(1)      // (1 + e)^(t - 1)
        var compound = Decimal(1)    // (1 + r)^t
        var cumulative = -capex, cumulativeDiscounted = -capex, presentValue = Decimal(0)
        var discountedPayback: Double? = capex == 0 ? 0 : nil
        for t in 1...lifetimeYears {
            compound *= onePlusRate
            let cashFlow = DecimalMath.cents(kWh * price * growth) + maintenance
            let discounted = cashFlow / compound
            let before = cumulativeDiscounted
            cumulative += cashFlow
            cumulativeDiscounted += discounted
            presentValue += discounted
            if discountedPayback == nil, before < 0, cumulativeDiscounted >= 0 {
                discountedPayback = Double(t - 1) + DecimalMath.double(-before / discounted)
            }
            years.append(ROIResult.Year(year: t, cashFlow: cashFlow,
                                        discountedCashFlow: DecimalMath.cents(discounted),
                                        cumulative: DecimalMath.cents(cumulative),
                                        cumulativeDiscounted: DecimalMath.cents(cumulativeDiscounted)))
            flows.append(DecimalMath.double(cashFlow))
            growth *= onePlusEscalation
        }

        let simplePayback: Double? = capex == 0 ? 0
            : (annualNetSavings > 0 ? DecimalMath.double(capex / annualNetSavings) : nil)
        let sir: Double? = capex > 0 ? DecimalMath.double(presentValue / capex) : nil
        return ROIResult(currency: currency, capex: capex, pricePerKWh: price,
                         annualEnergySavingsKWh: annualEnergySavingsKWh,
                         annualAvoidedCost: annualAvoidedCost, annualNetSavings: annualNetSavings,
                         discountRate: discountRate, lifetimeYears: lifetimeYears,
                         simplePaybackYears: simplePayback, discountedPaybackYears: discountedPayback,
                         npv: DecimalMath.cents(cumulativeDiscounted),
                         presentValueOfSavings: DecimalMath.cents(presentValue),
                         irr: InternalRateOfReturn.rate(cashFlows: flows), sir: sir, years: years)
    }
}
