/// One road's (or circuit's) annual energy consumption indicator, EN 13201-5.
public struct AECIRow: Sendable {
    /// The road or circuit (`"Rue de la Gare"`).
    public var name: String
    /// The lit area, square metres.
    public var areaSquareMetres: Double
    /// The annual energy consumption of its lighting, kWh per year.
    public var annualKWh: Double

    /// Creates a row.
    public init(name: String, areaSquareMetres: Double, annualKWh: Double) {
        self.name = name
        self.areaSquareMetres = areaSquareMetres
        self.annualKWh = annualKWh
    }

    /// AECI = annual energy / area, kWh/m²/year; nil when the area is not positive or a
    /// figure is not finite.
    public var aeciKWhPerSquareMetre: Double? {
        guard annualKWh.isFinite, areaSquareMetres.isFinite, areaSquareMetres > 0 else { return nil }
        return annualKWh / areaSquareMetres
    }
}
