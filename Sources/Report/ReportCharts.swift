import Foundation

/// The report's five charts, built from its data as `ChartSpec`s.
enum ReportCharts {
    /// Month labels for a band axis: the abbreviation, with the year under the first month
    /// and under every January.
    static func monthLabels(_ data: ReportData) -> [ChartSpec.BandLabel] {
        var previousYear: Int?
        return data.months.map { figures in
            let (name, year) = ReportFormat.month(figures.month, in: data.timeZone)
            defer { previousYear = year }
            return ChartSpec.BandLabel(text: name, subtext: previousYear == year ? nil : String(year),
                                       name: "\(name) \(year)")
        }
    }

    /// Monthly baseline and actual consumption, grouped bars, with the adjusted baseline as
    /// a dashed line with markers when present.
    static func consumption(_ data: ReportData) -> ChartSpec {
        let labels = monthLabels(data)
        let months = data.months
        var spec = ChartSpec(
            id: "chart-consumption", title: "Monthly lighting consumption: baseline and actual",
            summary: "Grouped bars per month: baseline (counterfactual) consumption and the "
                + "consumption recorded in the ledger, in kWh.",
            width: 880, height: 300, x: .bands(labels), yUnit: "kWh")
        spec.bars = [
            ChartSpec.BarSeries(name: "Baseline", tone: .baseline, values: months.map(\.baselineKWh),
                                tooltips: zip(labels, months).map { "\($0.name) · baseline: \(ReportFormat.kWh($1.baselineKWh))" }),
            ChartSpec.BarSeries(name: "Actual (ledger)", tone: .actual, values: months.map(\.actualKWh),
                                tooltips: zip(labels, months).map { "\($0.name) · actual: \(ReportFormat.kWh($1.actualKWh))" }),
        ]
        if months.contains(where: { $0.adjustedBaselineKWh != nil }) {
            let points = months.enumerated().compactMap { index, figures -> ChartSpec.Point? in
                guard let adjusted = figures.adjustedBaselineKWh else { return nil }
                return ChartSpec.Point(x: Double(index) + 0.5, y: adjusted,
                                       tooltip: "\(labels[index].name) · adjusted baseline: \(ReportFormat.kWh(adjusted))")
            }
            spec.lines = [ChartSpec.LineSeries(name: "Adjusted baseline (IPMVP)", tone: .adjusted,
                                               points: points, dashed: true)]
        }
        spec.emptyMessage = "No consumption in this period"
        return spec
    }

    /// Monthly PV production, bars.
    static func production(_ data: ReportData) -> ChartSpec {
        let labels = monthLabels(data)
        var spec = ChartSpec(
            id: "chart-pv", title: "Monthly PV production",
            summary: "Bars per month: renewable (solar PV) production in kWh.",
            x: .bands(labels), yUnit: "kWh")
        spec.bars = [ChartSpec.BarSeries(
            name: "PV production", tone: .pv, values: data.months.map(\.pvKWh),
            tooltips: zip(labels, data.months).map { "\($0.name) · PV: \(ReportFormat.kWh($1.pvKWh))" })]
        spec.emptyMessage = "No PV production in this period"
        return spec
    }

    /// Renewable share per month, a line in percent, with the 100 % line when it is near.
    static func renewableShare(_ data: ReportData) -> ChartSpec {
        let labels = monthLabels(data)
        let points = data.months.enumerated().compactMap { index, figures -> ChartSpec.Point? in
            guard let share = figures.renewableSharePercent else { return nil }
            return ChartSpec.Point(x: Double(index) + 0.5, y: share,
                                   tooltip: "\(labels[index].name) · renewable share: \(ReportFormat.percent(share, decimals: 0))")
        }
        var spec = ChartSpec(
            id: "chart-share", title: "Renewable share per month",
            summary: "Line per month: PV production as a percentage of lighting consumption; "
                + "above 100 % the panels produced more than the lights used.",
            x: .bands(labels), yUnit: "%")
        spec.lines = [ChartSpec.LineSeries(name: "PV ÷ consumption", tone: .share, points: points)]
        if (points.map(\.y).max() ?? 0) >= 50 {
            spec.references = [ChartSpec.ReferenceLine(y: 100, legend: "100 %: PV = consumption")]
        }
        spec.emptyMessage = "No consumption or production to compare"
        return spec
    }

    /// Cumulative avoided consumption at the end of each month, an area split at zero.
    static func cumulativeSavings(_ data: ReportData) -> ChartSpec {
        let labels = monthLabels(data)
        var total = 0.0
        var points = [ChartSpec.Point(x: 0, y: 0, tooltip: nil)]
        for (index, figures) in data.months.enumerated() {
            if figures.avoidedKWh.isFinite { total += figures.avoidedKWh }
            points.append(ChartSpec.Point(x: Double(index + 1), y: total,
                                          tooltip: "End of \(labels[index].name) · cumulative avoided: \(ReportFormat.kWh(total, signed: true))"))
        }
        var spec = ChartSpec(
            id: "chart-cumulative", title: "Cumulative consumption avoided",
            summary: "Area: consumption avoided since the start of the period, summed at the end "
                + "of each month, in kWh; below zero more was consumed than the baseline.",
            x: .bands(labels), yUnit: "kWh")
        spec.lines = [ChartSpec.LineSeries(
            name: "Avoided since \(ReportFormat.longDate(data.periodStart, in: data.timeZone))",
            tone: .gain, points: data.months.isEmpty ? [] : points, area: true,
            endLabel: data.months.isEmpty ? nil : ReportFormat.kWh(total, signed: true))]
        spec.emptyMessage = "No monthly figures in this period"
        return spec
    }

    /// Cumulative discounted cash flow by year, with the discounted payback point.
    static func payback(_ roi: ROIFigures, currency: String) -> ChartSpec {
        let values = roi.cumulativeDiscounted.map(ReportMath.double)
        let thousands = (values.map(abs).filter(\.isFinite).max() ?? 0) >= 10_000
        let years = max(1, values.count - 1)
        let step: Double = years <= 12 ? 1 : (years <= 25 ? 2 : 5)
        let points = values.enumerated().map { year, value in
            ChartSpec.Point(x: Double(year), y: value,
                            tooltip: "Year \(year) · cumulative discounted: \(ReportFormat.money(roi.cumulativeDiscounted[year], currency: currency, signed: true))")
        }
        var spec = ChartSpec(
            id: "chart-payback", title: "Payback: cumulative discounted cash flow",
            summary: "Line by year: the investment (negative at year 0) plus discounted savings, "
                + "in \(currency); the investment is repaid where the line crosses zero.",
            x: .linear(lower: 0, upper: Double(years), step: step, title: "Year",
                       label: { ReportFormat.number($0) }),
            yUnit: thousands ? "k\u{00A0}" + currency : currency)
        if thousands {
            spec.yLabel = { value, _ in
                let scaled = value / 1000
                return ReportFormat.number(scaled, decimals: scaled == scaled.rounded() ? 0 : 1)
            }
        }
        spec.lines = [ChartSpec.LineSeries(
            name: "Cumulative discounted cash flow", tone: .ink, points: points, area: true,
            endLabel: "NPV " + ReportFormat.money(roi.npv, currency: currency, signed: true))]
        if let payback = roi.discountedPaybackYears, payback.isFinite, payback >= 0, payback <= Double(years) {
            spec.callout = ChartSpec.Callout(
                x: payback, y: 0, label: "Discounted payback: \(ReportFormat.number(payback, decimals: 1)) years")
        }
        spec.emptyMessage = "No cash flows"
        return spec
    }
}
