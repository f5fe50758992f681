import Foundation
import Ledger
import Report
import Testing
import Units

@Suite struct ReportRendererTests {
    static let allSamples: [(String, ReportData)] = [
        ("montdidier", ReportSamples.montdidier()),
        ("single month, no PV, no ROI/IPMVP", ReportSamples.singleMonthNoExtras()),
        ("negative savings", ReportSamples.negativeSavings()),
        ("zero baseline and non-finite figures", ReportSamples.zeros()),
        ("no months", ReportSamples.empty()),
    ]

    static func count(_ pattern: String, in text: String) -> Int {
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]) else { return -1 }
        return regex.numberOfMatches(in: text, range: NSRange(text.startIndex..., in: text))
    }

    @Test(arguments: allSamples.map(\.0))
    func pageIsSelfContained(sample: String) throws {
        let data = try #require(Self.allSamples.first { $0.0 == sample }?.1)
        let html = ReportRenderer.html(data)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.hasSuffix("</html>\n"))
        #expect(Self.count(#"(src|href)\s*=\s*["']?\s*(https?:|//)"#, in: html) == 0)
        #expect(Self.count(#"<script"#, in: html) == 0)
        #expect(Self.count(#"@import"#, in: html) == 0)
        #expect(Self.count(#"url\(\s*["']?\s*(https?:|//)"#, in: html) == 0)
        #expect(Self.count(#"@font-face"#, in: html) == 0)
        #expect(Self.count(#"https?://"#, in: html) == 0, "no URL at all, not even an xmlns")
        #expect(Self.count(#"<link\b"#, in: html) == 0)
        #expect(Self.count(#"<(img|iframe|object|embed)\b"#, in: html) == 0)
    }

    @Test(arguments: allSamples.map(\.0))
    func noNaNOrInfinityIsPrinted(sample: String) throws {
        let data = try #require(Self.allSamples.first { $0.0 == sample }?.1)
        let html = ReportRenderer.html(data)
        #expect(Self.count(#"\b(nan|inf|infinity)\b"#, in: html) == 0)
        #expect(!html.contains("e+"), "no exponent notation in coordinates")
    }

    @Test func fullReportHasFiveChartsAndEverySection() {
        let html = ReportRenderer.html(ReportSamples.montdidier())
        #expect(Self.count("<svg", in: html) == 5)
        #expect(Self.count("</svg>", in: html) == 5)
        for heading in ["Monthly figures", "Baseline", "IPMVP option B fit", "Return on investment",
                        "Energy performance indicators (EN 13201-5)", "Ledger integrity", "Notes"] {
            #expect(html.contains(">" + heading + "<"), "section \(heading)")
        }
        for chart in ["Monthly lighting consumption: baseline and actual", "Monthly PV production",
                      "Renewable share per month", "Cumulative consumption avoided",
                      "Payback: cumulative discounted cash flow"] {
            #expect(html.contains("<title id=\"") && html.contains(">" + chart + "</title>"), "chart \(chart)")
        }
        #expect(Self.count(#"role="img" aria-labelledby="#, in: html) == 5)
        #expect(html.contains("✓ Meets ASHRAE Guideline 14"))
        #expect(html.contains("✓ Chain verified"))
        #expect(html.contains("Discounted payback:"))
        #expect(html.contains("Adjusted baseline (IPMVP)"))
        #expect(html.contains("@media print") && html.contains("size: A4"))
        #expect(html.contains("prefers-color-scheme: dark"))
    }

    @Test func figuresAreGroupedByThousandsWithUnits() {
        let data = ReportSamples.montdidier()
        let html = ReportRenderer.html(data)
        // 1 January – 31 December: the half-open period ends on 1 January 2026.
        #expect(html.contains("1 January 2025 – 31 December 2025"))
        #expect(html.contains("2026-01-05 10:52 (UTC+01:00)"))
        // 120 000 EUR with a narrow no-break space, and a unit after a no-break space.
        #expect(html.contains("120\u{202F}000\u{00A0}EUR"))
        #expect(html.contains("\u{00A0}kWh"))
        #expect(html.contains("+52\u{00A0}% vs previous period"))
        // The totals row carries the period's figures.
        let pv = data.months.reduce(0) { $0 + $1.pvKWh }
        #expect(pv == 38_810)
        #expect(html.contains("38\u{202F}810"))
    }

    @Test func titleAndEveryTextAreEscaped() {
        var data = ReportSamples.montdidier()
        data.title = #"Rue <b>"A & B"</b> 'x'"#
        data.cabinetID = "<script>alert(1)</script>"
        data.notes = ["<img src=x onerror=alert(1)>"]
        data.aeci[0].name = "A&B <road>"
        data.integrity.chainHeadHex = "\"><svg onload=alert(1)>"
        let html = ReportRenderer.html(data)
        #expect(html.contains("Rue &lt;b&gt;&quot;A &amp; B&quot;&lt;/b&gt; &#39;x&#39;"))
        #expect(!html.contains(#"<b>"A & B"</b>"#))
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
        #expect(html.contains("A&amp;B &lt;road&gt;"))
        #expect(Self.count("<svg", in: html) == 5, "the injected <svg is escaped")
    }

    @Test func missingROIAndIPMVPLeaveFourChartsAndSayWhy() {
        let html = ReportRenderer.html(ReportSamples.singleMonthNoExtras())
        #expect(Self.count("<svg", in: html) == 4)
        #expect(!html.contains("Payback: cumulative discounted cash flow"))
        #expect(html.contains("No investment figures were given"))
        #expect(html.contains("No IPMVP option B fit was made"))
        #expect(html.contains("No PV production in this period"))
        #expect(html.contains("No lit areas are configured"))
        #expect(html.contains("No caveats."))
        #expect(html.contains("No previous period to compare"))
        #expect(html.contains("1 June 2025 – 30 June 2025"))
        #expect(!html.contains("Adjusted baseline"))
    }

    @Test func negativeSavingsAreShownAsSuch() {
        let html = ReportRenderer.html(ReportSamples.negativeSavings())
        #expect(html.contains("above baseline"))
        #expect(html.contains("card accent-gain warn"))
        #expect(html.contains("\u{2212}1\u{202F}235\u{00A0}EUR"), "−1 234.5 rounds half away from zero")
        #expect(html.contains("✗ Does not meet ASHRAE Guideline 14"))
        #expect(html.contains("✗ Chain NOT verified"))
        #expect(html.contains("not reached within 20 years"))
        #expect(html.contains("area tone-loss"), "the cumulative area below zero is drawn as a loss")
        #expect(!html.contains("Discounted payback:"), "no payback point when there is none")
    }

    @Test func zeroBaselineShowsDashesNotDivisions() {
        let html = ReportRenderer.html(ReportSamples.zeros())
        #expect(html.contains("<p class=\"value\">—</p>"), "a card shows a dash")
        #expect(html.contains("No baseline to compare"))
        #expect(html.contains("<td class=\"num\">—</td>"), "a table cell shows a dash")
        #expect(Self.count("<svg", in: html) == 5)
    }

    @Test func emptyPeriodStillRenders() {
        let html = ReportRenderer.html(ReportSamples.empty())
        #expect(Self.count("<svg", in: html) == 4)
        #expect(html.contains("No monthly figures in this period"))
    }

    @Test func renderingIsDeterministic() {
        let data = ReportSamples.montdidier()
        #expect(ReportRenderer.html(data) == ReportRenderer.html(data))
    }

    @Test func monthFiguresAndAECIAvoidDivisionByZero() {
        let month = MonthFigures(month: Date(timeIntervalSince1970: 0), baselineKWh: 0, actualKWh: 0,
                                 pvKWh: 10, coveragePercent: 100)
        #expect(month.avoidedPercent == nil)
        #expect(month.renewableSharePercent == nil)
        #expect(AECIRow(name: "x", areaSquareMetres: 0, annualKWh: 5).aeciKWhPerSquareMetre == nil)
        #expect(AECIRow(name: "x", areaSquareMetres: 2_000, annualKWh: 5_000).aeciKWhPerSquareMetre == 2.5)
        let totals = ReportTotals(baselineKWh: 100, actualKWh: 25, pvKWh: 38, coveragePercent: 100,
                                  previousPeriodPVKWh: 25)
        #expect(totals.avoidedKWh == 75)
        #expect(totals.avoidedPercent == 75)
        #expect(totals.renewableSharePercent == 152)
        #expect(totals.pvChangePercent == 52)
    }
}
