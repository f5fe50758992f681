import Astronomy
import Foundation
import Units

/// Where a cabinet is: its place on Earth and its legal time zone.
public struct Site: Sendable, Hashable {
    public var id: String
    public var name: String
    public var coordinate: GeoCoordinate
    public var timeZone: TimeZone
    public init(id: String, name: String, coordinate: GeoCoordinate, timeZone: TimeZone) {
        self.id = id
        self.name = name
        self.coordinate = coordinate
        self.timeZone = timeZone
    }
}

/// One switched circuit of the cabinet and the luminaires on it (all of one model).
public struct CircuitSpec: Sendable, Hashable {
    public var id: String
    public var name: String
    /// Number of luminaires on the circuit, in order along the street.
    public var luminaireCount: Int
    public var model: LuminaireModel
    /// Power of each replaced legacy luminaire (lamp and ballast) at full output: the baseline.
    public var legacyPower: Watts
    public var safeState: SafeState
    public init(id: String, name: String, luminaireCount: Int, model: LuminaireModel,
                legacyPower: Watts, safeState: SafeState) {
        self.id = id
        self.name = name
        self.luminaireCount = luminaireCount
        self.model = model
        self.legacyPower = legacyPower
        self.safeState = safeState
    }
}

/// The lighting side of a cabinet, as the engine needs it.
public struct Installation: Sendable, Hashable {
    public var site: Site
    public var circuits: [CircuitSpec]
    public init(site: Site, circuits: [CircuitSpec]) {
        self.site = site
        self.circuits = circuits
    }
    public func circuit(_ id: String) -> CircuitSpec? { circuits.first { $0.id == id } }
    public var luminaireCount: Int { circuits.reduce(0) { $0 + $1.luminaireCount } }
}
