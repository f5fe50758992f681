import Astronomy
import Foundation
import Lighting
import Units

/// A photovoltaic array at a place under a modelled sky: the physics behind
/// ``SimulatedPVInverter`` and the fast year-long simulation.
///
/// Pure and deterministic: the same plant and seed give the same watts at the same instant.
public struct PVPlant: Sendable, Hashable {
    /// The panels.
    public var array: PVArray
    /// Where the panels are.
    public var location: GeoCoordinate
    /// The cloudless sky.
    public var clearSky: ClearSkyModel
    /// The clouds; `nil` for a permanently clear sky.
    public var weather: WeatherModel?

    /// Length of one integration step of ``energy(from:to:)``, in seconds.
    public static let integrationStep: TimeInterval = 300

    /// Creates a plant.
    public init(array: PVArray, location: GeoCoordinate, clearSky: ClearSkyModel = .meinel,
                weather: WeatherModel?) {
        self.array = array
        self.location = location
        self.clearSky = clearSky
        self.weather = weather
    }

    /// AC power at `instant`, in watts; 0 while the sun is at or below the horizon.
    public func power(at instant: Date) -> Watts {
        power(at: instant, sun: Sun.position(at: instant, of: location))
    }

    func power(at instant: Date, sun: SunPosition) -> Watts {
        var cache: (day: Int, weather: WeatherModel.Day)?
        return power(at: instant, sun: sun, weatherCache: &cache)
    }

    /// `power(at:sun:)` reusing the weather of the solar day across calls (the day's weather
    /// is drawn from its own random stream: computing it once per day saves most of the cost
    /// of integrating a day).
    func power(at instant: Date, sun: SunPosition, weatherCache: inout (day: Int, weather: WeatherModel.Day)?) -> Watts {
        guard sun.altitude > 0 else { return .zero }
        let clear = clearSky.irradiance(altitude: sun.altitude)
        var sky = WeatherModel.Transmission.clearSky
        if let weather {
            let (dayNumber, hour) = WeatherModel.solarDay(of: instant, longitude: location.longitude)
            if weatherCache?.day != dayNumber {
                weatherCache = (dayNumber, weather.day(CivilDate(daysSinceEpoch: dayNumber)))
            }
            sky = weatherCache!.weather.transmission(atSolarHour: hour)
        }
        let direct = clear.directNormal * sky.beam
        let diffuse = clear.diffuseHorizontal * sky.diffuse
        let irradiance = ClearSkyModel.Irradiance(
            directNormal: direct, diffuseHorizontal: diffuse,
            globalHorizontal: direct * sin(sun.altitude * .pi / 180) + diffuse)
        return array.power(planeOfArrayIrradiance: array.planeOfArrayIrradiance(sun: sun, irradiance: irradiance))
    }

    /// Energy produced over `[from, to)`, rounded to whole milliwatt-hours (zero when
    /// `to <= from`).
    ///
    /// Midpoint rule on the fixed 5-minute grid of the epoch: power is taken as constant over
    /// each grid step, at its value in the middle of the step, also for the partial steps at
    /// either end. So `energy(a, b) + energy(b, c)` equals `energy(a, c)` up to rounding
    /// whatever `b` is, and a register polled at any instants agrees with one read once.
    /// Night is skipped quickly: the sun's altitude changes by at most 15.04°/h (Earth's
    /// rotation plus the sun's own motion), so from an altitude of −a° no step midpoint can see
    /// the sun for a / 0.26 minutes, and those steps are skipped without evaluating the sun.
    public func energy(from: Date, to: Date) -> Energy {
        let joules = energyJoules(from: from.timeIntervalSince1970, to: to.timeIntervalSince1970)
        return Energy(milliwattHours: Int64((joules / 3.6).rounded()))
    }

    /// The integral of ``power(at:)`` over `[from, to)` (seconds since the epoch), in joules.
    func energyJoules(from: Double, to: Double) -> Double {
        guard to > from else { return 0 }
        let step = PVPlant.integrationStep
        var index = (from / step).rounded(.down)
        var joules = 0.0
        var weatherCache: (day: Int, weather: WeatherModel.Day)?
        while index * step < to {
            let start = max(from, index * step)
            let end = min(to, (index + 1) * step)
            let middle = (index + 0.5) * step
            let instant = Date(timeIntervalSince1970: middle)
            let sun = Sun.position(at: instant, of: location)
            if sun.altitude > 0 {
                joules += power(at: instant, sun: sun, weatherCache: &weatherCache).value * (end - start)
                index += 1
            } else {
                // Steps whose middle comes before the sun can possibly be back above the horizon.
                let safeSeconds = -sun.altitude / 0.26 * 60
                index += max(1, ((middle + safeSeconds) / step).rounded(.down) - index)
            }
        }
        return joules
    }
}
