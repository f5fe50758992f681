#!/usr/bin/env python3
"""Independent reference values for Lanterne's Ledger Finance and Savings tests.

Run in a throwaway virtualenv (versions used: numpy-financial 1.0.0, numpy 2.4.6,
scipy 1.17.1):

    python3 -m venv /tmp/fin
    /tmp/fin/bin/pip install numpy-financial scipy
    /tmp/fin/bin/python tools/finance-reference/reference.py

It prints every value the Swift tests compare against (Tests/LedgerTests/Finance and
Tests/LedgerTests/Savings); the tests carry the numbers as literals, with this script named
beside them. Nothing here shares code with Lanterne: NPV and IRR come from numpy-financial
(`npf.npv`, `npf.irr`, which finds the IRR from the roots of the cash-flow polynomial, not by
bracketing), the regression from `scipy.stats.linregress`, the error statistics from numpy
with the ASHRAE Guideline 14-2014 formulas written out again below.

Conventions shared with Lanterne's docs/SAVINGS.md (they are definitions, not code):
- year-end cash flows, year 0 = -capex; npf.npv(rate, flows) discounts flows[t] by (1+rate)^t;
- year-t energy savings valued at price x (1+escalation)^(t-1), rounded to the cent half away
  from zero (Python's decimal ROUND_HALF_UP), plus maintenance savings;
- discounted payback interpolated linearly inside the year where the cumulative discounted
  cash flow first reaches zero.
"""

from decimal import Decimal, ROUND_HALF_UP

import numpy as np
import numpy_financial as npf
from scipy import stats


def cents(x):
    return Decimal(x).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def cash_flows(capex, kwh, price, years, escalation="0", maintenance="0"):
    """Year-end cash flows as floats, each year's energy savings rounded to the cent."""
    flows = [-float(capex)]
    for t in range(1, years + 1):
        energy = cents(Decimal(kwh) * Decimal(price) * (1 + Decimal(escalation)) ** (t - 1))
        flows.append(float(energy + cents(Decimal(maintenance))))
    return flows


def discounted_payback(flows, rate):
    cumulative = flows[0]
    if cumulative >= 0:
        return 0.0
    for t in range(1, len(flows)):
        d = flows[t] / (1 + rate) ** t
        if cumulative < 0 <= cumulative + d:
            return (t - 1) + (-cumulative) / d
        cumulative += d
    return None


def finance_case(name, capex, kwh, price, rate, years, escalation="0", maintenance="0"):
    flows = cash_flows(capex, kwh, price, years, escalation, maintenance)
    npv = npf.npv(rate, flows)
    pv = npv + float(capex)
    irr = npf.irr(flows)
    first = flows[1]
    print(f"== {name}")
    print(f"   flows[1] = {flows[1]:.2f}, flows[-1] = {flows[-1]:.2f}")
    print(f"   NPV = {float(npv)!r}")
    print(f"   PV(savings) = {float(pv)!r}")
    print(f"   IRR = {float(irr)!r}")
    print(f"   simple payback = {float(capex) / first!r}" if first > 0 else "   simple payback = None")
    print(f"   discounted payback = {discounted_payback(flows, rate)!r}")
    print(f"   SIR = {float(pv) / float(capex)!r}")


# The example.
finance_case("issue example: 120000 EUR, 100000 kWh/yr at 0.18, 4 %, 20 years",
             "120000", "100000", "0.18", 0.04, 20)
# With 2 %/yr price escalation and 1500 EUR/yr maintenance savings.
finance_case("escalation 2 %, maintenance 1500", "120000", "100000", "0.18", 0.04, 20,
             escalation="0.02", maintenance="1500")
# Savings that never repay: the IRR is negative, the discounted payback does not happen.
finance_case("never repays: 1000 kWh/yr", "120000", "1000", "0.18", 0.04, 20)
# Odd cents: 12345.6 kWh at 0.1987, 3.5 %, 15 years, 1.5 % escalation.
finance_case("odd cents", "25000", "12345.6", "0.1987", 0.035, 15, escalation="0.015")

# Two sign changes: roots at 10 % and 20 %; numpy-financial returns the one closest to zero.
print("== two sign changes [-100, 230, -132]: IRR =", repr(npf.irr([-100, 230, -132])))

# ---------------------------------------------------------------- regression (IPMVP option B)

def ashrae(observed, predicted, p):
    y = np.asarray(observed, dtype=float)
    yhat = np.asarray(predicted, dtype=float)
    n = len(y)
    ybar = y.mean()
    cv = np.sqrt(np.sum((y - yhat) ** 2) / (n - p)) / ybar
    nmbe = np.sum(y - yhat) / ((n - p) * ybar)
    return cv, nmbe


# Hand-checkable: x = 1, 2, 3; y = 2, 4, 5 -> slope 3/2, intercept 2/3, R^2 = 27/28,
# SSres = 1/6, CV(RMSE) = sqrt(1/6) / (11/3), NMBE = 0.
x, y = [1.0, 2.0, 3.0], [2.0, 4.0, 5.0]
r = stats.linregress(x, y)
cv, nmbe = ashrae(y, [r.intercept + r.slope * v for v in x], 2)
print(f"== small: slope {float(r.slope)!r} intercept {float(r.intercept)!r} R2 {float(r.rvalue ** 2)!r} "
      f"CV(RMSE) {float(cv)!r} NMBE {float(nmbe)!r}")

# Twelve months of a cabinet: dark hours (Montdidier-like) and metered kWh.
dark = [485.2, 404.9, 381.3, 309.8, 266.4, 234.7, 251.2, 296.5, 339.8, 410.6, 451.3, 490.1]
kwh = [20310.0, 16480.0, 16520.0, 12600.0, 11850.0, 9870.0, 10220.0, 13080.0, 14390.0, 17660.0, 18520.0, 20480.0]
r = stats.linregress(dark, kwh)
pred = [r.intercept + r.slope * v for v in dark]
cv, nmbe = ashrae(kwh, pred, 2)
print(f"== 12 months: slope {float(r.slope)!r} intercept {float(r.intercept)!r} R2 {float(r.rvalue ** 2)!r}")
print(f"   CV(RMSE) {float(cv)!r} NMBE {float(nmbe)!r}")
print(f"   adjusted baseline for 300 dark hours: {float(r.intercept + r.slope * 300.0)!r}")
print(f"   adjusted baseline for the same 12 months: {float(sum(pred))!r}")

# Error statistics on predictions that were not fitted to the data (NMBE is not zero).
# A model that under-predicts (positive NMBE, observed - predicted) and one that fails
# ASHRAE 14's monthly criteria (|NMBE| > 5 %).
observed = [100.0, 120.0, 90.0, 110.0, 105.0]
for name, predicted in [("not fitted", [98.0, 125.0, 85.0, 100.0, 104.0]),
                        ("biased", [95.0, 110.0, 85.0, 100.0, 100.0])]:
    cv, nmbe = ashrae(observed, predicted, 2)
    ybar = np.mean(observed)
    ss_res = sum((o - q) ** 2 for o, q in zip(observed, predicted))
    ss_tot = sum((o - ybar) ** 2 for o in observed)
    print(f"== {name}: CV(RMSE) {float(cv)!r} NMBE {float(nmbe)!r} R2 {float(1 - ss_res / ss_tot)!r}")
