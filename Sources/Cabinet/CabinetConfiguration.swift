import Astronomy
import BoardFiles
import Foundation
import HAL
import Ledger
import Lighting
import Savings

/// A PV array and the inverter that measures it.
public struct PVArraySpec: Sendable, Hashable {
    public var id: String
    /// Board inverter that reports this array.
    public var inverter: String
    /// Peak power under standard test conditions, in kWp.
    public var peakKilowatts: Double
    /// Panel tilt from horizontal, degrees.
    public var tiltDegrees: Double
    /// Panel azimuth, degrees from north clockwise (180: due south).
    public var azimuthDegrees: Double
    /// Performance ratio (system losses), 0 ... 1.
    public var performanceRatio: Double
    public init(id: String, inverter: String, peakKilowatts: Double, tiltDegrees: Double, azimuthDegrees: Double,
                performanceRatio: Double) {
        self.id = id; self.inverter = inverter; self.peakKilowatts = peakKilowatts
        self.tiltDegrees = tiltDegrees; self.azimuthDegrees = azimuthDegrees; self.performanceRatio = performanceRatio
    }
}

/// The energy tariff used to value savings.
public struct Tariff: Sendable, Hashable {
    /// ISO 4217 currency code.
    public var currency: String
    /// Price of a kilowatt-hour, in `currency` (a decimal, never a binary float).
    public var pricePerKilowattHour: Decimal
}

/// What the lighting programme cost and what else it saves, for the return on investment.
public struct Investment: Sendable, Hashable {
    /// Capital expenditure, in the tariff's currency.
    public var capex: Decimal
    /// Discount rate per year, a fraction (0.04 = 4 %).
    public var discountRate: Double
    /// Years of savings counted.
    public var years: Int
    /// Maintenance costs avoided per year (relamping, repairs), in the tariff's currency.
    public var annualMaintenanceSavings: Decimal
    /// Energy price growth per year, a fraction.
    public var priceEscalation: Double
}

/// Settings of the simulated devices (used only with the simulated board).
public struct SimulationSettings: Sendable, Hashable {
    /// Detections per hour per presence sensor at the busiest hour.
    public var presencePeakPerHour: Double
    /// Solar altitude (degrees) at which the simulated photocell reports dark.
    public var photocellAltitude: Double
    /// Seed used when `lanterne simulate` is not given one.
    public var seed: UInt64
    public init(presencePeakPerHour: Double, photocellAltitude: Double, seed: UInt64) {
        self.presencePeakPerHour = presencePeakPerHour; self.photocellAltitude = photocellAltitude; self.seed = seed
    }
    public static let `default` = SimulationSettings(presencePeakPerHour: 30, photocellAltitude: -3, seed: 1)
}

/// Everything about one cabinet: where it is, what it lights, with which board and profile.
/// Loaded from a cabinet file (`examples/*.yaml`, `/etc/lanterne/cabinet.yaml`) by
/// `CabinetLoader`, together with the board and profile it names.
public struct CabinetConfiguration: Sendable {
    public var installation: Installation
    public var board: Board
    public var profile: Profile
    /// Circuit id → board output id.
    public var outputs: [String: String]
    /// Circuit id → lit road area in m² (for the EN 13201-5 AECI), where the cabinet file gives it.
    public var areas: [String: Double] = [:]
    public var pvArrays: [PVArraySpec]
    public var tariff: Tariff?
    public var investment: Investment?
    /// The emission factor avoided CO2e is computed with (`emissionFactor:`; France's ADEME
    /// average mix when the file names none).
    public var emissionFactor: EmissionFactor = .franceADEME
    public var simulation: SimulationSettings
    /// Length of a ledger interval, in seconds.
    public var intervalSeconds: Int
    /// How `lanterne run` finds faults from its meters (`faults:`).
    public var faults: FaultSettings = .default
    /// Which profiles `lanterne profile flash` may activate.
    public var flash: FlashSettings = .default
    /// Where `lanterne run` serves its metrics (`metrics: { listen: HOST:PORT }`; nil: nowhere).
    public var metricsAddress: (host: String, port: Int)?
    /// Paths as resolved (absolute or relative to the working directory).
    public var cabinetPath: String, boardPath: String, profilePath: String

    public init(installation: Installation, board: Board, profile: Profile, outputs: [String: String],
                areas: [String: Double] = [:], pvArrays: [PVArraySpec], tariff: Tariff? = nil, investment: Investment? = nil,
                emissionFactor: EmissionFactor = .franceADEME, simulation: SimulationSettings, intervalSeconds: Int,
                cabinetPath: String, boardPath: String, profilePath: String) {
        self.installation = installation; self.board = board; self.profile = profile; self.outputs = outputs
        self.areas = areas; self.pvArrays = pvArrays; self.tariff = tariff; self.investment = investment
        self.emissionFactor = emissionFactor; self.simulation = simulation; self.intervalSeconds = intervalSeconds
        self.cabinetPath = cabinetPath; self.boardPath = boardPath; self.profilePath = profilePath
    }

    public var site: Site { installation.site }
}

extension CabinetConfiguration {
    /// What the ledger must hold about this cabinet for its figures, as declarations taking
    /// effect at `effective`: the site, each circuit (luminaires, rated and legacy watts, area),
    /// the tariff and investment when the file has them, and the emission factor.
    public func declarations(effective: Date) -> [Declaration] {
        let id = site.id
        var contents: [DeclarationContent] = [
            .site(CabinetRecord(id: id, name: site.name, latitude: site.coordinate.latitude, longitude: site.coordinate.longitude,
                                timeZone: site.timeZone.identifier)),
        ]
        contents += installation.circuits.map { c in
            .circuit(CircuitRecord(cabinetID: id, circuitID: c.id, name: c.name, luminaires: c.luminaireCount,
                                   ratedWatts: c.model.ratedPower.value * Double(c.luminaireCount),
                                   legacyWatts: c.legacyPower.value * Double(c.luminaireCount), areaSquareMetres: areas[c.id]))
        }
        if let tariff {
            contents.append(.tariff(TariffDeclaration(currency: tariff.currency, pricePerKilowattHour: tariff.pricePerKilowattHour)))
        }
        if let i = investment {
            contents.append(.investment(InvestmentDeclaration(
                capex: i.capex, currency: tariff?.currency ?? "EUR", discountRate: i.discountRate, years: i.years,
                annualMaintenanceSavings: i.annualMaintenanceSavings, priceEscalation: i.priceEscalation)))
        }
        contents.append(.emissionFactor(EmissionFactorDeclaration(id: emissionFactor.id, name: emissionFactor.name,
                                                                  kgPerKilowattHour: emissionFactor.kgCO2ePerKWh,
                                                                  source: emissionFactor.source)))
        return contents.map { Declaration(cabinetID: id, effective: effective, content: $0) }
    }
}
