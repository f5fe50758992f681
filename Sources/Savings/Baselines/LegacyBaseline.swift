import Lighting
import Units

/// The legacy counterfactual baseline: what the replaced installation would have used, its
/// lamps burning at rated power (lamp and ballast) from sunset to sunrise, every night:
///
///     baseline (kWh) = rated power (W) × dark hours (h) / 1000
///
/// This is what the cabinet simulation and the savings report compare against. Compute the
/// dark hours with `DarkHours` over the same intervals as the energy it is compared with (the
/// covered ones, when there are gaps).
public enum LegacyBaseline {
    /// The baseline energy of an installation of total rated power `ratedPower` over
    /// `darkHours` hours of darkness, in kWh.
    ///
    /// - Throws: `SavingsError.notFinite` or `.negative` for the power or the dark hours.
    public static func energyKWh(ratedPower: Watts, darkHours: Double) throws(SavingsError) -> Double {
        try check(ratedPower: ratedPower)
        guard darkHours.isFinite else { throw .notFinite(what: "dark hours") }
        guard darkHours >= 0 else { throw .negative(what: "dark hours", value: darkHours) }
        return ratedPower.value * darkHours / 1000
    }

    /// The same baseline as an exact `Energy` (whole milliwatt-hours, rounded), for `darkSeconds`
    /// seconds of darkness: what a ledger sums.
    ///
    /// - Throws: `SavingsError.notFinite` or `.negative` for the power or the dark seconds.
    public static func energy(ratedPower: Watts, darkSeconds: Double) throws(SavingsError) -> Energy {
        try check(ratedPower: ratedPower)
        guard darkSeconds.isFinite else { throw .notFinite(what: "dark seconds") }
        guard darkSeconds >= 0 else { throw .negative(what: "dark seconds", value: darkSeconds) }
        return ratedPower.energy(overSeconds: darkSeconds)
    }

    /// The replaced installation's total rated power: each circuit's legacy power per
    /// luminaire × its luminaire count, summed, in watts.
    public static func ratedPower(of installation: Installation) -> Watts {
        installation.circuits.reduce(Watts.zero) { $0 + $1.legacyPower * Double($1.luminaireCount) }
    }

    private static func check(ratedPower: Watts) throws(SavingsError) {
        guard ratedPower.value.isFinite else { throw .notFinite(what: "rated power") }
        guard ratedPower.value >= 0 else { throw .negative(what: "rated power", value: ratedPower.value) }
    }
}
