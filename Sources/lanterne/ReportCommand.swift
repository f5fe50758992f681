import ArgumentParser
import Foundation
import Ledger
import Report
import Units

/// `lanterne report --ledger PATH [--cabinet ID] --from D --to D --out report.html`
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "A savings report people want to read: one self-contained HTML page with charts and tables.",
        discussion: """
            Everything comes from the ledger: its intervals (the same figures 'lanterne ledger \
            export' writes) and its chained declarations — the site, the circuits and their \
            areas (EN 13201-5 AECI), the tariffs, the investment case (return on investment with \
            the measured savings) and the emission factors. The ledger's hash chain is checked \
            and the signing key's fingerprint printed. With --baseline-from/--baseline-to (a \
            metered period of the old installation in the same ledger) it also fits an IPMVP \
            option B baseline. Render it to PNG or PDF with headless Chromium (docs/REPORT.md).
            """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var cabinet: CabinetChoiceOptions
    @OptionGroup var period: PeriodOptions

    @Option(help: ArgumentHelp("HTML file to write.", valueName: "file"))
    var out: String = "report.html"

    @OptionGroup var baseline: BaselinePeriodOptions

    func run() throws {
        let id = try cabinet.id()
        let store = try ledger.open()
        let data = try ReportBuilder.build(store: store, cabinet: id, from: period.from.date, to: period.to.date,
                                           baselinePeriod: baseline.period,
                                           generator: "lanterne \(LanterneVersion.string)", generatedAt: Date())
        try store.close()
        let html = ReportRenderer.html(data)
        try Data(html.utf8).write(to: URL(fileURLWithPath: out))
        print("\(out): \(data.months.count) months, \(NumberText.fixed(data.totals.avoidedKWh, decimals: 0)) kWh avoided (\(NumberText.fixed(data.totals.avoidedPercent, decimals: 1)) %), chain \(data.integrity.verified ? "sound" : "BROKEN"), signing key \(data.integrity.signingKeyFingerprint ?? "none")")
        if !data.integrity.verified { Console.stderr("warning: \(data.integrity.note)\n") }
    }
}
