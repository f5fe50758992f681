/// The report's masthead and its key-figure cards.
enum ReportSummary {
    /// The masthead: title, cabinet, site, period and who generated the report when.
    static func header(_ data: ReportData) -> String {
        let e = HTMLEscaping.escape
        let zone = data.timeZone.identifier
        let facts = [
            ("Cabinet", e(data.cabinetID)),
            ("Site", e(data.siteDescription)),
            ("Period", e(ReportFormat.period(from: data.periodStart, to: data.periodEnd, in: data.timeZone))
                + "<br><span class=\"muted small\">local dates, " + e(zone) + "</span>"),
            ("Generated", e(ReportFormat.timestamp(data.generatedAt, in: data.timeZone))
                + "<br><span class=\"muted small\">by " + e(data.generator) + "</span>"),
        ]
        return """
            <header class="masthead">
            <p class="eyebrow">Street-lighting energy savings report</p>
            <h1>\(e(data.title))</h1>
            <dl class="meta">\(facts.map { "<div><dt>\($0.0)</dt><dd>\($0.1)</dd></div>" }.joined())</dl>
            </header>

            """
    }

    /// One key-figure card.
    static func card(label: String, value: String, detail: String, accent: String,
                     warning: Bool = false) -> String {
        let e = HTMLEscaping.escape
        return "<div class=\"card accent-\(accent)\(warning ? " warn" : "")\">"
            + "<p class=\"label\">\(e(label))</p><p class=\"value\">\(e(value))</p>"
            + "<p class=\"detail\">\(e(detail))</p></div>"
    }

    /// The six key-figure cards.
    static func cards(_ data: ReportData) -> String {
        let totals = data.totals
        let avoided = totals.avoidedKWh
        let percent = totals.avoidedPercent
        var avoidedDetail: String
        if percent.isFinite {
            avoidedDetail = ReportFormat.percent(abs(percent)) + (percent < 0 ? " above" : " below") + " baseline"
        } else {
            avoidedDetail = "No baseline to compare"
        }
        avoidedDetail += " (" + ReportFormat.kWh(totals.baselineKWh) + " → " + ReportFormat.kWh(totals.actualKWh) + ")"

        var pvDetail = "No previous period to compare"
        if let change = totals.pvChangePercent, change.isFinite {
            pvDetail = ReportFormat.percent(change, decimals: 0, signed: true) + " vs previous period"
            if let previous = totals.previousPeriodPVKWh, previous.isFinite {
                pvDetail += " (" + ReportFormat.kWh(previous) + ")"
            }
        }

        let estimated = data.months.reduce(0) { $0 + $1.estimatedIntervals }
        let gaps = data.months.reduce(0) { $0 + $1.gapIntervals }
        let coverageDetail = ReportFormat.number(Double(estimated)) + " estimated, "
            + ReportFormat.number(Double(gaps)) + " missing interval" + (gaps == 1 ? "" : "s")

        let cards = [
            card(label: "Consumption avoided", value: ReportFormat.kWh(avoided, signed: avoided < 0),
                 detail: avoidedDetail, accent: "gain", warning: avoided.isFinite && avoided < 0),
            card(label: "PV production", value: ReportFormat.kWh(totals.pvKWh), detail: pvDetail, accent: "pv"),
            card(label: "Renewable share", value: ReportFormat.percent(totals.renewableSharePercent, decimals: 0),
                 detail: "PV production ÷ lighting consumption", accent: "share"),
            card(label: "Avoided cost", value: ReportFormat.money(totals.avoidedCost, currency: data.currency),
                 detail: totals.avoidedCost == nil ? "No tariff configured" : "Energy not bought in the period",
                 accent: "actual", warning: totals.avoidedCost.map { $0 < 0 } ?? false),
            card(label: "Avoided emissions", value: ReportFormat.co2e(kilograms: totals.avoidedCO2eKg),
                 detail: totals.emissionFactorName ?? "No emission factor configured", accent: "ink",
                 warning: totals.avoidedCO2eKg.map { $0 < 0 } ?? false),
            card(label: "Data coverage", value: ReportFormat.coverage(totals.coveragePercent, unit: true),
                 detail: coverageDetail, accent: "baseline",
                 warning: totals.coveragePercent.isFinite && totals.coveragePercent < 90),
        ]
        return "<section class=\"cards\" aria-label=\"Key figures\">" + cards.joined() + "</section>\n"
    }
}
