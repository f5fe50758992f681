/// Greenhouse-gas emissions per kWh of electricity, with where the figure comes from, to turn
/// avoided energy into avoided emissions: avoided kg CO2e = avoided kWh × `kgCO2ePerKWh`.
///
/// Factors differ by scope (life-cycle consumption mix or direct generation emissions), by
/// year, and by method (average or marginal): a report must name the one it used, which is why
/// every factor carries its name and source.
public struct EmissionFactor: Sendable, Hashable {
    /// Short identifier, as the CLI's `--emission-factor` takes it: "fr-ademe", "eu-eea",
    /// "custom".
    public let id: String
    /// Human name, e.g. "France, average electricity mix (ADEME)".
    public let name: String
    /// Kilograms of CO2 equivalent per kWh, 0 or more.
    public let kgCO2ePerKWh: Double
    /// Citation: publisher, data set, entry, edition.
    public let source: String
    /// The year the figure describes or the edition it was taken from (see `source`); nil for a
    /// custom factor.
    public let year: Int?
    /// What the figure is and is not (scope, caveats); may be empty.
    public let note: String

    /// - Throws: `FinanceError.invalidEmissionFactor` when `kgCO2ePerKWh` is NaN, infinite or
    ///   negative.
    public init(id: String, name: String, kgCO2ePerKWh: Double, source: String, year: Int?,
                note: String = "") throws(FinanceError) {
        guard kgCO2ePerKWh.isFinite, kgCO2ePerKWh >= 0 else { throw .invalidEmissionFactor(kgCO2ePerKWh) }
        self.init(checked: id, name, kgCO2ePerKWh, source, year, note)
    }

    private init(checked id: String, _ name: String, _ kg: Double, _ source: String, _ year: Int?, _ note: String) {
        self.id = id
        self.name = name
        self.kgCO2ePerKWh = kg
        self.source = source
        self.year = year
        self.note = note
    }

    /// Avoided emissions for `kWh` avoided, in kg CO2e (negative when `kWh` is).
    public func avoidedKgCO2e(kWh: Double) -> Double { kWh * kgCO2ePerKWh }

    /// France (mainland), average electricity consumption mix, life-cycle: 0.052 kg CO2e/kWh.
    ///
    /// The "mix moyen – consommation" entry of ADEME's Base Empreinte is the factor ADEME
    /// requires for greenhouse-gas inventories (Bilan GES). ADEME also published usage-specific
    /// factors (lighting among them) up to the 2023 values, to be used as indicative figures
    /// beside the average, never instead of it; Lanterne does not ship them.
    public static let franceADEME = EmissionFactor(
        checked: "fr-ademe", "France, average electricity mix (ADEME)", 0.052,
        "ADEME, Base Empreinte®, « Électricité – mix moyen – consommation », France continentale, 2024 edition",
        2024,
        "Average consumption mix, life-cycle (the factor ADEME requires for GHG inventories). ADEME's usage-specific "
            + "factors, lighting included, are indicative only and stop at the 2023 values.")

    /// EU-27, greenhouse-gas emission intensity of electricity generation: 0.281 kg CO2e/kWh
    /// (2018), as published by the European Environment Agency.
    ///
    /// Direct emissions of power generation over gross generation (nuclear and renewables
    /// included), not a life-cycle consumption factor, so not comparable with ADEME's. The
    /// EEA's later assessments report lower intensities (2023: 58 % below 1990); pass a
    /// current figure as a custom factor when a report needs one.
    public static let euEEA = EmissionFactor(
        checked: "eu-eea", "EU-27, electricity generation intensity (EEA)", 0.281,
        "European Environment Agency, indicator « Greenhouse gas emission intensity of electricity generation "
            + "in Europe » (IND-353, ENER 038), EU-27 in 2018: 281 g CO2e/kWh (assessment of December 2020)",
        2018,
        "Generation intensity (direct emissions / gross generation), not life-cycle; 2018 figure, later years are lower.")

    /// The shipped presets, by `id`.
    public static let presets: [EmissionFactor] = [franceADEME, euEEA]

    /// The preset named `id` ("fr-ademe", "eu-eea"), or nil.
    public static func preset(_ id: String) -> EmissionFactor? {
        presets.first { $0.id == id }
    }

    /// A factor given by the user, in kg CO2e per kWh.
    ///
    /// - Throws: `FinanceError.invalidEmissionFactor` when it is NaN, infinite or negative.
    public static func custom(kgCO2ePerKWh: Double, source: String = "given by the user") throws(FinanceError) -> EmissionFactor {
        try EmissionFactor(id: "custom", name: "Custom factor", kgCO2ePerKWh: kgCO2ePerKWh, source: source, year: nil)
    }
}
