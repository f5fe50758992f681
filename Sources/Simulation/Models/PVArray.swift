import Astronomy
import Foundation
import Lighting
import Units

/// A fixed photovoltaic array: its peak power and how its panels face the sky.
///
/// Power is `kWp × POA / 1000 W/m² × performance ratio`, where POA, the plane-of-array
/// irradiance (clouds already applied to its beam and diffuse parts), is the isotropic-sky
/// transposition (Liu and Jordan, 1963; see
/// Duffie and Beckman, *Solar Engineering of Thermal Processes*, §2.15):
///
///     POA = DNI × max(0, cos θ) + DHI × (1 + cos β) / 2 + GHI × ρ × (1 − cos β) / 2
///     cos θ = sin α cos β + cos α sin β cos(γs − γp)
///
/// with α the sun's altitude, γs its azimuth, β the tilt, γp the panels' azimuth, ρ the albedo.
public struct PVArray: Sendable, Hashable {
    /// Peak (STC) power in kilowatts, > 0.
    public var peakPowerKW: Double
    /// Tilt of the panels from horizontal, degrees, 0 ... 90.
    public var tilt: Double
    /// Direction the panels face, degrees clockwise from north (180 = south), 0 ..< 360.
    public var azimuth: Double
    /// Performance ratio: all system losses (temperature, soiling, wiring, inverter,
    /// mismatch) as a factor, 0 < PR <= 1. The default 0.80 is typical of well-run
    /// grid-connected systems (IEA PVPS Task 13 reports 0.7-0.9; PVGIS's default 14 % loss
    /// with its temperature model gives about 0.80 in northern France).
    public var performanceRatio: Double
    /// Ground reflectance, 0 ... 1. The default 0.2 is the usual value for grass and
    /// built-up ground (PVGIS and Duffie-Beckman use 0.2 without snow).
    public var albedo: Double

    /// Creates an array; returns `nil` when a value is not finite or out of its range.
    public init?(peakPowerKW: Double, tilt: Double, azimuth: Double,
                 performanceRatio: Double = 0.80, albedo: Double = 0.2) {
        guard peakPowerKW.isFinite, peakPowerKW > 0, tilt.isFinite, (0...90).contains(tilt),
              azimuth.isFinite, (0..<360).contains(azimuth), performanceRatio.isFinite,
              performanceRatio > 0, performanceRatio <= 1, albedo.isFinite,
              (0...1).contains(albedo) else { return nil }
        self.peakPowerKW = peakPowerKW
        self.tilt = tilt
        self.azimuth = azimuth
        self.performanceRatio = performanceRatio
        self.albedo = albedo
    }

    /// Plane-of-array irradiance in W/m² for the sun at `sun` under `irradiance`.
    public func planeOfArrayIrradiance(sun: SunPosition,
                                       irradiance: ClearSkyModel.Irradiance) -> Double {
        guard sun.altitude > 0 else { return 0 }
        let radians = Double.pi / 180
        let alpha = sun.altitude * radians, beta = tilt * radians
        let cosBeta = cos(beta)
        let cosIncidence = sin(alpha) * cosBeta
            + cos(alpha) * sin(beta) * cos((sun.azimuth - azimuth) * radians)
        let beam = irradiance.directNormal * max(0, cosIncidence)
        let sky = irradiance.diffuseHorizontal * (1 + cosBeta) / 2
        let ground = irradiance.globalHorizontal * albedo * (1 - cosBeta) / 2
        return beam + sky + ground
    }

    /// AC power for a plane-of-array irradiance `poa` (W/m²), in watts: kWp × 1000 W/kW ×
    /// poa / (1000 W/m² at STC) × PR.
    public func power(planeOfArrayIrradiance poa: Double) -> Watts {
        Watts(max(0, peakPowerKW * poa * performanceRatio))
    }
}
