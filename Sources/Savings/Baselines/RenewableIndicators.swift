/// Indicators of renewable (PV) production against lighting consumption, the kind a town
/// publishes ("renewable production up 52 %").
public enum RenewableIndicators {
    /// The change from a previous period to the current one, in percent of the previous:
    /// (current − previous) / previous × 100. Works for any energy: production up 52 % gives
    /// 52, consumption down 27 % gives -27.
    ///
    /// - Throws: `SavingsError.notFinite` or `.negative` for either energy,
    ///   `.zeroReference` when `previousKWh` is 0 (no change relative to nothing exists).
    public static func changePercent(previousKWh: Double, currentKWh: Double) throws(SavingsError) -> Double {
        try check(previousKWh, "previous-period energy")
        try check(currentKWh, "current-period energy")
        guard previousKWh > 0 else { throw .zeroReference(what: "previous-period energy") }
        return (currentKWh - previousKWh) / previousKWh * 100
    }

    /// Renewable production as a share of the lighting consumption of the same period, in
    /// percent: production / consumption × 100. It can exceed 100 (a PV array sized for a
    /// building produces more than a cabinet's lamps use).
    ///
    /// - Throws: `SavingsError.notFinite` or `.negative` for either energy,
    ///   `.zeroReference` when `consumptionKWh` is 0.
    public static func sharePercent(productionKWh: Double, consumptionKWh: Double) throws(SavingsError) -> Double {
        try check(productionKWh, "renewable production")
        try check(consumptionKWh, "lighting consumption")
        guard consumptionKWh > 0 else { throw .zeroReference(what: "lighting consumption") }
        return productionKWh / consumptionKWh * 100
    }

    private static func check(_ value: Double, _ what: String) throws(SavingsError) {
        guard value.isFinite else { throw .notFinite(what: what) }
        guard value >= 0 else { throw .negative(what: what, value: value) }
    }
}
