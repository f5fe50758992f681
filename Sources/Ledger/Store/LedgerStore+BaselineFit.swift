import Foundation
import Savings

extension LedgerStore {
    /// Fits an IPMVP option B model on a metered baseline period of this ledger: one
    /// observation per local month of the cabinet (energy recorded, dark hours of the intervals
    /// present, coverage), through the exporter so the figures are those of the CSV.
    ///
    /// - Throws: `ExportError` (no data in the period), `LedgerError`, `BaselineFitError`.
    public func fitBaselineModel(cabinet cabinetID: String?, from: Date, to: Date) throws -> BaselineModel {
        var options = ExportOptions(from: from, to: to, interval: .month, grouping: .cabinet, cabinetID: cabinetID)
        options.collectRows = true
        let base = try export(options, to: FileHandle.nullDevice)
        return try BaselineModel.fit(base.collected.map {
            BaselineObservation(start: $0.periodStart, end: $0.periodEnd, energyKWh: Double($0.energyWh) / 1000,
                                darkHours: $0.coveredDarkSeconds / 3600, coverage: $0.coveragePercent / 100)
        })
    }
}
