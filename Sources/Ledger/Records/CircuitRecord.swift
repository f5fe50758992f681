/// What a circuit is, as the ledger keeps it for derived figures (a `circuit` declaration).
public struct CircuitRecord: Sendable, Hashable {
    public var cabinetID: String
    public var circuitID: String
    public var name: String
    /// Number of luminaires.
    public var luminaires: Int
    /// Total rated power of the circuit's luminaires at full level, in watts.
    public var ratedWatts: Double
    /// Total power of the replaced (legacy) luminaires, lamps and ballasts, in watts: the legacy
    /// counterfactual baseline burns this from sunset to sunrise.
    public var legacyWatts: Double
    /// Lit road area in square metres, for the EN 13201-5 AECI; nil when not known.
    public var areaSquareMetres: Double?

    public init(cabinetID: String, circuitID: String, name: String, luminaires: Int, ratedWatts: Double,
                legacyWatts: Double, areaSquareMetres: Double?) {
        self.cabinetID = cabinetID
        self.circuitID = circuitID
        self.name = name
        self.luminaires = luminaires
        self.ratedWatts = ratedWatts
        self.legacyWatts = legacyWatts
        self.areaSquareMetres = areaSquareMetres
    }
}
