import Foundation

/// Irradiance under a cloudless sky as a function of the sun's altitude.
///
/// - Air mass: Kasten and Young (1989), "Revised optical air mass tables and approximation
///   formula", Applied Optics 28(22): AM = 1 / (cos z + 0.50572 (96.07995° − z)^−1.6364),
///   z the zenith angle in degrees; valid down to the horizon.
/// - Direct normal irradiance: Meinel and Meinel (1976), *Applied Solar Energy*, as given by
///   PVEducation ("Air Mass"): DNI = 1353 W/m² × 0.7^(AM^0.678). 1353 W/m² is the solar
///   constant they used; 0.7 means 70 % of the radiation reaches the ground through one air
///   mass; the exponent fits the atmosphere's non-uniformity.
/// - Diffuse horizontal irradiance: ≈ 10 % of the direct component on a clear day (the same
///   source's "global ≈ 1.1 × direct").
public struct ClearSkyModel: Sendable, Hashable {
    /// The extraterrestrial constant of the Meinel formula, W/m².
    public var solarConstant: Double
    /// Diffuse horizontal irradiance as a fraction of DNI.
    public var diffuseFraction: Double

    /// Creates a model; the defaults are Meinel's 1353 W/m² and a 10 % diffuse fraction.
    public init(solarConstant: Double = 1353, diffuseFraction: Double = 0.1) {
        self.solarConstant = solarConstant
        self.diffuseFraction = diffuseFraction
    }

    /// The Meinel clear sky with 10 % diffuse.
    public static let meinel = ClearSkyModel()

    /// Irradiance components, W/m².
    public struct Irradiance: Sendable, Hashable {
        /// Direct normal irradiance.
        public var directNormal: Double
        /// Diffuse horizontal irradiance.
        public var diffuseHorizontal: Double
        /// Global horizontal irradiance: direct × sin(altitude) + diffuse.
        public var globalHorizontal: Double

        /// All zero: night.
        public static let zero = Irradiance(directNormal: 0, diffuseHorizontal: 0, globalHorizontal: 0)
    }

    /// Kasten–Young relative optical air mass for a sun at `altitude` degrees; `nil` when the
    /// sun is at or below the horizon.
    public static func airMass(altitude: Double) -> Double? {
        guard altitude > 0 else { return nil }
        let zenith = 90 - altitude
        return 1 / (cos(zenith * .pi / 180) + 0.50572 * pow(96.07995 - zenith, -1.6364))
    }

    /// The clear-sky irradiance for a sun at `altitude` degrees (all zero at or below the
    /// horizon).
    public func irradiance(altitude: Double) -> Irradiance {
        guard let airMass = ClearSkyModel.airMass(altitude: altitude) else { return .zero }
        let direct = solarConstant * pow(0.7, pow(airMass, 0.678))
        let diffuse = diffuseFraction * direct
        let global = direct * sin(altitude * .pi / 180) + diffuse
        return Irradiance(directNormal: direct, diffuseHorizontal: diffuse, globalHorizontal: global)
    }
}
