import Foundation
import Testing
@testable import Report

@Suite struct ReportFormatTests {
    @Test func numbersAreGroupedWithANarrowNoBreakSpace() {
        #expect(ReportFormat.number(65_686) == "65\u{202F}686")
        #expect(ReportFormat.number(1_234_567.891, decimals: 2) == "1\u{202F}234\u{202F}567.89")
        #expect(ReportFormat.number(999) == "999")
        #expect(ReportFormat.number(-4_200) == "\u{2212}4\u{202F}200")
        #expect(ReportFormat.number(-0.04, decimals: 1) == "0.0", "no negative zero")
        #expect(ReportFormat.number(52, signed: true) == "+52")
        #expect(ReportFormat.number(0.05, decimals: 1) == "0.1")
        #expect(ReportFormat.number(.nan) == "—")
        #expect(ReportFormat.number(.infinity) == "—")
        #expect(ReportFormat.number(nil) == "—")
        #expect(ReportFormat.number(1e300) == "—")
        #expect(ReportFormat.kWh(.nan) == "—")
        #expect(ReportFormat.percent(82.94) == "82.9\u{00A0}%")
    }

    @Test func moneyIsDecimalAndRoundedHalfAwayFromZero() {
        #expect(ReportFormat.money(Decimal(string: "120000"), currency: "EUR") == "120\u{202F}000\u{00A0}EUR")
        #expect(ReportFormat.money(Decimal(string: "8177.5"), currency: "EUR") == "8\u{202F}178\u{00A0}EUR")
        #expect(ReportFormat.money(Decimal(string: "-1234.5"), currency: "EUR") == "\u{2212}1\u{202F}235\u{00A0}EUR")
        #expect(ReportFormat.money(Decimal(string: "0.1843"), currency: "EUR", decimals: 2) == "0.18\u{00A0}EUR")
        #expect(ReportFormat.money(Decimal(string: "3"), currency: "EUR", decimals: 2) == "3.00\u{00A0}EUR")
        #expect(ReportFormat.money(Decimal(string: "45000"), currency: "EUR", signed: true) == "+45\u{202F}000\u{00A0}EUR")
        #expect(ReportFormat.money(nil, currency: "EUR") == "—")
        #expect(ReportFormat.money(Decimal.nan, currency: "EUR") == "—")
    }

    @Test func datesAreLocal() {
        let paris = TimeZone(identifier: "Europe/Paris")!
        // 2024-12-31T23:30:00Z is already 1 January 2025 in Paris.
        let instant = Date(timeIntervalSince1970: 1_735_687_800)
        #expect(ReportFormat.longDate(instant, in: paris) == "1 January 2025")
        #expect(ReportFormat.timestamp(instant, in: paris) == "2025-01-01 00:30 (UTC+01:00)")
        let summer = Date(timeIntervalSince1970: 1_751_328_000)  // 2025-07-01T00:00:00Z
        #expect(ReportFormat.timestamp(summer, in: paris) == "2025-07-01 02:00 (UTC+02:00)")
        #expect(ReportFormat.timestamp(summer, in: TimeZone(identifier: "America/Montreal")!)
                == "2025-06-30 20:00 (UTC−04:00)")
    }

    @Test func escapingCoversTextAndAttributes() {
        #expect(HTMLEscaping.escape(#"<a href="x">'&'</a>"#)
                == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        #expect(HTMLEscaping.escape("é — ✓") == "é — ✓")
        #expect(HTMLEscaping.escape("a\u{0}b") == "a b")
    }

    @Test func niceScalesUseRoundSteps() {
        let kWh = NiceScale(covering: [5_690, 3_010, 967])
        #expect(kWh.lower == 0 && kWh.upper == 6_000 && kWh.step == 1_000)
        #expect(kWh.ticks == [0, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000])
        let share = NiceScale(covering: [105, 1_078])
        #expect(share.step == 250 || share.step == 200)
        #expect(share.upper >= 1_078 && share.lower == 0)
        let cash = NiceScale(covering: [-120_000, 47_000])
        #expect(cash.lower <= -120_000 && cash.upper >= 47_000 && cash.ticks.contains(0))
        #expect(NiceScale(covering: []).ticks == [0, 1, 2, 3, 4, 5])
        #expect(NiceScale(covering: [0, 0, .nan, .infinity]).upper == 5)
        #expect(NiceScale(covering: [-3]).upper == 0)
        #expect(NiceScale(covering: [0.3]).decimals == 2 || NiceScale(covering: [0.3]).decimals == 1)
        for values in [[1.0], [7.3], [99.9], [0.001], [-0.5, 0.5], [1e9], [123_456.0]] {
            let scale = NiceScale(covering: values)
            #expect(scale.lower <= (values.min() ?? 0) && scale.upper >= (values.max() ?? 0))
            #expect((3...12).contains(scale.ticks.count), "\(values): \(scale.ticks)")
        }
    }

    @Test func svgNumbersNeverPrintNaN() {
        #expect(SVGWriter.number(.nan) == "0")
        #expect(SVGWriter.number(12.34) == "12.3")
        #expect(SVGWriter.number(-0.04) == "0")
        #expect(SVGWriter.number(40) == "40")
    }
}
