/// A cabinet's site as declared in the ledger (a `site` declaration): its id, name, place and
/// time zone.
public struct CabinetRecord: Sendable, Hashable {
    /// The site id (`"MTD-01"`), unique in the ledger; intervals refer to it.
    public var id: String
    /// A human-readable name (`"Montdidier, rue de la Gare"`).
    public var name: String
    /// Latitude in degrees, north positive, -90 ... 90.
    public var latitude: Double
    /// Longitude in degrees, east positive, -180 ... 180.
    public var longitude: Double
    /// IANA time zone identifier (`"Europe/Paris"`).
    public var timeZone: String

    /// Creates a record. Validation happens when it is registered.
    public init(id: String, name: String, latitude: Double, longitude: Double, timeZone: String) {
        self.id = id
        self.name = name
        self.latitude = latitude
        self.longitude = longitude
        self.timeZone = timeZone
    }
}
