import Foundation

/// The summary written beside an export: one row per circuit (or cabinet) over the whole period
/// and a final total row, each figure the sum of the exported rows' own (rounded) figures, so an
/// auditor can check the sums.
public enum ExportSummaryWriter {
    public static func text(_ result: ExportResult, options: ExportOptions) -> String {
        let d = options.delimiter == UInt8(ascii: ";") ? ";" : ","
        let decimal = options.decimalComma ? "," : "."
        let currency = (result.currency ?? "eur").lowercased()
        func fixed(_ v: Int64, _ scale: Int) -> String {
            var divisor: Int64 = 1
            for _ in 0..<scale { divisor *= 10 }
            let sign = v < 0 ? "-" : ""
            let a = abs(v)
            let fraction = String(a % divisor)
            return sign + String(a / divisor) + decimal + String(repeating: "0", count: scale - fraction.count) + fraction
        }
        func percent(_ num: Int64, _ den: Int64) -> String {
            guard den != 0 else { return "" }
            return fixed(Int64((10_000 * Double(num) / Double(den)).rounded()), 2)
        }
        let header = ["key", "intervals", "estimated_intervals", "gap_intervals", "coverage_percent", "energy_kwh", "baseline_kwh",
                      "avoided_kwh", "avoided_percent", "pv_kwh", "avoided_cost_\(currency)", "avoided_co2e_kg"]
        var lines = [header.joined(separator: d)]
        func row(_ key: String, _ t: ExportTotals) -> String {
            [key, String(t.intervals), String(t.estimatedIntervals), String(t.gapIntervals),
             percent(t.intervals - t.gapIntervals, t.intervals), fixed(t.energyWh, 3), fixed(t.baselineWh, 3),
             fixed(t.baselineWh - t.energyWh, 3), percent(t.baselineWh - t.energyWh, t.baselineWh), fixed(t.pvWh, 3),
             result.currency == nil ? "" : fixed(t.avoidedCostTenThousandths, 4),
             result.emissionFactors.isEmpty ? "" : fixed(t.avoidedCO2eGrams, 3)].joined(separator: d)
        }
        for key in result.byKey.keys.sorted() { lines.append(row(key, result.byKey[key]!)) }
        lines.append(row("total", result.totals))
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
