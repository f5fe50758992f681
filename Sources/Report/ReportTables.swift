/// The report's tables and text sections.
enum ReportTables {
    /// A numeric cell, red when `negative`.
    static func num(_ text: String, negative: Bool = false) -> String {
        "<td class=\"num\(negative ? " neg" : "")\">" + HTMLEscaping.escape(text) + "</td>"
    }

    /// A key/value table.
    static func facts(_ rows: [(String, String)], label: String) -> String {
        "<table class=\"facts\" aria-label=\"\(HTMLEscaping.escape(label))\"><tbody>"
            + rows.map { "<tr><th scope=\"row\">\($0.0)</th><td>\($0.1)</td></tr>" }.joined()
            + "</tbody></table>"
    }

    /// The monthly figures, with a totals row.
    static func monthly(_ data: ReportData) -> String {
        let e = HTMLEscaping.escape
        let months = data.months
        guard !months.isEmpty else {
            return "<section class=\"panel\"><h2>Monthly figures</h2><p class=\"muted\">No monthly figures in this period.</p></section>\n"
        }
        let adjusted = months.contains { $0.adjustedBaselineKWh != nil }
        let labels = ReportCharts.monthLabels(data)
        var headers: [(String, String)] = [("Month", ""), ("Baseline", "kWh")]
        if adjusted { headers.append(("Adjusted baseline", "kWh")) }
        headers += [("Actual", "kWh"), ("Avoided", "kWh"), ("Avoided", "%"), ("PV", "kWh"),
                    ("Renewable share", "%"), ("Coverage", "%"), ("Estimated", "intervals"),
                    ("Missing", "intervals")]
        var html = "<section class=\"panel\"><h2>Monthly figures</h2><div class=\"table-wrap\"><table class=\"monthly\">"
        html += "<thead><tr>" + headers.enumerated().map { index, header in
            let unit = header.1.isEmpty ? "" : "<span class=\"unit\">\(e(header.1))</span>"
            return "<th scope=\"col\"\(index == 0 ? "" : " class=\"num\"")>\(e(header.0))\(unit)</th>"
        }.joined() + "</tr></thead><tbody>"
        for (label, figures) in zip(labels, months) {
            html += "<tr><th scope=\"row\">\(e(label.name))</th>"
            html += num(ReportFormat.number(figures.baselineKWh))
            if adjusted { html += num(ReportFormat.number(figures.adjustedBaselineKWh)) }
            html += num(ReportFormat.number(figures.actualKWh))
            html += num(ReportFormat.number(figures.avoidedKWh), negative: figures.avoidedKWh < 0)
            html += num(ReportFormat.number(figures.avoidedPercent, decimals: 1),
                        negative: (figures.avoidedPercent ?? 0) < 0)
            html += num(ReportFormat.number(figures.pvKWh))
            html += num(ReportFormat.number(figures.renewableSharePercent, decimals: 0))
            html += num(ReportFormat.coverage(figures.coveragePercent), negative: figures.coveragePercent < 90)
            html += num(ReportFormat.number(Double(figures.estimatedIntervals)))
            html += num(ReportFormat.number(Double(figures.gapIntervals)), negative: figures.gapIntervals > 0)
            html += "</tr>"
        }
        // The footer adds up the columns (what a reader checks with a calculator); only the
        // coverage, which does not add up, comes from the period's totals.
        let baseline = months.reduce(0) { $0 + $1.baselineKWh }
        let actual = months.reduce(0) { $0 + $1.actualKWh }
        let avoided = months.reduce(0) { $0 + $1.avoidedKWh }
        let effective = months.reduce(0) { $0 + $1.effectiveBaselineKWh }
        let pv = months.reduce(0) { $0 + $1.pvKWh }
        let avoidedPercent = ReportMath.percent(avoided, of: effective)
        html += "</tbody><tfoot><tr><th scope=\"row\">Total</th>"
        html += num(ReportFormat.number(baseline))
        if adjusted {
            let all = months.compactMap(\.adjustedBaselineKWh)
            html += num(all.count == months.count ? ReportFormat.number(all.reduce(0, +)) : ReportFormat.missing)
        }
        html += num(ReportFormat.number(actual))
        html += num(ReportFormat.number(avoided), negative: avoided < 0)
        html += num(ReportFormat.number(avoidedPercent, decimals: 1), negative: (avoidedPercent ?? 0) < 0)
        html += num(ReportFormat.number(pv))
        html += num(ReportFormat.number(ReportMath.percent(pv, of: actual), decimals: 0))
        html += num(ReportFormat.coverage(data.totals.coveragePercent))
        html += num(ReportFormat.number(Double(months.reduce(0) { $0 + $1.estimatedIntervals })))
        html += num(ReportFormat.number(Double(months.reduce(0) { $0 + $1.gapIntervals })))
        html += "</tr></tfoot></table></div>"
        html += "<p class=\"small muted\">Avoided = \(adjusted ? "adjusted baseline (baseline where none)" : "baseline") − actual. "
            + "Renewable share = PV production ÷ lighting consumption; it exceeds 100 % when the panels "
            + "produce more than the lights use.</p></section>\n"
        return html
    }

    /// The baseline method and the IPMVP fit statistics.
    static func baseline(_ data: ReportData) -> String {
        let e = HTMLEscaping.escape
        var html = "<section class=\"panel\"><h2>Baseline</h2><p>\(e(data.baselineMethod))</p>"
        guard let fit = data.ipmvp else {
            return html + "<p class=\"muted small\">No IPMVP option B fit was made for this report: savings are counted against the baseline above.</p></section>\n"
        }
        let verdict = fit.meetsASHRAE14
            ? "<span class=\"badge good\">✓ Meets ASHRAE Guideline 14</span>"
            : "<span class=\"badge bad\">✗ Does not meet ASHRAE Guideline 14</span>"
        var rows: [(String, String)] = [
            ("Model", "consumption = <i>a</i> × dark hours + <i>b</i> (IPMVP option B)"),
            ("Baseline period", e(fit.baselinePeriod)),
            ("Slope <i>a</i>", e(ReportFormat.quantity(fit.slopeKWhPerDarkHour, "kWh per dark hour", decimals: 3))),
            ("Intercept <i>b</i>", e(ReportFormat.quantity(fit.interceptKWh, "kWh", decimals: 1))),
            ("Observations <i>n</i>", e(ReportFormat.number(Double(fit.n)))),
            ("R²", e(ReportFormat.number(fit.rSquared, decimals: 3))),
            ("CV(RMSE)", e(ReportFormat.percent(fit.cvRMSEPercent, decimals: 1))),
            ("NMBE", e(ReportFormat.percent(fit.nmbePercent, decimals: 2, signed: true))),
            ("Verdict", verdict),
        ]
        if let criteria = fit.criteria { rows.append(("Criteria", e(criteria))) }
        html += "<h3>IPMVP option B fit</h3>" + facts(rows, label: "IPMVP fit statistics")
        return html + "</section>\n"
    }

    /// The return-on-investment figures.
    static func roi(_ data: ReportData) -> String {
        let e = HTMLEscaping.escape
        var html = "<section class=\"panel\"><h2>Return on investment</h2>"
        guard let roi = data.roi else {
            return html + "<p class=\"muted\">No investment figures were given: the return on investment is not computed.</p></section>\n"
        }
        let currency = data.currency
        func years(_ value: Double?) -> String {
            guard let value, value.isFinite else { return "not reached within \(roi.years) years" }
            return ReportFormat.quantity(value, "years", decimals: 1)
        }
        let rows: [(String, String)] = [
            ("Investment (capex)", e(ReportFormat.money(roi.capex, currency: currency))),
            ("Analysis", e("\(roi.years) years at a discount rate of " + ReportFormat.percent(roi.discountRate * 100, decimals: 1))),
            ("Net present value", e(ReportFormat.money(roi.npv, currency: currency, signed: true))),
            ("Internal rate of return", e(roi.irr.map { ReportFormat.percent($0 * 100, decimals: 1) } ?? "none (savings never repay the investment)")),
            ("Savings-to-investment ratio", e(ReportFormat.number(roi.sir, decimals: 2))),
            ("Simple payback", e(years(roi.simplePaybackYears))),
            ("Discounted payback", e(years(roi.discountedPaybackYears))),
        ]
        html += facts(rows, label: "Return on investment")
        html += "<p class=\"small muted\">Money in \(e(currency)). Cash flows are discounted to year 0; "
            + "the payback chart shows their running sum.</p>"
        return html + "</section>\n"
    }

    /// The EN 13201-5 annual energy consumption indicators.
    static func aeci(_ data: ReportData) -> String {
        let e = HTMLEscaping.escape
        var html = "<section class=\"panel\"><h2>Energy performance indicators (EN 13201-5)</h2>"
        html += "<p class=\"small muted\">AECI, the annual energy consumption indicator: the energy a "
            + "lighting installation uses in a year divided by the area it lights, in kWh/m²/year. "
            + "Lower is better.</p>"
        guard !data.aeci.isEmpty else {
            return html + "<p class=\"muted\">No lit areas are configured for this cabinet.</p></section>\n"
        }
        html += "<div class=\"table-wrap\"><table><thead><tr><th scope=\"col\">Road or circuit</th>"
            + "<th scope=\"col\" class=\"num\">Lit area (m²)</th><th scope=\"col\" class=\"num\">Annual energy (kWh/year)</th>"
            + "<th scope=\"col\" class=\"num\">AECI (kWh/m²/year)</th></tr></thead><tbody>"
        for row in data.aeci {
            html += "<tr><th scope=\"row\">\(e(row.name))</th>" + num(ReportFormat.number(row.areaSquareMetres))
                + num(ReportFormat.number(row.annualKWh)) + num(ReportFormat.number(row.aeciKWhPerSquareMetre, decimals: 2))
                + "</tr>"
        }
        html += "</tbody>"
        if data.aeci.count > 1 {
            let total = AECIRow(name: "All", areaSquareMetres: data.aeci.reduce(0) { $0 + $1.areaSquareMetres },
                                annualKWh: data.aeci.reduce(0) { $0 + $1.annualKWh })
            html += "<tfoot><tr><th scope=\"row\">All</th>" + num(ReportFormat.number(total.areaSquareMetres))
                + num(ReportFormat.number(total.annualKWh)) + num(ReportFormat.number(total.aeciKWhPerSquareMetre, decimals: 2))
                + "</tr></tfoot>"
        }
        return html + "</table></div></section>\n"
    }

    /// The ledger's integrity statement.
    static func integrity(_ data: ReportData) -> String {
        let e = HTMLEscaping.escape
        let state = data.integrity
        let badge = state.verified
            ? "<span class=\"badge good\">✓ Chain verified</span>"
            : "<span class=\"badge bad\">✗ Chain NOT verified</span>"
        let rows: [(String, String)] = [
            ("Status", badge),
            ("Chain head", "<code class=\"hash\">\(e(state.chainHeadHex.isEmpty ? ReportFormat.missing : state.chainHeadHex))</code>"),
            ("Records", e(ReportFormat.number(Double(state.records)))),
            ("Signing key", state.signingKeyFingerprint.map { "<code class=\"hash fingerprint\">\(e($0))</code>" } ?? e("none: the ledger cannot sign exports")),
            ("Check", e(state.note)),
        ]
        return "<section class=\"panel\"><h2>Ledger integrity</h2>" + facts(rows, label: "Ledger integrity")
            + "<p class=\"small muted\">Anyone holding the ledger can recompute the chain head and "
            + "compare it with the one printed here, and compare the signing key's fingerprint with the one "
            + "the municipality holds.</p></section>\n"
    }

    /// The caveats.
    static func notes(_ data: ReportData) -> String {
        let e = HTMLEscaping.escape
        let items = data.notes.isEmpty
            ? "<p class=\"muted\">No caveats.</p>"
            : "<ul class=\"notes\">" + data.notes.map { "<li>\(e($0))</li>" }.joined() + "</ul>"
        return "<section class=\"panel\"><h2>Notes</h2>" + items + "</section>\n"
    }
}
