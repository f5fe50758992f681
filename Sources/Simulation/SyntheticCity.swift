import Astronomy
import BoardFiles
import Cabinet
import Foundation
import HAL
import Lighting
import SourceFiles
import Units

/// A synthetic city for benchmarks and capacity planning: `cabinets` cabinets of
/// `luminairesPerCabinet` luminaires each, spread over a town of about 10 km around a centre,
/// with the mix of streets a French town of 50,000 inhabitants has.
///
/// The mix (by cabinet, cycling in this order over every 10 cabinets): 3 main-road cabinets
/// (EN 13201 M-class dimming), 4 residential cabinets with part-night switch-off, 2
/// town-centre cabinets with the festive calendar, 1 park footpath with presence sensors.
/// Every cabinet has a photocell; one in ten has a PV array. The profiles are the ones shipped
/// in `profiles/`, parsed from `profilesDirectory`.
public enum SyntheticCity {
    /// Builds the city's cabinet configurations. Fails with the profile diagnostics if a
    /// shipped profile does not load.
    public static func cabinets(count: Int, luminairesPerCabinet: Int, profilesDirectory: String,
                                centre: GeoCoordinate = GeoCoordinate(latitude: 49.894, longitude: 2.296)!,
                                timeZone: TimeZone = TimeZone(identifier: "Europe/Paris")!) throws(Diagnostics) -> [CabinetConfiguration] {
        func profile(_ name: String) throws(Diagnostics) -> Profile {
            try ProfileLoader.load(path: profilesDirectory + "/" + name + ".yaml").get()
        }
        let kinds: [(profile: Profile, watts: Double, legacy: Double)] = [
            (try profile("main-road-m-class"), 60, 171),
            (try profile("residential-part-night"), 30, 116),
            (try profile("town-centre-festive"), 40, 116),
            (try profile("footpath-presence"), 20, 83),
        ]
        let pattern = [0, 1, 0, 1, 2, 1, 0, 1, 2, 3]
        let here = SourceLocation(file: "synthetic", line: 1, column: 1)
        var out: [CabinetConfiguration] = []
        for k in 0..<count {
            let kind = kinds[pattern[k % pattern.count]]
            // Spread over ±0.045° (about 5 km) on a deterministic lattice.
            let lat = centre.latitude + Double(k % 10 - 5) * 0.009
            let lon = centre.longitude + Double(k / 10 % 10 - 5) * 0.014
            let site = Site(id: "city-\(k)", name: "Synthetic cabinet \(k)",
                            coordinate: GeoCoordinate(latitude: lat, longitude: lon)!, timeZone: timeZone)
            // Three circuits sharing the luminaires; footpaths need the sensors' positions.
            let per = luminairesPerCabinet / 3
            let counts = [per, per, luminairesPerCabinet - 2 * per]
            let model = LuminaireModel(ratedPower: Watts(kind.watts), standbyPower: Watts(0.5), minimumLevel: DimLevel(percent: 10)!)
            let circuits = (0..<3).map {
                CircuitSpec(id: "c\($0 + 1)", name: "c\($0 + 1)", luminaireCount: counts[$0], model: model,
                            legacyPower: Watts(kind.legacy), safeState: .astronomical)
            }
            var inputs = [Board.Input(id: "photocell", kind: .photocell, location: here)]
            for rule in kind.profile.presence {
                inputs += rule.sensors.map { Board.Input(id: $0.id, kind: .presence, location: here) }
            }
            let board = Board(id: "simulated", description: nil, driver: .simulated,
                              outputs: (1...3).map { Board.Output(id: "out-\($0)", kind: .dimmer, safeState: .astronomical, minimumCycleSeconds: 60, location: here) },
                              inputs: inputs, meters: [], inverters: k % 10 == 0 ? [Board.Device(id: "inverter-1", location: here)] : [],
                              location: here)
            let pv = k % 10 == 0
                ? [PVArraySpec(id: "pv-\(k)", inverter: "inverter-1", peakKilowatts: 36, tiltDegrees: 30, azimuthDegrees: 180, performanceRatio: 0.8)]
                : []
            out.append(CabinetConfiguration(
                installation: Installation(site: site, circuits: circuits), board: board, profile: kind.profile,
                outputs: ["c1": "out-1", "c2": "out-2", "c3": "out-3"], pvArrays: pv, tariff: nil,
                simulation: SimulationSettings(presencePeakPerHour: 30, photocellAltitude: -3, seed: UInt64(k)),
                intervalSeconds: 900, cabinetPath: "synthetic", boardPath: "synthetic", profilePath: "synthetic"))
        }
        return out
    }

    /// Simulates every cabinet in turn on the calling thread and sums the reports.
    public static func simulate(_ cabinets: [CabinetConfiguration], from: Date, to: Date, seed: UInt64) throws -> SimulationReport {
        var total = SimulationReport(from: from, to: to)
        for (k, config) in cabinets.enumerated() {
            let r = try CabinetSimulator(configuration: config, seed: seed &+ UInt64(k)).run(from: from, to: to)
            total.lighting += r.lighting
            total.baseline += r.baseline
            total.production += r.production
            total.events += r.events
            total.burningHours += r.burningHours * Double(r.luminaires)
            total.luminaires += r.luminaires
        }
        total.burningHours /= Double(max(1, total.luminaires))
        return total
    }
}
